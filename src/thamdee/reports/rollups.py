"""Keeping the rollups: recompute the cells a change touched, from the raw tables, in the same transaction.

A cell is (finest area, fiscal year, month), plus the whole-year cell (month 0) with its virtue and dimension
splits. Months are not split by virtue or dimension: no dashboard, API or export reads such a cell, and at a
national scale they would be most of the rows (a million deeds spread over the country make about 1.2 million
month splits against about 0.2 million month cells); the database refuses them
(``reports_rollup_split_by_year``).

Recomputing a touched cell from the deeds and postings it counts (rather than adding and subtracting) keeps
distinct counts right through reversals and appeals, and makes the incremental rollups equal to a full rebuild
by construction: both run the same statements, one for some cells, one for all.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

VERIFIED = "verified"
# The deeds every rollup counts (``d``, of type ``t``): verified, and not of a sensitive type.
COUNTED = f"d.status = '{VERIFIED}' AND NOT t.is_sensitive"

# Each deed counts under exactly one virtue and one dimension, so that an area's virtues (and its dimensions) add up
# to its total and a small one hidden stays hidden (``selectors.protect``): its type's main virtue and dimension
# (``DeedType.main_virtue``, chosen when the type is added and never changed), or NONE for a type of none. Counting
# a deed under each of its type's virtues let the total less the virtues shown give a small group away
# (docs/authorisation.md). NONE cannot be a virtue's or a dimension's code (not a slug).
NONE = "~none"


def main_of(split: str, deed_type: str) -> str:
    """SQL for the code of the main ``split`` ("virtue" or "dimension") of the deed type aliased ``deed_type``
    (NONE for none)."""
    return f"coalesce((SELECT mo.code FROM deeds_{split} mo WHERE mo.id = {deed_type}.main_{split}_id), '{NONE}')"


# One statement per split: (extra joins, the virtue expression, the dimension expression, extra group-by).
SPLITS = [
    ("", "''", "''", ""),
    ("LEFT JOIN deeds_virtue mv ON mv.id = t.main_virtue_id", f"coalesce(mv.code, '{NONE}')", "''", ", mv.code"),
    (
        "LEFT JOIN deeds_dimension md ON md.id = t.main_dimension_id",
        "''",
        f"coalesce(md.code, '{NONE}')",
        ", md.code",
    ),
]

INSERT_COLUMNS = (
    "area_code, province_code, district_code, subdistrict_code, fiscal_year, month, virtue, dimension, "
    "deeds, hours, credits_issued, credits_spent, participants, organisations"
)


def _deed_cells_sql(where: str, *, whole_year: bool) -> list[str]:
    month = "0" if whole_year else "d.month"
    group_month = "" if whole_year else ", d.month"
    out = []
    for joins, virtue, dimension, group in SPLITS if whole_year else SPLITS[:1]:
        out.append(f"""
            INSERT INTO reports_rollup ({INSERT_COLUMNS})
            SELECT a.code, a.province_code, a.district_code, a.subdistrict_code, d.fiscal_year, {month},
                   {virtue}, {dimension}, count(*), coalesce(sum(d.hours), 0), coalesce(sum(d.credits), 0), 0,
                   count(DISTINCT d.member_id), count(DISTINCT d.organisation_id)
              FROM deeds_deed d
              JOIN deeds_deedtype t ON t.id = d.deed_type_id
              JOIN areas_area a ON a.id = d.area_id
              {joins}
             WHERE {COUNTED} AND ({where})
             GROUP BY a.code, a.province_code, a.district_code, a.subdistrict_code, d.fiscal_year{group_month}{group}
        """)
    return out


def _local(column: str) -> tuple[str, str]:
    """SQL for the fiscal year and the month of a timestamp column, in Thai time."""
    if connection.vendor == "postgresql":
        local = f"({column} AT TIME ZONE 'Asia/Bangkok')"
        month = f"CAST(EXTRACT(MONTH FROM {local}) AS integer)"
        year = f"CAST(EXTRACT(YEAR FROM {local}) AS integer)"
    else:
        local = f"datetime({column}, '+7 hours')"
        # Doubled percent signs: these statements always run with parameters (see the callers).
        month = f"CAST(strftime('%%m', {local}) AS integer)"
        year = f"CAST(strftime('%%Y', {local}) AS integer)"
    return f"(CASE WHEN {month} >= 10 THEN {year} + 1 ELSE {year} END)", month


def _spent_sql(where: str, *, whole_year: bool) -> str:
    """Credits members spent with partners (redemptions less their refunds), by the member's home area, and the
    members whose net spending in the cell is not zero (``spenders``). Cells whose spending nets to zero are left
    out (their figures are zeros)."""
    fy, month = _local("j.created_at")
    month_expr = "0" if whole_year else month
    group_month = "" if whole_year else f", {month}"
    return f"""
        SELECT code, province_code, district_code, subdistrict_code, fy, m, sum(spent), count(*)
          FROM (SELECT ha.code, ha.province_code, ha.district_code, ha.subdistrict_code, {fy} AS fy,
                       {month_expr} AS m, -sum(p.amount) AS spent
                  FROM ledger_posting p
                  JOIN ledger_journal j ON j.id = p.journal_id
                  JOIN ledger_account acc ON acc.id = p.account_id
                  JOIN people_user u ON u.id = acc.user_id
                  JOIN areas_area ha ON ha.id = u.home_area_id
                 WHERE acc.kind = 1
                   AND (j.kind = 2 OR (j.kind = 4 AND EXISTS (SELECT 1 FROM ledger_journal o
                                                               WHERE o.id = j.reversal_of_id AND o.kind = 2)))
                   AND ({where})
                 GROUP BY ha.code, ha.province_code, ha.district_code, ha.subdistrict_code, {fy}{group_month}, u.id
                HAVING sum(p.amount) <> 0) per_member
         GROUP BY code, province_code, district_code, subdistrict_code, fy, m
        HAVING sum(spent) <> 0
    """


def _upsert_spent(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    """Rows of (area code, province, district, subdistrict, fiscal year, month, credits spent, spenders)."""
    if not rows:
        return
    cursor.executemany(
        f"""INSERT INTO reports_rollup ({INSERT_COLUMNS}, spenders)
            VALUES (%s, %s, %s, %s, %s, %s, '', '', 0, 0, 0, %s, 0, 0, %s)
            ON CONFLICT (area_code, fiscal_year, month, virtue, dimension)
            DO UPDATE SET credits_spent = excluded.credits_spent, spenders = excluded.spenders""",
        [tuple(row) for row in rows],
    )


def _org_sql(where: str, *, whole_year: bool) -> str:
    month = "0" if whole_year else "d.month"
    group_month = "" if whole_year else ", d.month"
    return f"""
        INSERT INTO reports_orgrollup (organisation_id, area_code, province_code, fiscal_year, month, deeds, hours,
                                       credits_issued, participants)
        SELECT o.id, a.code, a.province_code, d.fiscal_year, {month}, count(*), coalesce(sum(d.hours), 0),
               coalesce(sum(d.credits), 0), count(DISTINCT d.member_id)
          FROM deeds_deed d
          JOIN deeds_deedtype t ON t.id = d.deed_type_id
          JOIN orgs_organisation o ON o.id = d.organisation_id
          JOIN areas_area a ON a.id = o.area_id
         WHERE {COUNTED} AND ({where})
         GROUP BY o.id, a.code, a.province_code, d.fiscal_year{group_month}
    """


def _in(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    items = sorted(set(values))
    if not items:
        return "1 = 0", []
    return f"{column} IN ({', '.join(['%s'] * len(items))})", items


# --- the public entry points ------------------------------------------------------------------------------------


@transaction.atomic
def refresh_for_deeds(deeds: Sequence[Any]) -> None:
    """Recompute every cell that these deeds count in (their area's month and year, their organisation's)."""
    area_years: dict[tuple[int, int], set[int]] = {}
    org_years: dict[tuple[int, int], set[int]] = {}
    for deed in deeds:
        area_years.setdefault((deed.area_id, deed.fiscal_year), set()).add(deed.month)
        org_years.setdefault((deed.organisation_id, deed.fiscal_year), set()).add(deed.month)
    with connection.cursor() as cursor:
        for (area_id, fy), months in area_years.items():
            _refresh_area(cursor, area_id, fy, months)
        for (org_id, fy), months in org_years.items():
            _refresh_org(cursor, org_id, fy, months)


def _area_code(cursor: Any, area_id: int) -> str:
    cursor.execute("SELECT code FROM areas_area WHERE id = %s", [area_id])
    return cursor.fetchone()[0]


def _refresh_area(cursor: Any, area_id: int, fy: int, months: set[int]) -> None:
    code = _area_code(cursor, area_id)
    in_months, month_params = _in("month", months | {0})
    # Keep the spent credits of the cells (they come from the ledger and are refreshed by their own hook).
    cursor.execute(
        f"SELECT month, credits_spent, spenders FROM reports_rollup WHERE area_code = %s AND fiscal_year = %s "
        f"AND virtue = '' AND dimension = '' AND {in_months}",
        [code, fy, *month_params],
    )
    spent = {month: (value, spenders) for month, value, spenders in cursor.fetchall()}
    cursor.execute(
        f"DELETE FROM reports_rollup WHERE area_code = %s AND fiscal_year = %s AND {in_months}",
        [code, fy, *month_params],
    )
    deed_months, deed_month_params = _in("d.month", months)
    for sql in _deed_cells_sql(f"d.area_id = %s AND d.fiscal_year = %s AND {deed_months}", whole_year=False):
        cursor.execute(sql, [area_id, fy, *deed_month_params])
    for sql in _deed_cells_sql("d.area_id = %s AND d.fiscal_year = %s", whole_year=True):
        cursor.execute(sql, [area_id, fy])
    if any(value for value, _spenders in spent.values()):
        cursor.execute("SELECT province_code, district_code, subdistrict_code FROM areas_area WHERE id = %s", [area_id])
        p, d, s = cursor.fetchone()
        _upsert_spent(cursor, [(code, p, d, s, fy, m, value, n) for m, (value, n) in spent.items() if value])


def _refresh_org(cursor: Any, org_id: int, fy: int, months: set[int]) -> None:
    in_months, month_params = _in("month", months | {0})
    cursor.execute(
        f"DELETE FROM reports_orgrollup WHERE organisation_id = %s AND fiscal_year = %s AND {in_months}",
        [org_id, fy, *month_params],
    )
    deed_months, deed_month_params = _in("d.month", months)
    cursor.execute(
        _org_sql(f"d.organisation_id = %s AND d.fiscal_year = %s AND {deed_months}", whole_year=False),
        [org_id, fy, *deed_month_params],
    )
    cursor.execute(_org_sql("d.organisation_id = %s AND d.fiscal_year = %s", whole_year=True), [org_id, fy])


FRESH_SPLITS = f"""
    CREATE TEMP TABLE rollup_split ON COMMIT DROP AS
    SELECT t.id AS deed_type_id, ''::varchar(30) AS virtue, ''::varchar(30) AS dimension
      FROM deeds_deedtype t WHERE t.id IN (SELECT DISTINCT deed_type_id FROM rollup_new)
    UNION ALL
    SELECT t.id, {main_of("virtue", "t")}, '' FROM deeds_deedtype t
     WHERE t.id IN (SELECT DISTINCT deed_type_id FROM rollup_new)
    UNION ALL
    SELECT t.id, '', {main_of("dimension", "t")} FROM deeds_deedtype t
     WHERE t.id IN (SELECT DISTINCT deed_type_id FROM rollup_new)
