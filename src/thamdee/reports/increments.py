"""Keeping the rollups by increments: what a verification or a reversal adds to or takes from each cell.

A deed counts in a cell when it is verified and its type is not sensitive. When deeds start to count (verified,
reinstated on appeal) or stop (reversed), every cell they count in changes by their deeds, hours and credits,
and the distinct counts (participants, organisations) change by one where the person or organisation had no
other counting deed in the cell. That is the same definition the rebuild computes from the raw tables
(``rollups.rebuild``), so the two agree; the property test in ``tests/test_rollups.py`` holds them to it.

The cost of a verification no longer grows with the number of deeds already in its area and year: the cell rows
are upserted by key, and the "any other counting deed?" questions are answered from the person's own deeds
(one indexed query) and, for organisations, with EXISTS probes that stop at the first match.

Concurrency: the cell rows are locked first (upserts in key order, so two transactions never wait on each other
in opposite orders), and only then are the distinct counts decided, in new statements. Under READ COMMITTED a
transaction that waited for a cell's lock therefore sees the other's committed deeds when it decides, and two
verifications of the same person in the same cell add one participant, not two.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from thamdee.common.thaitime import fiscal_year_bounds
from thamdee.reports.rollups import COUNTED, NONE, VERIFIED, main_of

CHUNK = 200

# (area code, fiscal year, month (0 = year), virtue, dimension)
AreaCell = tuple[str, int, int, str, str]
# (organisation id, fiscal year, month)
OrgCell = tuple[int, int, int]


@dataclass
class _Deed:
    id: int
    member_id: int
    organisation_id: int
    area_id: int
    fiscal_year: int
    month: int
    done_on: dt.date
    hours: Decimal
    credits: int
    deed_type_id: int
    area_code: str
    province_code: str
    district_code: str
    subdistrict_code: str
    org_area_code: str
    org_province_code: str


@dataclass
class _Delta:
    deeds: int = 0
    hours: Decimal = Decimal(0)
    credits: int = 0
    participants: int = 0
    organisations: int = 0


def _in(values: Iterable[Any]) -> tuple[str, list[Any]]:
    items = sorted(set(values))
    return ", ".join(["%s"] * len(items)) or "NULL", items


def _splits(types: dict[int, tuple[str, str]], type_id: int, month: int) -> list[tuple[str, str]]:
    """The (virtue, dimension) splits a deed of this type counts in: for the whole year (month 0) the total, its
    main virtue and its main dimension (``rollups.NONE`` for none); a month's total only (see ``rollups``)."""
    if month:
        return [("", "")]
    virtue, dimension = types.get(type_id, (NONE, NONE))
    return [("", ""), (virtue, ""), ("", dimension)]


def _load(cursor: Any, ids: list[int]) -> tuple[list[_Deed], dict[int, tuple[str, str]]]:
    marks, params = _in(ids)
    cursor.execute(
        f"""SELECT d.id, d.member_id, d.organisation_id, d.area_id, d.fiscal_year, d.month, d.done_on, d.hours,
                   d.credits, d.deed_type_id, a.code, a.province_code, a.district_code, a.subdistrict_code,
                   oa.code, oa.province_code
              FROM deeds_deed d
              JOIN deeds_deedtype t ON t.id = d.deed_type_id
              JOIN areas_area a ON a.id = d.area_id
              JOIN orgs_organisation o ON o.id = d.organisation_id
              JOIN areas_area oa ON oa.id = o.area_id
             WHERE d.id IN ({marks}) AND NOT t.is_sensitive""",
        params,
    )
    deeds = []
    for row in cursor.fetchall():
        deed = _Deed(*row)
        if isinstance(deed.done_on, str):  # SQLite
            deed.done_on = dt.date.fromisoformat(deed.done_on)
        deed.hours = Decimal(str(deed.hours or 0))
        deed.credits = int(deed.credits or 0)
        deeds.append(deed)
    types = _load_types(cursor, {d.deed_type_id for d in deeds}) if deeds else {}
    return deeds, types


def _others_of_members(
    cursor: Any, deeds: list[_Deed], exclude: list[int]
) -> list[tuple[int, int, int, int, int, int]]:
    """(member, area, organisation, fiscal year, month, deed type) of the members' other counting deeds in the
    fiscal years concerned: their own deeds only, through the (member, done_on) index."""
    years = {d.fiscal_year for d in deeds}
    start = min(fiscal_year_bounds(y)[0] for y in years)
    end = max(fiscal_year_bounds(y)[1] for y in years)
    out: list[tuple[int, int, int, int, int, int]] = []
    members = sorted({d.member_id for d in deeds})
    excluded_marks, excluded = _in(exclude)
    for i in range(0, len(members), CHUNK):
        marks, params = _in(members[i : i + CHUNK])
        cursor.execute(
            f"""SELECT DISTINCT d.member_id, d.area_id, d.organisation_id, d.fiscal_year, d.month, d.deed_type_id
                  FROM deeds_deed d JOIN deeds_deedtype t ON t.id = d.deed_type_id
                 WHERE d.member_id IN ({marks}) AND d.done_on >= %s AND d.done_on <= %s
                   AND {COUNTED}
                   {f"AND d.id NOT IN ({excluded_marks})" if exclude else ""}""",
            [*params, start, end, *(excluded if exclude else [])],
        )
        out += cursor.fetchall()
    return out


