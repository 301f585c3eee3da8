"""Bulk ingest of verified deeds from a file: the same awards, postings, balances and rollups as verifying the
same deeds one by one; a bad file is refused by row and nothing is saved; a file ingested twice counts once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from tests.factories import member_of
from thamdee.deeds import services
from thamdee.deeds.errors import ImportFileError
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


def _state() -> dict[str, Any]:
    deeds = sorted(
        (d.member_id, d.done_on, d.deed_type_id, str(d.hours), str(d.quantity), d.status, d.credits, d.explanation)
        for d in Deed.objects.all()
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


@pytest.mark.postgres
def test_ingest_gives_what_verifying_one_by_one_gives(world, tmp_path):
    # given a file of deeds, ingested set-based
    path = _write(tmp_path, world, _rows(world))
    try:
        with transaction.atomic():
            report = deeds_ingest(actor=world.admin, path=path)
            ingested = _state()
            raise _Undo
    except _Undo:
        pass
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
