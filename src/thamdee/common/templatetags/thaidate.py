"""Template filters for Buddhist Era dates and Thai fiscal years (built into every template)."""

from __future__ import annotations

import datetime as dt

from django import template

from thamdee.common import thaitime

register = template.Library()


@register.filter
def be_date(value: dt.date | dt.datetime | None, style: str = "medium") -> str:
    return thaitime.format_date(value, style)


@register.filter
def be_datetime(value: dt.datetime | None, style: str = "medium") -> str:
    return thaitime.format_datetime(value, style)


@register.filter
def be_year(value: int | dt.date | None) -> str:
    if value is None or value == "":
        return ""
    year = value.year if isinstance(value, dt.date) else int(value)
    return str(thaitime.be_year(year))


@register.filter
def fiscal_year(value: dt.date | dt.datetime | None) -> str:
    """The BE fiscal year that contains a date: 1 Oct 2026 -> "2570"."""
    if value is None:
        return ""
    return str(thaitime.be_year(thaitime.fiscal_year_of(value)))


@register.filter
def fy_label(value: int | None) -> str:
    """A fiscal year stored as its CE end year, named for people: 2027 -> "ปีงบประมาณ 2570"."""
    if value in (None, ""):
        return ""
    return thaitime.fiscal_year_label(int(value))  # type: ignore[arg-type]


@register.filter
def intcomma_th(value: int | None) -> str:
    if value is None:
        return ""
    return f"{int(value):,}"