def _organisations_present(
    cursor: Any, probes: list[tuple[int, int, int, int, str, str]], exclude: list[int]
) -> set[tuple[int, int, int, int, str, str]]:
    """Which (organisation, area, fiscal year, month (0 = year), virtue, dimension) have another counting deed."""
    found: set[tuple[int, int, int, int, str, str]] = set()
    excluded_marks, excluded = _in(exclude)
    for i in range(0, len(probes), CHUNK):
        chunk = probes[i : i + CHUNK]
        values = ", ".join(
            [
                "(CAST(%s AS integer), CAST(%s AS integer), CAST(%s AS integer), CAST(%s AS integer), "
                "CAST(%s AS varchar(30)), CAST(%s AS varchar(30)))"
            ]
            * len(chunk)
        )
        cursor.execute(
            f"""WITH k(org, area, fy, m, virtue, dimension) AS (VALUES {values})
                SELECT k.org, k.area, k.fy, k.m, k.virtue, k.dimension FROM k
                 WHERE EXISTS (
                   SELECT 1 FROM deeds_deed d JOIN deeds_deedtype t ON t.id = d.deed_type_id
                    WHERE d.area_id = k.area AND d.fiscal_year = k.fy AND (k.m = 0 OR d.month = k.m)
                      AND d.organisation_id = k.org AND {COUNTED}
                      {f"AND d.id NOT IN ({excluded_marks})" if exclude else ""}
                      AND (k.virtue = '' OR k.virtue = {main_of("virtue", "t")})
                      AND (k.dimension = '' OR k.dimension = {main_of("dimension", "t")}))""",
            [*(v for probe in chunk for v in probe), *(excluded if exclude else [])],
        )
        found |= {tuple(row) for row in cursor.fetchall()}  # type: ignore[misc]
    return found


