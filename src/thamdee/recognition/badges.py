"""Badge milestones as plain data and functions: which badges a member's record reaches (no database here)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Rule:
    code: str
    kind: str  # first_deed | hours | virtue | dimension | streak
    threshold: int
    subject: str = ""


@dataclass
class MemberRecord:
    """A member's verified deeds, summed (only deeds of organisations that award badges)."""

    deeds: int = 0
    hours: Decimal = Decimal(0)
    by_virtue: dict[str, int] = field(default_factory=dict)
    by_dimension: dict[str, int] = field(default_factory=dict)
    months: set[tuple[int, int]] = field(default_factory=set)

    @property
    def longest_streak(self) -> int:
        return longest_monthly_streak(self.months)


def longest_monthly_streak(months: Iterable[tuple[int, int]]) -> int:
    """The longest run of consecutive calendar months with at least one verified deed."""
    ordinals = sorted({year * 12 + month - 1 for year, month in months})
    best = run = 0
    previous = None
    for value in ordinals:
        run = run + 1 if previous is not None and value == previous + 1 else 1
        best = max(best, run)
        previous = value
    return best


def reached(rule: Rule, record: MemberRecord) -> bool:
    if rule.kind == "first_deed":
        return record.deeds >= rule.threshold
    if rule.kind == "hours":
        return record.hours >= rule.threshold
    if rule.kind == "virtue":
        return record.by_virtue.get(rule.subject, 0) >= rule.threshold
    if rule.kind == "dimension":
        return record.by_dimension.get(rule.subject, 0) >= rule.threshold
    if rule.kind == "streak":
        return record.longest_streak >= rule.threshold
    return False


def progress(rule: Rule, record: MemberRecord) -> tuple[int, int]:
    """How far along (value, threshold), for showing the next milestones."""
    value: int | Decimal
    if rule.kind == "first_deed":
        value = record.deeds
    elif rule.kind == "hours":
        value = record.hours
    elif rule.kind == "virtue":
        value = record.by_virtue.get(rule.subject, 0)
    elif rule.kind == "dimension":
        value = record.by_dimension.get(rule.subject, 0)
    else:
        value = record.longest_streak
    return min(int(value), rule.threshold), rule.threshold


def newly_reached(rules: Iterable[Rule], record: MemberRecord, held: set[str]) -> list[Rule]:
    return [r for r in rules if r.code not in held and reached(r, record)]


@dataclass(frozen=True)
class DefaultBadge:
    code: str
    kind: str
    threshold: int
    subject: str
    name_th: str
    name_en: str
    criteria_th: str
    criteria_en: str
    ordering: int


HOUR_STEPS = (10, 50, 100, 300)
SUBJECT_STEPS = (5, 25)
STREAK_STEPS = (3, 6, 12)


def default_badges(
    virtues: Iterable[tuple[str, str, str]], dimensions: Iterable[tuple[str, str, str]]
) -> list[DefaultBadge]:
    """The milestones every site starts with: a first deed, hours, deeds in each virtue and each dimension, and
    monthly streaks. ``virtues``/``dimensions`` are (code, Thai name, English name)."""
    out = [
        DefaultBadge(
            "first-deed",
            "first_deed",
            1,
            "",
            "ก้าวแรกของความดี",
            "First good deed",
            "มีความดีที่ได้รับการรับรองเป็นครั้งแรก",
            "A first good deed verified",
            0,
        )
    ]
    for i, hours in enumerate(HOUR_STEPS):
        out.append(
            DefaultBadge(
                f"hours-{hours}",
                "hours",
                hours,
                "",
                f"ทำความดี {hours} ชั่วโมง",
                f"{hours} hours of good deeds",
                f"ความดีที่ได้รับการรับรองรวมครบ {hours} ชั่วโมง (เช่น จิตอาสา ดูแลผู้สูงอายุ)",
                f"{hours} verified hours of good deeds (volunteering, caring for elders)",
                10 + i,
            )
        )
    for group, kind, base, label_th, label_en in (
        (virtues, "virtue", 100, "คุณธรรม", "virtue"),
        (dimensions, "dimension", 300, "มิติ", "dimension"),
    ):
        for j, (code, name_th, name_en) in enumerate(group):
            for k, count in enumerate(SUBJECT_STEPS):
                out.append(
                    DefaultBadge(
                        f"{kind}-{code}-{count}",
                        kind,
                        count,
                        code,
                        f"{name_th} {count} ครั้ง",
                        f"{name_en}: {count} deeds",
                        f"ความดีที่ได้รับการรับรองใน{label_th}{name_th} ครบ {count} ครั้ง",
                        f"{count} verified good deeds in the {label_en} {name_en}",
                        base + j * 10 + k,
                    )
                )
    for i, months in enumerate(STREAK_STEPS):
        out.append(
            DefaultBadge(
                f"streak-{months}",
                "streak",
                months,
                "",
                f"ทำดีต่อเนื่อง {months} เดือน",
                f"{months}-month streak",
                f"มีความดีที่ได้รับการรับรองทุกเดือนติดต่อกัน {months} เดือน",
                f"Verified good deeds in each of {months} consecutive months",
                500 + i,
            )
        )
    return out


def month_of(day: dt.date) -> tuple[int, int]:
    return day.year, day.month
