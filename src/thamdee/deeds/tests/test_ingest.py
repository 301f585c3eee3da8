"""Bulk ingest of verified deeds from a file: the same awards, postings, balances and rollups as verifying the
same deeds one by one; a bad file is refused by row and nothing is saved; a file ingested twice counts once."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from tests.factories import member_of
from thamdee.deeds import ingest, services
from thamdee.deeds.errors import ImportFileError, IngestBusyError
from thamdee.deeds.ingest import deeds_ingest
from thamdee.deeds.models import Deed, DeedStatus
from thamdee.ledger.models import Account, Posting
from thamdee.ledger.reconcile import ledger_check
from thamdee.reports import rollups

pytestmark = pytest.mark.django_db

HEADER = "ref,member,organisation,deed_type,done_on,verified_on,hours,quantity,verifier,second_verifier\n"


def _rows(w: Any) -> list[tuple[str, Any, Any, int, str, str, Any]]:
    """(ref, member, deed type, days ago, hours, quantity, second verifier) of a file that meets a daily cap, the
    two-approver threshold, a period deed, a default occurrence rate and a member without a home area."""
    w.member2 = member_of(w.org)
    w.member3 = member_of(w.org)
    return [
        ("a1", w.member, w.care, 1, "3", "", None),
        ("a2", w.member, w.care, 1, "6", "", None),
        ("a3", w.member, w.care, 1, "2", "", None),  # the day's cap (50) leaves 5 of its 10
        ("a4", w.member, w.save, 2, "", "", None),
        ("b1", w.member2, w.care, 3, "9", "", w.verifier2),  # 45 credits: above 40, a second verifier
        ("b2", w.member2, w.lost, 3, "", "2", None),
        ("c1", w.member3, w.save, 5, "", "", None),
    ]


def _write(tmp_path: Path, w: Any, rows: list[Any], name: str = "deeds.csv") -> Path:
    path = tmp_path / name
    lines = [HEADER]
    for ref, member, deed_type, days, hours, quantity, second in rows:
        done = w.today - dt.timedelta(days=days)
        lines.append(
            f"{ref},{member.username},{w.org.public_id},{deed_type.code},{done.isoformat()},{w.today.isoformat()},"
            f"{hours},{quantity},{w.verifier.username},{second.username if second else ''}\n"
        )
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _lines(deed: Deed) -> str:
    return json.dumps(deed.explanation.lines if deed.explanation_id else [], ensure_ascii=False, sort_keys=True)


def _state() -> dict[str, Any]:
    deeds = sorted(
        (d.member_id, d.done_on, d.deed_type_id, str(d.hours), str(d.quantity), d.status, d.credits, _lines(d))
        for d in Deed.objects.select_related("explanation")
    )
    # Accounts by whose they are (their ids differ between two runs: sequences do not roll back).
    owner = {a.pk: (a.kind, a.user_id or 0, a.organisation_id or 0, a.programme_id or 0) for a in Account.objects.all()}
    postings: dict[int, list[tuple[Any, int]]] = {}
    for p in Posting.objects.all():
        postings.setdefault(p.journal_id, []).append((owner[p.account_id], p.amount))
    return {
        "deeds": [d[:-1] for d in deeds],
        "explanations": [d[-1] for d in deeds],
        "balances": sorted(
            Account.objects.values_list("kind", "user_id", "organisation_id", "balance", "earned_total")
        ),
        "postings": sorted(sorted(legs) for legs in postings.values()),
        "rollups": rollups.snapshot(),
    }


class _Undo(Exception):
    pass


def _ingest_then_undo(actor: Any, path: Path) -> tuple[Any, dict[str, Any]]:
    """Ingest ``path`` the ordinary way, note the state it makes, and roll it all back."""
    try:
        with transaction.atomic():
            report = deeds_ingest(actor=actor, path=path)
            state = _state()
            raise _Undo
    except _Undo:
        pass
    return report, state


@pytest.mark.postgres
def test_ingest_gives_what_verifying_one_by_one_gives(world, tmp_path):
    # given a file of deeds, ingested set-based
    path = _write(tmp_path, world, _rows(world))
    report, ingested = _ingest_then_undo(world.admin, path)
    assert report.path == "set-based" and report.ingested == 7

    # when the same deeds are recorded and verified one by one through the ordinary services
    at = dt.datetime.combine(world.today, dt.time(12), tzinfo=dt.timezone(dt.timedelta(hours=7)))
    for _ref, member, deed_type, days, hours, quantity, second in sorted(_rows_again(world), key=lambda r: -r[3]):
        (deed,) = services.deed_record_for(
            actor=world.organiser,
            entries=[
                services.DeedInput(
                    member=member,
                    deed_type=deed_type,
                    done_on=world.today - dt.timedelta(days=days),
                    hours=hours or 0,
                    quantity=quantity or None,
                )
            ],
        )
        deed = services.deed_verify(actor=world.verifier, deed=deed, at=at)
        if deed.status == DeedStatus.AWAITING_SECOND:
            deed = services.deed_verify(actor=second, deed=deed, at=at)
    verified = _state()

    # then deeds, awards and their explanations, postings, balances and rollups are the same
    for key in ("deeds", "explanations", "postings", "balances", "rollups"):
        assert ingested[key] == verified[key], key
    assert report.credits == sum(d[6] for d in verified["deeds"])
    assert ledger_check().ok


def _rows_again(w: Any) -> list[Any]:
    """The rows of ``_rows`` for the members it already made."""
    return [
        ("a1", w.member, w.care, 1, "3", "", None),
        ("a2", w.member, w.care, 1, "6", "", None),
        ("a3", w.member, w.care, 1, "2", "", None),
        ("a4", w.member, w.save, 2, "", "", None),
        ("b1", w.member2, w.care, 3, "9", "", w.verifier2),
        ("b2", w.member2, w.lost, 3, "", "2", None),
        ("c1", w.member3, w.save, 5, "", "", None),
    ]


def test_a_file_ingested_twice_counts_once(world, tmp_path):
    path = _write(tmp_path, world, _rows(world))
    first = deeds_ingest(actor=world.admin, path=path)
    second = deeds_ingest(actor=world.admin, path=path)
    assert (first.ingested, second.ingested, second.skipped) == (7, 0, 7)
    assert Deed.objects.filter(status=DeedStatus.VERIFIED).count() == 7
    assert ledger_check().ok
    assert first.path == ("set-based" if connection.vendor == "postgresql" else "row-by-row")


def test_a_bad_file_is_refused_by_row_and_nothing_is_saved(world, tmp_path):
    rows = _rows(world)
    rows[1] = ("a2", world.member, world.care, 1, "30", "", None)  # more than 24 hours
    rows[4] = ("b1", world.member2, world.care, 3, "9", "", world.member2)  # the doer as second verifier
    rows[5] = ("a1", world.member2, world.lost, 3, "", "2", None)  # a reference repeated
    path = _write(tmp_path, world, rows)
    with pytest.raises(ImportFileError) as caught:
        deeds_ingest(actor=world.admin, path=path)
    problems = {(p.row, p.column) for p in caught.value.problems}
    assert problems == {(3, "hours"), (6, "second_verifier"), (7, "ref")}
    assert all(p.message_th and p.message_en for p in caught.value.problems)
    assert not Deed.objects.exists()
    assert not Posting.objects.exists() or not Posting.objects.filter(journal__kind=1).exists()


def test_an_award_above_the_threshold_needs_a_second_verifier(world, tmp_path):
    rows = _rows(world)
    rows[4] = ("b1", world.member2, world.care, 3, "9", "", None)  # 45 credits, above 40
    with pytest.raises(ImportFileError) as caught:
        deeds_ingest(actor=world.admin, path=_write(tmp_path, world, rows))
    (problem,) = caught.value.problems
    assert (problem.row, problem.column) == (6, "second_verifier") and "45" in problem.message_en
    assert not Deed.objects.exists()


def test_a_file_without_required_columns_is_refused(world, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("member,done_on\nx,2025-01-01\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        deeds_ingest(actor=world.admin, path=path)
    (problem,) = caught.value.problems
    assert problem.row == 1 and "organisation" in problem.message_en and "organisation" in problem.message_th


def test_only_who_may_record_for_the_organisation_may_ingest(world, tmp_path):
    path = _write(tmp_path, world, _rows(world)[:1])
    with pytest.raises(ImportFileError) as caught:
        deeds_ingest(actor=world.foreign_verifier, path=path)
    assert {p.column for p in caught.value.problems} == {"organisation"}
    assert not Deed.objects.exists()


# --- the initial-load mode (PostgreSQL) ---------------------------------------------------------------------------


def _indexes() -> list[tuple[str, str]]:
    """Every index of the tables an ingest writes, by name and definition."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) ORDER BY 1",
            [list(ingest.INITIAL_LOAD_TABLES)],
        )
        return cursor.fetchall()


