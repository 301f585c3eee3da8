"""Reads for dashboards, reports and the public page. Everything here reads rollups (never individuals'
records), scoped by area; the organisation view alone reads its own members' participation. Where a threshold on
a sum of cells needs its people counted once, they are counted from the deeds of those cells (a number, never a
record; see ``Figures``)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, Max, OuterRef, Q, QuerySet, Sum

from thamdee.areas.models import Area, AreaLevel
from thamdee.common.db import prepared_rows
from thamdee.common.errors import NotFoundError
from thamdee.common.i18n import localised
from thamdee.common.thaitime import fiscal_year_months
from thamdee.orgs.models import Network, Organisation
from thamdee.orgs.roles import roles_for
from thamdee.people.types import Actor
from thamdee.reports.models import KpiBaseline, KpiKind, OrgRollup, Rollup, Story, StoryStatus, TargetArea
from thamdee.reports.rollups import COUNTED, NONE, main_of

MEASURES = ("deeds", "hours", "credits_issued", "credits_spent", "participants", "organisations", "spenders")


@dataclass
class Figures:
    deeds: int = 0
    hours: Decimal = Decimal(0)
    credits_issued: int = 0
    credits_spent: int = 0
    # Each cell counts a person once, so a figure that adds cells up (an area over its villages, target areas
    # together, organisations of a kind) counts a person once in every cell they were active in: never fewer than
    # the people, but possibly more. ``largest`` is the people of its largest cell, never more than the people
    # (None: one cell, ``participants`` is exact); ``count_people(minimum)`` counts them once, from the deeds, and
    # is asked only when those two bounds leave a threshold undecided (see ``counts_at_least``). ``source`` is the
    # read the sum came from and its key in it, for counting the people of several sums of one read together
    # (``protect``).
    participants: int = 0
    organisations: int = 0
    # The members whose spending ``credits_spent`` is (by home area; not the participants): that figure alone is
    # hidden (``spent_hidden``, a dash) when they are fewer than the minimum, or when the list it is in, or the list
    # above its area, hides some spending (``protect``, ``hidden_above``). Never shown itself.
    spenders: int = 0
    spent_hidden: bool = False
    suppressed: bool = False
    # When suppressed: the number of people the cell counts fewer than, shown as "<5"; 0 for a cell hidden beside
    # a total (``protect``), shown as a dash without saying why.
    below: int = 0
    largest: int | None = field(default=None, compare=False)
    count_people: Callable[[int], int | None] | None = field(default=None, compare=False, repr=False)
    source: tuple[_People, Any] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, row: dict[str, Any] | None, people: _People | None = None, key: Any = None) -> Figures:
        row = row or {}
        figures = cls(**{m: (row.get(m) or (Decimal(0) if m == "hours" else 0)) for m in MEASURES})  # type: ignore[arg-type]
        if "largest" in row:
            figures.largest = row["largest"] or 0
            if people is not None:
                figures.count_people, figures.source = people.of(key), (people, key)
        return figures

    def is_empty(self) -> bool:
        return not any(getattr(self, m) for m in MEASURES)

    def counts_at_least(self, minimum: int) -> bool:
        """Whether the cell counts at least ``minimum`` different people. The summed ``participants`` fewer than
        that: no; its largest cell that many: yes; in between, the people are counted once, from the deeds. Where
        they are not counted (too many cells to read, see ``MAX_CELLS_COUNTED``), the answer is no: a figure is
        never shown on a count that may hold the same person twice."""
        if self.participants < minimum:
            return False
        if self.largest is None or self.largest >= minimum:
            return True
        people = self.count_people(minimum) if self.count_people is not None else None
        return people is not None and people >= minimum

    def suppress_below(self, minimum: int) -> Figures:
        """Hide every figure of a cell that counts fewer than ``minimum`` people; a cell with nothing in it at all
        is shown as it is (zeros name nobody)."""
        if self.suppressed:
            return Figures(suppressed=True, below=max(minimum, self.below) if self.below else 0)
        if self.is_empty() or self.counts_at_least(minimum):
            return self.without_spending() if self.spenders < minimum else self
        return Figures(suppressed=True, below=minimum)

    def without_spending(self) -> Figures:
        """The figures with the credits spent hidden (a dash), the rest as they are."""
        if self.suppressed or self.spent_hidden or not self.credits_spent:
            return self
        return replace(self, credits_spent=0, spenders=0, spent_hidden=True)


def protect(
    cells: list[Figures], minimum: int, *, total_hidden: bool = False, spending_hidden: bool = False
) -> list[Figures]:
    """Cells shown beside the total they add up to (an area's children, a year's months, target areas and the
    rest), with small cells hidden so that none can be worked out from the total either.

    Each cell that counts fewer than ``minimum`` people is hidden (``suppress_below``). The total less the cells
    shown then gives the hidden cells' figures together, so those must count at least ``minimum`` people
    together, each person once: if they do not, the shown cell with the fewest people is hidden too. That cell
    alone counts ``minimum`` people, so one is always enough. When no cell with people in it is left to hide,
    the hidden cells are all the total holds: the total itself must then be hidden, and it is, by its own
    threshold (its people are theirs, counted once; ``headline`` and the public page's national figure).

    The rule is the threshold rule, on the hidden cells together: their figures are mixed with those of at least
    ``minimum`` people. It does not weigh the cells against each other (a dominance rule): one person's village
    hidden beside a village of fifty is protected by the fifty, as the threshold asks (docs/operations.md).

    Every hidden cell comes back the same (``below`` 0, a dash), whether small or hidden to protect one: marking
    which were small would tell a reader how the hidden total splits. A cell already suppressed when passed in
    has no people to count and is taken as none.

    ``total_hidden``: the total is hidden where it is shown, but other pages give it together with other hidden
    cells (an area hidden in the list of the area above it, see ``hidden_above``). The cells must then not add up
    to it: at least one cell with people in it is hidden, and the hidden ones count ``minimum`` people together,
    so that what the other pages give is mixed with at least that many.

    The credits spent are a column of their own (they count the spenders, not the participants): if any cell with
    spending in it has it hidden (the cell, or its spending alone, ``suppress_below``), or the total's spending is
    hidden (``spending_hidden``, or ``total_hidden``), the spending of every cell is hidden, so that the total's
    spending less the spending shown gives nothing."""
    out = [f.suppress_below(minimum) for f in cells]
    hidden = [i for i, f in enumerate(out) if f.suppressed]
    shown = [i for i, f in enumerate(out) if not f.suppressed and not f.is_empty()]
    with_people = [i for i in hidden if not cells[i].suppressed and not cells[i].is_empty()]
    if shown and ((hidden and not _together(cells, hidden, minimum)) or (total_hidden and not with_people)):
        hidden.append(min(shown, key=lambda i: (cells[i].participants, cells[i].deeds, cells[i].credits_issued)))
    if hidden:
        out = [Figures(suppressed=True) if i in hidden else f for i, f in enumerate(out)]
    spending_gone = any(
        cells[i].suppressed or out[i].suppressed or out[i].spent_hidden
        for i in range(len(cells))
        if cells[i].credits_spent or cells[i].suppressed
    )
    if spending_hidden or total_hidden or spending_gone:
        out = [f.without_spending() for f in out]
    return out


def _hide_all(cells: list[Figures]) -> list[Figures]:
    """Every cell with something in it hidden (a dash): the splits of an area hidden above (``hidden_above``)."""
    return [f if f.is_empty() else Figures(suppressed=True) for f in cells]


def _together(cells: list[Figures], indices: list[int], minimum: int) -> bool:
    """Whether the cells at ``indices`` (each counting fewer than ``minimum`` people) count at least ``minimum``
    people together, each once. Their summed participants fewer: no; their largest that many: yes; in between,
    the people are counted once from the deeds when the cells are sums of one read (one statement), and the answer
    is no when they are not (or cannot be) counted."""
    parts = [cells[i] for i in indices if not cells[i].suppressed and cells[i].participants]
    if sum(f.participants for f in parts) < minimum:
        return False
    if max((f.participants if f.largest is None else f.largest for f in parts), default=0) >= minimum:
        return True
    sources = [f.source for f in parts if f.source is not None]
    reads = {id(read): read for read, _key in sources}
    if len(reads) != 1 or len(sources) != len(parts):
        return False
    (read,) = reads.values()
    people = read.together([key for _read, key in sources])
    return people is not None and people >= minimum


def min_cell() -> int:
    """The public page's smallest cell: fewer people than this and its figures are not shown."""
    return int(getattr(settings, "THAMDEE", {}).get("PUBLIC_MIN_CELL", 10))


def agency_min_cell() -> int:
    """The agencies' smallest cell (dashboards, drill-down, exports, PDF reports, the reports API): a village and
    month with one participant would otherwise show one person's deeds, hours and credits. Lower than the
    public page's, since agency staff work under their own duty of confidence; 0 or 1 shows every cell."""
    return int(getattr(settings, "THAMDEE", {}).get("AGENCY_MIN_CELL", 5))


def _agency(figures: Figures) -> Figures:
    return figures.suppress_below(agency_min_cell())


# --- scope --------------------------------------------------------------------------------------------------------


@dataclass
class Scope:
    """The widest area a viewer may look into ("" = the whole country) and the area they are looking at."""

    root: str
    area: Area | None  # None: the whole country

    @property
    def code(self) -> str:
        return self.area.code if self.area else ""


def scope_for(viewer: Actor, area_code: str | None = None) -> Scope:
    """Agency staff see their area and everything inside it; site admins the whole country; others nothing.

    Asking for an area outside the viewer's scope answers not-found (404), like any foreign object.
    """
    roles = roles_for(viewer)
    if roles.is_site_admin:
        roots = [""]
    elif roles.is_agency_staff:
        roots = sorted(roles.scope_codes, key=len)
    else:
        raise NotFoundError()
    root = roots[0]
    code = area_code if area_code is not None else root
    if not any(code.startswith(r) for r in roots):
        raise NotFoundError()
    area = None
    if code:
        area = Area.objects.filter(code=code).first()
        if area is None:
            raise NotFoundError()
    return Scope(root=root, area=area)


# --- rollup reads ---------------------------------------------------------------------------------------------


def _prefix_filter(code: str) -> Q:
    if not code:
        return Q()
    column = {2: "province_code", 4: "district_code", 6: "subdistrict_code", 8: "area_code"}[len(code)]
    return Q(**{column: code})


def _cells(
    code: str, fiscal_year: int, *, month: int | None = 0, virtue: str | None = "", dimension: str | None = ""
) -> QuerySet:
    qs = Rollup.objects.filter(_prefix_filter(code), fiscal_year=fiscal_year)
    if month is not None:
        qs = qs.filter(month=month)
    if virtue is not None:
        qs = qs.filter(virtue=virtue)
    if dimension is not None:
        qs = qs.filter(dimension=dimension)
    return qs


# Added up with the measures: the largest cell's people (a floor on the people of the sum, see ``Figures``) and
# the number of cells with people in them (what counting them once would read). First: the sums then take the names
# of the columns they add up.
SUMS: dict[str, Any] = {
    "largest": Max("participants"),
    "cells": Count("pk", filter=Q(participants__gt=0)),
    **{m: Sum(m) for m in MEASURES},
}

# The most cells whose people one read counts from the deeds (``_People``). Only sums whose every cell has fewer
# people than the threshold while the sum has more are counted, so these are small cells; on PostgreSQL 500 of
# them (2,000 people beside 600,000 other deeds of the year) took 11-19 ms (docs/authorisation.md). Sums beyond it
# are hidden rather than counted.
MAX_CELLS_COUNTED = 500

# The deeds of a cell (``r``), counted by the rules of the rollups: verified, not of a sensitive type, and of the
# cell's virtue or dimension where it has one.
CELL_AREA_DEEDS = "d.area_id = a.id AND d.fiscal_year = r.fiscal_year AND (r.month = 0 OR d.month = r.month)"
CELL_ORG_DEEDS = (
    "d.organisation_id = r.organisation_id AND d.fiscal_year = r.fiscal_year AND (r.month = 0 OR d.month = r.month)"
)
IN_SPLIT = f"""
    AND (r.virtue = '' OR r.virtue = {main_of("virtue", "t")})
    AND (r.dimension = '' OR r.dimension = {main_of("dimension", "t")})
"""
# On PostgreSQL the deeds are read cell by cell (LATERAL; OFFSET 0 keeps the planner from flattening it back into
# a join) through the deeds' (area or organisation, fiscal year, month) index: planned as a plain join, a fiscal
# year's deeds were read whole and hashed (250 ms on 600,000 deeds to count 2,000 people in 500 cells). SQLite has
# no LATERAL and reads such a join cell by cell anyway.
COUNT_PEOPLE_PG = """
    SELECT {group}, count(DISTINCT p.member_id) FROM ({cells}) r {areas}
     CROSS JOIN LATERAL (SELECT d.member_id FROM deeds_deed d JOIN deeds_deedtype t ON t.id = d.deed_type_id
                          WHERE {match} AND {counted} OFFSET 0) p
     {group_by}
"""
COUNT_PEOPLE = """
    SELECT {group}, count(DISTINCT d.member_id) FROM ({cells}) r {areas}
      JOIN deeds_deed d ON {match} JOIN deeds_deedtype t ON t.id = d.deed_type_id
     WHERE {counted}
     {group_by}
"""


class _People:
    """Counts the people of sums of rollup cells once each, from the deeds: the sums of one read (``rows``, by the
    value of ``column`` in ``cells``; one sum when ``column`` is None), those a threshold leaves undecided, all in
    one statement the first time one is asked. The cells drive it: their deeds are found through the deeds'
    (area or organisation, fiscal year, month) indexes, and counted by the rules of the rollups (verified, not of a
    sensitive type). A sum left out, for the cells it would read (``MAX_CELLS_COUNTED``), is not counted (None)."""

    def __init__(self, cells: QuerySet, column: str | None, rows: dict[Any, dict[str, Any]]) -> None:
        self.cells, self.column, self.rows = cells, column, rows
        self.counted: dict[int, dict[Any, int]] = {}

    def of(self, key: Any) -> Callable[[int], int | None]:
        return lambda minimum: self.count(key, minimum)

    def count(self, key: Any, minimum: int) -> int | None:
        if minimum not in self.counted:
            self.counted[minimum] = self._count(minimum)
        return self.counted[minimum].get(key)

    def _count(self, minimum: int) -> dict[Any, int]:
        undecided = sorted(
            (row["cells"] or 0, key)
            for key, row in self.rows.items()
            if (row["largest"] or 0) < minimum <= (row["participants"] or 0)
        )
        chosen, reading = [], 0
        for cells, key in undecided:  # the sums of fewest cells first
            if reading + cells > MAX_CELLS_COUNTED:
                break
            chosen.append(key)
            reading += cells
        if not chosen:
            return {}
        cells = self.cells.filter(**{f"{self.column}__in": chosen}) if self.column is not None else self.cells
        return self._read(cells, self.column)

    def together(self, keys: list[Any]) -> int | None:
        """The people of the sums of ``keys`` together, each counted once (None: more cells than one read may
        count, see ``MAX_CELLS_COUNTED``)."""
        if self.column is None or sum(self.rows[key]["cells"] or 0 for key in keys) > MAX_CELLS_COUNTED:
            return None
        return self._read(self.cells.filter(**{f"{self.column}__in": keys}), None).get(None, 0)

    def _read(self, cells: QuerySet, column: str | None) -> dict[Any, int]:
        """The people of ``cells`` counted once, by the value of ``column`` (all together when None)."""
        qs = cells.filter(participants__gt=0).order_by()
        if qs.model is OrgRollup:
            keys, areas, match, counted = ["organisation_id", "fiscal_year", "month"], "", CELL_ORG_DEEDS, COUNTED
        else:
            keys = ["area_code", "fiscal_year", "month", "virtue", "dimension"]
            areas, match, counted = "JOIN areas_area a ON a.code = r.area_code", CELL_AREA_DEEDS, COUNTED + IN_SPLIT
        if column is not None and column not in keys:
            keys = [*keys, column]
        inner, params = qs.values(*keys).query.sql_with_params()
        group = f"r.{column}" if column else "0"
        statement = (COUNT_PEOPLE_PG if connection.vendor == "postgresql" else COUNT_PEOPLE).format(
            group=group,
            cells=inner,
            areas=areas,
            match=match,
            counted=counted,
            group_by=f"GROUP BY {group}" if column else "",
        )
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The planner prices every cell at the deeds of an average area; at a national size that passes the
                # JIT threshold, and compiling took 450 ms for a statement that runs in 8.
                cursor.execute("SET LOCAL jit = off")
            cursor.execute(statement, params)
            return {(key if column else None): int(people) for key, people in cursor.fetchall()}


def _sum(cells: QuerySet) -> Figures:
    """One sum of rollup cells, with its people counted once where a threshold needs it."""
    row = cells.aggregate(**SUMS)
    return Figures.of(row, _People(cells, None, {None: row}))


def _sums_by(cells: QuerySet, column: str) -> dict[Any, Figures]:
    """The sums of rollup cells by the value of ``column``, with their people counted once where needed."""
    rows = {r[column]: r for r in cells.values(column).annotate(**SUMS)}
    people = _People(cells, column, rows)
    return {key: Figures.of(row, people, key) for key, row in rows.items()}


# --- one area's figures, and the pages that link them ---------------------------------------------------------------
# An area's page shows its total, its months, virtues and dimensions, and the areas one level down; the page of the
# area above lists it among its siblings. Each list is protected against its own total (``protect``), and the pages
# are kept consistent with each other: an area hidden in the list above (small, or hidden to protect a small
# sibling) is hidden on its own page too, with its splits, and the areas below it do not add up to it. Otherwise the
# area above less the siblings shown less this area's own total would give the small sibling's figures
# (docs/authorisation.md, "differencing across pages").


@dataclass(frozen=True)
class Above:
    """What the lists above an area hide of it (``hidden_above``): all its figures (``hidden``; then its spending
    too), or its spending alone (``spending``). True when the area is hidden."""

    hidden: bool = False
    spending: bool = False

    def __bool__(self) -> bool:
        return self.hidden


def hidden_above(code: str, fiscal_year: int, lists: Lists | None = None) -> Above:
    """Whether an area is hidden in the list of the areas one level up (or, the same way, that area in its own
    list, and so on up to the country), and whether its spending is: read from the country down, each list
    protected as its page shows it. ``lists``: the lists already read (``hidden_above_many``), shared."""
    minimum = agency_min_cell()
    above = Above()
    if not code or minimum <= 1:
        return above
    lists = {} if lists is None else lists
    for n in range(0, len(code), 2):
        parent = code[:n]
        if (parent, above) not in lists:
            cells = _child_cells(parent, fiscal_year)
            shown = protect([f for _c, f in cells], minimum, total_hidden=above.hidden, spending_hidden=above.spending)
            lists[parent, above] = {
                c: Above(f.suppressed, f.suppressed or f.spent_hidden) for (c, _f), f in zip(cells, shown, strict=True)
            }
        above = lists[parent, above].get(code[: n + 2], Above())
    return above


# The lists read by ``hidden_above``: by the area above and what is hidden of it, each area's code to what the list
# hides of it.
Lists = dict[tuple[str, Above], dict[str, Above]]


def hidden_above_many(codes: list[str], fiscal_year: int) -> dict[str, Above]:
    """``hidden_above`` of several areas, each list read once."""
    lists: Lists = {}
    return {code: hidden_above(code, fiscal_year, lists) for code in codes}


def _hidden(code: str, fiscal_year: int, hidden: Above | bool | None) -> Above:
    if hidden is None:
        return hidden_above(code, fiscal_year)
    if isinstance(hidden, bool):
        return Above(hidden, hidden)
    return hidden


def headline(code: str, fiscal_year: int, *, hidden: Above | bool | None = None) -> Figures:
    """An area's figures for the fiscal year. ``hidden``: whether the area is hidden in the list above it
    (``hidden_above``; read when not given): a dash then, unless it counts too few people anyway ("<5")."""
    return _as_shown(_agency(_sum(_cells(code, fiscal_year))), _hidden(code, fiscal_year, hidden))


def _as_shown(figures: Figures, above: Above) -> Figures:
    """An area's own figures (already under its threshold) as its page shows them, given what the lists above it
    hide of it."""
    if not figures.suppressed and not figures.is_empty() and above.hidden:
        return Figures(suppressed=True)
    return figures.without_spending() if above.spending else figures


def by_month(code: str, fiscal_year: int, *, hidden: Above | bool | None = None) -> list[tuple[int, int, Figures]]:
    sums = _sums_by(_cells(code, fiscal_year, month=None).exclude(month=0), "month")
    months = fiscal_year_months(fiscal_year)
    cells = _split([sums.get(month, Figures()) for _year, month in months], code, fiscal_year, hidden)
    return [(year, month, f) for (year, month), f in zip(months, cells, strict=True)]


def _split(cells: list[Figures], code: str, fiscal_year: int, hidden: Above | bool | None) -> list[Figures]:
    """The months, virtues or dimensions of an area, protected against its total; all hidden when the area is
    (``hidden_above``): shown beside the sums of the same split of the other areas of the list above, they would
    give a small sibling's month (virtue, dimension) by difference."""
    above = _hidden(code, fiscal_year, hidden)
    if above.hidden:
        return _hide_all(cells)
    return protect(cells, agency_min_cell(), spending_hidden=above.spending)


@dataclass(frozen=True)
class Unclassified:
    """The row of the deeds whose type has no virtue (no dimension): shown beside the virtues (dimensions) so that
    they add up to the total (``rollups.NONE``)."""

    code: str
    name_th: str
    name_en: str

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)

    def __str__(self) -> str:
        return self.display_name()


