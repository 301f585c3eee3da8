"""Bulk ingest of deeds that were verified outside Thamdee (paper passbooks, a pilot's spreadsheet, another
system): a CSV or TSV file in, verified deeds with their awards, balances and rollups out, all or nothing.

The file (UTF-8, one header row; Thai or English headers, see ``HEADERS``)::

    ref, member, organisation, deed_type, done_on, verified_on, hours, quantity, beneficiaries, area,
    verifier, second_verifier, description

``member``, ``verifier`` and ``second_verifier`` are a username or a member's public id (never a national ID);
``organisation`` is the organisation's public id; ``deed_type`` a code of that organisation's catalogue;
dates are yyyy-mm-dd or dd/mm/yyyy (BE or CE); ``ref`` is the row's own reference in the source (a passbook
entry number): it makes the ingest idempotent. Without it the key is the row's content and its rank among
identical rows of the file (so the same file ingested twice posts nothing twice, but an identical row in
another file counts as the same deed).

What it guarantees, on PostgreSQL (``deeds_ingest``):

* Every row is checked before anything is written, with the rules of recording and verifying one deed: the
  member belongs to the organisation that keeps the deed type; the type is active; the deed was done on or
  before the day it was verified, within the catalogue's backdating window, and not verified in the future;
  amounts fit the unit; a sensitive type needs the member's consent; the verifier may verify the deed and is
  not its doer; an award above the rulebook's threshold names a different second verifier; the
  organisation's allotment covers its awards. Every bad row is reported by its row number (the header is row
  1) in Thai and English, and then nothing is imported.
* Credits come from the published rulebook versions in force on the day each deed was done, through the same
  rules engine as single verification (``creditrules.engine.compute_award``), in the order single
  verification would meet them (by date done, then row): caps see the member's verified deeds and the
  earlier rows of the file. The file's members are locked first, as single verification locks its member, so a
  verification of one of them under way meanwhile is waited for and counted. The engine runs once per
  distinct case (same rule versions, deed type, amount and multipliers); members whose caps could bind are
  computed deed by deed.
* One award journal per deed (idempotency key ``deed:<public id>:award:v<versions>``, as single
  verification), posted set-based by ``ledger.services.journal_post_staged``: balanced, each wallet and
  allotment updated once by its net change, never below zero.
* Re-ingesting a file skips the rows already ingested (same ref, same content) and refuses a ref reused for
  a different deed.
* Rollups of every touched cell are recomputed set-based in the same transaction (the ``on_ingested`` hook).
* Per-row triggers (foreign keys included) are switched off for the bulk insert only where the database role
  may (``common.db.row_triggers_off``); everything they check is then checked set-based in the same
  transaction: references come from joins inside it and are locked against deletion (members through the
  wallet rows the posting updates), journals balance, accounts exist.
* ``initial_load`` (a first load with the system to itself): after the checks, the plain secondary indexes of
  the tables written are dropped, and built again in one pass each after the rollups, before commit
  (``common.db.SecondaryIndexes``). Uniqueness indexes stay. Their locks make every reader of those tables wait
  until the ingest ends; if a table is in use, ``IngestBusyError`` and nothing is written.

Not done for ingested deeds: notifications to members (a historic file would flood their inbox) and badges
(run ``recognition_recompute`` for the members afterwards).

On SQLite (the embedded default) ``deeds_ingest`` falls back to the row-by-row path: the same checks in
Python, then each deed recorded and verified through ``deed_verify`` in the same order.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from thamdee.common.db import SecondaryIndexes, TablesBusyError, nextval_sql, row_triggers_off
from thamdee.common.parsing import ascii_int
from thamdee.creditrules import engine
from thamdee.creditrules.selectors import VersionCache, ruleset_of
from thamdee.deeds import errors, explanations, hooks
from thamdee.deeds.importer import RowError, parse_date
from thamdee.people.models import User

INGEST_NAMESPACE = uuid.UUID("0b6f3f4e-3c8e-5d55-9c1e-7468616d6465")  # deed public ids from refs

COLUMNS = (
    "ref",
    "member",
    "organisation",
    "deed_type",
    "done_on",
    "verified_on",
    "hours",
    "quantity",
    "beneficiaries",
    "area",
    "verifier",
    "second_verifier",
    "description",
)
REQUIRED = ("member", "organisation", "deed_type", "done_on", "verifier")
HEADERS = {
    "ref": "ref",
    "รหัสอ้างอิง": "ref",
    "member": "member",
    "username": "member",
    "สมาชิก": "member",
    "รหัสสมาชิก": "member",
    "organisation": "organisation",
    "organization": "organisation",
    "องค์กร": "organisation",
    "deed_type": "deed_type",
    "รหัสความดี": "deed_type",
    "done_on": "done_on",
    "date": "done_on",
    "วันที่": "done_on",
    "วันที่ทำ": "done_on",
    "verified_on": "verified_on",
    "วันที่รับรอง": "verified_on",
    "hours": "hours",
    "ชั่วโมง": "hours",
    "quantity": "quantity",
    "จำนวน": "quantity",
    "beneficiaries": "beneficiaries",
    "ผู้ได้รับประโยชน์": "beneficiaries",
    "area": "area",
    "พื้นที่": "area",
    "verifier": "verifier",
    "ผู้รับรอง": "verifier",
    "second_verifier": "second_verifier",
    "ผู้รับรองคนที่สอง": "second_verifier",
    "description": "description",
    "รายละเอียด": "description",
}

# Problem codes: (column, Thai, English). Messages of the existing domain errors are reused where one exists.
PROBLEMS: dict[str, tuple[str, str | None, str | None]] = {
    "member": ("member", "ไม่พบสมาชิก (ชื่อผู้ใช้หรือรหัสสมาชิก)", "Member not found (username or member id)"),
    "organisation": (
        "organisation",
        "ไม่พบองค์กร หรือคุณบันทึกความดีให้องค์กรนี้ไม่ได้",
        "Organisation not found, or you may not record deeds for it",
    ),
    "deed_type": (
        "deed_type",
        'ไม่มีรหัสความดี "{value}" ในรายการขององค์กร',
        'No deed type "{value}" in the organisation\'s catalogue',
    ),
    "deed_type_inactive": ("deed_type", None, None),
    "done_on": ("done_on", "วันที่ทำไม่ถูกต้อง (ปปปป-ดด-วว หรือ วว/ดด/ปปปป)", "Invalid date done (yyyy-mm-dd or dd/mm/yyyy)"),
    "verified_on": (
        "verified_on",
        "วันที่รับรองไม่ถูกต้อง หรือเป็นวันในอนาคต",
        "Invalid date of verification, or a date in the future",
    ),
    "deed_date": ("done_on", None, None),
    "area": ("area", "ไม่พบรหัสพื้นที่", "Unknown area code"),
    "area_level": ("area", None, None),
    "amount": ("hours", None, None),
    "beneficiaries": ("beneficiaries", "จำนวนผู้ได้รับประโยชน์ไม่ถูกต้อง", "Invalid number of beneficiaries"),
    "consent": ("member", None, None),
    "not_member": ("member", None, None),
    "verifier": (
        "verifier",
        "ไม่พบผู้รับรอง หรือผู้รับรองไม่มีสิทธิ์รับรองความดีนี้",
        "Verifier not found, or not allowed to verify this deed",
    ),
    "self_verification": ("verifier", None, None),
    "second_verifier": (
        "second_verifier",
        "ผู้รับรองคนที่สองต้องเป็นผู้รับรองขององค์กร และต่างจากผู้รับรองคนแรกและผู้ทำความดี",
        "The second verifier must be a verifier of the organisation, other than the first verifier and the doer",
    ),
    "two_approvers": (
        "second_verifier",
        "เครดิต {value} เกินเกณฑ์ของกติกา ต้องมีผู้รับรองคนที่สอง",
        "{value} credits is above the rulebook's threshold: a second verifier is needed",
    ),
    "allotment": (
        "organisation",
        "โควตาขององค์กรเหลือ {value} เครดิต ไม่พอสำหรับความดีถึงแถวนี้",
        "The organisation's allotment holds {value} credits, short of the awards up to this row",
    ),
    "ref_duplicate": ("ref", "รหัสอ้างอิงซ้ำกับแถว {value}", "Reference repeated on row {value}"),
    "ref_clash": (
        "ref",
        "รหัสอ้างอิงนี้นำเข้าไว้แล้วสำหรับความดีรายการอื่น",
        "This reference was already ingested for a different deed",
    ),
}


def _domain_texts(code: str, value: str) -> tuple[str, str]:
    if code == "deed_type_inactive":
        exc: Any = errors.DeedTypeInactiveError()
    elif code == "deed_date":
        exc = errors.DeedDateError(days=value)
    elif code == "area_level":
        exc = errors.AreaLevelError()
    elif code == "amount":
        exc = errors.AmountError()
    elif code == "consent":
        exc = errors.SensitiveConsentError()
    elif code == "not_member":
        exc = errors.NotAMemberError()
    elif code == "self_verification":
        exc = errors.SelfVerificationError()
    else:
        raise KeyError(code)
    return exc.message_th, exc.message_en


def problem(row: int, code: str, value: Any = "") -> RowError:
    column, th, en = PROBLEMS[code]
    if th is None or en is None:
        th, en = _domain_texts(code, str(value))
    return RowError(row, column, th.format(value=value), en.format(value=value))


@dataclass
class IngestReport:
    rows: int = 0
    ingested: int = 0
    skipped: int = 0  # already ingested (same ref, same content)
    credits: int = 0
    journals: int = 0
    path: str = "set-based"
    triggers_off: bool = False
    initial_load: bool = False  # secondary indexes dropped and built again (PostgreSQL)
    checked_only: bool = False
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return sum(self.phases.values())


class _Phases:
    def __init__(self, report: IngestReport, echo: Callable[[str], None] | None) -> None:
        self.report = report
        self.echo = echo

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        took = time.perf_counter() - started
        self.report.phases[name] = self.report.phases.get(name, 0.0) + took
        if self.echo:
            self.echo(f"  {name:<34} {took:8.2f} s")


# --- reading the header -------------------------------------------------------------------------------------------


@dataclass
class FileShape:
    columns: list[str]  # the canonical name of each column of the file, in order ("" for one we ignore)
    tsv: bool


def read_shape(path: Path) -> FileShape:
    """The file's columns from its header row; raises ``ImportFileError`` if required columns are missing."""
    with path.open("rb") as handle:
        first = handle.readline().decode("utf-8-sig", errors="replace").rstrip("\r\n")
    tsv = path.suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first)
    names = next(csv.reader([first], delimiter="\t" if tsv else ","), [])
    columns = []
    for raw in names:
        key = raw.strip()
        columns.append(HEADERS.get(key.lower(), HEADERS.get(key, "")))
    seen = [c for c in columns if c]
    missing = [c for c in REQUIRED if c not in seen]
    repeated = sorted({c for c in seen if seen.count(c) > 1})
    if missing or repeated:
        error = errors.ImportFileError(count=1)
        error.problems = [
            RowError(
                1,
                ", ".join(missing or repeated),
                ("ไม่มีคอลัมน์ที่ต้องมี: " if missing else "คอลัมน์ซ้ำ: ") + ", ".join(missing or repeated),
                ("Required columns missing: " if missing else "Columns repeated: ") + ", ".join(missing or repeated),
            )
        ]
        raise error
    return FileShape(columns=columns, tsv=tsv)