@pytest.mark.postgres
def test_an_initial_load_gives_what_an_ordinary_ingest_gives_and_builds_every_index_again(world, tmp_path):
    # given a file, ingested the ordinary way (then undone) and the indexes of the tables it writes
    path = _write(tmp_path, world, _rows(world))
    before = _indexes()
    ordinary, expected = _ingest_then_undo(world.admin, path)

    # when the same file is ingested as an initial load
    report = deeds_ingest(actor=world.admin, path=path, initial_load=True)

    # then deeds, awards, postings, balances and rollups are the same, every index is back as it was, the
    # secondary ones were dropped and built again, and the books balance
    assert (report.initial_load, ordinary.initial_load) == (True, False)
    assert report.ingested == ordinary.ingested == 7
    assert _state() == expected
    assert _indexes() == before
    assert {"initial load: drop indexes", "initial load: build indexes"} <= set(report.phases)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM deeds_deed WHERE member_id = %s AND done_on > %s",  # served by a rebuilt index
            [world.member.pk, world.today - dt.timedelta(days=3)],
        )
        assert cursor.fetchone() == (4,)
    assert ledger_check().ok


@pytest.mark.postgres
def test_an_initial_load_refuses_when_a_table_is_in_use_and_writes_nothing(world, tmp_path, monkeypatch):
    # given another session reading the deeds table in an open transaction
    import psycopg

    monkeypatch.setattr(ingest, "INITIAL_LOAD_LOCK_TIMEOUT", 0.2)
    path = _write(tmp_path, world, _rows(world))
    before = _indexes()
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    ) as other:
        other.execute("SELECT count(*) FROM deeds_deed")  # holds ACCESS SHARE until its transaction ends

        # when a file is ingested as an initial load
        with pytest.raises(IngestBusyError) as caught:
            deeds_ingest(actor=world.admin, path=path, initial_load=True)

    # then it says why, in Thai and English, and nothing is written or dropped
    assert caught.value.code == "ingest_busy"
    assert "initial load" in caught.value.message_en and "โหลดครั้งแรก" in caught.value.message_th
    assert not Deed.objects.exists()
    assert _indexes() == before