NO_VIRTUE = Unclassified(NONE, "ไม่ระบุคุณธรรม", "No virtue")
NO_DIMENSION = Unclassified(NONE, "ไม่ระบุมิติ", "No dimension")


def by_virtue(code: str, fiscal_year: int, *, hidden: Above | bool | None = None) -> list[tuple[Any, Figures]]:
    """Deeds by virtue: each under its type's main virtue (``rollups.NONE`` for none), so that the virtues add up
    to the total and are protected against it. Listed: the active virtues, and every other row the year has
    figures in (a closed virtue, "no virtue", a code no longer in the catalogue): leaving one out would make the
    total less the rows listed its figures."""
    from thamdee.deeds.models import Virtue

    sums = _sums_by(_cells(code, fiscal_year, virtue=None).exclude(virtue=""), "virtue")
    known = list(Virtue.objects.filter(Q(is_active=True) | Q(code__in=list(sums))))
    return _partition(known, NO_VIRTUE, sums, code, fiscal_year, hidden)


def by_dimension(code: str, fiscal_year: int, *, hidden: Above | bool | None = None) -> list[tuple[Any, Figures]]:
    """Deeds by dimension, each under its type's main dimension, as the virtues are (``by_virtue``)."""
    from thamdee.deeds.models import Dimension

    sums = _sums_by(_cells(code, fiscal_year, dimension=None).exclude(dimension=""), "dimension")
    return _partition(list(Dimension.objects.all()), NO_DIMENSION, sums, code, fiscal_year, hidden)


