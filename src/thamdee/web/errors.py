"""Site-wide error pages: problem+json under /api/, pages everywhere else."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import DomainError, NotFoundError, PermissionDeniedError


class ServerError(DomainError):
    code = "server_error"
    status = 500
    message = _("ระบบขัดข้องชั่วคราว ข้อมูลที่บันทึกไว้แล้วไม่สูญหาย โปรดลองใหม่")


class BadRequestError(DomainError):
    code = "bad_request"
    status = 400
    message = _("คำขอไม่ถูกต้อง")


def _respond(request: HttpRequest, error: DomainError, template: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return HttpResponse(
            json.dumps(error.as_problem(), ensure_ascii=False),
            status=error.status,
            content_type="application/problem+json",
        )
    if error.status == 500:
        return render(request, template, status=500)
    return render(request, template, {"error": error}, status=error.status)


def not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, NotFoundError(), "404.html")


def permission_denied(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, PermissionDeniedError(), "domain_error.html")


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    return _respond(request, BadRequestError(), "domain_error.html")


def server_error(request: HttpRequest) -> HttpResponse:
    return _respond(request, ServerError(), "500.html")
