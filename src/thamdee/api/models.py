"""What the API's rate limits count (``api.throttling``)."""

from __future__ import annotations

from django.db import models


class RateCount(models.Model):
    """Requests of one client under one rate (``key``: a keyed digest of the rate's name and the signed-in person
    or the client's address, never either in clear), in the current period of the rate and the one before it.
    One row per client, rewritten by one statement a request; rows not seen for three days are deleted now and then.
    On PostgreSQL the table is UNLOGGED: a count is lost in a crash (a client is then counted afresh), and a
    request that only counts writes no WAL and waits for no disk flush."""

    key = models.CharField(max_length=64, primary_key=True)
    period = models.BigIntegerField()  # the number of the rate's current period since the epoch
    hits = models.IntegerField()  # requests served in that period
    previous = models.IntegerField()  # requests served in the period before it
    seen = models.BigIntegerField()  # seconds since the epoch of the last request
    allowed = models.BooleanField()  # whether the last request was served (read back by the statement that counts)

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.hits}+{self.previous}"
