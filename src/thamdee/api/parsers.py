"""Request body parsers that refuse a NUL character in any text (keys or values; file contents are not text).

PostgreSQL cannot store or even compare text that holds a NUL, so a body carrying one would reach the database
as a 500. The query string is checked by RefuseNulCharactersMiddleware; bodies are checked here, and the caller
gets the same clear 400 problem (nul_character)."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers

from thamdee.common.middleware import NulCharacterError


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul(data: Any) -> None:
    fields = data.data if isinstance(data, parsers.DataAndFiles) else data  # a body's files are not text
    if _has_nul(list(fields.lists()) if hasattr(fields, "lists") else fields):  # a QueryDict: every key and value
        raise NulCharacterError()


class _RefusesNul(parsers.BaseParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul(data)
        return data


class JSONParser(_RefusesNul, parsers.JSONParser):
    pass


class FormParser(_RefusesNul, parsers.FormParser):
    pass


class MultiPartParser(_RefusesNul, parsers.MultiPartParser):
    pass
