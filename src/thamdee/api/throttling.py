"""The API's rate limits, one count for every process and machine of the site (in the database, not in a
process's memory): per signed-in person, per client address for anonymous calls, and tighter for the token
exchange (per address and name tried, ``TokenRateThrottle``). Rates are ``THAMDEE["API_RATES"]`` ("300/min";
None: no limit).

The count is a sliding window: the requests of the current period, and those of the period before weighted by the
part of it still inside the window ending now (as a proxy's rate limiter counts), so a client cannot send two
periods' worth around the turn of a period. One statement a request decides and counts at once (an upsert of the
client's one row), so concurrent requests, from any process, are each judged on the count before them: over the
limit they are refused with 429 (``throttled``) and a Retry-After after which the next request is served. A
refused request is not counted, so a client that keeps asking from an address others share (a village behind one
router) does not keep them out longer than its own allowed requests do. A request arriving late, in the period
before the one its client's row has reached (another process's clock), is counted in the row's period.

If the count cannot be written (a read-only database, a missing table), the request is served and the failure
logged: the limit protects the site, it must not take the API down with it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import random
import re
import time
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from rest_framework.throttling import BaseThrottle

from thamdee.people.lockout import lockout_address, lockout_username

logger = logging.getLogger(__name__)

PERIODS = {
    **dict.fromkeys(("s", "sec", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}
RATE = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+)\s*$")

# With the row's period (r), the request's (x), the weight of the period before (w) and the limit (n):
PREVIOUS = """(CASE WHEN r.period >= x.period THEN r.previous WHEN r.period = x.period - 1 THEN r.hits ELSE 0 END)"""
CURRENT = "(CASE WHEN r.period >= x.period THEN r.hits ELSE 0 END)"
ALLOWED = f"({PREVIOUS} * %s + {CURRENT} + 1 <= %s)"
HIT = f"""
    INSERT INTO api_ratecount AS r (key, period, hits, previous, seen, allowed)
    VALUES (%s, %s, CASE WHEN %s >= 1 THEN 1 ELSE 0 END, 0, %s, %s >= 1)
    ON CONFLICT (key) DO UPDATE SET
        previous = {PREVIOUS},
        hits = {CURRENT} + CASE WHEN {ALLOWED} THEN 1 ELSE 0 END,
        allowed = {ALLOWED},
        period = CASE WHEN r.period > x.period THEN r.period ELSE x.period END,
        seen = x.seen
    RETURNING allowed, hits, previous