def _file_error(message_th: str, message_en: str, row: int = 1) -> errors.ImportFileError:
    error = errors.ImportFileError(count=1)
    error.problems = [RowError(row, "", message_th, message_en)]
    return error


# --- parsing distinct values (the same rules as recording one deed) ----------------------------------------------


def _parse_decimal(text: str) -> Decimal | None:
    """A non-negative number with at most two decimals (``services._decimal`` without the range), or None."""
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number < 0 or number != number.quantize(Decimal("0.01")) or number >= 10**6:
        return None
    return number


# --- the service -------------------------------------------------------------------------------------------------


def deeds_ingest(
    *,
    actor: User,
    path: str | Path,
    check_only: bool = False,
    today: dt.date | None = None,
    echo: Callable[[str], None] | None = None,
    skip_triggers: bool = True,
    initial_load: bool = False,
) -> IngestReport:
    """Ingest a file of deeds verified outside Thamdee (see the module's docstring for the format and every
    guarantee). Raises ``ImportFileError`` listing every bad row, by row number, and then writes nothing.

    ``actor`` records the deeds: a site admin, or an organiser or admin of every organisation in the file.
    ``check_only`` checks the whole file (awards and allotments included) and writes nothing.
    ``initial_load`` (PostgreSQL; no effect on SQLite) drops the plain secondary indexes of the tables the ingest
    writes and builds them again before it commits: faster for a first load of millions of deeds, but every page
    that reads those tables waits until the ingest ends (``IngestBusyError`` if someone is using them already).
    """
    path = Path(path)
    today = today or timezone.localdate()
    if connection.vendor == "postgresql":
        return _ingest_pg(
            actor=actor,
            path=path,
            check_only=check_only,
            today=today,
            echo=echo,
            skip=skip_triggers,
            initial_load=initial_load,
        )
    return _ingest_rows(actor=actor, path=path, check_only=check_only, today=today, echo=echo)


# --- PostgreSQL: set-based -----------------------------------------------------------------------------------------


def _raw(cursor: Any) -> Any:
    return cursor.cursor if hasattr(cursor, "cursor") else cursor


