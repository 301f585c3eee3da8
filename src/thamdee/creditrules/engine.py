"""The credit rules engine: pure Python, no database.

Deed facts plus the rulebook versions in force on the day the deed was done give a whole number of credits
and an explanation, line by line, in Thai and English, naming each rule and the version it comes from.

A rule document (the ``rules`` of a published rulebook version) looks like::

    {
      "schema": 1,
      "rates": [{"id": "r1", "deed_type": "elder-care", "per": "hour", "credits": 5}],
      "default_rates": {"occurrence": 5},
      "multipliers": [
        {"id": "m1", "kind": "target_area", "areas": ["7109"], "factor": 1.5, "label_th": "...", "label_en": "..."},
        {"id": "m2", "kind": "campaign", "from": "2026-12-01", "to": "2027-01-15", "factor": 2,
         "deed_types": ["waste-sorting"]},
        {"id": "m3", "kind": "focus_virtue", "virtues": ["volunteering"], "factor": 1.25}
      ],
      "caps": {"member_day": 100, "member_month": 600, "deed_type_month": {"savings-20": 10}},
      "two_approvers_above": 200,
      "appeal_days": 30,
      "levels": [{"code": "seed", "name_th": "...", "name_en": "...", "min_credits": 0}]
    }

Positive only: rates and caps are never negative and multipliers are never below 1, so a rule can add credits
or limit how many are given, never take any away. Every number is bounded (``MAX_CREDITS`` and the other
``MAX_`` constants below), and no deed earns more than ``MAX_AWARD``, so an award always fits the ledger.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from thamdee.common.thaitime import BE_OFFSET

UNITS = ("occurrence", "hour", "period", "percent")
UNIT_TH = {"occurrence": "ครั้ง", "hour": "ชั่วโมง", "period": "รอบ", "percent": "จุดร้อยละ"}
UNIT_EN = {"occurrence": "time", "hour": "hour", "period": "period", "percent": "percentage point"}
MAX_FACTOR = 3.0
# Bounds on every number of a rule document: JSON and Python whole numbers have no size limit, and a rate of
# 10**400 would overflow the ledger's integer columns at every verification. Credits per rate, default rates, caps
# and the two-approver threshold: at most a million. Level thresholds count lifetime credits: at most a billion
# (as the rewards' unlock thresholds), inside the 32-bit column that records a level reached.
MAX_CREDITS = 1_000_000
MAX_LIFETIME_CREDITS = 1_000_000_000
MAX_APPEAL_DAYS = 3650  # ten years: an appeal's deadline stays a real date
MAX_MULTIPLIERS = 50  # per document: far more than any scheme uses, and compounding stays a finite number
# No deed earns more (the largest rate for the largest quantity a deed records, 100), however multipliers compound:
# a deed's credits and a posting's amount are 32-bit integer columns (2,147,483,647).
MAX_AWARD = 100 * MAX_CREDITS
SCHEMA = 1


class RuleDocumentError(ValueError):
    """A rule document that cannot be published; ``problems`` lists what is wrong, in English and Thai."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Rate:
    id: str
    deed_type: str
    per: str
    credits: int


@dataclass(frozen=True)
class Multiplier:
    id: str
    kind: str  # target_area | campaign | focus_virtue
    factor: float
    areas: tuple[str, ...] = ()
    start: dt.date | None = None
    end: dt.date | None = None
    deed_types: tuple[str, ...] = ()
    virtues: tuple[str, ...] = ()
    label_th: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Caps:
    member_day: int | None = None
    member_month: int | None = None
    deed_type_month: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Level:
    code: str
    name_th: str
    name_en: str
    min_credits: int


@dataclass(frozen=True)
class Rules:
    rates: tuple[Rate, ...] = ()
    default_rates: dict[str, int] = field(default_factory=dict)
    multipliers: tuple[Multiplier, ...] = ()
    caps: Caps = field(default_factory=Caps)
    two_approvers_above: int | None = None
    appeal_days: int | None = None
    levels: tuple[Level, ...] = ()


@dataclass(frozen=True)
class RuleSet:
    """One published rulebook version in force for a deed."""

    label_th: str  # "กติการะดับโครงการ ... ฉบับที่ 2"
    label_en: str
    version_id: int
    effective_from: dt.date
    rules: Rules