def _partition(
    rows: list[Any],
    none: Unclassified,
    sums: dict[Any, Figures],
    code: str,
    fiscal_year: int,
    hidden: Above | bool | None,
) -> list[tuple[Any, Figures]]:
    listed = {r.code for r in rows}
    rows += [Unclassified(key, key, key) for key in sorted(sums) if key not in listed and key != NONE]
    if NONE in sums:
        rows.append(none)
    cells = _split([sums.get(r.code, Figures()) for r in rows], code, fiscal_year, hidden)
    return list(zip(rows, cells, strict=True))


CHILD_COLUMN = {0: "province_code", 2: "district_code", 4: "subdistrict_code", 6: "area_code"}


def by_child_area(code: str, fiscal_year: int, *, hidden: Above | bool | None = None) -> list[tuple[Area, Figures]]:
    """The areas one level down (provinces of the country, districts of a province...), with their figures;
    areas with no activity are listed with zeros. When the area itself is hidden (``hidden_above``), they do not
    add up to it."""
    above = _hidden(code, fiscal_year, hidden)
    areas = _child_areas(code, fiscal_year)
    cells = protect(
        [f for _a, f in areas], agency_min_cell(), total_hidden=above.hidden, spending_hidden=above.spending
    )
    return list(zip([a for a, _f in areas], cells, strict=True))