def _pg_array(values: Any) -> str:
    """A PostgreSQL text[] literal (COPY escapes it once more on the way)."""
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _copy_rows(sql: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY rows into a table through the connection's own psycopg cursor."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor, cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _temp_buffers(size: str) -> None:
    """Room for the session's temporary tables in its own memory (default 8 MB: every page of the staged file
    would be copied in from the kernel again on each pass, ~15% of the ingest's time). PostgreSQL allows it only
    before the session's first temporary table; after that the default stays (a savepoint absorbs the refusal)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL temp_buffers = '{size}'")
    except DatabaseError:
        pass


# The tables an ingest writes, whose plain secondary indexes an initial load drops and builds again.
INITIAL_LOAD_TABLES = (
    "deeds_deed",
    "deeds_decision",
    "deeds_deed_rule_versions",
    "ledger_journal",
    "ledger_posting",
    "reports_rollup",
    "reports_orgrollup",
)
INITIAL_LOAD_LOCK_TIMEOUT = 10.0  # seconds to wait for each table's exclusive lock before giving up


@transaction.atomic
def _ingest_pg(
    *,
    actor: User,
    path: Path,
    check_only: bool,
    today: dt.date,
    echo: Callable[[str], None] | None,
    skip: bool,
    initial_load: bool = False,
) -> IngestReport:
    report = IngestReport(path="set-based", checked_only=check_only)
    phase = _Phases(report, echo)
    shape = read_shape(path)
    _temp_buffers("1GB")
    with connection.cursor() as cursor:
        # The big statements sort and hash the whole file (1M rows: a few hundred MB each) in memory, not on disk.
        cursor.execute("SET LOCAL work_mem = '1GB'")
        cursor.execute("SET LOCAL jit = off")  # compiling these one-off statements costs more than it saves
    with phase("copy into staging"):
        _stage(path, shape)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM ingest_raw")
        (report.rows,) = cursor.fetchone()
    if not report.rows:
        raise _file_error("ไม่มีข้อมูลในไฟล์", "The file has no rows", row=2)
    problems: list[RowError] = []
    with phase("look-ups (small tables)"):
        books = _lookups(actor, shape, today, problems)
    with phase("lock the members"):
        _lock_members(books)
    with phase("resolve and check rows"):
        _resolve(shape, today, books)
    with phase("report problems"):
        problems += _row_problems()
    with phase("awards: rules engine per case"):
        _classes(books)
    with phase("awards: caps"):
        _caps(books)
    with phase("awards: approvers and allotments"):
        problems += _award_problems()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FILTER (WHERE skip) FROM ingest_row")
            (report.skipped,) = cursor.fetchone()
    if problems:
        error = errors.ImportFileError(count=len({p.row for p in problems}))
        error.problems = sorted(problems, key=lambda p: (p.row, p.column))
        raise error
    if check_only:
        return report
    indexes = SecondaryIndexes(INITIAL_LOAD_TABLES, INITIAL_LOAD_LOCK_TIMEOUT) if initial_load else None
    if indexes is not None:
        with phase("initial load: drop indexes"):
            try:
                indexes.drop()
            except TablesBusyError:
                raise errors.IngestBusyError() from None
        report.initial_load = True
    with row_triggers_off(skip) as triggers:
        report.triggers_off = triggers.active
        with phase("plan (ids, wallets)"):
            _plan(actor)
        with phase("ledger: stage"):
            _stage_ledger()
        with phase("ledger: post (set-based)"):
            from thamdee.ledger import services as ledger

            report.journals, replayed = ledger.journal_post_staged()
            if replayed:
                _repoint_replays()
        with phase("deeds, decisions, rule links"):
            report.ingested, report.credits = _write_deeds(actor, books)
        if triggers.active:
            with phase("integrity checks (set-based)"):
                _check_integrity()
        # Still without per-row triggers: the only foreign key the rollups write is the organisation of an
        # organisation cell, and those are the new deeds' organisations (checked and locked just above) or
        # organisations of deeds already kept.
        with phase("rollups (set-based)"):
            hooks.deeds_ingested(hooks.Ingested(table="ingest_plan", count=report.ingested))
    if indexes is not None:
        with phase("initial load: build indexes"):
            indexes.rebuild()
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP TABLE IF EXISTS ingest_raw, ingest_row, ingest_class, ingest_norate, ingest_slow, ingest_plan, "
            "ingest_capped, ingest_hist, ingest_slow_member, ingest_dates, ingest_nums, ingest_org, ingest_type, "
            "ingest_person, ingest_vright, ingest_vagency, ingest_area, ingest_version, ingest_mult, "
            "ingest_explanation, ingest_ref, ledger_stage_journal, ledger_stage_leg"
        )
    return report


def _stage(path: Path, shape: FileShape) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ingest_raw")
        extra = [f"x{i} text" for i, name in enumerate(shape.columns) if not name]
        cursor.execute(
            "CREATE TEMP TABLE ingest_raw (row_no bigint GENERATED ALWAYS AS IDENTITY, "
            + ", ".join([f"{c} text" for c in COLUMNS] + extra)
            + ") ON COMMIT DROP"
        )
    names = [name or f"x{i}" for i, name in enumerate(shape.columns)]
    options = "FORMAT text, DELIMITER E'\\t', HEADER true" if shape.tsv else "FORMAT csv, HEADER true"
    import psycopg

    connection.ensure_connection()
    try:
        with (
            transaction.atomic(),
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY ingest_raw ({', '.join(names)}) FROM STDIN ({options})") as copy,
            path.open("rb") as handle,
        ):
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    except psycopg.Error as exc:
        line = ""
        text = str(exc)
        if "line " in text:
            line = text.rsplit("line ", 1)[1].split(",")[0].split(":")[0].strip()
        raise _file_error(
            "อ่านไฟล์ไม่ได้ (ต้องเป็น CSV หรือ TSV แบบ UTF-8 ทุกแถวมีจำนวนคอลัมน์เท่าหัวตาราง)",
            f"The file could not be read (CSV or TSV, UTF-8, every row as many columns as the header): {text}",
            row=ascii_int(line) or 1,
        ) from None
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingest_raw")


@dataclass
class Books:
    """Rule versions the file's deed types can meet, as the engine sees them."""

    cache: VersionCache
    rulesets: dict[int, engine.RuleSet]
    has_mults: bool
    member_by_uuid: bool
    has_ref: bool
    all_ref: bool
    # The explanations the awards of the file need, by digest (``deeds.explanations``): written once each.
    explanations: dict[str, str] = field(default_factory=dict)

    def explain(self, award: engine.Award) -> str | None:
        """The digest naming this award's explanation, kept to be written with the deeds."""
        lines = award.as_json()
        if not lines:
            return None
        key = str(explanations.digest(lines))
        if key not in self.explanations:
            self.explanations[key] = json.dumps(lines, ensure_ascii=False)
        return key


def _lookups(actor: User, shape: FileShape, today: dt.date, problems: list[RowError]) -> Books:
    """Everything small the rows are checked against, as temporary tables: dates and numbers (distinct values,
    parsed in Python by the importer's own rules), organisations, their catalogues, verifiers and their rights,
    given area codes, and the rule versions with their multipliers."""
    from thamdee.orgs.roles import roles_for

    cursor = connection.cursor()
    cursor.execute(
        "DROP TABLE IF EXISTS ingest_dates, ingest_nums, ingest_org, ingest_type, ingest_person, ingest_vright, "
        "ingest_vagency, ingest_area, ingest_version, ingest_mult"
    )
    # Dates and numbers: few distinct values however long the file.
    cursor.execute(
        "SELECT DISTINCT v FROM (SELECT btrim(done_on) AS v FROM ingest_raw UNION SELECT btrim(verified_on) "
        "FROM ingest_raw) d WHERE v IS NOT NULL AND v <> ''"
    )
    dates = []
    for (text,) in cursor.fetchall():
        day = parse_date(text)
        dates.append((text, day))
    cursor.execute("CREATE TEMP TABLE ingest_dates (txt text PRIMARY KEY, day date) ON COMMIT DROP")
    _copy_rows("COPY ingest_dates (txt, day) FROM STDIN", dates)
    cursor.execute(
        "SELECT DISTINCT v FROM (SELECT btrim(hours) AS v FROM ingest_raw UNION SELECT btrim(quantity) FROM ingest_raw "
        "UNION SELECT btrim(beneficiaries) FROM ingest_raw) d WHERE v IS NOT NULL AND v <> ''"
    )
    nums = [(text, _parse_decimal(text)) for (text,) in cursor.fetchall()]
    cursor.execute("CREATE TEMP TABLE ingest_nums (txt text PRIMARY KEY, num numeric) ON COMMIT DROP")
    _copy_rows("COPY ingest_nums (txt, num) FROM STDIN", nums)

    # Organisations named by the file, and whether the actor may record for them.
    roles = roles_for(actor)
    cursor.execute(
        """CREATE TEMP TABLE ingest_org ON COMMIT DROP AS
           SELECT k.key, o.id AS org_id, o.area_id
             FROM (SELECT DISTINCT btrim(organisation) AS key FROM ingest_raw) k
             JOIN orgs_organisation o
               ON o.public_id = (CASE WHEN k.key ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
                                      THEN k.key::uuid END)"""
    )
    if not roles.is_site_admin:
        allowed = sorted(roles.org_ids_with("organiser", "admin"))
        cursor.execute("DELETE FROM ingest_org WHERE NOT (org_id = ANY(%s))", [allowed])
    cursor.execute("ALTER TABLE ingest_org ADD PRIMARY KEY (key)")
    # Their catalogues: what the checks and the engine need of each deed type.
    # Joins rather than per-type subqueries: a national file names ~100,000 deed types (seconds otherwise).
    # ``sig`` numbers the types as the engine sees them (same code, names, unit and virtues: same award).
    cursor.execute(
        """CREATE TEMP TABLE ingest_type ON COMMIT DROP AS
           SELECT x.*, dense_rank() OVER (ORDER BY tcode, name_th, name_en, unit, virtues)::integer AS sig FROM (
           SELECT t.id AS deed_type_id, t.organisation_id AS org_id, t.code,
                  coalesce(tpl.code, t.code) AS tcode, t.name_th, coalesce(nullif(t.name_en, ''), t.name_th) AS name_en,
                  t.unit, t.max_backdate_days, t.is_sensitive, t.is_active, t.programme_id,
                  -- the agency whose verifiers verify the type's deeds: only a national template's copy marked so
                  -- (as deeds.permissions.can_verify_deed); otherwise the organisation's verifiers do
                  CASE WHEN t.verified_by = 'agency' AND tpl.id IS NOT NULL THEN pg.agency_id END AS v_agency,
                  coalesce(tv.virtues, '{}'::text[]) AS virtues, pb.id AS prog_book, lb.id AS local_book
             FROM deeds_deedtype t
             LEFT JOIN deeds_deedtype tpl ON tpl.id = t.adopted_from_id
             JOIN ledger_programme pg ON pg.id = t.programme_id
             LEFT JOIN (SELECT tv.deedtype_id, array_agg(v.code::text ORDER BY v.code) AS virtues
                          FROM deeds_deedtype_virtues tv JOIN deeds_virtue v ON v.id = tv.virtue_id
                         GROUP BY tv.deedtype_id) tv ON tv.deedtype_id = t.id
             LEFT JOIN creditrules_rulebook pb ON pb.programme_id = t.programme_id AND pb.organisation_id IS NULL
             LEFT JOIN creditrules_rulebook lb ON lb.programme_id = t.programme_id
                                              AND lb.organisation_id = t.organisation_id
            WHERE t.organisation_id IN (SELECT org_id FROM ingest_org)) x"""
    )
    cursor.execute("CREATE UNIQUE INDEX ON ingest_type (org_id, code); ANALYZE ingest_type")
    # Verifiers (and second verifiers): by username or public id, with their rights.
    cursor.execute(
        """CREATE TEMP TABLE ingest_person ON COMMIT DROP AS
           SELECT k.key, coalesce(u.id, p.id) AS user_id
             FROM (SELECT DISTINCT btrim(verifier) AS key FROM ingest_raw UNION
                   SELECT DISTINCT btrim(second_verifier) FROM ingest_raw) k
             LEFT JOIN people_user u ON u.username = k.key
             LEFT JOIN people_user p
               ON p.public_id = (CASE WHEN k.key ~* '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'
                                      THEN k.key::uuid END)
            WHERE k.key IS NOT NULL AND k.key <> '' AND coalesce(u.id, p.id) IS NOT NULL"""
    )
    cursor.execute(
        """CREATE TEMP TABLE ingest_vright ON COMMIT DROP AS
           SELECT DISTINCT m.user_id, m.organisation_id AS org_id FROM orgs_membership m
            WHERE m.user_id IN (SELECT user_id FROM ingest_person) AND m.is_active AND m.is_verifier"""
    )
    cursor.execute(
        """CREATE TEMP TABLE ingest_vagency ON COMMIT DROP AS
           SELECT s.user_id, s.agency_id, coalesce(a.code, '') AS scope_code FROM orgs_agencystaff s
             LEFT JOIN areas_area a ON a.id = s.scope_area_id
            WHERE s.user_id IN (SELECT user_id FROM ingest_person) AND s.is_active AND s.is_verifier"""
    )
    cursor.execute(
        """CREATE TEMP TABLE ingest_area ON COMMIT DROP AS
           SELECT a.code, a.id AS area_id, a.level FROM areas_area a
            WHERE a.code IN (SELECT DISTINCT btrim(area) FROM ingest_raw WHERE area IS NOT NULL AND area <> '')"""
    )
    # Rule versions of the books these types meet, with the day each stops being the one in force.
    cursor.execute("SELECT DISTINCT prog_book FROM ingest_type UNION SELECT DISTINCT local_book FROM ingest_type")
    book_ids = {b for (b,) in cursor.fetchall() if b}
    cache = VersionCache(book_ids)
    rows, mults, rulesets = [], [], {}
    for book_id, versions in cache.by_book.items():
        for i, version in enumerate(versions):
            following = versions[i + 1].effective_from if i + 1 < len(versions) else dt.date(9999, 12, 31)
            rows.append((book_id, version.pk, version.effective_from, following))
            rs = ruleset_of(version)
            rulesets[version.pk] = rs
            for order, m in enumerate(rs.rules.multipliers):
                mults.append(
                    (
                        version.pk,
                        order,
                        f"{version.pk}:{m.id}",
                        m.kind,
                        _pg_array(m.areas),
                        m.start,
                        m.end,
                        _pg_array(m.deed_types) if m.deed_types else None,
                        _pg_array(m.virtues),
                    )
                )
    cursor.execute(
        "CREATE TEMP TABLE ingest_version (rulebook_id bigint, version_id bigint, valid_from date, valid_to date) "
        "ON COMMIT DROP"
    )
    _copy_rows("COPY ingest_version FROM STDIN", rows)
    cursor.execute(
        "CREATE TEMP TABLE ingest_mult (version_id bigint, ord integer, key text, kind text, areas text[], "
        "d_from date, d_to date, types text[], virtues text[]) ON COMMIT DROP"
    )
    _copy_rows("COPY ingest_mult FROM STDIN", mults)
    # Statistics for the planner: without them it guesses ~1,000 rows each, multiplies the guesses across the
    # row check's joins and picks merge joins over on-disk sorts of the whole file.
    cursor.execute(
        "ANALYZE ingest_dates, ingest_nums, ingest_org, ingest_person, ingest_vright, ingest_vagency, ingest_area, "
        "ingest_version, ingest_mult"
    )
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM ingest_raw WHERE btrim(member) ~* "
        "'^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$')"
    )
    (by_uuid,) = cursor.fetchone()
    cursor.execute("SELECT count(*) FILTER (WHERE coalesce(btrim(ref), '') <> ''), count(*) FROM ingest_raw")
    with_ref, total = cursor.fetchone()
    has_ref, all_ref = with_ref > 0, with_ref == total
    # A reference repeated within the file: every repeat is a problem (it would be one deed).
    if has_ref:
        # Repeated refs first (one hash aggregate, no sort of the file), then the rows of those alone.
        cursor.execute(
            """WITH twice AS (SELECT btrim(ref) AS k FROM ingest_raw WHERE btrim(ref) <> ''
                               GROUP BY 1 HAVING count(*) > 1)
               SELECT array_agg(r.row_no + 1 ORDER BY r.row_no) FROM ingest_raw r JOIN twice t ON t.k = btrim(r.ref)
                GROUP BY t.k"""
        )
        for (rows_,) in cursor.fetchall():
            for later in rows_[1:]:
                problems.append(problem(later, "ref_duplicate", rows_[0]))
    cursor.close()
    return Books(
        cache=cache,
        rulesets=rulesets,
        has_mults=bool(mults),
        member_by_uuid=by_uuid,
        has_ref=has_ref,
        all_ref=all_ref,
    )