@pytest.mark.postgres
def test_an_initial_load_that_fails_after_dropping_the_indexes_leaves_them_all(world, tmp_path, monkeypatch):
    # given a rollup step that fails, after the indexes were dropped
    def broken(_ingested: Any) -> None:
        raise RuntimeError("rollups failed")

    monkeypatch.setattr(ingest.hooks, "deeds_ingested", broken)
    path = _write(tmp_path, world, _rows(world))
    before = _indexes()

    # when a file is ingested as an initial load
    with pytest.raises(RuntimeError):
        deeds_ingest(actor=world.admin, path=path, initial_load=True)

    # then nothing was written and every index is there
    assert not Deed.objects.exists()
    assert _indexes() == before


def test_the_command_ingests_as_an_initial_load(world, tmp_path):
    path = _write(tmp_path, world, _rows(world))
    out = io.StringIO()
    call_command("deeds", "ingest", str(path), "--actor", world.admin.username, "--initial-load", stdout=out)
    assert "7 deeds new" in out.getvalue()
    # an initial load drops indexes on PostgreSQL only; on SQLite the option changes nothing
    assert ("initial load" in out.getvalue()) == (connection.vendor == "postgresql")
    assert Deed.objects.filter(status=DeedStatus.VERIFIED).count() == 7


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("broken", "named"),
    [("organisation_id", "organisations"), ("verifier_id", "verifiers"), ("v_local", "rule versions"), (None, "")],
)
def test_the_set_based_checks_find_a_row_the_new_deeds_name_that_does_not_exist(world, broken, named):
    # Given a plan of two new deeds naming what exists (as the ingest leaves it with per-row triggers off)
    from thamdee.creditrules.models import RulebookVersion

    version_id = RulebookVersion.objects.values_list("pk", flat=True).first()
    row = {
        "organisation_id": world.org.pk,
        "deed_type_id": world.care.pk,
        "area_id": world.org.area_id,
        "verifier_id": world.verifier.pk,
        "approver_id": world.verifier.pk,
        "v_prog": version_id,
        "v_local": None,
        "member_id": world.member.pk,
        "credits": 0,
        "journal_id": None,
        "wallet_id": None,
        "allotment_id": None,
    }
    rows = [row, {**row, **({broken: 987_654_321} if broken else {})}]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS ingest_plan, ingest_explanation")
        cursor.execute(
            "CREATE TEMP TABLE ingest_plan (organisation_id bigint, deed_type_id bigint, area_id integer, "
            "verifier_id bigint, approver_id bigint, v_prog bigint, v_local bigint, member_id bigint, "
            "credits integer, journal_id bigint, wallet_id bigint, allotment_id bigint)"
        )
        cursor.execute("CREATE TEMP TABLE ingest_explanation (digest uuid, lines jsonb, id bigint)")
        for r in rows:
            cursor.execute(
                f"INSERT INTO ingest_plan ({', '.join(r)}) VALUES ({', '.join(['%s'] * len(r))})", list(r.values())
            )
    # When the ingest checks them, then the one that does not exist is named
    if broken is None:
        ingest._check_integrity()
    else:
        with pytest.raises(RuntimeError, match=f"1 {named} named by new deeds do not exist"):
            ingest._check_integrity()


