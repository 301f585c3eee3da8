"""Reading numbers from request input (query strings, form fields).

``str.isdigit()`` is no test for "a number ``int()`` reads": it says yes to superscripts ("²"), which ``int()``
refuses, and to Thai and Arabic-Indic digits ("๒๕๗๐", "٣"), which ``int()`` reads; a long enough string of digits
is refused by ``int()`` too (Python's limit on converting digits). Request input is either plain ASCII digits of a
sensible length, or it is not a number.
"""

from __future__ import annotations

from typing import Any

MAX_DIGITS = 18  # beyond any count, page, year or offset the site uses, and still far inside int()'s limit


def is_ascii_digits(value: Any) -> bool:
    """True for a non-empty string of the ASCII digits 0-9 and nothing else (a code such as a DOPA area code)."""
    return isinstance(value, str) and value.isascii() and value.isdigit()


def ascii_int(value: Any, *, max_digits: int = MAX_DIGITS) -> int | None:
    """The whole number that ``value`` spells in ASCII digits (at most ``max_digits`` of them), else None."""
    if not is_ascii_digits(value) or len(value) > max_digits:
        return None
    return int(value)


def year_param(value: Any) -> int | None:
    """A (fiscal) year asked for in request input, in the Common Era: four ASCII digits, in the Buddhist Era (over
    2400, as Thai users write it) or the Common Era; anything else None (the caller's default)."""
    from thamdee.common.thaitime import ce_year

    year = ascii_int(value, max_digits=4)
    if year is None or year < 1000:
        return None
    return ce_year(year) if year > 2400 else year