UUID_RE = "'^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$'"


def _lock_members(books: Books) -> None:
    """Hold the file's members until the transaction ends, before anything about them is read: the lock and the
    order single verification takes (``services._lock_members``: FOR NO KEY UPDATE on their accounts, in
    ascending id order). A verification or a recording of one of them under way meanwhile holds the member
    (after its deed, before its wallet) and the ingest waits for it here; then, each statement reading what is
    committed by then, the rows' checks and the caps' history (``_caps``) see its deed, as a second
    verification of the same member sees the first's award. The ingest holds nothing else yet, and everything it
    takes later (wallets, allotments) comes after the members, as for a verification, so the two cannot
    deadlock. (An ``initial_load``, which drops indexes later, is meant to have the system to itself: a
    verification that waited here while holding a deed would be the victim of the deadlock its DROP INDEX makes.)

    Every account the member cell can name (by username, or by public id as ``_resolve`` reads it), in one
    statement for the whole file; the count keeps the ids in the database."""
    by_uuid = ""
    if books.member_by_uuid:
        by_uuid = f"""UNION ALL SELECT p.id FROM k JOIN people_user p
                        ON p.public_id = (CASE WHEN k.key ~* {UUID_RE} THEN k.key::uuid END)"""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH k AS (SELECT DISTINCT btrim(member) AS key FROM ingest_raw
                            WHERE member IS NOT NULL AND btrim(member) <> '')
                SELECT count(*) FROM (
                  SELECT u.id FROM people_user u
                   WHERE u.id IN (SELECT n.id FROM k JOIN people_user n ON n.username = k.key {by_uuid})
                   ORDER BY u.id FOR NO KEY UPDATE OF u) locked"""
        )


def _resolve(shape: FileShape, today: dt.date, books: Books) -> None:
    """One pass over the rows: ids, parsed values, the rule versions in force and the multipliers that apply,
    and every problem of the row (``problems``, codes with a value after ``|``)."""
    member_join = "LEFT JOIN people_user mu ON mu.username = btrim(r.member)"
    member_cols = "mu.id AS member_id, mu.home_area_id"
    if books.member_by_uuid:
        member_join += (
            f" LEFT JOIN people_user mp ON mp.public_id = (CASE WHEN btrim(r.member) ~* {UUID_RE} "
            "THEN btrim(r.member)::uuid END)"
        )
        member_cols = "coalesce(mu.id, mp.id) AS member_id, coalesce(mu.home_area_id, mp.home_area_id) AS home_area_id"
    parts = ("member", "organisation", "deed_type", "done_on", "hours", "quantity", "area")
    content = "concat_ws('|', " + ", ".join(f"coalesce(btrim(r.{c}), '')" for c in parts) + ")"
    if books.all_ref:
        key = "'ref:' || btrim(r.ref)"
    else:
        ref_key = "CASE WHEN btrim(r.ref) <> '' THEN 'ref:' || btrim(r.ref) END" if books.has_ref else "NULL::text"
        key = (
            f"coalesce({ref_key}, 'row:' || md5({content}) || ':' || "
            f"row_number() OVER (PARTITION BY md5({content}) ORDER BY r.row_no))"
        )
    mults = "''"
    if books.has_mults:
        mults = """coalesce((SELECT string_agg(m.key, ',' ORDER BY m.key) FROM ingest_mult m
                     WHERE m.version_id IN (b.v_prog, b.v_local)
                       AND (m.types IS NULL OR b.tcode = ANY(m.types))
                       AND CASE m.kind
                             WHEN 'target_area' THEN EXISTS (SELECT 1 FROM unnest(m.areas) p
                                                             WHERE starts_with(b.area_code, p))
                             WHEN 'campaign' THEN b.done_on BETWEEN m.d_from AND m.d_to
                             WHEN 'focus_virtue' THEN m.virtues && b.virtues
                             ELSE false END), '')"""
    # OFFSET 0 keeps ``b`` and ``x`` subqueries: flattened, each use of a column (the problems in ``ok``, ``skip``
    # and ``problems``; the multipliers in ``mults`` and ``ckey``; the public id in the join and the column) would
    # compute its expression again, three times over for the problems.
    sql = f"""
    CREATE TEMP TABLE ingest_row ON COMMIT DROP AS
    WITH a AS (
      SELECT r.row_no + 1 AS row_no,
             {key} AS key,
             {member_cols}, btrim(r.member) AS member_key,
             o.org_id, o.area_id AS org_area_id, btrim(r.organisation) AS org_key,
             t.deed_type_id, t.tcode, t.name_th, t.unit, t.max_backdate_days, t.is_sensitive, t.is_active,
             t.v_agency, t.virtues, t.sig, t.prog_book, t.local_book, btrim(r.deed_type) AS type_key,
             dd.day AS done_on,
             coalesce(vd.day, CASE WHEN coalesce(btrim(r.verified_on), '') = '' THEN %(today)s::date END)
               AS verified_on,
             CASE WHEN coalesce(btrim(r.hours), '') = '' THEN 0 ELSE nh.num END AS hours,
             CASE WHEN coalesce(btrim(r.quantity), '') = '' THEN NULL ELSE nq.num END AS quantity_given,
             coalesce(btrim(r.quantity), '') = '' AS quantity_empty,
             CASE WHEN coalesce(btrim(r.beneficiaries), '') = '' THEN 0
                  WHEN btrim(r.beneficiaries) ~ '^[0-9]{{1,6}}$' THEN btrim(r.beneficiaries)::integer END
               AS beneficiaries,
             left(btrim(coalesce(r.description, '')), 2000) AS description,
             coalesce(btrim(r.area), '') AS area_given, ga.area_id AS given_area_id, ga.level AS given_level,
             pv.user_id AS verifier_id, btrim(r.verifier) AS verifier_key,
             ps.user_id AS second_id, coalesce(btrim(r.second_verifier), '') AS second_key
        FROM ingest_raw r
        {member_join}
        LEFT JOIN ingest_org o ON o.key = btrim(r.organisation)
        LEFT JOIN ingest_type t ON t.org_id = o.org_id AND t.code = btrim(r.deed_type)
        LEFT JOIN ingest_dates dd ON dd.txt = btrim(r.done_on)
        LEFT JOIN ingest_dates vd ON vd.txt = btrim(r.verified_on)
        LEFT JOIN ingest_nums nh ON nh.txt = btrim(r.hours)
        LEFT JOIN ingest_nums nq ON nq.txt = btrim(r.quantity)
        LEFT JOIN ingest_area ga ON ga.code = btrim(r.area)
        LEFT JOIN ingest_person pv ON pv.key = btrim(r.verifier)
        LEFT JOIN ingest_person ps ON ps.key = btrim(r.second_verifier)
    ), b AS (
      SELECT a.*,
             coalesce(a.given_area_id, ha.id, oa.id) AS area_id,
             CASE WHEN a.given_area_id IS NOT NULL THEN a.given_level ELSE coalesce(ha.level, oa.level) END
               AS area_level,
             CASE WHEN a.given_area_id IS NOT NULL THEN (SELECT code FROM areas_area WHERE id = a.given_area_id)
                  ELSE coalesce(ha.code, oa.code) END AS area_code,
             CASE a.unit WHEN 'hour' THEN a.hours
                         WHEN 'period' THEN 1::numeric
                         WHEN 'occurrence' THEN CASE WHEN a.quantity_empty THEN 1::numeric ELSE a.quantity_given END
                         ELSE a.quantity_given END AS quantity,
             pvv.version_id AS v_prog, lvv.version_id AS v_local,
             uuid_generate_v5('{INGEST_NAMESPACE}'::uuid, a.key) AS public_id
        FROM a
        LEFT JOIN areas_area ha ON ha.id = a.home_area_id
        LEFT JOIN areas_area oa ON oa.id = a.org_area_id
        LEFT JOIN ingest_version pvv ON pvv.rulebook_id = a.prog_book
             AND a.done_on >= pvv.valid_from AND a.done_on < pvv.valid_to
        LEFT JOIN ingest_version lvv ON lvv.rulebook_id = a.local_book
             AND a.done_on >= lvv.valid_from AND a.done_on < lvv.valid_to
      OFFSET 0
    )
    SELECT x.*, (x.existing_id IS NULL AND cardinality(x.problems) = 0) AS ok,
           (x.existing_id IS NOT NULL AND cardinality(x.problems) = 0) AS skip,
           concat_ws('/', coalesce(x.v_prog, 0), coalesce(x.v_local, 0), x.sig, x.quantity, x.mults) AS ckey
      FROM (
    SELECT b.row_no, b.key, b.public_id, b.member_id, b.org_id, b.deed_type_id, b.area_id, b.area_code,
           b.done_on, b.verified_on, b.hours, b.quantity, b.beneficiaries, b.description, b.verifier_id,
           b.second_id, b.v_prog, b.v_local, b.sig, b.tcode, b.name_th, b.unit,
           {mults} AS mults,
           ex.id AS existing_id,
           array_remove(ARRAY[
             CASE WHEN b.member_id IS NULL THEN 'member' END,
             CASE WHEN b.org_id IS NULL THEN 'organisation' END,
             CASE WHEN b.org_id IS NOT NULL AND b.deed_type_id IS NULL
                  THEN 'deed_type|' || coalesce(b.type_key, '') END,
             CASE WHEN b.deed_type_id IS NOT NULL AND NOT b.is_active THEN 'deed_type_inactive' END,
             CASE WHEN b.done_on IS NULL THEN 'done_on' END,
             CASE WHEN b.verified_on IS NULL OR b.verified_on > %(today)s::date THEN 'verified_on' END,
             CASE WHEN b.done_on IS NOT NULL AND b.verified_on IS NOT NULL AND b.deed_type_id IS NOT NULL
                   AND (b.done_on > b.verified_on OR b.done_on < b.verified_on - b.max_backdate_days)
                  THEN 'deed_date|' || b.max_backdate_days END,
             CASE WHEN b.area_given <> '' AND b.given_area_id IS NULL THEN 'area' END,
             CASE WHEN b.member_id IS NOT NULL AND b.org_id IS NOT NULL AND (b.area_given = '' OR b.given_area_id
                       IS NOT NULL) AND (b.area_id IS NULL OR b.area_level < 3) THEN 'area_level' END,
             CASE WHEN b.deed_type_id IS NOT NULL AND (b.hours IS NULL OR b.hours > 24
                       OR (b.unit = 'hour' AND b.hours <= 0)
                       OR (b.unit = 'percent' AND (b.quantity IS NULL OR b.quantity <= 0 OR b.quantity > 100))
                       OR (b.unit = 'occurrence' AND (b.quantity IS NULL OR b.quantity < 1 OR b.quantity > 100)))
                  THEN 'amount' END,
             CASE WHEN b.beneficiaries IS NULL OR b.beneficiaries > 100000 THEN 'beneficiaries' END,
             CASE WHEN b.is_sensitive AND b.member_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM people_consent c WHERE c.user_id = b.member_id AND c.purpose = 'sensitive_deeds'
                       AND c.withdrawn_at IS NULL) THEN 'consent' END,
             CASE WHEN b.member_id IS NOT NULL AND b.deed_type_id IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM orgs_membership m WHERE m.user_id = b.member_id AND m.organisation_id = b.org_id
                       AND m.is_active) THEN 'not_member' END,
             CASE WHEN b.deed_type_id IS NOT NULL AND (b.verifier_id IS NULL OR NOT (
                    CASE WHEN b.v_agency IS NOT NULL
                         THEN EXISTS (SELECT 1 FROM ingest_vagency s WHERE s.user_id = b.verifier_id
                                         AND s.agency_id = b.v_agency
                                         AND starts_with(coalesce(b.area_code, ''), s.scope_code))
                         ELSE EXISTS (SELECT 1 FROM ingest_vright v WHERE v.user_id = b.verifier_id
                                         AND v.org_id = b.org_id) END)) THEN 'verifier' END,
             CASE WHEN b.verifier_id IS NOT NULL AND b.verifier_id = b.member_id THEN 'self_verification' END,
             CASE WHEN b.second_key <> '' AND b.deed_type_id IS NOT NULL AND (b.second_id IS NULL
                       OR b.second_id = b.verifier_id OR b.second_id = b.member_id OR NOT (
                    CASE WHEN b.v_agency IS NOT NULL
                         THEN EXISTS (SELECT 1 FROM ingest_vagency s WHERE s.user_id = b.second_id
                                         AND s.agency_id = b.v_agency
                                         AND starts_with(coalesce(b.area_code, ''), s.scope_code))
                         ELSE EXISTS (SELECT 1 FROM ingest_vright v WHERE v.user_id = b.second_id
                                         AND v.org_id = b.org_id) END)) THEN 'second_verifier' END,
             CASE WHEN ex.id IS NOT NULL AND (ex.member_id IS DISTINCT FROM b.member_id
                       OR ex.deed_type_id IS DISTINCT FROM b.deed_type_id OR ex.done_on IS DISTINCT FROM b.done_on
                       OR ex.quantity IS DISTINCT FROM b.quantity OR ex.hours IS DISTINCT FROM b.hours
                       OR ex.status NOT IN ('verified', 'reversed')) THEN 'ref_clash' END
           ], NULL) AS problems
      FROM b
      LEFT JOIN deeds_deed ex ON ex.public_id = b.public_id
      OFFSET 0
      ) x
    """
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ingest_row")
        cursor.execute(sql, {"today": today})
        cursor.execute("ANALYZE ingest_row")


def _row_problems() -> list[RowError]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT row_no, unnest(problems) FROM ingest_row WHERE cardinality(problems) > 0 ORDER BY row_no"
        )
        out = []
        for row_no, text in cursor.fetchall():
            code, _, value = text.partition("|")
            out.append(problem(row_no, code, value))
        return out


# --- awards --------------------------------------------------------------------------------------------------------


def _strip_caps(rulesets: list[engine.RuleSet]) -> list[engine.RuleSet]:
    return [replace(rs, rules=replace(rs.rules, caps=engine.Caps())) for rs in rulesets]


def _min(values: list[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _caps_of(rulesets: list[engine.RuleSet], tcode: str) -> tuple[int | None, int | None, int | None]:
    return (
        _min([rs.rules.caps.member_day for rs in rulesets]),
        _min([rs.rules.caps.member_month for rs in rulesets]),
        _min([rs.rules.caps.deed_type_month.get(tcode) for rs in rulesets]),
    )


def _rulesets(books: Books, v_prog: int | None, v_local: int | None) -> list[engine.RuleSet]:
    return [books.rulesets[v] for v in (v_prog, v_local) if v is not None]


def _facts(row: dict[str, Any], done_on: dt.date, area_code: str) -> engine.DeedFacts:
    return engine.DeedFacts(
        deed_type=row["tcode"],
        deed_type_name_th=row["name_th"],
        deed_type_name_en=row["name_en"],
        unit=row["unit"],
        quantity=float(row["quantity"]),
        done_on=done_on,
        area_code=area_code,
        virtues=tuple(row["virtues"]),
    )


def _classes(books: Books) -> None:
    """The award of every distinct case, computed by the engine: rows with the same rule versions, deed type
    (as the engine sees it: code, names, unit, virtues), amount and applicable multipliers get the same
    credits and explanation whenever no cap binds (``ckey``). Cases without any rate (whose explanation names
    the day) are explained per day."""
    cursor = connection.cursor()
    cursor.execute(
        """SELECT ckey, min(v_prog), min(v_local), min(sig), min(quantity), min(done_on), min(area_code)
             FROM ingest_row WHERE ok GROUP BY ckey"""
    )
    cases = cursor.fetchall()
    cursor.execute("SELECT DISTINCT ON (sig) sig, tcode, name_th, name_en, unit, virtues FROM ingest_type ORDER BY sig")
    sigs = {
        row[0]: dict(zip(("sig", "tcode", "name_th", "name_en", "unit", "virtues"), row, strict=True))
        for row in cursor.fetchall()
    }
    out = []
    no_rate: dict[str, tuple[Any, ...]] = {}
    for ckey, v_prog, v_local, sig, quantity, done_on, area_code in cases:
        rulesets = _rulesets(books, v_prog, v_local)
        facts = _facts({**sigs[sig], "quantity": quantity}, done_on, area_code)
        award = engine.compute_award(facts, rulesets)
        pre = engine.compute_award(facts, _strip_caps(rulesets)).credits
        cap_day, cap_month, cap_type = _caps_of(rulesets, sigs[sig]["tcode"])
        if award.lines and award.lines[0].rule == "rate:none":
            no_rate[ckey] = (v_prog, v_local, sig, quantity)
        out.append(
            (
                ckey,
                pre,
                award.credits,
                award.two_approvers,
                books.explain(award),
                cap_day,
                cap_month,
                cap_type,
            )
        )
    cursor.execute("DROP TABLE IF EXISTS ingest_class, ingest_norate")
    cursor.execute(
        """CREATE TEMP TABLE ingest_class (ckey text PRIMARY KEY, pre integer, credits integer, two boolean,
             explanation uuid, cap_day integer, cap_month integer, cap_type integer) ON COMMIT DROP"""
    )
    _copy_rows("COPY ingest_class FROM STDIN", out)
    cursor.execute("ANALYZE ingest_class")
    # Cases without a rate: the explanation names the day the deed was done.
    cursor.execute("CREATE TEMP TABLE ingest_norate (ckey text, done_on date, explanation uuid) ON COMMIT DROP")
    if no_rate:
        cursor.execute(
            "SELECT DISTINCT ckey, done_on, min(area_code) FROM ingest_row WHERE ok AND ckey = ANY(%s) "
            "GROUP BY ckey, done_on",
            [list(no_rate)],
        )
        extra = []
        for ckey, done_on, area_code in cursor.fetchall():
            v_prog, v_local, sig, quantity = no_rate[ckey]
            facts = _facts({**sigs[sig], "quantity": quantity}, done_on, area_code)
            award = engine.compute_award(facts, _rulesets(books, v_prog, v_local))
            extra.append((ckey, done_on, books.explain(award)))
        _copy_rows("COPY ingest_norate FROM STDIN", extra)
    cursor.close()


def _caps(books: Books) -> None:
    """Rows whose credits a cap could change are computed deed by deed. A member's rows all keep their case's
    credits when, for every cap, what the member already has plus every case amount of the group (day, month,
    deed type and month) stays within the smallest cap of the group's rows: caps only ever lower an award, so
    no earlier row can have used up room a later one needed. Otherwise all the member's rows go through the
    engine in order, with the history single verification would see."""
    cursor = connection.cursor()
    cursor.execute("DROP TABLE IF EXISTS ingest_slow, ingest_capped, ingest_hist, ingest_slow_member")
    cursor.execute(
        "CREATE TEMP TABLE ingest_slow (row_no bigint PRIMARY KEY, credits integer, two boolean, explanation uuid) "
        "ON COMMIT DROP"
    )
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM ingest_class WHERE cap_day IS NOT NULL OR cap_month IS NOT NULL "
        "OR cap_type IS NOT NULL)"
    )
    if not cursor.fetchone()[0]:
        return
    cursor.execute(
        """CREATE TEMP TABLE ingest_capped ON COMMIT DROP AS
           SELECT r.row_no, r.member_id, r.deed_type_id, r.done_on, c.pre, c.cap_day, c.cap_month, c.cap_type,
                  t.programme_id || ':' || t.tcode AS tkey
             FROM ingest_row r JOIN ingest_class c ON c.ckey = r.ckey
             JOIN ingest_type t ON t.deed_type_id = r.deed_type_id
            WHERE r.ok AND (c.cap_day IS NOT NULL OR c.cap_month IS NOT NULL OR c.cap_type IS NOT NULL)"""
    )
    # What single verification would count as already earned: the members' verified deeds in these months,
    # through the (member, done_on) index. The temporary table is analysed first: without statistics the
    # planner guessed a nested loop over every deed (minutes instead of a second).
    cursor.execute("ANALYZE ingest_capped")
    cursor.execute(
        """SELECT date_trunc('month', min(done_on))::date,
                  (date_trunc('month', max(done_on)) + interval '1 month - 1 day')::date FROM ingest_capped"""
    )
    first_day, last_day = cursor.fetchone()
    cursor.execute(
        """CREATE TEMP TABLE ingest_hist ON COMMIT DROP AS
           SELECT d.member_id, d.done_on, t.programme_id || ':' || coalesce(tpl.code, t.code) AS tkey,
                  sum(d.credits)::bigint AS credits
             FROM (SELECT DISTINCT member_id FROM ingest_capped) m
             JOIN deeds_deed d ON d.member_id = m.member_id AND d.done_on BETWEEN %s AND %s
             JOIN deeds_deedtype t ON t.id = d.deed_type_id
             LEFT JOIN deeds_deedtype tpl ON tpl.id = t.adopted_from_id
            WHERE d.status = 'verified'
            GROUP BY 1, 2, 3""",
        [first_day, last_day],
    )
    cursor.execute("ANALYZE ingest_hist")
    cursor.execute(
        """CREATE TEMP TABLE ingest_slow_member ON COMMIT DROP AS
           SELECT member_id FROM (
             SELECT g.member_id FROM (SELECT member_id, done_on, sum(pre) AS s, min(cap_day) AS cap
                                        FROM ingest_capped GROUP BY member_id, done_on) g
               LEFT JOIN (SELECT member_id, done_on, sum(credits) AS h FROM ingest_hist GROUP BY 1, 2) h
                 USING (member_id, done_on)
              WHERE g.cap IS NOT NULL AND g.s + coalesce(h.h, 0) > g.cap
             UNION
             SELECT g.member_id FROM (SELECT member_id, date_trunc('month', done_on) AS m, sum(pre) AS s,
                                             min(cap_month) AS cap
                                        FROM ingest_capped GROUP BY 1, 2) g
               LEFT JOIN (SELECT member_id, date_trunc('month', done_on) AS m, sum(credits) AS h
                            FROM ingest_hist GROUP BY 1, 2) h USING (member_id, m)
              WHERE g.cap IS NOT NULL AND g.s + coalesce(h.h, 0) > g.cap
             UNION
             SELECT g.member_id FROM (SELECT member_id, tkey, date_trunc('month', done_on) AS m,
                                             sum(pre) AS s, min(cap_type) AS cap
                                        FROM ingest_capped GROUP BY 1, 2, 3) g
               LEFT JOIN (SELECT member_id, tkey, date_trunc('month', done_on) AS m, sum(credits) AS h
                            FROM ingest_hist GROUP BY 1, 2, 3) h USING (member_id, tkey, m)
              WHERE g.cap IS NOT NULL AND g.s + coalesce(h.h, 0) > g.cap
           ) s"""
    )
    cursor.execute(
        """SELECT r.row_no, r.member_id, t.programme_id || ':' || t.tcode, r.done_on, r.area_code, r.quantity,
                  r.v_prog, r.v_local, t.tcode, t.name_th, t.name_en, t.unit, t.virtues
             FROM ingest_row r JOIN ingest_type t ON t.deed_type_id = r.deed_type_id
            WHERE r.ok AND r.member_id IN (SELECT member_id FROM ingest_slow_member)
            ORDER BY r.member_id, r.done_on, r.row_no"""
    )
    rows = cursor.fetchall()
    if not rows:
        return
    cursor.execute(
        "SELECT member_id, done_on, tkey, credits FROM ingest_hist "
        "WHERE member_id IN (SELECT member_id FROM ingest_slow_member)"
    )
    day: dict[tuple[int, dt.date], int] = defaultdict(int)
    month: dict[tuple[int, int, int], int] = defaultdict(int)
    # Per deed type: by the programme and the code its rulebooks know it by (``services.cap_key``), so copies of
    # one national template in two organisations share the cap, as single verification counts them.
    by_type: dict[tuple[int, str, int, int], int] = defaultdict(int)
    for member_id, done_on, tkey, credits in cursor.fetchall():
        day[(member_id, done_on)] += credits
        month[(member_id, done_on.year, done_on.month)] += credits
        by_type[(member_id, tkey, done_on.year, done_on.month)] += credits
    out = []
    names = ("tcode", "name_th", "name_en", "unit", "virtues")
    for row_no, member_id, tkey, done_on, area_code, quantity, v_prog, v_local, *sig in rows:
        facts = _facts({**dict(zip(names, sig, strict=True)), "quantity": quantity}, done_on, area_code)
        history = engine.History(
            day=day[(member_id, done_on)],
            month=month[(member_id, done_on.year, done_on.month)],
            deed_type_month=by_type[(member_id, tkey, done_on.year, done_on.month)],
        )
        award = engine.compute_award(facts, _rulesets(books, v_prog, v_local), history)
        day[(member_id, done_on)] += award.credits
        month[(member_id, done_on.year, done_on.month)] += award.credits
        by_type[(member_id, tkey, done_on.year, done_on.month)] += award.credits
        out.append((row_no, award.credits, award.two_approvers, books.explain(award)))
    _copy_rows("COPY ingest_slow FROM STDIN", out)
    cursor.execute("ANALYZE ingest_slow")
    cursor.close()


AWARDED = """ingest_row r JOIN ingest_class c ON c.ckey = r.ckey LEFT JOIN ingest_slow s ON s.row_no = r.row_no"""


def _award_problems() -> list[RowError]:
    """Problems that depend on the credits: an award above the threshold needs a second verifier; an
    organisation's allotment must cover its awards (reported at the first row, in verification order, that it
    no longer covers)."""
    out: list[RowError] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT r.row_no, coalesce(s.credits, c.credits) FROM {AWARDED}
                 WHERE r.ok AND coalesce(s.two, c.two) AND r.second_id IS NULL"""
        )
        out += [problem(row_no, "two_approvers", credits) for row_no, credits in cursor.fetchall()]
        cursor.execute(
            f"""WITH need AS (
                  SELECT r.org_id, sum(coalesce(s.credits, c.credits))::bigint AS credits FROM {AWARDED}
                   WHERE r.ok GROUP BY r.org_id)
                SELECT n.org_id, coalesce(a.balance, 0) FROM need n
                  LEFT JOIN ledger_account a ON a.organisation_id = n.org_id AND a.kind = 5
                 WHERE n.credits > coalesce(a.balance, 0)"""
        )
        short = dict(cursor.fetchall())
        if short:
            cursor.execute(
                f"""SELECT org_id, min(row_no) FILTER (WHERE running > balance) FROM (
                      SELECT r.org_id, r.row_no, b.balance,
                             sum(coalesce(s.credits, c.credits)) OVER (PARTITION BY r.org_id
                                 ORDER BY r.done_on, r.row_no) AS running
                        FROM {AWARDED}
                        JOIN unnest(%s::bigint[], %s::bigint[]) AS b(org_id, balance) ON b.org_id = r.org_id
                       WHERE r.ok) x GROUP BY org_id""",
                [list(short), list(short.values())],
            )
            for org_id, row_no in cursor.fetchall():
                out.append(problem(row_no, "allotment", short[org_id]))
    return out


