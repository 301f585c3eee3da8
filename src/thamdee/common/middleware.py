from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import DomainError


class NulCharacterError(DomainError):
    code = "nul_character"
    status = 400
    message = _("คำขอมีอักขระที่ไม่อนุญาต (NUL)")


def _refusal(request: HttpRequest, error: DomainError) -> HttpResponse:
    """A refusal made before any view runs: problem+json for the API, the error page otherwise."""
    if request.path.startswith("/api/"):
        return JsonResponse(error.as_problem(), status=error.status, content_type="application/problem+json")
    return render(request, "domain_error.html", {"error": error}, status=error.status)


class RequestTooLargeError(DomainError):
    code = "request_too_large"
    status = 413
    message = _("ข้อมูลที่ส่งมาใหญ่เกินไป รับได้ไม่เกิน {limit_mb} MB ต่อครั้ง")


class RefuseLargeRequestsMiddleware:
    """A body larger than any form or API call of the site needs (``THAMDEE["MAX_REQUEST_BYTES"]``) is refused
    from its declared length, before anything reads it: Django streams uploads to temporary files without a
    limit of its own, so a huge body would fill the disk before any size check on a file could run. Put the same
    limit, or a lower one, on the proxy in front (docs/operations.md)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = int(settings.THAMDEE["MAX_REQUEST_BYTES"])
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isascii() and declared.isdigit() and int(declared[:20]) > limit:
            return _refusal(request, RequestTooLargeError(limit_mb=limit // (1024 * 1024)))
        return self.get_response(request)


class RefuseNulCharactersMiddleware:
    """A NUL character in the query string can never be a valid filter, and PostgreSQL cannot even compare text
    with one: answer 400 with a clear error before any view builds a query from it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return _refusal(request, NulCharacterError())
        return self.get_response(request)


class DomainErrorMiddleware:
    """A DomainError that a web view did not turn into a form error becomes a page (or fragment) with its status.

    API views never reach this: DRF's exception handler renders problem+json first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        template = "partials/domain_error.html" if getattr(request, "htmx", False) else "domain_error.html"
        response = render(request, template, {"error": exception}, status=exception.status)
        if exception.retry_after:
            response["Retry-After"] = str(exception.retry_after)
        return response
