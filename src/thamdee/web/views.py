from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from thamdee.orgs.roles import roles_for


def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors; for signed-in people, their own page, fitted to their roles."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "web/landing.html")
    from thamdee.web import home_sections

    return render(request, "web/home.html", home_sections.build(request, roles_for(user)))


def about(request: HttpRequest) -> HttpResponse:
    import geothai

    return render(request, "web/about.html", {"geothai_version": geothai.DATA_VERSION})


def principles(request: HttpRequest) -> HttpResponse:
    return render(request, "web/principles.html")


def health(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer: the process answers through the whole middleware chain, touching nothing."""
    return HttpResponse("ok", content_type="text/plain")