@transaction.atomic
def apply(deeds: Sequence[Any], sign: int) -> None:
    """``sign`` +1: these deeds now count (they were not counting before); -1: they no longer count (they were).

    Call it after the deeds' status has changed, in the same transaction.
    """
    if sign not in (1, -1) or not deeds:
        return
    with connection.cursor() as cursor:
        rows, types = _load(cursor, sorted({d.pk for d in deeds}))
        if not rows:
            return
        batch = [d.id for d in rows] if sign > 0 else []
        area_cells: dict[AreaCell, _Delta] = defaultdict(_Delta)
        org_cells: dict[OrgCell, _Delta] = defaultdict(_Delta)
        area_meta: dict[str, tuple[str, str, str]] = {}
        org_meta: dict[int, tuple[str, str]] = {}
        member_area: set[tuple[int, AreaCell]] = set()
        member_org: set[tuple[int, OrgCell]] = set()
        org_area: set[tuple[int, int, int, int, str, str]] = set()
        for d in rows:
            area_meta[d.area_code] = (d.province_code, d.district_code, d.subdistrict_code)
            org_meta[d.organisation_id] = (d.org_area_code, d.org_province_code)
            for month in (d.month, 0):
                for virtue, dimension in _splits(types, d.deed_type_id, month):
                    cell = (d.area_code, d.fiscal_year, month, virtue, dimension)
                    delta = area_cells[cell]
                    delta.deeds += sign
                    delta.hours += sign * d.hours
                    delta.credits += sign * d.credits
                    member_area.add((d.member_id, cell))
                    org_area.add((d.organisation_id, d.area_id, d.fiscal_year, month, virtue, dimension))
                ocell = (d.organisation_id, d.fiscal_year, month)
                delta = org_cells[ocell]
                delta.deeds += sign
                delta.hours += sign * d.hours
                delta.credits += sign * d.credits
                member_org.add((d.member_id, ocell))

        # 1. Lock the cells, in key order: deeds that now count add to their cells (creating them); deeds that
        #    stopped counting take from cells that exist. (PostgreSQL checks a row's CHECK constraints before it
        #    looks for a conflict, so a negative amount can never go through INSERT ... ON CONFLICT.)
        area_rows = sorted(area_cells.items())
        org_rows = sorted(org_cells.items())
        if sign > 0:
            cursor.executemany(
                """INSERT INTO reports_rollup (area_code, province_code, district_code, subdistrict_code,
                       fiscal_year, month, virtue, dimension, deeds, hours, credits_issued, credits_spent,
                       participants, organisations)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0, 0)
                   ON CONFLICT (area_code, fiscal_year, month, virtue, dimension) DO UPDATE SET
                       deeds = reports_rollup.deeds + excluded.deeds,
                       hours = reports_rollup.hours + excluded.hours,
                       credits_issued = reports_rollup.credits_issued + excluded.credits_issued""",
                [
                    (cell[0], *area_meta[cell[0]], cell[1], cell[2], cell[3], cell[4], d.deeds, d.hours, d.credits)
                    for cell, d in area_rows
                ],
            )
            cursor.executemany(
                """INSERT INTO reports_orgrollup (organisation_id, area_code, province_code, fiscal_year, month,
                       deeds, hours, credits_issued, participants)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0)
                   ON CONFLICT (organisation_id, fiscal_year, month) DO UPDATE SET
                       deeds = reports_orgrollup.deeds + excluded.deeds,
                       hours = reports_orgrollup.hours + excluded.hours,
                       credits_issued = reports_orgrollup.credits_issued + excluded.credits_issued""",
                [(cell[0], *org_meta[cell[0]], cell[1], cell[2], d.deeds, d.hours, d.credits) for cell, d in org_rows],
            )
        else:
            cursor.executemany(
                """UPDATE reports_rollup SET deeds = deeds + %s, hours = hours + %s,
                          credits_issued = credits_issued + %s
                    WHERE area_code = %s AND fiscal_year = %s AND month = %s AND virtue = %s AND dimension = %s""",
                [(d.deeds, d.hours, d.credits, *cell) for cell, d in area_rows],
            )
            cursor.executemany(
                """UPDATE reports_orgrollup SET deeds = deeds + %s, hours = hours + %s,
                          credits_issued = credits_issued + %s
                    WHERE organisation_id = %s AND fiscal_year = %s AND month = %s""",
                [(d.deeds, d.hours, d.credits, *cell) for cell, d in org_rows],
            )

        # 2. Decide the distinct counts, now that the cells are ours.
        others = _others_of_members(cursor, rows, batch)
        missing = {row[5] for row in others} - set(types)
        if missing:  # the members' other deeds may be of types this batch does not have
            types.update(_load_types(cursor, missing))
        codes = {d.area_id: d.area_code for d in rows}
        present_area: set[tuple[int, AreaCell]] = set()
        present_org: set[tuple[int, OrgCell]] = set()
        for member_id, area_id, organisation_id, fy, month, type_id in others:
            code = codes.get(area_id)
            for m in (month, 0):
                present_org.add((member_id, (organisation_id, fy, m)))
                if code is not None:
                    for virtue, dimension in _splits(types, type_id, m):
                        present_area.add((member_id, (code, fy, m, virtue, dimension)))
        for member_id, cell in member_area:
            if (member_id, cell) not in present_area:
                area_cells[cell].participants += sign
        for member_id, ocell in member_org:
            if (member_id, ocell) not in present_org:
                org_cells[ocell].participants += sign
        present = _organisations_present(cursor, sorted(org_area), batch)
        for probe in org_area - present:
            _org_id, area_id, fy, month, virtue, dimension = probe
            area_cells[(codes[area_id], fy, month, virtue, dimension)].organisations += sign

        # 3. Apply them.
        cursor.executemany(
            """UPDATE reports_rollup SET participants = participants + %s, organisations = organisations + %s
                WHERE area_code = %s AND fiscal_year = %s AND month = %s AND virtue = %s AND dimension = %s""",
            [
                (d.participants, d.organisations, *cell)
                for cell, d in sorted(area_cells.items())
                if d.participants or d.organisations
            ],
        )
        cursor.executemany(
            """UPDATE reports_orgrollup SET participants = participants + %s
                WHERE organisation_id = %s AND fiscal_year = %s AND month = %s""",
            [(d.participants, *cell) for cell, d in sorted(org_cells.items()) if d.participants],
        )


def _load_types(cursor: Any, type_ids: set[int]) -> dict[int, tuple[str, str]]:
    """The main virtue and the main dimension of deed types (``DeedType.main_virtue``)."""
    marks, params = _in(type_ids)
    cursor.execute(
        f"SELECT t.id, {main_of('virtue', 't')}, {main_of('dimension', 't')} FROM deeds_deedtype t "
        f"WHERE t.id IN ({marks})",
        params,
    )
    return {type_id: (virtue, dimension) for type_id, virtue, dimension in cursor.fetchall()}


def deeds_now_count(deeds: Sequence[Any]) -> None:
    """The deeds hook for verification and reinstatement."""
    apply(deeds, 1)


def deeds_stopped_counting(deeds: Sequence[Any]) -> None:
    """The deeds hook for any change: of the deeds it is given, those no longer verified stopped counting."""
    apply([d for d in deeds if d.status != VERIFIED], -1)