# --- writing -------------------------------------------------------------------------------------------------------


def _plan(actor: User) -> None:
    """Each new deed with its id, its journal's id (if it earns credits), its accounts and what to write."""
    from thamdee.ledger.posting import journal_id_sql

    with connection.cursor() as cursor:
        # Wallets are opened for members who earn credits, as an award opens one.
        cursor.execute(
            """INSERT INTO ledger_account (kind, user_id, balance, earned_total, created_at)
               SELECT 1, m.member_id, 0, 0, now()
                 FROM (SELECT DISTINCT r.member_id FROM ingest_row r JOIN ingest_class c ON c.ckey = r.ckey
                        LEFT JOIN ingest_slow s ON s.row_no = r.row_no
                       WHERE r.ok AND coalesce(s.credits, c.credits) > 0) m
                WHERE NOT EXISTS (SELECT 1 FROM ledger_account a WHERE a.kind = 1 AND a.user_id = m.member_id)
                ORDER BY m.member_id
               ON CONFLICT DO NOTHING"""
        )
        cursor.execute("DROP TABLE IF EXISTS ingest_plan")
        # The plan carries the class key, not the explanation: the wide jsonb would be written into the plan and
        # read back by every statement that scans it; only the deed insert needs it and joins it from the class.
        cursor.execute(
            f"""CREATE TEMP TABLE ingest_plan ON COMMIT DROP AS
                SELECT {nextval_sql("deeds_deed")} AS deed_id,
                       CASE WHEN o.credits > 0 THEN {journal_id_sql()} END AS journal_id, o.*
                  FROM (
                    SELECT r.row_no, r.public_id, r.member_id, r.org_id AS organisation_id, r.deed_type_id,
                           r.area_id, r.done_on, r.quantity, r.hours, r.beneficiaries, r.description,
                           CASE WHEN extract(month FROM r.done_on) >= 10 THEN extract(year FROM r.done_on) + 1
                                ELSE extract(year FROM r.done_on) END::smallint AS fiscal_year,
                           extract(month FROM r.done_on)::smallint AS month,
                           coalesce(s.credits, c.credits) AS credits, r.ckey,
                           coalesce(s.two, c.two) AS two,
                           r.verifier_id, r.second_id,
                           CASE WHEN coalesce(s.two, c.two) THEN r.second_id ELSE r.verifier_id END AS approver_id,
                           ((r.verified_on + time '12:00') AT TIME ZONE 'Asia/Bangkok') AS decided_at,
                           r.v_prog, r.v_local,
                           'deed:' || r.public_id || ':award:v' ||
                             coalesce(nullif(concat_ws('-', r.v_prog, r.v_local), ''), '0') AS key_text,
                           r.name_th || ' ' || to_char(r.done_on, 'YYYY-MM-DD') AS memo,
                           w.id AS wallet_id, al.id AS allotment_id
                      FROM ingest_row r
                      JOIN ingest_class c ON c.ckey = r.ckey
                      LEFT JOIN ingest_slow s ON s.row_no = r.row_no
                      LEFT JOIN ledger_account w ON w.kind = 1 AND w.user_id = r.member_id
                      LEFT JOIN ledger_account al ON al.kind = 5 AND al.organisation_id = r.org_id
                     WHERE r.ok
                     ORDER BY r.done_on, r.row_no
                  ) o"""
        )
        cursor.execute("ANALYZE ingest_plan")


