"""Names kept in Thai and English."""

from __future__ import annotations

from django.utils import translation


def localised(name_th: str, name_en: str | None) -> str:
    """The English name when English is the active language and there is one; the Thai name otherwise."""
    if name_en and (translation.get_language() or "th").startswith("en"):
        return name_en
    return name_th
