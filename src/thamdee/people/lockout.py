"""Whom a lockout or a sign-up limit counts (the client's address), and what a locked-out sign-in sees: a page on
the web, problem+json in the API."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from thamdee.people.errors import LockedOutError


def client_address(request: HttpRequest) -> str:
    """The client's address: behind ``AXES_IPWARE_PROXY_COUNT`` trusted proxies (``AXES_PROXY_COUNT``), the one
    that the outermost of them appended to X-Forwarded-For, so that what a client writes there itself is never
    read; with no proxy, or a header that did not come through them all, REMOTE_ADDR. django-axes uses it too
    (``AXES_CLIENT_IP_CALLABLE``), so a village behind one proxy is never counted as one client."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "AXES_IPWARE_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            try:
                return str(ipaddress.ip_address(forwarded[-proxies]))
            except ValueError:
                pass
    return remote


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