""".replace("x.", "excluded.")
# Rows of clients not seen for this long are deleted by one request in SWEEP_ONE_IN (longer than the longest
# period and the one before it).
SWEEP_ONE_IN = 1000
SWEEP_AFTER = 3 * 86400


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """("300/min") -> (300 requests, 60 seconds); None or "" -> no limit. Anything else (another unit, no
    request at all) is a configuration error."""
    if not rate:
        return None
    match = RATE.match(rate)
    if match is None or match.group(2) not in PERIODS or int(match.group(1)) < 1:
        raise ValueError(f"API rate {rate!r}: expected '<requests, 1 or more>/<s|min|hour|day>', such as '300/min'")
    return int(match.group(1)), PERIODS[match.group(2)]


def rate_for(scope: str) -> tuple[int, int] | None:
    return parse_rate(settings.THAMDEE.get("API_RATES", {}).get(scope))


def hit(key: str, limit: int, seconds: int, now: float) -> tuple[bool, int, int]:
    """Judge and count one request of ``key`` against ``limit`` requests a period of ``seconds``: whether it is
    allowed (then counted), and the client's requests in this period and the one before, this one included if
    allowed. A late request (its period before the row's) is judged and counted in the row's period."""
    weight = 1 - (now % seconds) / seconds
    period = int(now // seconds)
    # (the window is compared with a hair over the limit: a weight of 2/3 times 3 is 2.0000000000000004)
    params: list[str | int | float] = [key, period, limit, int(now), limit, *([weight, limit + 1e-9] * 2)]
    with connection.cursor() as cursor:
        cursor.execute(HIT, params)
        allowed, hits, previous = cursor.fetchone()
        if random.randrange(SWEEP_ONE_IN) == 0:  # noqa: S311 (not a secret)
            cursor.execute("DELETE FROM api_ratecount WHERE seen < %s", [int(now) - SWEEP_AFTER])
    return bool(allowed), int(hits), int(previous)


def wait_seconds(hits: int, previous: int, limit: int, seconds: int, now: float) -> int:
    """Seconds until one more request fits the window (``hits`` and ``previous``, not counting the refused one),
    if no more requests come."""
    into = (now % seconds) / seconds
    room = limit - 1  # what the window may hold before the next request
    if hits <= room and previous:  # the period before weighs too much still: wait until enough of it has left
        needed = 1 - (room - hits) / previous
        return _whole_seconds((needed - into) * seconds)
    # this period alone is full: the next period, and then until this one's weight has fallen enough
    return _whole_seconds((1 - into) * seconds + (1 - room / hits) * seconds) if hits else 1


def _whole_seconds(seconds: float) -> int:
    """Up to a whole second, at least one (a float a hair over a whole number is that number)."""
    return max(1, math.ceil(round(seconds, 6)))


def count(scope: str, who: str, rate: tuple[int, int] | None) -> int | None:
    """Judge and count one request of ``who`` in ``scope`` against ``rate``: None when it is allowed (or there is
    no limit, or the count could not be written: then the failure is logged), else the seconds to wait."""
    if rate is None:
        return None
    limit, seconds = rate
    key = hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{who}".encode(), hashlib.sha256).hexdigest()
    now = time.time()
    try:
        if connection.in_atomic_block:  # a failed statement must not break the caller's transaction
            with transaction.atomic():
                allowed, hits, previous = hit(key, limit, seconds, now)
        else:
            allowed, hits, previous = hit(key, limit, seconds, now)
    except DatabaseError:
        logger.exception("Rate limit not counted (scope %s); the request is served", scope)
        return None
    return None if allowed else wait_seconds(hits, previous, limit, seconds, now)


def _who(request: Any) -> str:
    """A signed-in person wherever they call from; anyone else by client address (an IPv6 client by its /64)."""
    user: Any = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{lockout_address(request)}"


def count_files(request: Any, scope: str) -> int | None:
    """The counter of ``common.ratelimit.take`` (registered by the API app): "files" at ``THAMDEE["FILE_RATE"]``,
    per signed-in person or client address, in the same table as the API's counts (its own keys)."""
    rate = parse_rate(settings.THAMDEE.get("FILE_RATE")) if scope == "files" else None
    return count(f"web-{scope}", _who(request), rate)


class ApiRateThrottle(BaseThrottle):
    """The API's throttle for every call (``DEFAULT_THROTTLE_CLASSES``): "user" for a signed-in person (counted per
    person, wherever they call from) and "anon" for everyone else (counted per client address, an IPv6 client by
    its /64, as sign-in lockouts count)."""

    def __init__(self) -> None:
        self._wait: int | None = None

    def scope_and_who(self, request: Any) -> tuple[str, str]:
        who = _who(request)
        return ("user" if who.startswith("user:") else "anon"), who

    def allow_request(self, request: Any, view: Any) -> bool:
        scope, who = self.scope_and_who(request)
        self._wait = count(scope, who, rate_for(scope))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


class TokenRateThrottle(ApiRateThrottle):
    """The exchange of a password for a token, on top of the anonymous rate: "token", per client address and the
    account the name tried reaches (``people.lockout.lockout_username``: its mobile number or user name, the same
    count whichever was typed) together, as sign-in lockouts count, never the address
    alone, so that one script behind an address a village shares cannot keep the others out beyond the
    anonymous rate of the address."""

    def scope_and_who(self, request: Any) -> tuple[str, str]:
        data = request.data if hasattr(request.data, "get") else {}
        name = lockout_username(request, {"username": data.get("username")}) if data.get("username") else ""
        return "token", f"address:{lockout_address(request)}:name:{name}"