def _stage_ledger() -> None:
    from thamdee.ledger.posting import stage_create

    stage_create()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO ledger_stage_journal (id, kind, key, created_at, actor_id, memo, cause_kind, cause_id)
               SELECT journal_id, 1, thamdee_ledger_key(key_text), decided_at, approver_id, memo, 1, deed_id
                 FROM ingest_plan WHERE journal_id IS NOT NULL ORDER BY journal_id"""
        )
        cursor.execute(
            """INSERT INTO ledger_stage_leg (journal_id, account_id, amount, earned)
               SELECT journal_id, allotment_id, -credits, 0 FROM ingest_plan WHERE journal_id IS NOT NULL
               UNION ALL
               SELECT journal_id, wallet_id, credits, credits FROM ingest_plan WHERE journal_id IS NOT NULL"""
        )


def _repoint_replays() -> None:
    """Keys that were already posted (a journal left by an earlier attempt): the deeds point to that journal."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ingest_plan p SET journal_id = s.id FROM ledger_stage_journal s "
            "WHERE s.replayed AND s.cause_id = p.deed_id"
        )


def _write_deeds(actor: User, books: Books) -> tuple[int, int]:
    with connection.cursor() as cursor:
        # The explanations, each written once (shared with the deeds of earlier files and verifications).
        cursor.execute("DROP TABLE IF EXISTS ingest_explanation")
        cursor.execute("CREATE TEMP TABLE ingest_explanation (digest uuid, lines jsonb, id bigint) ON COMMIT DROP")
        _copy_rows("COPY ingest_explanation (digest, lines) FROM STDIN", list(books.explanations.items()))
        cursor.execute(
            "INSERT INTO deeds_explanation (digest, lines) SELECT digest, lines FROM ingest_explanation "
            "ORDER BY digest ON CONFLICT (digest) DO NOTHING"
        )
        cursor.execute("UPDATE ingest_explanation x SET id = e.id FROM deeds_explanation e WHERE e.digest = x.digest")
        cursor.execute("ANALYZE ingest_explanation")
        cursor.execute(
            """INSERT INTO deeds_deed (id, public_id, member_id, deed_type_id, organisation_id, area_id, done_on,
                                       quantity, hours, beneficiaries, description, status, source, recorded_by_id,
                                       activity_id, submitted_at, decided_at, credits, explanation_id, journal_id,
                                       first_approver_id)
               SELECT p.deed_id, p.public_id, p.member_id, p.deed_type_id, p.organisation_id, p.area_id, p.done_on,
                      p.quantity, p.hours, p.beneficiaries, p.description, 'verified', 'import', %s, NULL, now(),
                      p.decided_at, p.credits, x.id, p.journal_id, CASE WHEN p.two THEN p.verifier_id END
                 FROM ingest_plan p
                 JOIN ingest_class c ON c.ckey = p.ckey
                 LEFT JOIN ingest_slow s ON s.row_no = p.row_no
                 LEFT JOIN ingest_norate nr ON nr.ckey = p.ckey AND nr.done_on = p.done_on
                 LEFT JOIN ingest_explanation x ON x.digest = coalesce(s.explanation, nr.explanation, c.explanation)
                ORDER BY p.deed_id""",
            [actor.pk],
        )
        ingested = cursor.rowcount
        cursor.execute(
            """INSERT INTO deeds_decision (deed_id, actor_id, action, reason, credits, at)
               SELECT deed_id, verifier_id, 'first_approval', '', credits, decided_at FROM ingest_plan WHERE two
               UNION ALL
               SELECT deed_id, approver_id, 'approve', '', credits, decided_at FROM ingest_plan"""
        )
        cursor.execute(
            """INSERT INTO deeds_deed_rule_versions (deed_id, rulebookversion_id)
               SELECT deed_id, v_prog FROM ingest_plan WHERE v_prog IS NOT NULL
               UNION ALL
               SELECT deed_id, v_local FROM ingest_plan WHERE v_local IS NOT NULL"""
        )
        cursor.execute("SELECT coalesce(sum(credits), 0) FROM ingest_plan")
        (credits,) = cursor.fetchone()
    return ingested, int(credits)


