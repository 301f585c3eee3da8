"""The API's rate limits, one count for every process and machine of the site (in the database, not in a
process's memory): per signed-in person, per client address for anonymous calls, and tighter for the token
exchange. Rates are ``THAMDEE["API_RATES"]`` ("300/min"; None: no limit).

The count is a sliding window: the requests of the current period, and those of the period before weighted by the
part of it still inside the window ending now (as a proxy's rate limiter counts), so a client cannot send two
periods' worth around the turn of a period. One statement a request counts and reads at once (an upsert of the
client's one row), so concurrent requests, from any process, are each counted once: over the limit they are
refused with 429 (``throttled``) and a Retry-After. A refused request counts too: a client that keeps asking while
refused stays refused; one that waits as Retry-After says is served."""

from __future__ import annotations

import hashlib
import hmac
import math
import random
import re
import time
from typing import Any

from django.conf import settings
from django.db import connection
from rest_framework.throttling import BaseThrottle

from thamdee.people.lockout import lockout_address

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])[a-z]*\s*$")

HIT = """
    INSERT INTO api_ratecount (key, period, hits, previous, seen) VALUES (%s, %s, 1, 0, %s)
    ON CONFLICT (key) DO UPDATE SET
        previous = CASE WHEN api_ratecount.period = excluded.period THEN api_ratecount.previous
                        WHEN api_ratecount.period = excluded.period - 1 THEN api_ratecount.hits
                        ELSE 0 END,
        hits = CASE WHEN api_ratecount.period = excluded.period THEN api_ratecount.hits + 1 ELSE 1 END,
        period = excluded.period,
        seen = excluded.seen
    RETURNING hits, previous
"""
# Rows of clients not seen for a day are deleted by one request in this many.
SWEEP_ONE_IN = 1000
SWEEP_AFTER = 86400


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """("300/min") -> (300 requests, 60 seconds); None or "" -> no limit. Anything else is a configuration error."""
    if not rate:
        return None
    match = RATE.match(rate)
    if match is None:
        raise ValueError(f"API rate {rate!r}: expected '<requests>/<s|m|h|d>', such as '300/min'")
    return int(match.group(1)), PERIODS[match.group(2)]


def rate_for(scope: str) -> tuple[int, int] | None:
    rates: dict[str, str | None] = getattr(settings, "THAMDEE", {}).get("API_RATES", {})
    return parse_rate(rates.get(scope))


def hit(key: str, seconds: int, now: float) -> tuple[int, int]:
    """Count one request of ``key`` in its period of ``seconds``: its requests in this period (this one included)
    and in the period before."""
    with connection.cursor() as cursor:
        cursor.execute(HIT, [key, int(now // seconds), int(now)])
        hits, previous = cursor.fetchone()
        if random.randrange(SWEEP_ONE_IN) == 0:  # noqa: S311 (not a secret)
            cursor.execute("DELETE FROM api_ratecount WHERE seen < %s", [int(now) - SWEEP_AFTER])
    return int(hits), int(previous)


def wait_seconds(hits: int, previous: int, limit: int, seconds: int, now: float) -> int:
    """Seconds until the window's count is back within ``limit``, if no more requests come."""
    into = (now % seconds) / seconds
    if hits <= limit:  # the period before weighs too much still: wait until enough of it has left the window
        needed = 1 - (limit - hits) / previous if previous else into
        return max(1, math.ceil((needed - into) * seconds))
    # this period alone is over: the next period, and then until this one's weight has fallen enough
    return max(1, math.ceil((1 - into) * seconds + (1 - limit / hits) * seconds))


class ApiRateThrottle(BaseThrottle):
    """The API's one throttle (``DEFAULT_THROTTLE_CLASSES``). Its rate is the view's ``throttle_scope`` if it names
    one ("token"), otherwise "user" for a signed-in person (counted per person, wherever they call from) and "anon"
    for everyone else (counted per client address, an IPv6 client by its /64, as sign-in lockouts count)."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        user: Any = getattr(request, "user", None)
        signed_in = bool(user is not None and user.is_authenticated)
        scope = getattr(view, "throttle_scope", None) or ("user" if signed_in else "anon")
        rate = rate_for(scope)
        if rate is None:
            return True
        limit, seconds = rate
        who = f"user:{user.pk}" if signed_in and scope == "user" else f"address:{lockout_address(request)}"
        key = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{who}".encode(), hashlib.sha256).hexdigest()
        now = time.time()
        hits, previous = hit(key, seconds, now)
        if previous * (1 - (now % seconds) / seconds) + hits <= limit:
            return True
        self._wait = wait_seconds(hits, previous, limit, seconds, now)
        return False

    def wait(self) -> float | None:
        return self._wait