@dataclass(frozen=True)
class DeedFacts:
    deed_type: str  # the deed type's code
    deed_type_name_th: str
    deed_type_name_en: str
    unit: str
    quantity: float  # hours, occurrences, or percentage points; 1 for a period
    done_on: dt.date
    area_code: str
    virtues: tuple[str, ...] = ()


@dataclass(frozen=True)
class History:
    """Credits the member already has from verified deeds, to apply caps."""

    day: int = 0  # on the deed's day
    month: int = 0  # in the deed's month
    deed_type_month: int = 0  # of this deed type in the deed's month


@dataclass(frozen=True)
class Line:
    rule: str  # "rate:r1@v12", "multiplier:m1@v3", "cap:member_day@v3", "total"
    text_th: str
    text_en: str
    value: int | float


@dataclass(frozen=True)
class Award:
    credits: int
    lines: tuple[Line, ...]
    version_ids: tuple[int, ...]
    two_approvers: bool = False
    short_by_allotment: bool = False

    def text(self, lang: str = "th") -> list[str]:
        return [line.text_en if lang.startswith("en") else line.text_th for line in self.lines]

    def as_json(self) -> list[dict[str, Any]]:
        return [{"rule": x.rule, "th": x.text_th, "en": x.text_en, "value": x.value} for x in self.lines]


# --- parsing ---------------------------------------------------------------------------------------------------


def _int(
    value: Any,
    where: str,
    problems: list[str],
    *,
    minimum: int = 0,
    maximum: int = MAX_CREDITS,
    required: bool = False,
) -> int | None:
    if value is None:
        if required:
            problems.append(f"{where}: is needed / ต้องระบุ")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        problems.append(
            f"{where}: a whole number from {minimum:,} to {maximum:,} is needed / "
            f"ต้องเป็นจำนวนเต็มตั้งแต่ {minimum:,} ถึง {maximum:,}"
        )
        return None
    return value


