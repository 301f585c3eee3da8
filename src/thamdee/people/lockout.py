"""What a locked-out sign-in sees: a page on the web, problem+json in the API."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from thamdee.people.errors import LockedOutError


def lockout_response(request: HttpRequest, original_response: Any = None, credentials: Any = None) -> HttpResponse:
    error = LockedOutError()
    if request.path.startswith("/api/"):
        return HttpResponse(
            json.dumps(error.as_problem(), ensure_ascii=False),
            status=error.status,
            content_type="application/problem+json",
            headers={"Retry-After": "900"},
        )
    return render(request, "people/locked_out.html", {"error": error}, status=error.status)
