"""RFC 7807 problem+json for every API error, with a stable ``code``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from thamdee.common.errors import DomainError

PROBLEM_TYPE = "application/problem+json"

# DRF exceptions and the stable codes and bilingual messages they become.
DRF_CODES: dict[type[exceptions.APIException], tuple[str, Any]] = {
    exceptions.ValidationError: ("invalid", _("ข้อมูลไม่ถูกต้อง")),
    exceptions.ParseError: ("parse_error", _("อ่านข้อมูลที่ส่งมาไม่ได้")),
    exceptions.AuthenticationFailed: ("authentication_failed", _("ยืนยันตัวตนไม่สำเร็จ")),
    exceptions.NotAuthenticated: ("not_authenticated", _("โปรดเข้าสู่ระบบก่อน")),
    exceptions.PermissionDenied: ("permission_denied", _("คุณไม่มีสิทธิ์ทำรายการนี้")),
    exceptions.NotFound: ("not_found", _("ไม่พบรายการนี้")),
    exceptions.MethodNotAllowed: ("method_not_allowed", _("ไม่รองรับวิธีเรียกนี้")),
    exceptions.NotAcceptable: ("not_acceptable", _("ไม่รองรับรูปแบบข้อมูลที่ขอ")),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", _("ไม่รองรับชนิดข้อมูลที่ส่งมา")),
    exceptions.Throttled: ("throttled", _("เรียกใช้บ่อยเกินไป โปรดรอสักครู่")),
}
# A throttled request's detail when the wait is known; the seconds are also the problem's ``seconds`` field.
THROTTLED_WAIT = _("เรียกใช้บ่อยเกินไป โปรดลองใหม่ในอีก {seconds} วินาที")

# DRF exceptions whose own text is never the problem's detail: the bilingual message is, in the caller's language.
# Their text is generic and in English only (DRF has no Thai for it), a parse error's quotes the Python decoder or
# Django's multipart parser, a throttled one's wait is the ``seconds`` field; not found and not allowed say nothing
# more than the message.
OWN_MESSAGE_ONLY = (
    exceptions.NotFound,
    exceptions.PermissionDenied,
    exceptions.ParseError,
    exceptions.NotAcceptable,
    exceptions.Throttled,
)


def _both(message: Any, **params: Any) -> tuple[str, str]:
    with translation.override("th"):
        th = str(message).format(**params) if params else str(message)
    with translation.override("en"):
        en = str(message).format(**params) if params else str(message)
    return th, en


def problem_response(data: dict[str, Any], status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(data, status=status, content_type=PROBLEM_TYPE, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return problem_response(exc.as_problem(), exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    code, message = next(
        ((c, m) for cls, (c, m) in DRF_CODES.items() if isinstance(exc, cls)),
        (str(getattr(exc, "default_code", "error")), exc.default_detail),
    )
    thai = (translation.get_language() or "th").startswith("th")
    th, en = _both(message)
    title = th if thai else en
    params: dict[str, Any] = {}
    wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
    if wait is not None:
        params["seconds"] = int(wait)
        th, en = _both(THROTTLED_WAIT, **params)
    data: dict[str, Any] = {
        "type": f"https://thamdee.example/problems/{code}",
        "title": title,
        "status": exc.status_code,
        "code": code,
        "detail": th if thai else en,
        "detail_th": th,
        "detail_en": en,
        **params,
    }
    if isinstance(exc, exceptions.ValidationError):
        data["errors"] = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
    elif not isinstance(exc, OWN_MESSAGE_ONLY):
        # DRF's own text where it says more (the method or media type refused), in the caller's language when DRF
        # has it.
        detail = str(exc.detail) if not isinstance(exc.detail, dict | list) else ""
        if detail and detail not in (th, en):
            data["detail"] = detail
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    return problem_response(data, exc.status_code, headers)


class JSONOrProblemRenderer(JSONRenderer):
    """JSON for results; the exception handler sets problem+json as the content type of errors."""

    charset = "utf-8"
    ensure_ascii = False


class ProblemJSONRenderer(JSONRenderer):
    media_type = PROBLEM_TYPE
    ensure_ascii = False