def _not_finite(doc: dict[str, Any], problems: list[str]) -> None:
    """A number JSON cannot hold, anywhere (notes included): json.loads reads 1e400 as infinity, and neither
    database's JSON column can store it. Iterative: the document's depth must not decide the stack's."""
    stack: list[tuple[str, Any]] = [(str(k), v) for k, v in doc.items()]
    while stack:
        where, value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"{where}: a number too large (or not a number) / ตัวเลขใหญ่เกินไปหรือไม่ใช่ตัวเลข")
        elif isinstance(value, dict):
            stack.extend((f"{where}.{k}", v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]", v) for i, v in enumerate(value))


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
AREA_CODE = re.compile(r"[0-9]{2}(?:[0-9]{2}){0,3}")


def _date(value: Any, where: str, problems: list[str]) -> dt.date | None:
    text = str(value) if isinstance(value, str) else ""
    try:
        if not ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        problems.append(f"{where}: a date YYYY-MM-DD is needed / ต้องเป็นวันที่รูปแบบ ปปปป-ดด-วว (ค.ศ.)")
        return None


def _list(value: Any, where: str, problems: list[str]) -> list[Any]:
    """A JSON array (a string is not a list of its letters)."""
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(f"{where}: must be a list / ต้องเป็นรายการ")
        return []
    return value


def _dict(value: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(f"{where}: must be an object / ต้องเป็นออบเจกต์")
        return {}
    return value


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    items = _list(value, where, problems)
    if not all(isinstance(x, str) and x for x in items):
        problems.append(f"{where}: must be a list of texts / ต้องเป็นรายการข้อความ")
        return ()
    return tuple(items)


def parse_rules(doc: dict[str, Any]) -> Rules:
    """Read and check a rule document; raise RuleDocumentError listing every problem (never another error)."""
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise RuleDocumentError(["the rules must be an object / กติกาต้องเป็นออบเจกต์"])
    known = {
        "schema",
        "rates",
        "default_rates",
        "multipliers",
        "caps",
        "two_approvers_above",
        "appeal_days",
        "levels",
        "notes",
    }
    unknown = set(doc) - known
    if unknown:
        problems.append(f"unknown keys / คีย์ที่ไม่รู้จัก: {', '.join(sorted(map(str, unknown)))}")
    if doc.get("schema", SCHEMA) != SCHEMA:
        problems.append(f"schema must be {SCHEMA}")
    _not_finite(doc, problems)
    rates = []
    seen_ids: set[str] = set()
    seen_types: set[str] = set()
    for i, raw in enumerate(_list(doc.get("rates"), "rates", problems)):
        where = f"rates[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object")
            continue
        rid = str(raw.get("id") or f"r{i + 1}")
        if rid in seen_ids:
            problems.append(f"{where}: duplicate id {rid}")
        seen_ids.add(rid)
        per = raw.get("per")
        if per not in UNITS:
            problems.append(f"{where}: per must be one of {', '.join(UNITS)}")
        credits = _int(raw.get("credits"), f"{where}.credits", problems, required=True)
        deed_type = raw.get("deed_type")
        if not isinstance(deed_type, str) or not deed_type:
            problems.append(f"{where}: deed_type is needed / ต้องระบุประเภทความดี")
            continue
        if deed_type in seen_types:
            problems.append(f"{where}: a second rate for {deed_type} / มีอัตราของ {deed_type} ซ้ำ")
        seen_types.add(deed_type)
        if per in UNITS and credits is not None:
            rates.append(Rate(id=rid, deed_type=deed_type, per=per, credits=credits))
    defaults = {}
    for unit, value in _dict(doc.get("default_rates"), "default_rates", problems).items():
        if unit not in UNITS:
            problems.append(f"default_rates: unknown unit {unit}")
            continue
        credits = _int(value, f"default_rates.{unit}", problems)
        if credits is not None:
            defaults[unit] = credits
    multipliers = []
    raw_multipliers = _list(doc.get("multipliers"), "multipliers", problems)
    if len(raw_multipliers) > MAX_MULTIPLIERS:
        problems.append(
            f"multipliers: at most {MAX_MULTIPLIERS} in one document / ตัวคูณมีได้ไม่เกิน {MAX_MULTIPLIERS} รายการ"
        )
    for i, raw in enumerate(raw_multipliers):
        where = f"multipliers[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object")
            continue
        kind = raw.get("kind")
        value = raw.get("factor")
        factor = 0.0
        # compared before float(): float(10**400) raises OverflowError
        if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value <= MAX_FACTOR:
            factor = float(value)
        if not 1.0 <= factor <= MAX_FACTOR:
            problems.append(
                f"{where}.factor: a number between 1 and {MAX_FACTOR} (rules only add) / "
                f"ตัวคูณต้องเป็นตัวเลขระหว่าง 1 ถึง {MAX_FACTOR}"
            )
        common: dict[str, Any] = {
            "id": str(raw.get("id") or f"m{i + 1}"),
            "kind": kind,
            "factor": factor,
            "label_th": str(raw.get("label_th", "")),
            "label_en": str(raw.get("label_en", "")),
            "deed_types": _strings(raw.get("deed_types"), f"{where}.deed_types", problems),
        }
        if kind == "target_area":
            areas = _strings(raw.get("areas"), f"{where}.areas", problems)
            if not areas or not all(AREA_CODE.fullmatch(a) for a in areas):
                problems.append(f"{where}.areas: DOPA codes of 2, 4, 6 or 8 digits (0-9)")
            multipliers.append(Multiplier(areas=areas, **common))
        elif kind == "campaign":
            start = _date(raw.get("from"), f"{where}.from", problems)
            end = _date(raw.get("to"), f"{where}.to", problems)
            if start and end and end < start:
                problems.append(f"{where}: the campaign ends before it starts")
            multipliers.append(Multiplier(start=start, end=end, **common))
        elif kind == "focus_virtue":
            virtues = _strings(raw.get("virtues"), f"{where}.virtues", problems)
            if not virtues:
                problems.append(f"{where}.virtues: at least one virtue")
            multipliers.append(Multiplier(virtues=virtues, **common))
        else:
            problems.append(f"{where}.kind: target_area, campaign or focus_virtue")
    caps_raw = _dict(doc.get("caps"), "caps", problems)
    per_type = _dict(caps_raw.get("deed_type_month"), "caps.deed_type_month", problems)
    caps = Caps(
        member_day=_int(caps_raw.get("member_day"), "caps.member_day", problems),
        member_month=_int(caps_raw.get("member_month"), "caps.member_month", problems),
        deed_type_month={
            str(k): v for k, v in per_type.items() if _int(v, f"caps.deed_type_month.{k}", problems) is not None
        },
    )
    levels = []
    for i, raw in enumerate(_list(doc.get("levels"), "levels", problems)):
        if not isinstance(raw, dict):
            problems.append(f"levels[{i}]: must be an object")
            continue
        minimum = _int(
            raw.get("min_credits"), f"levels[{i}].min_credits", problems, maximum=MAX_LIFETIME_CREDITS, required=True
        )
        if not raw.get("code") or not raw.get("name_th"):
            problems.append(f"levels[{i}]: code and name_th are needed")
        elif minimum is not None:
            levels.append(
                Level(
                    code=str(raw["code"]),
                    name_th=str(raw["name_th"]),
                    name_en=str(raw.get("name_en") or raw["name_th"]),
                    min_credits=minimum,
                )
            )
    mins = [lvl.min_credits for lvl in levels]
    if mins != sorted(mins) or len(set(mins)) != len(mins):
        problems.append("levels: thresholds must rise strictly / เกณฑ์ระดับต้องเพิ่มขึ้นตามลำดับ")
    rules = Rules(
        rates=tuple(rates),
        default_rates=defaults,
        multipliers=tuple(multipliers),
        caps=caps,
        two_approvers_above=_int(doc.get("two_approvers_above"), "two_approvers_above", problems, minimum=1),
        appeal_days=_int(doc.get("appeal_days"), "appeal_days", problems, minimum=1, maximum=MAX_APPEAL_DAYS),
        levels=tuple(levels),
    )
    if problems:
        raise RuleDocumentError(problems)
    return rules