"""


@transaction.atomic
def refresh_for_ingested(ingested: Any) -> None:
    """The deeds hook for a bulk ingest (PostgreSQL), set-based.

    The rollup tables are locked first (SHARE ROW EXCLUSIVE: concurrent verifications wait to add their
    increments until the ingest commits, and then see its deeds when they decide their distinct counts; two
    ingests take turns). Then each (area, fiscal year) and (organisation, fiscal year) the new deeds count in is
    either *fresh*, with no rollup row yet, hence no counting deed before this ingest: its cells are inserted
    from the new deeds alone; or *known*: its touched cells are recomputed from the raw tables by the statements
    of ``rebuild``, keeping their spent credits. Either way each cell equals what a rebuild gives.
    """
    table = ingested.table
    with connection.cursor() as cursor:
        cursor.execute("LOCK TABLE reports_rollup, reports_orgrollup IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            "DROP TABLE IF EXISTS rollup_new, rollup_split, rollup_old_year, rollup_old_org, rollup_touch, "
            "rollup_touch_year, rollup_touch_org, rollup_keep_spent"
        )
        cursor.execute(
            f"""CREATE TEMP TABLE rollup_new ON COMMIT DROP AS
                SELECT i.member_id, i.organisation_id, i.area_id, i.fiscal_year, i.month, i.deed_type_id,
                       coalesce(i.hours, 0) AS hours, coalesce(i.credits, 0) AS credits
                  FROM {table} i JOIN deeds_deedtype t ON t.id = i.deed_type_id
                 WHERE NOT t.is_sensitive"""
        )
        cursor.execute("ANALYZE rollup_new")
        cursor.execute(
            """CREATE TEMP TABLE rollup_old_year ON COMMIT DROP AS
               SELECT y.area_id, y.fiscal_year FROM (SELECT DISTINCT n.area_id, a.code, n.fiscal_year
                                                      FROM rollup_new n JOIN areas_area a ON a.id = n.area_id) y
                WHERE EXISTS (SELECT 1 FROM reports_rollup r WHERE r.area_code = y.code
                                 AND r.fiscal_year = y.fiscal_year)"""
        )
        cursor.execute(
            """CREATE TEMP TABLE rollup_old_org ON COMMIT DROP AS
               SELECT y.organisation_id, y.fiscal_year
                 FROM (SELECT DISTINCT organisation_id, fiscal_year FROM rollup_new) y
                WHERE EXISTS (SELECT 1 FROM reports_orgrollup r WHERE r.organisation_id = y.organisation_id
                                 AND r.fiscal_year = y.fiscal_year)"""
        )
        cursor.execute("ANALYZE rollup_old_year; ANALYZE rollup_old_org")
        _fresh_cells(cursor)
        _known_cells(cursor)
        cursor.execute(
            "DROP TABLE IF EXISTS rollup_new, rollup_split, rollup_old_year, rollup_old_org, rollup_touch, "
            "rollup_touch_year, rollup_touch_org, rollup_keep_spent"
        )


def _fresh_cells(cursor: Any) -> None:
    """Cells of area-years and organisation-years that had no rollup row: from the new deeds alone."""
    cursor.execute(FRESH_SPLITS)
    cursor.execute("ANALYZE rollup_split")
    # Hash aggregates, each into a small analysed table, then joined: count(DISTINCT ...) sorts its whole input
    # once per distinct count, and CTEs joined to each other leave the planner blind (nested loops).
    fresh_area = (
        "NOT EXISTS (SELECT 1 FROM rollup_old_year o WHERE o.area_id = n.area_id AND o.fiscal_year = n.fiscal_year)"
    )
    fresh_org = (
        "NOT EXISTS (SELECT 1 FROM rollup_old_org k WHERE k.organisation_id = n.organisation_id "
        "AND k.fiscal_year = n.fiscal_year)"
    )
    # Hash joins on the five-column cell key: the planner's merge joins sort each table of a million cells by it
    # (most of the insert's time in a profile: comparing and deforming the text columns). Restored at the end.
    cursor.execute("SELECT current_setting('enable_mergejoin')")
    (merge,) = cursor.fetchone()
    cursor.execute("SET LOCAL enable_mergejoin = off")
    named = "n.area_id, n.fiscal_year, {m} AS m, s.virtue, s.dimension"
    # Months unsplit (one row of empty virtue and dimension for every deed), whole years with their splits.
    unsplit = "rollup_new n CROSS JOIN (SELECT ''::varchar(30) AS virtue, ''::varchar(30) AS dimension) s"
    by_split = "rollup_new n JOIN rollup_split s ON s.deed_type_id = n.deed_type_id"
    for month, split in (("n.month", unsplit), ("0", by_split)):
        columns = named.format(m=month)
        cursor.execute("DROP TABLE IF EXISTS rollup_sums, rollup_people, rollup_orgs")
        cursor.execute(
            f"""CREATE TEMP TABLE rollup_sums ON COMMIT DROP AS
                SELECT {columns}, count(*) AS deeds, sum(n.hours) AS hours, sum(n.credits) AS credits
                  FROM {split} WHERE {fresh_area} GROUP BY 1, 2, 3, 4, 5"""
        )
        cursor.execute(
            f"""CREATE TEMP TABLE rollup_people ON COMMIT DROP AS
                SELECT area_id, fiscal_year, m, virtue, dimension, count(*) AS participants
                  FROM (SELECT DISTINCT {columns}, n.member_id FROM {split} WHERE {fresh_area}) p
                 GROUP BY area_id, fiscal_year, m, virtue, dimension"""
        )
        cursor.execute(
            f"""CREATE TEMP TABLE rollup_orgs ON COMMIT DROP AS
                SELECT area_id, fiscal_year, m, virtue, dimension, count(*) AS organisations
                  FROM (SELECT DISTINCT {columns}, n.organisation_id FROM {split} WHERE {fresh_area}) o
                 GROUP BY area_id, fiscal_year, m, virtue, dimension"""
        )
        cursor.execute("ANALYZE rollup_sums; ANALYZE rollup_people; ANALYZE rollup_orgs")
        # In the order of the indexes (period first, then area): each index takes the rows at a few points instead
        # of one random leaf page per row, which the buffer cache cannot hold at a million cells.
        cursor.execute(
            f"""INSERT INTO reports_rollup ({INSERT_COLUMNS})
                SELECT a.code, a.province_code, a.district_code, a.subdistrict_code, s.fiscal_year, s.m, s.virtue,
                       s.dimension, s.deeds, s.hours, s.credits, 0, p.participants, o.organisations
                  FROM rollup_sums s
                  JOIN rollup_people p USING (area_id, fiscal_year, m, virtue, dimension)
                  JOIN rollup_orgs o USING (area_id, fiscal_year, m, virtue, dimension)
                  JOIN areas_area a ON a.id = s.area_id
                 ORDER BY s.fiscal_year, s.m, a.code, s.virtue, s.dimension"""
        )
        cursor.execute(
            f"""INSERT INTO reports_orgrollup (organisation_id, area_code, province_code, fiscal_year, month, deeds,
                                               hours, credits_issued, participants)
                SELECT g.organisation_id, a.code, a.province_code, g.fiscal_year, g.m, g.deeds, g.hours, g.credits,
                       g.participants
                  FROM (SELECT p.organisation_id, p.fiscal_year, p.m, sum(p.deeds) AS deeds, sum(p.hours) AS hours,
                               sum(p.credits) AS credits, count(*) AS participants
                          FROM (SELECT n.organisation_id, n.fiscal_year, {month} AS m, n.member_id, count(*) AS deeds,
                                       sum(n.hours) AS hours, sum(n.credits) AS credits
                                  FROM rollup_new n WHERE {fresh_org} GROUP BY 1, 2, 3, 4) p
                         GROUP BY 1, 2, 3) g
                  JOIN orgs_organisation o ON o.id = g.organisation_id
                  JOIN areas_area a ON a.id = o.area_id
                 ORDER BY g.fiscal_year, g.m, g.organisation_id"""
        )
    cursor.execute("SELECT set_config('enable_mergejoin', %s, true)", [merge])
    cursor.execute("DROP TABLE IF EXISTS rollup_sums, rollup_people, rollup_orgs")


def _known_cells(cursor: Any) -> None:
    """Touched cells of area-years and organisation-years that had rows: recomputed from the raw tables."""
    cursor.execute(
        """CREATE TEMP TABLE rollup_touch ON COMMIT DROP AS
           SELECT DISTINCT n.area_id, a.code, n.fiscal_year, n.month
             FROM rollup_new n JOIN areas_area a ON a.id = n.area_id
             JOIN rollup_old_year o ON o.area_id = n.area_id AND o.fiscal_year = n.fiscal_year"""
    )
    cursor.execute(
        "CREATE TEMP TABLE rollup_touch_year ON COMMIT DROP AS SELECT DISTINCT area_id, code, fiscal_year "
        "FROM rollup_touch"
    )
    cursor.execute(
        """CREATE TEMP TABLE rollup_touch_org ON COMMIT DROP AS
           SELECT DISTINCT n.organisation_id, n.fiscal_year, n.month FROM rollup_new n
             JOIN rollup_old_org o ON o.organisation_id = n.organisation_id AND o.fiscal_year = n.fiscal_year"""
    )
    cursor.execute("ANALYZE rollup_touch; ANALYZE rollup_touch_year; ANALYZE rollup_touch_org")
    cursor.execute("SELECT EXISTS (SELECT 1 FROM rollup_touch)")
    if cursor.fetchone()[0]:
        # Keep the spent credits of the cells (they come from the ledger and are refreshed by their own hook).
        cursor.execute(
            """CREATE TEMP TABLE rollup_keep_spent ON COMMIT DROP AS
               SELECT r.area_code, r.province_code, r.district_code, r.subdistrict_code, r.fiscal_year, r.month,
                      r.credits_spent, r.spenders
                 FROM reports_rollup r
                WHERE r.virtue = '' AND r.dimension = '' AND r.credits_spent <> 0
                  AND ((r.area_code, r.fiscal_year, r.month) IN (SELECT code, fiscal_year, month FROM rollup_touch)
                       OR (r.month = 0 AND (r.area_code, r.fiscal_year) IN
                           (SELECT code, fiscal_year FROM rollup_touch_year)))"""
        )
        cursor.execute(
            """DELETE FROM reports_rollup r
                WHERE (r.area_code, r.fiscal_year, r.month) IN (SELECT code, fiscal_year, month FROM rollup_touch)
                   OR (r.month = 0 AND (r.area_code, r.fiscal_year) IN
                       (SELECT code, fiscal_year FROM rollup_touch_year))"""
        )
        for sql in _deed_cells_sql(
            "(d.area_id, d.fiscal_year, d.month) IN (SELECT area_id, fiscal_year, month FROM rollup_touch)",
            whole_year=False,
        ):
            cursor.execute(sql)
        for sql in _deed_cells_sql(
            "(d.area_id, d.fiscal_year) IN (SELECT area_id, fiscal_year FROM rollup_touch_year)", whole_year=True
        ):
            cursor.execute(sql)
        cursor.execute(
            f"""INSERT INTO reports_rollup ({INSERT_COLUMNS}, spenders)
                SELECT area_code, province_code, district_code, subdistrict_code, fiscal_year, month, '', '', 0, 0, 0,
                       credits_spent, 0, 0, spenders
                  FROM rollup_keep_spent
                ON CONFLICT (area_code, fiscal_year, month, virtue, dimension)
                DO UPDATE SET credits_spent = excluded.credits_spent, spenders = excluded.spenders"""
        )
    cursor.execute("SELECT EXISTS (SELECT 1 FROM rollup_touch_org)")
    if cursor.fetchone()[0]:
        cursor.execute(
            """DELETE FROM reports_orgrollup r
                WHERE (r.organisation_id, r.fiscal_year, r.month) IN
                      (SELECT organisation_id, fiscal_year, month FROM rollup_touch_org)
                   OR (r.month = 0 AND (r.organisation_id, r.fiscal_year) IN
                       (SELECT organisation_id, fiscal_year FROM rollup_touch_org))"""
        )
        cursor.execute(
            _org_sql(
                "(d.organisation_id, d.fiscal_year, d.month) IN "
                "(SELECT organisation_id, fiscal_year, month FROM rollup_touch_org)",
                whole_year=False,
            )
        )
        cursor.execute(
            _org_sql(
                "(d.organisation_id, d.fiscal_year) IN (SELECT DISTINCT organisation_id, fiscal_year "
                "FROM rollup_touch_org)",
                whole_year=True,
            )
        )


@transaction.atomic
def refresh_spent(member_ids: Iterable[int], moments: Iterable[dt.datetime]) -> None:
    """Recompute the spent credits of the home areas of these members, for the fiscal years of these moments."""
    from thamdee.common.thaitime import fiscal_year_of

    years = {fiscal_year_of(m) for m in moments}
    ids = sorted(set(member_ids))
    if not ids or not years:
        return
    with connection.cursor() as cursor:
        in_users, user_params = _in("id", ids)
        cursor.execute(
            f"SELECT DISTINCT home_area_id FROM people_user WHERE {in_users} AND home_area_id IS NOT NULL", user_params
        )
        areas = [row[0] for row in cursor.fetchall()]
        if not areas:
            return
        in_areas, area_params = _in("u.home_area_id", areas)
        fy_expr, _ = _local("j.created_at")
        in_years, year_params = _in(fy_expr, years)
        rows: list[tuple[Any, ...]] = []
        for whole in (False, True):
            cursor.execute(_spent_sql(f"{in_areas} AND {in_years}", whole_year=whole), [*area_params, *year_params])
            rows += cursor.fetchall()
        # Cells of those areas and years that no longer have any spending go back to zero.
        in_ids, id_params = _in("id", areas)
        cursor.execute(f"SELECT code FROM areas_area WHERE {in_ids}", id_params)
        codes = [r[0] for r in cursor.fetchall()]
        in_cells, cell_params = _in("area_code", codes)
        in_fy, fy_params = _in("fiscal_year", years)
        cursor.execute(
            f"UPDATE reports_rollup SET credits_spent = 0, spenders = 0 WHERE {in_cells} AND {in_fy} "
            "AND virtue = '' AND dimension = ''",
            [*cell_params, *fy_params],
        )
        _upsert_spent(cursor, rows)


@transaction.atomic
def rebuild_spent() -> None:
    """Recompute every cell's spent credits and spenders from the ledger (the deeds' figures untouched)."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE reports_rollup SET credits_spent = 0, spenders = 0 WHERE credits_spent <> 0", [])
        for whole in (False, True):
            cursor.execute(_spent_sql("1 = 1", whole_year=whole), [])
            _upsert_spent(cursor, cursor.fetchall())