def _check_integrity() -> None:
    """With per-row triggers off, what the foreign keys would have checked, set-based, for the new rows only:
    every row the new deeds, decisions and rule links name exists, and is locked against deletion until commit
    (members through the wallet rows the posting has updated, or here if they earned nothing)."""
    checks = {
        "organisations": "SELECT DISTINCT organisation_id AS id FROM ingest_plan",
        "deed types": "SELECT DISTINCT deed_type_id AS id FROM ingest_plan",
        "areas": "SELECT DISTINCT area_id AS id FROM ingest_plan",
        "verifiers": "SELECT verifier_id AS id FROM ingest_plan UNION SELECT approver_id FROM ingest_plan",
        "rule versions": "SELECT v_prog AS id FROM ingest_plan WHERE v_prog IS NOT NULL UNION "
        "SELECT v_local FROM ingest_plan WHERE v_local IS NOT NULL",
        "members without credits": "SELECT DISTINCT member_id AS id FROM ingest_plan WHERE credits = 0",
        "explanations": "SELECT id FROM ingest_explanation",
    }
    tables = {
        "organisations": "orgs_organisation",
        "deed types": "deeds_deedtype",
        "areas": "areas_area",
        "verifiers": "people_user",
        "rule versions": "creditrules_rulebookversion",
        "members without credits": "people_user",
        "explanations": "deeds_explanation",
    }
    with connection.cursor() as cursor:
        # Each set of ids read from the plan once (a million rows), then checked and locked from that small table.
        cursor.execute("DROP TABLE IF EXISTS ingest_ref")
        cursor.execute("CREATE TEMP TABLE ingest_ref (kind smallint, id bigint) ON COMMIT DROP")
        for kind, ids in enumerate(checks.values()):
            cursor.execute(f"INSERT INTO ingest_ref (kind, id) SELECT {kind}, x.id FROM ({ids}) x")
        cursor.execute("ANALYZE ingest_ref")
        for kind, name in enumerate(checks):
            table = tables[name]
            cursor.execute(
                f"SELECT count(*) FROM ingest_ref x WHERE x.kind = {kind} "
                f"AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = x.id)"
            )
            (missing,) = cursor.fetchone()
            if missing:
                raise RuntimeError(f"ingest: {missing} {name} named by new deeds do not exist")
            cursor.execute(
                f"SELECT 1 FROM {table} WHERE id IN (SELECT id FROM ingest_ref WHERE kind = {kind}) FOR KEY SHARE"
            )
        # Members who earned credits: their wallet rows were updated (locked) by the posting, and a member
        # with a wallet cannot be deleted. Every new deed with credits has its journal, and every journal its deed.
        cursor.execute(
            """SELECT count(*) FROM ingest_plan p
                WHERE (p.credits > 0) <> (p.journal_id IS NOT NULL)
                   OR (p.credits > 0 AND (p.wallet_id IS NULL OR p.allotment_id IS NULL))"""
        )
        (bad,) = cursor.fetchone()
        if bad:
            raise RuntimeError(f"ingest: {bad} new deeds without their award journal or accounts")


# --- SQLite: row by row through the ordinary services -------------------------------------------------------------


