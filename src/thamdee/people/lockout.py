"""Whom a lockout or a sign-up limit counts (the client's address), and what a locked-out sign-in sees: a page on
the web, problem+json in the API."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from thamdee.people.backends import account_signed_in_as
from thamdee.people.errors import InvalidMobileError, LockedOutError
from thamdee.people.validators import mobile_normalise


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


# An IPv6 client usually holds a whole /64 (a home, a phone), and may take any address in it for each request.
LOCKOUT_IPV6_PREFIX = 64


def lockout_address(request: HttpRequest) -> str:
    """Whom django-axes counts failed sign-ins against (``AXES_CLIENT_IP_CALLABLE``), with the user name: the
    client's address (``client_address``), an IPv6 one as the first address of its /64, so that a client cannot
    try a password from each address of its own network in turn. An IPv4 address stays as it is (a village behind
    one NAT is not one guesser)."""
    address = client_address(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/{LOCKOUT_IPV6_PREFIX}", strict=False).network_address)
    return str(ip)


def lockout_username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The user name django-axes counts failed sign-ins under (``AXES_USERNAME_CALLABLE``): one name per account,
    whichever name reached it, so that naming it by its mobile number, in any form the sign-in reads
    ("089-999-0002", "+66 89 999 0002", Thai digits), or by its user name does not get each its own tries.

    The name is read as the sign-in reads it (``backends.account_signed_in_as``: mobile number first, then user
    name); the account is counted under its mobile number, or its user name if it has none: the names erasure
    deletes sign-in records under (``privacy.selectors.sign_in_records``), and no database key. A name no account
    holds is counted as written, a mobile number in its one normal form. The web form and the API's token exchange
    alike; with the address, never alone (``AXES_LOCKOUT_PARAMETERS``)."""
    from django.conf import settings as conf

    field = conf.AXES_USERNAME_FORM_FIELD
    if credentials:
        raw = credentials.get(field)
    else:
        data = getattr(request, "data", None) or request.POST
        raw = data.get(field)
    if raw is None:
        return None
    account = account_signed_in_as(str(raw))
    if account is not None:
        return str(account.mobile or account.get_username())
    try:
        return mobile_normalise(str(raw))
    except InvalidMobileError:
        return str(raw)


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