@transaction.atomic
def rebuild_splits() -> None:
    """Recompute every virtue and dimension cell (the whole years' splits) from the raw tables."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # verifications and ingests wait (as for ``refresh_for_ingested``)
            cursor.execute("LOCK TABLE reports_rollup IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DELETE FROM reports_rollup WHERE virtue <> '' OR dimension <> ''", [])
        for sql in _deed_cells_sql("1 = 1", whole_year=True)[1:]:
            cursor.execute(sql, [])


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Throw every rollup away and compute them all again from the raw tables."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM reports_rollup", [])
        cursor.execute("DELETE FROM reports_orgrollup", [])
        for whole in (False, True):
            for sql in _deed_cells_sql("1 = 1", whole_year=whole):
                cursor.execute(sql, [])
            cursor.execute(_org_sql("1 = 1", whole_year=whole), [])
            cursor.execute(_spent_sql("1 = 1", whole_year=whole), [])
            _upsert_spent(cursor, cursor.fetchall())
        cursor.execute("SELECT count(*) FROM reports_rollup")
        (cells,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reports_orgrollup")
        (org_cells,) = cursor.fetchone()
    return {"cells": cells, "organisation_cells": org_cells}


def snapshot() -> list[tuple[Any, ...]]:
    """Every rollup row as plain values, in a fixed order (for comparing incremental rollups with a rebuild)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT area_code, fiscal_year, month, virtue, dimension, deeds, hours, credits_issued, credits_spent, "
            "participants, organisations, spenders FROM reports_rollup "
            "WHERE deeds > 0 OR credits_spent <> 0 ORDER BY 1, 2, 3, 4, 5"
        )
        cells = [tuple(float(v) if hasattr(v, "as_tuple") else v for v in row) for row in cursor.fetchall()]
        cursor.execute(
            "SELECT organisation_id, fiscal_year, month, deeds, hours, credits_issued, participants "
            "FROM reports_orgrollup WHERE deeds > 0 ORDER BY 1, 2, 3"
        )
        orgs = [tuple(float(v) if hasattr(v, "as_tuple") else v for v in row) for row in cursor.fetchall()]
    return cells + [("org", *row) for row in orgs]