def _read_rows(path: Path, shape: FileShape) -> list[dict[str, str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _file_error(
            "อ่านไฟล์ไม่ได้ (ต้องเป็น CSV หรือ TSV แบบ UTF-8 ทุกแถวมีจำนวนคอลัมน์เท่าหัวตาราง)",
            f"The file could not be read (CSV or TSV, UTF-8, every row as many columns as the header): {exc}",
            row=data[: exc.start].count(b"\n") + 1,
        ) from None
    reader = csv.reader(io.StringIO(text), delimiter="\t" if shape.tsv else ",")
    next(reader, None)
    rows = []
    for raw in reader:
        rows.append({name: (raw[i] if i < len(raw) else "").strip() for i, name in enumerate(shape.columns) if name})
    return rows


def _find_user(key: str) -> User | None:
    if not key:
        return None
    user = User.objects.filter(username=key).first()
    if user is None:
        try:
            user = User.objects.filter(public_id=uuid.UUID(key)).first()
        except ValueError:
            return None
    return user


def deed_public_id(key: str) -> uuid.UUID:
    """The public id an ingested deed gets from its key (``ref:<ref>`` or the row's content key)."""
    return uuid.uuid5(INGEST_NAMESPACE, key)


@transaction.atomic
def _ingest_rows(
    *, actor: User, path: Path, check_only: bool, today: dt.date, echo: Callable[[str], None] | None
) -> IngestReport:
    """The embedded default: every row checked with the ORM, then recorded and verified one by one through
    ``deed_verify`` (in order of the day done, then row), so caps, awards, hooks and notifications are those of
    single verification."""
    import hashlib

    from thamdee.areas.models import Area, AreaLevel
    from thamdee.deeds.models import Deed, DeedSource, DeedStatus, DeedType
    from thamdee.deeds.permissions import can_record_for, can_verify_deed
    from thamdee.deeds.services import deed_verify
    from thamdee.orgs.models import Membership, Organisation
    from thamdee.people.models import ConsentPurpose
    from thamdee.people.services import consent_active

    report = IngestReport(path="row-by-row", checked_only=check_only)
    phase = _Phases(report, echo)
    shape = read_shape(path)
    with phase("read"):
        rows = _read_rows(path, shape)
    report.rows = len(rows)
    if not rows:
        raise _file_error("ไม่มีข้อมูลในไฟล์", "The file has no rows", row=2)
    problems: list[RowError] = []
    plans: list[tuple[Any, ...]] = []
    refs: dict[str, int] = {}
    seen_content: dict[str, int] = defaultdict(int)
    with phase("check rows"):
        for number, row in enumerate(rows, start=2):
            found: list[tuple[str, Any]] = []
            ref = row.get("ref", "")
            content = "|".join(
                row.get(k, "") for k in ("member", "organisation", "deed_type", "done_on", "hours", "quantity", "area")
            )
            digest = hashlib.md5(content.encode(), usedforsecurity=False).hexdigest()
            seen_content[digest] += 1
            key = f"ref:{ref}" if ref else f"row:{digest}:{seen_content[digest]}"
            if ref:
                if ref in refs:
                    found.append(("ref_duplicate", refs[ref]))
                refs.setdefault(ref, number)
            member = _find_user(row.get("member", ""))
            if member is None:
                found.append(("member", ""))
            org = None
            try:
                org = Organisation.objects.filter(public_id=uuid.UUID(row.get("organisation", ""))).first()
            except ValueError:
                org = None
            if org is None or not can_record_for.test(actor, org):
                found.append(("organisation", ""))
                org = None
            deed_type = None
            if org is not None:
                deed_type = (
                    DeedType.objects.select_related("adopted_from", "organisation", "programme")
                    .filter(organisation=org, code=row.get("deed_type", ""))
                    .first()
                )
                if deed_type is None:
                    found.append(("deed_type", row.get("deed_type", "")))
                elif not deed_type.is_active:
                    found.append(("deed_type_inactive", ""))
            done_on = parse_date(row.get("done_on", "")) if row.get("done_on") else None
            if done_on is None:
                found.append(("done_on", ""))
            verified_on = parse_date(row["verified_on"]) if row.get("verified_on") else today
            if verified_on is None or verified_on > today:
                found.append(("verified_on", ""))
            if deed_type is not None and done_on is not None and verified_on is not None:
                window = dt.timedelta(days=deed_type.max_backdate_days)
                if done_on > verified_on or done_on < verified_on - window:
                    found.append(("deed_date", deed_type.max_backdate_days))
            area = None
            if row.get("area"):
                area = Area.objects.filter(code=row["area"]).first()
                if area is None:
                    found.append(("area", ""))
            elif member is not None and org is not None:
                area = member.home_area or org.area
            if (
                member is not None
                and org is not None
                and (not row.get("area") or area is not None)
                and (area is None or area.level < AreaLevel.SUBDISTRICT)
            ):
                found.append(("area_level", ""))
            hours = _parse_decimal(row.get("hours") or "0")
            quantity_text = row.get("quantity", "")
            quantity = _parse_decimal(quantity_text) if quantity_text else None
            if deed_type is not None:
                unit = deed_type.unit
                if unit == "hour":
                    quantity = hours
                elif unit == "period" or (unit == "occurrence" and not quantity_text):
                    quantity = Decimal(1)
                bad = hours is None or hours > 24
                bad = bad or (unit == "hour" and hours is not None and hours <= 0)
                bad = bad or (unit == "percent" and (quantity is None or quantity <= 0 or quantity > 100))
                bad = bad or (unit == "occurrence" and (quantity is None or quantity < 1 or quantity > 100))
                if bad:
                    found.append(("amount", ""))
            beneficiaries_text = row.get("beneficiaries", "") or "0"
            beneficiaries = ascii_int(beneficiaries_text, max_digits=7)
            beneficiaries = -1 if beneficiaries is None else beneficiaries
            if beneficiaries < 0 or beneficiaries > 100_000:
                found.append(("beneficiaries", ""))
            if (
                deed_type is not None
                and member is not None
                and deed_type.is_sensitive
                and not consent_active(member, ConsentPurpose.SENSITIVE_DEEDS)
            ):
                found.append(("consent", ""))
            if (
                member is not None
                and deed_type is not None
                and not Membership.objects.filter(user=member, organisation=org, is_active=True).exists()
            ):
                found.append(("not_member", ""))
            verifier = _find_user(row.get("verifier", ""))
            second = _find_user(row.get("second_verifier", ""))
            probe = None
            if deed_type is not None and org is not None:
                probe = Deed(deed_type=deed_type, organisation=org, area=area)
                if verifier is None or not can_verify_deed.test(verifier, probe):
                    found.append(("verifier", ""))
            if verifier is not None and member is not None and verifier.pk == member.pk:
                found.append(("self_verification", ""))
            if (
                row.get("second_verifier")
                and probe is not None
                and (
                    second is None
                    or (verifier is not None and second.pk == verifier.pk)
                    or (member is not None and second.pk == member.pk)
                    or not can_verify_deed.test(second, probe)
                )
            ):
                found.append(("second_verifier", ""))
            public_id = deed_public_id(key)
            existing = Deed.objects.filter(public_id=public_id).first()
            if existing is not None and not found:
                same = (
                    existing.member_id == member.pk  # type: ignore[union-attr]
                    and existing.deed_type_id == deed_type.pk  # type: ignore[union-attr]
                    and existing.done_on == done_on
                    and existing.quantity == quantity
                    and existing.hours == hours
                    and existing.status in (DeedStatus.VERIFIED, DeedStatus.REVERSED)
                )
                if not same:
                    found.append(("ref_clash", ""))
                else:
                    report.skipped += 1
                    continue
            if found:
                problems += [problem(number, code, value) for code, value in found]
                continue
            plans.append(
                (
                    done_on,
                    number,
                    public_id,
                    member,
                    deed_type,
                    org,
                    area,
                    hours,
                    quantity,
                    beneficiaries,
                    row,
                    verifier,
                    second,
                    verified_on,
                )
            )
    if problems:
        error = errors.ImportFileError(count=len({p.row for p in problems}))
        error.problems = sorted(problems, key=lambda p: (p.row, p.column))
        raise error
    if check_only:
        return report
    with phase("record and verify, one by one"):
        for (
            done_on,
            number,
            public_id,
            member,
            deed_type,
            org,
            area,
            hours,
            quantity,
            beneficiaries,
            row,
            verifier,
            second,
            verified_on,
        ) in sorted(plans, key=lambda p: (p[0], p[1])):
            deed = Deed.objects.create(
                public_id=public_id,
                member=member,
                deed_type=deed_type,
                organisation=org,
                area=area,
                done_on=done_on,
                hours=hours,
                quantity=quantity,
                beneficiaries=beneficiaries,
                description=(row.get("description") or "")[:2000],
                source=DeedSource.IMPORT,
                recorded_by=actor,
            )
            at = timezone.make_aware(dt.datetime.combine(verified_on, dt.time(12)))
            try:
                deed = deed_verify(actor=verifier, deed=deed, at=at)
                if deed.status == DeedStatus.AWAITING_SECOND:
                    if second is None:
                        from thamdee.deeds.services import compute

                        award, _ids = compute(deed)
                        raise _row_error(number, "two_approvers", award.credits)
                    deed = deed_verify(actor=second, deed=deed, at=at)
            except errors.ImportFileError:
                raise
            except Exception as exc:
                from thamdee.ledger.errors import AllotmentExhaustedError

                if isinstance(exc, AllotmentExhaustedError):
                    raise _row_error(number, "allotment", 0) from None
                raise
            report.ingested += 1
            report.credits += deed.credits
            report.journals += 1 if deed.journal_id else 0
    return report


def _row_error(row: int, code: str, value: Any) -> errors.ImportFileError:
    error = errors.ImportFileError(count=1)
    error.problems = [problem(row, code, value)]
    return error
