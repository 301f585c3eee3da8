from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from thamdee.common.errors import DomainError


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
        return render(request, template, {"error": exception}, status=exception.status)
