"""Buddhist Era dates and Thai fiscal years.

Dates are stored in the Common Era; the Buddhist Era (CE + 543) is for display only. A Thai fiscal year runs
from 1 October to 30 September and is named by the BE year in which it ends: FY2570 is 1 Oct 2026 - 30 Sep
2027. In the database a fiscal year is the CE year in which it ends (2027 for FY2570).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone, translation

BE_OFFSET = 543

MONTHS_TH = [
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
]
MONTHS_TH_SHORT = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTHS_EN_SHORT = [m[:3] for m in MONTHS_EN]


def be_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    return be - BE_OFFSET


def fiscal_year_of(day: dt.date | dt.datetime) -> int:
    """The fiscal year (as the CE year in which it ends) that contains ``day``."""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day).date() if timezone.is_aware(day) else day.date()
    return day.year + 1 if day.month >= 10 else day.year


def fiscal_year_bounds(fiscal_year: int) -> tuple[dt.date, dt.date]:
    """First and last day of a fiscal year given as the CE year in which it ends."""
    return dt.date(fiscal_year - 1, 10, 1), dt.date(fiscal_year, 9, 30)


def fiscal_year_months(fiscal_year: int) -> list[tuple[int, int]]:
    """The (year, month) pairs of a fiscal year, October first."""
    months = [(fiscal_year - 1, m) for m in range(10, 13)]
    months += [(fiscal_year, m) for m in range(1, 10)]
    return months


def current_fiscal_year() -> int:
    return fiscal_year_of(timezone.localdate())


def _is_thai() -> bool:
    return (translation.get_language() or "th").startswith("th")


def format_date(day: dt.date | dt.datetime | None, style: str = "medium") -> str:
    """A date for people: Buddhist Era in Thai ("25 พ.ย. 2569"), Common Era in English ("25 Nov 2026")."""
    if day is None:
        return ""
    if isinstance(day, dt.datetime):
        day = timezone.localtime(day) if timezone.is_aware(day) else day
    thai = _is_thai()
    year = be_year(day.year) if thai else day.year
    if style == "long":
        month = MONTHS_TH[day.month - 1] if thai else MONTHS_EN[day.month - 1]
    elif style == "numeric":
        return f"{day.day:02d}/{day.month:02d}/{year}"
    else:
        month = MONTHS_TH_SHORT[day.month - 1] if thai else MONTHS_EN_SHORT[day.month - 1]
    return f"{day.day} {month} {year}"


def format_datetime(moment: dt.datetime | None, style: str = "medium") -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    suffix = " น." if _is_thai() else ""
    return f"{format_date(local, style)} {local:%H:%M}{suffix}"


def format_month(year: int, month: int) -> str:
    """A short month label for charts: "ต.ค. 69" in Thai, "Oct 2026" in English."""
    if _is_thai():
        return f"{MONTHS_TH_SHORT[month - 1]} {be_year(year) % 100:02d}"
    return f"{MONTHS_EN_SHORT[month - 1]} {year}"


def fiscal_year_label(fiscal_year: int) -> str:
    """The name of a fiscal year, always by its BE year: "ปีงบประมาณ 2570" or "FY2570"."""
    if _is_thai():
        return f"ปีงบประมาณ {be_year(fiscal_year)}"
    return f"FY{be_year(fiscal_year)}"