def _child_areas(code: str, fiscal_year: int) -> list[tuple[Area, Figures]]:
    """``by_child_area`` before any cell is hidden."""
    return _children(code, fiscal_year, list, lambda area: area.code, lambda: Area.objects.get(code=code))


def _child_cells(code: str, fiscal_year: int) -> list[tuple[str, Figures]]:
    """``_child_areas`` by code, without reading the areas themselves: the same cells in the same order, so that a
    list protected from them hides what the page hides (``hidden_above``)."""
    return _children(code, fiscal_year, lambda qs: list(qs.values_list("code", flat=True)), str, lambda: code)


@contextlib.contextmanager
def _serial_plan() -> Iterator[None]:
    """Reads inside it are planned without parallel workers (PostgreSQL; nothing elsewhere)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def _children(
    code: str, fiscal_year: int, read: Callable[[QuerySet], list[Any]], code_of: Callable[[Any], str], itself: Any
) -> list[tuple[Any, Figures]]:
    column = CHILD_COLUMN.get(len(code))
    if column is None:
        return []
    # The country's provinces (the list every page below reads, ``hidden_above``) add up the year's cells of the
    # whole country: a parallel plan spent more starting its workers than it saved (9-11 ms against 4 ms on 7,436
    # cells of the national data set, 2 CPUs).
    with _serial_plan() if not code else contextlib.nullcontext():
        sums = _sums_by(_cells(code, fiscal_year), column)
    children = Area.objects.filter(level=AreaLevel.PROVINCE) if not code else Area.objects.filter(parent__code=code)
    out = [(child, sums.get(code_of(child), Figures())) for child in read(children.order_by("code"))]
    if len(code) == 6 and code in sums:  # deeds placed at the subdistrict itself, without a village
        out.insert(0, (itself(), sums[code]))
    return out


def target_areas(fiscal_year: int, programme_id: int | None = None) -> list[TargetArea]:
    qs = TargetArea.objects.filter(fiscal_year=fiscal_year).select_related("area", "agency", "programme")
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    return list(qs.order_by("area__code"))


def target_vs_other(
    code: str, fiscal_year: int, *, hidden: Above | bool | None = None
) -> tuple[Figures, Figures, list[tuple[Area, Figures]]]:
    """Target areas inside ``code`` against the rest of ``code``, and each target's own figures.

    Each target shows what its own page shows (hidden there when hidden in the list above it, ``hidden_above``),
    so the targets shown are known wherever they appear. The targets together less those gives the hidden ones
    together: if they count fewer than the minimum, the targets together are hidden, and the rest with them (the
    area's total less the rest would give them). Shown beside the area's total, the two are protected against it
    (``protect``); when the area is hidden above, they must not add up to it: if every target is shown, the
    targets together are known, and the rest is hidden. (The rest cannot be small while every target is shown: an
    area hidden to protect a small one is dark, and hides one of its own with people in it.)"""
    targets = [t for t in target_areas(fiscal_year) if t.area.code.startswith(code) or code.startswith(t.area.code)]
    hidden = _hidden(code, fiscal_year, hidden)
    if not targets:
        return Figures(), headline(code, fiscal_year, hidden=hidden), []
    minimum = agency_min_cell()
    narrows = [target.area.code if len(target.area.code) >= len(code) else code for target in targets]
    above = {**hidden_above_many([n for n in narrows if n != code], fiscal_year), code: hidden}
    inside = Q()
    each, unseen = [], []
    for target, narrow in zip(targets, narrows, strict=True):
        inside |= _prefix_filter(narrow)
        raw = _sum(_cells(narrow, fiscal_year))
        shown = _as_shown(_agency(raw), above[narrow])
        if shown.suppressed:
            unseen.append(raw)
        each.append((target.area, shown))
    base = _cells(code, fiscal_year)
    inner, outer = _sum(base.filter(inside)), _sum(base.exclude(inside))
    if unseen and not _together(unseen, list(range(len(unseen))), minimum):
        inner = Figures(suppressed=True)
    if hidden.hidden and not unseen:
        return inner.suppress_below(minimum), (outer if outer.is_empty() else Figures(suppressed=True)), each
    inner, outer = protect([inner, outer], minimum, total_hidden=hidden.hidden, spending_hidden=hidden.spending)
    return inner, outer, each


def target_headlines(targets: list[TargetArea], fiscal_year: int) -> list[tuple[TargetArea, Figures]]:
    """Each target area's figures, as its own page shows them (the lists above read once for all)."""
    above = hidden_above_many([t.area.code for t in targets], fiscal_year)
    return [(t, headline(t.area.code, fiscal_year, hidden=above[t.area.code])) for t in targets]


TOP_COLUMNS = (
    "organisation__public_id",
    "organisation__name_th",
    "organisation__name_en",
    "organisation__kind",
    "area_code",
    "deeds",
    "hours",
    "credits_issued",
    "participants",
)
TOP_SQL = (
    "SELECT o.public_id, o.name_th, o.name_en, o.kind, r.area_code, r.deeds, r.hours, r.credits_issued, "
    "r.participants FROM reports_orgrollup r JOIN orgs_organisation o ON o.id = r.organisation_id "
    "WHERE r.fiscal_year = %s AND r.month = 0{where} ORDER BY r.credits_issued DESC, r.deeds DESC LIMIT %s"
)


def _suppress_small_organisations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An organisation with fewer participants than an agency cell may show has its figures hidden (its name and
    place stay): an organisation of one or two active members would otherwise show what those people did."""
    minimum = agency_min_cell()
    for row in rows:
        row["suppressed"] = (row["participants"] or 0) < minimum
        row["below"] = minimum if row["suppressed"] else 0
        if row["suppressed"]:
            row.update(deeds=None, hours=None, credits_issued=None, participants=None)
    return rows


def top_organisations(
    code: str, fiscal_year: int, *, limit: int = 100, kind: str = "", network: Network | None = None
) -> list[dict[str, Any]]:
    """The most active organisations (never individuals), by credits issued in the fiscal year; the figures of
    an organisation with fewer participants than an agency cell may show are hidden."""
    return _suppress_small_organisations(_top_organisations(code, fiscal_year, limit=limit, kind=kind, network=network))


def _top_organisations(
    code: str, fiscal_year: int, *, limit: int, kind: str, network: Network | None
) -> list[dict[str, Any]]:
    if connection.vendor == "postgresql" and network is None:
        return _top_organisations_pg(code, fiscal_year, limit=limit, kind=kind)
    qs = OrgRollup.objects.filter(fiscal_year=fiscal_year, month=0)
    if code:  # the province first (the index), then the district or finer area within it
        qs = qs.filter(province_code=code[:2])
    if len(code) > 2:
        qs = qs.filter(area_code__startswith=code)
    if kind:
        qs = qs.filter(organisation__kind=kind)
    if network is not None:
        qs = qs.filter(organisation__network_memberships__network=network)
    rows: Any = qs.order_by("-credits_issued", "-deeds")
    return list(rows.values(*TOP_COLUMNS)[:limit])


def _top_organisations_pg(code: str, fiscal_year: int, *, limit: int, kind: str) -> list[dict[str, Any]]:
    """The same rows as the ORM query, as one prepared statement: the dashboard asks it for every province, and
    planning it and building it through the ORM took over ten times its 0.3 ms of execution."""
    where = ""
    params: list[object] = [fiscal_year]
    if code:  # the province first (the index), then the district or finer area within it
        where, params = " AND r.province_code = %s", [*params, code[:2]]
    if len(code) > 2:
        where, params = where + " AND r.area_code LIKE %s", [*params, code + "%"]
    if kind:
        where, params = where + " AND o.kind = %s", [*params, kind]
    rows = prepared_rows(TOP_SQL.format(where=where), [*params, limit])
    return [dict(zip(TOP_COLUMNS, row, strict=True)) for row in rows]


def filtered_headline(code: str, fiscal_year: int, *, kind: str = "", network: Network | None = None) -> Figures:
    """Figures of organisations of a kind or a network (attributed to each organisation's own area)."""
    qs = OrgRollup.objects.filter(fiscal_year=fiscal_year, month=0)
    if len(code) == 2:
        qs = qs.filter(province_code=code)
    elif code:
        qs = qs.filter(area_code__startswith=code)
    if kind:
        qs = qs.filter(organisation__kind=kind)
    if network is not None:
        qs = qs.filter(organisation__network_memberships__network=network)
    row = qs.aggregate(
        largest=SUMS["largest"],
        cells=SUMS["cells"],
        deeds=Sum("deeds"),
        hours=Sum("hours"),
        credits_issued=Sum("credits_issued"),
        participants=Sum("participants"),
        organisations=Count("organisation", distinct=True),
    )
    return _agency(Figures.of(row, _People(qs, None, {None: row})))


# --- plan KPIs ------------------------------------------------------------------------------------------------


@dataclass
class Kpi:
    kind: str
    label: str
    baseline_year: int | None
    baseline: int | None
    current_year: int
    current: int
    target: int | None
    target_year: int | None
    progress: float | None = None
    history: list[tuple[int, int]] = field(default_factory=list)


def organisations_running(fiscal_year: int) -> int:
    """Organisations running the scheme in a fiscal year: those whose verified deeds earned credits, and the
    networks they belong to that ran it through them."""
    orgs = OrgRollup.objects.filter(fiscal_year=fiscal_year, month=0, deeds__gt=0).values("organisation_id")
    networks = Network.objects.filter(memberships__organisation_id__in=orgs).distinct().count()
    return orgs.count() + networks


def networks_active(fiscal_year: int) -> int:
    """Networks active in public activities: a member organisation ran an activity in the fiscal year."""
    from thamdee.common.thaitime import fiscal_year_bounds
    from thamdee.deeds.models import Activity

    start, end = fiscal_year_bounds(fiscal_year)
    org_ids = Activity.objects.filter(starts_at__date__gte=start, starts_at__date__lte=end).values("organisation_id")
    return Network.objects.filter(memberships__organisation_id__in=org_ids).distinct().count()


def kpis(current_year: int) -> list[Kpi]:
    out = []
    baselines = {b.kind: b for b in KpiBaseline.objects.all()}
    for kind, counter, growth in (
        (KpiKind.ORGS_RUNNING, organisations_running, "plan"),
        (KpiKind.NETWORKS_ACTIVE, networks_active, "yearly"),
    ):
        base = baselines.get(kind)
        current = counter(current_year)
        target = target_year = None
        if base:
            if growth == "plan":  # +10% by FY2570 over the FY2566 baseline
                target_year = 2027
                target = round(base.value * 1.10 + 0.4999)
            else:  # +5% a year over the FY2565 baseline, compounded
                target_year = current_year
                target = round(base.value * (1.05 ** max(0, current_year - base.fiscal_year)) + 0.4999)
        progress = (current / target) if target else None
        history = [(year, counter(year)) for year in range(current_year - 2, current_year + 1)]
        out.append(
            Kpi(
                kind=kind,
                label=str(KpiKind(kind).label),
                baseline_year=base.fiscal_year if base else None,
                baseline=base.value if base else None,
                current_year=current_year,
                current=current,
                target=target,
                target_year=target_year,
                progress=progress,
                history=history,
            )
        )
    return out


# --- organisation view ---------------------------------------------------------------------------------------


def organisation_figures(org: Organisation, fiscal_year: int) -> tuple[Figures, list[tuple[int, int, Figures]]]:
    rows = {r.month: r for r in OrgRollup.objects.filter(organisation=org, fiscal_year=fiscal_year)}

    def fig(month: int) -> Figures:
        r = rows.get(month)
        return (
            Figures(deeds=r.deeds, hours=r.hours, credits_issued=r.credits_issued, participants=r.participants)
            if r
            else Figures()
        )

    return fig(0), [(y, m, fig(m)) for y, m in fiscal_year_months(fiscal_year)]


def member_participation(*, viewer: Actor, org: Organisation, fiscal_year: int) -> list[dict[str, Any]]:
    """Each member's verified deeds, hours and credits in the fiscal year: for the organisation's organisers and
    admins only (never for agencies)."""
    from thamdee.deeds.models import Deed, DeedStatus
    from thamdee.orgs.permissions import can_view_org_members

    if not can_view_org_members.test(viewer, org):
        raise NotFoundError()
    deeds = Deed.objects.filter(organisation=org, fiscal_year=fiscal_year, status=DeedStatus.VERIFIED)
    return list(
        deeds.values("member__public_id", "member__first_name", "member__last_name", "member__prefix")
        .annotate(deeds=Count("pk"), hours=Sum("hours"), credits=Sum("credits"))
        .order_by("-credits", "member__first_name")
    )


# --- public -------------------------------------------------------------------------------------------------


def public_figures(fiscal_year: int) -> tuple[Figures, list[tuple[Area, Figures]]]:
    """National and provincial aggregates only, with every cell counting fewer than ten people suppressed (and no
    fewer than an agency cell may show, should that be set higher)."""
    minimum = min_cell()
    national = headline("", fiscal_year).suppress_below(minimum)
    areas = _child_areas("", fiscal_year)
    cells = protect([f for _a, f in areas], max(minimum, agency_min_cell()))
    return national, list(zip([a for a, _f in areas], cells, strict=True))


# --- stories ----------------------------------------------------------------------------------------------------


def _shown_without(purpose: str) -> QuerySet[Any]:
    """Links of a story to a person shown who has no active consent for ``purpose`` (read on the link rows: an
    exclude() across the many-to-many would find only stories where nobody consented)."""
    from thamdee.people.selectors import consents_in_force

    consenting = consents_in_force(purpose).values("user_id")
    return Story.people_shown.through.objects.exclude(user_id__in=consenting)


def stories_published(q: str = "") -> QuerySet[Story]:
    """Approved stories whose people have all consented to be shown; Thai text search by substring. Each carries
    ``photos_public``: whether its photos may be published (see ``story_photos_public``)."""
    from thamdee.people.models import ConsentPurpose

    qs = Story.objects.filter(status=StoryStatus.APPROVED).select_related("organisation", "area")
    # A story is public only while every person shown has an active consent to have their name published: it is
    # left out if any one of them has none.
    qs = qs.exclude(pk__in=_shown_without(ConsentPurpose.PUBLISH_NAME).values("story_id"))
    qs = qs.annotate(
        photos_public=ExpressionWrapper(
            Exists(Story.people_shown.through.objects.filter(story_id=OuterRef("pk")))
            & ~Exists(_shown_without(ConsentPurpose.PUBLISH_PHOTO).filter(story_id=OuterRef("pk"))),
            output_field=BooleanField(),
        )
    )
    if q:
        qs = qs.filter(search_text__icontains=q.strip()[:100])
    return qs.prefetch_related("virtues", "dimensions", "photos").order_by("-approved_at")


def story_publication(story: Story) -> tuple[bool, bool]:
    """Whether the story is published, and whether its photos are public (``story_photos_public``), in one read."""
    row = (
        stories_published()
        .filter(pk=story.pk)
        .prefetch_related(None)
        .order_by()
        .values_list("photos_public", flat=True)  # type: ignore[misc]
        .first()
    )
    return row is not None, bool(row)


def story_photos_public(story: Story) -> bool:
    """A published story's photos are public only while at least one person is tagged as shown in it and every
    person shown has an active consent to publish their photo (a consent of its own, apart from the name's). A
    story with nobody tagged keeps its photos private: nobody has consented to them."""
    return stories_published().filter(pk=story.pk, photos_public=True).exists()  # type: ignore[misc]


def current_and_recent_years(today: dt.date | None = None) -> list[int]:
    from thamdee.common.thaitime import current_fiscal_year

    year = current_fiscal_year()
    return [year, year - 1, year - 2]


def story_organisations(user: Actor) -> list[Organisation]:
    """The organisations whose stories a person writes (their organisers and admins), by name: the story form's
    choice, and its first one when the form is opened with none named."""
    ids = roles_for(user).org_ids_with("organiser", "admin")
    return list(Organisation.objects.filter(pk__in=ids, is_active=True).order_by("name_th"))