def test_an_agency_verifies_in_a_file_only_the_deeds_of_its_own_programmes_templates(world, national, tmp_path):
    done = (world.today - dt.timedelta(days=1)).isoformat()

    def line(ref: str, deed_type: Any, verifier: Any) -> str:
        return (
            f"{ref},{world.member.username},{world.org.public_id},{deed_type.code},{done},{world.today.isoformat()},"
            f",,{verifier.username},\n"
        )

    # given a file where the programme's agency verifies its template's deed, another agency verifies it too,
    # and the agency verifies a deed of the organisation's own type
    path = tmp_path / "agency.csv"
    path.write_text(
        HEADER
        + line("t1", national.adopted, national.verifier)
        + line("t2", national.adopted, national.other_agency)
        + line("t3", world.lost, national.verifier),
        encoding="utf-8",
    )
    # then the two last rows are refused, and nothing is saved
    with pytest.raises(ImportFileError) as refused:
        deeds_ingest(actor=world.admin, path=path)
    assert {(p.row, p.column) for p in refused.value.problems} == {(3, "verifier"), (4, "verifier")}
    assert not Deed.objects.exists()
    # and the first row alone goes in, verified
    path.write_text(HEADER + line("t1", national.adopted, national.verifier), encoding="utf-8")
    assert deeds_ingest(actor=world.admin, path=path).ingested == 1
    assert Deed.objects.get().status == DeedStatus.VERIFIED


def test_a_file_that_is_not_utf8_is_refused_with_a_clear_problem(world, tmp_path):
    path = _write(tmp_path, world, _rows(world))
    data = path.read_bytes().split(b"\n")
    data[2] = data[2].replace(b",", b",\xe0\xb8\xff", 1)  # a broken Thai character in the second row
    path.write_bytes(b"\n".join(data))
    with pytest.raises(ImportFileError) as caught:
        deeds_ingest(actor=world.admin, path=path)
    (problem,) = caught.value.problems
    assert "could not be read" in problem.message_en and "อ่านไฟล์ไม่ได้" in problem.message_th
    assert not Deed.objects.exists()
