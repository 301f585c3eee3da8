"""Domain errors: a stable code, a message in Thai and English, and an HTTP status.

Services raise them; the API renders them as RFC 7807 problem+json and the web layer as form errors.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    code: str = "domain_error"
    status: int = 400
    message: str | Promise = _("ทำรายการนี้ไม่ได้")
    # Seconds after which the request may be made again (a 429): sent as Retry-After.
    retry_after: int | None = None

    def __init__(self, message: str | Promise | None = None, **params: Any) -> None:
        """``params`` fill the message's ``{placeholders}`` and are added to the problem document."""
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.code)

    def _render(self) -> str:
        text = str(self.message)
        if self.params:
            with contextlib.suppress(KeyError, IndexError, ValueError):
                text = text.format(**{k: str(v) if isinstance(v, Promise) else v for k, v in self.params.items()})
        return text

    @property
    def message_th(self) -> str:
        with translation.override("th"):
            return self._render()

    @property
    def message_en(self) -> str:
        with translation.override("en"):
            return self._render()

    def __str__(self) -> str:
        return self._render()

    def as_problem(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": f"https://thamdee.example/problems/{self.code}",
            "title": self._render(),
            "status": self.status,
            "code": self.code,
            "detail": self._render(),
            "detail_th": self.message_th,
            "detail_en": self.message_en,
        }
        for key, value in self.params.items():
            if isinstance(value, str | int | float | bool) or value is None:
                data.setdefault(key, value)
            elif isinstance(value, Promise):
                data.setdefault(key, str(value))
        return data


class NotFoundError(DomainError):
    """Also what a foreign object looks like: its existence is not confirmed."""

    code = "not_found"
    status = 404
    message = _("ไม่พบรายการนี้")


class PermissionDeniedError(DomainError):
    code = "permission_denied"
    status = 403
    message = _("คุณไม่มีสิทธิ์ทำรายการนี้")


class ValidationError(DomainError):
    code = "invalid"
    status = 400
    message = _("ข้อมูลไม่ถูกต้อง")


class ConflictError(DomainError):
    code = "conflict"
    status = 409
    message = _("รายการนี้ขัดกับข้อมูลที่มีอยู่")
