"""Limits on requests that cost the server much (a PDF drawn, a spreadsheet of a year's figures), taken by the view
before the file is drawn: ``take(request, "files")``.

The count itself lives with the API's rate counts (``thamdee.api.throttling``, one row per client in the database,
for every process), which registers it here when the site starts: the apps below the API call ``take`` without
depending on it. With nothing registered (a script without the API app) nothing is counted."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import DomainError

# (request, scope) -> None when the request may go on, else the seconds to wait before the next one would.
Counter = Callable[[HttpRequest, str], int | None]
_counter: Counter | None = None


class TooManyRequestsError(DomainError):
    code = "rate_limited"
    status = 429
    message = _("ขอไฟล์บ่อยเกินไป โปรดลองใหม่ในอีก {seconds} วินาที")

    def __init__(self, *, seconds: int) -> None:
        super().__init__(seconds=seconds)
        self.retry_after = seconds


def register(counter: Counter) -> None:
    global _counter
    _counter = counter


def take(request: HttpRequest, scope: str) -> None:
    """Count one request of ``scope`` for its client; over the limit, ``TooManyRequestsError`` (429, with the
    seconds to wait for ``Retry-After``) and nothing is done."""
    wait = _counter(request, scope) if _counter is not None else None
    if wait is not None:
        raise TooManyRequestsError(seconds=wait)