CELL_COLUMNS = (
    "area_code, fiscal_year, month, virtue, dimension, deeds, round(hours, 2), credits_issued, credits_spent, "
    "participants, organisations, spenders"
)
ORG_COLUMNS = "organisation_id, fiscal_year, month, deeds, round(hours, 2), credits_issued, participants"
KEPT_CELLS = f"SELECT {CELL_COLUMNS} FROM reports_rollup WHERE deeds > 0 OR credits_spent <> 0"
KEPT_ORGS = f"SELECT {ORG_COLUMNS} FROM reports_orgrollup WHERE deeds > 0"


@dataclass
class CheckReport:
    """What ``check`` found: cells kept, cells a rebuild gives, and examples of the cells that differ."""

    cells: int
    organisation_cells: int
    differ: int
    examples: list[tuple[str, tuple[Any, ...]]]
    seconds: float

    @property
    def ok(self) -> bool:
        return self.differ == 0


def check(*, show: int = 10) -> CheckReport:
    """Compare the rollups kept (by increments as deeds change, and by bulk ingests) with what a rebuild from
    the raw tables gives, and change nothing: the rebuild runs inside a transaction that is rolled back. On
    PostgreSQL the rollup tables are locked (SHARE ROW EXCLUSIVE, as an ingest does) for the duration, so
    verifications wait for it rather than race it."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("LOCK TABLE reports_rollup, reports_orgrollup IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute("DROP TABLE IF EXISTS rollup_check_cells")
        cursor.execute("DROP TABLE IF EXISTS rollup_check_orgs")
        cursor.execute(f"CREATE TEMP TABLE rollup_check_cells AS {KEPT_CELLS}")
        cursor.execute(f"CREATE TEMP TABLE rollup_check_orgs AS {KEPT_ORGS}")
        rebuilt = rebuild()
        examples: list[tuple[str, tuple[Any, ...]]] = []
        differ = 0
        for label, ours, theirs in (
            ("kept, not rebuilt", "SELECT * FROM rollup_check_cells", KEPT_CELLS),
            ("rebuilt, not kept", KEPT_CELLS, "SELECT * FROM rollup_check_cells"),
            ("organisation kept, not rebuilt", "SELECT * FROM rollup_check_orgs", KEPT_ORGS),
            ("organisation rebuilt, not kept", KEPT_ORGS, "SELECT * FROM rollup_check_orgs"),
        ):
            cursor.execute(f"SELECT count(*) FROM ({ours} EXCEPT {theirs}) d")
            (count,) = cursor.fetchone()
            differ += count
            if count and len(examples) < show:
                cursor.execute(f"{ours} EXCEPT {theirs} ORDER BY 1, 2, 3 LIMIT %s", [show - len(examples)])
                examples += [(label, tuple(row)) for row in cursor.fetchall()]
        transaction.set_rollback(True)
    return CheckReport(
        cells=rebuilt["cells"],
        organisation_cells=rebuilt["organisation_cells"],
        differ=differ,
        examples=examples,
        seconds=time.perf_counter() - started,
    )