# --- computing an award -------------------------------------------------------------------------------------------


def _be(day: dt.date) -> str:
    return f"{day.day}/{day.month}/{day.year + BE_OFFSET}"


def _num(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def _rate_for(facts: DeedFacts, rulesets: list[RuleSet]) -> tuple[RuleSet, Rate] | None:
    """The local rule wins over the programme's for the same deed type; a default rate comes last."""
    for rs in reversed(rulesets):  # local rulebook last in the list, so first here
        for rate in rs.rules.rates:
            if rate.deed_type == facts.deed_type:
                return rs, rate
    for rs in reversed(rulesets):
        if facts.unit in rs.rules.default_rates:
            return rs, Rate(
                id=f"default-{facts.unit}",
                deed_type=facts.deed_type,
                per=facts.unit,
                credits=rs.rules.default_rates[facts.unit],
            )
    return None


def _applies(m: Multiplier, facts: DeedFacts) -> bool:
    if m.deed_types and facts.deed_type not in m.deed_types:
        return False
    if m.kind == "target_area":
        return any(facts.area_code.startswith(code) for code in m.areas)
    if m.kind == "campaign":
        return bool(m.start and m.end and m.start <= facts.done_on <= m.end)
    if m.kind == "focus_virtue":
        return bool(set(m.virtues) & set(facts.virtues))
    return False


def compute_award(
    facts: DeedFacts, rulesets: list[RuleSet], history: History = History(), allotment_available: int | None = None
) -> Award:
    """The credits a deed earns under the rule sets in force on its day, with the reasons.

    ``rulesets`` are the published versions in force on ``facts.done_on``: the programme's first, the
    organisation's local rulebook after it. The result is never negative, never above any cap, and depends only
    on its inputs.
    """
    lines: list[Line] = []
    found = _rate_for(facts, rulesets)
    if found is None:
        lines.append(
            Line(
                "rate:none",
                f'ไม่มีกติกาที่ให้เครดิตแก่ "{facts.deed_type_name_th}" ในวันที่ {_be(facts.done_on)}',
                f'No rule gives credits for "{facts.deed_type_name_en}" on {facts.done_on}',
                0,
            )
        )
        lines.append(Line("total", "รวม 0 เครดิต", "Total 0 credits", 0))
        return Award(credits=0, lines=tuple(lines), version_ids=tuple(rs.version_id for rs in rulesets))
    rs, rate = found
    if rate.per == "period":
        quantity = 1.0  # one award per period (a month of savings, say)
    elif rate.per == "occurrence":
        quantity = max(1.0, float(facts.quantity or 1))  # how many times; once if not said
    else:
        quantity = max(0.0, float(facts.quantity or 0))  # hours, or percentage points
    amount = rate.credits * quantity
    lines.append(
        Line(
            f"rate:{rate.id}@v{rs.version_id}",
            f'{rs.label_th} (มีผล {_be(rs.effective_from)}): "{facts.deed_type_name_th}" {rate.credits} เครดิตต่อ'
            f"{UNIT_TH[rate.per]} × {_num(quantity)} = {_num(amount)}",
            f'{rs.label_en} (from {rs.effective_from}): "{facts.deed_type_name_en}" {rate.credits} credits per '
            f"{UNIT_EN[rate.per]} × {_num(quantity)} = {_num(amount)}",
            amount,
        )
    )
    for ruleset in rulesets:
        for m in ruleset.rules.multipliers:
            if not _applies(m, facts):
                continue
            amount *= m.factor
            name_th = {"target_area": "พื้นที่เป้าหมาย", "campaign": "ช่วงรณรงค์", "focus_virtue": "คุณธรรมที่เน้น"}.get(
                m.kind, m.kind
            )
            name_en = {"target_area": "target area", "campaign": "campaign", "focus_virtue": "focus virtue"}.get(
                m.kind, m.kind
            )
            lines.append(
                Line(
                    f"multiplier:{m.id}@v{ruleset.version_id}",
                    f"{ruleset.label_th}: {name_th}{(' ' + m.label_th) if m.label_th else ''} × {_num(m.factor)} = "
                    f"{_num(amount)}",
                    f"{ruleset.label_en}: {name_en}{(' ' + m.label_en) if m.label_en else ''} × {_num(m.factor)} = "
                    f"{_num(amount)}",
                    m.factor,
                )
            )
    credits = max(0, math.floor(amount + 1e-9))
    if credits != amount:
        lines.append(
            Line("rounding", f"ปัดเศษลงเป็นจำนวนเต็ม: {credits}", f"Rounded down to a whole number: {credits}", credits)
        )
    if credits > MAX_AWARD:
        credits = MAX_AWARD
        lines.append(
            Line(
                "ceiling",
                f"ความดีหนึ่งรายการได้ไม่เกิน {MAX_AWARD:,} เครดิต",
                f"No single deed earns more than {MAX_AWARD:,} credits",
                MAX_AWARD,
            )
        )
    for ruleset in rulesets:
        caps = ruleset.rules.caps
        for key, cap, used, th, en in (
            ("member_day", caps.member_day, history.day, "เพดานต่อคนต่อวัน", "cap per member per day"),
            ("member_month", caps.member_month, history.month, "เพดานต่อคนต่อเดือน", "cap per member per month"),
            (
                "deed_type_month",
                caps.deed_type_month.get(facts.deed_type),
                history.deed_type_month,
                "เพดานประเภทนี้ต่อคนต่อเดือน",
                "cap for this deed type per member per month",
            ),
        ):
            if cap is None:
                continue
            room = max(0, cap - max(0, used))
            if credits > room:
                credits = room
                lines.append(
                    Line(
                        f"cap:{key}@v{ruleset.version_id}",
                        f"{ruleset.label_th}: {th} {cap:,} เครดิต (ได้ไปแล้ว {used:,}) เหลือให้ได้ {room:,}",
                        f"{ruleset.label_en}: {en} {cap:,} credits ({used:,} already) leaves {room:,}",
                        room,
                    )
                )
    short = allotment_available is not None and credits > allotment_available
    if short:
        lines.append(
            Line(
                "allotment",
                f"โควตาขององค์กรเหลือ {allotment_available:,} เครดิต ไม่พอสำหรับ {credits:,}",
                f"The organisation's allotment holds {allotment_available:,}, short of {credits:,}",
                allotment_available or 0,
            )
        )
    lines.append(Line("total", f"รวม {credits:,} เครดิต", f"Total {credits:,} credits", credits))
    thresholds = [rs.rules.two_approvers_above for rs in rulesets if rs.rules.two_approvers_above]
    return Award(
        credits=credits,
        lines=tuple(lines),
        version_ids=tuple(r.version_id for r in rulesets),
        two_approvers=bool(thresholds) and credits > min(thresholds),
        short_by_allotment=short,
    )


def level_for(credits: int, levels: tuple[Level, ...], held: Iterable[str] = ()) -> Level | None:
    """The highest level whose threshold the lifetime credits reach, or that the member already reached (``held``,
    by code): a later rulebook that raises a level's threshold never takes a level reached away (positive only,
    never retroactive)."""
    held = frozenset(held)
    best = None
    for level in sorted(levels, key=lambda lvl: lvl.min_credits):
        if credits >= level.min_credits or level.code in held:
            best = level
    return best


def describe_rules(rules: Rules, names: dict[str, str] | None = None, lang: str = "th") -> list[str]:
    """A rule document as plain sentences, for the public page and for the difference between versions."""
    names = names or {}
    th = not lang.startswith("en")
    out = []
    for r in rules.rates:
        name = names.get(r.deed_type, r.deed_type)
        out.append(
            f'[{r.id}] "{name}": {r.credits} เครดิตต่อ{UNIT_TH[r.per]}'
            if th
            else f'[{r.id}] "{name}": {r.credits} credits per {UNIT_EN[r.per]}'
        )
    for unit, value in sorted(rules.default_rates.items()):
        out.append(
            f"ค่าเริ่มต้นต่อ{UNIT_TH[unit]}: {value} เครดิต" if th else f"Default per {UNIT_EN[unit]}: {value} credits"
        )
    for m in rules.multipliers:
        scope = ""
        if m.kind == "target_area":
            scope = ("พื้นที่เป้าหมาย " if th else "target areas ") + ", ".join(m.areas)
        elif m.kind == "campaign":
            scope = (
                (f"ช่วงรณรงค์ {_be(m.start)}–{_be(m.end)}" if th else f"campaign {m.start} to {m.end}")
                if m.start and m.end
                else ""
            )
        elif m.kind == "focus_virtue":
            scope = ("คุณธรรม " if th else "virtues ") + ", ".join(m.virtues)
        types = (" · " + ", ".join(names.get(t, t) for t in m.deed_types)) if m.deed_types else ""
        label = m.label_th if th else (m.label_en or m.label_th)
        out.append(f"[{m.id}] ×{_num(m.factor)} {scope}{types}{(' — ' + label) if label else ''}")
    caps = rules.caps
    if caps.member_day is not None:
        out.append(f"เพดานต่อคนต่อวัน: {caps.member_day} เครดิต" if th else f"Cap per member per day: {caps.member_day}")
    if caps.member_month is not None:
        out.append(
            f"เพดานต่อคนต่อเดือน: {caps.member_month} เครดิต" if th else f"Cap per member per month: {caps.member_month}"
        )
    for code, cap in sorted(caps.deed_type_month.items()):
        out.append(
            f'เพดาน "{names.get(code, code)}" ต่อคนต่อเดือน: {cap} เครดิต'
            if th
            else f'Cap for "{names.get(code, code)}" per member per month: {cap}'
        )
    if rules.two_approvers_above:
        out.append(
            f"เกิน {rules.two_approvers_above} เครดิต ต้องมีผู้รับรองสองคน"
            if th
            else f"Above {rules.two_approvers_above} credits, two different approvers"
        )
    if rules.appeal_days:
        out.append(f"อุทธรณ์ได้ภายใน {rules.appeal_days} วัน" if th else f"Appeals within {rules.appeal_days} days")
    for level in rules.levels:
        out.append(
            f'ระดับ "{level.name_th}": สะสมตั้งแต่ {level.min_credits:,} เครดิต'
            if th
            else f'Level "{level.name_en}": from {level.min_credits:,} lifetime credits'
        )
    return out
