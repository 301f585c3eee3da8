"""Request body parsers that refuse a NUL character in any text (keys or values; file contents are not text), and
JSON nested deeper than any request of this API needs.

PostgreSQL cannot store or even compare text that holds a NUL, so a body carrying one would reach the database
as a 500. The query string is checked by RefuseNulCharactersMiddleware; bodies are checked here, and the caller
gets the same clear 400 problem (nul_character).

A few kilobytes of brackets would otherwise exhaust Python's stack, in the JSON decoder or in anything that walks
the result recursively, and answer 500 before anyone is signed in: such a body is a 400 problem (json_too_deep)
instead, and the walk below uses no recursion."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers

from thamdee.common.errors import DomainError
from thamdee.common.middleware import NulCharacterError

# No request of this API nests more than a few levels; this leaves room and keeps far below the stack's limit.
MAX_JSON_DEPTH = 64


class JsonTooDeepError(DomainError):
    code = "json_too_deep"
    status = 400
    message = _("ข้อมูลที่ส่งมาซ้อนกันหลายชั้นเกินไป (ไม่เกิน {limit} ชั้น)")


def _check(value: Any) -> None:
    """Refuse a NUL in any text, and lists or objects nested more than MAX_JSON_DEPTH deep. Iterative: the
    depth of a body must not decide the depth of the stack."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise NulCharacterError()
        elif isinstance(item, dict | list | tuple):
            if depth >= MAX_JSON_DEPTH:
                raise JsonTooDeepError(limit=MAX_JSON_DEPTH)
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)


def _refuse_nul(data: Any) -> None:
    fields = data.data if isinstance(data, parsers.DataAndFiles) else data  # a body's files are not text
    _check(list(fields.lists()) if hasattr(fields, "lists") else fields)  # a QueryDict: every key and value


class _RefusesNul(parsers.BaseParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        _refuse_nul(data)
        return data


class JSONParser(_RefusesNul, parsers.JSONParser):
    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:  # the decoder gave up before the depth check could: the same answer
            raise JsonTooDeepError(limit=MAX_JSON_DEPTH) from None


class FormParser(_RefusesNul, parsers.FormParser):
    pass


class MultiPartParser(_RefusesNul, parsers.MultiPartParser):
    pass
