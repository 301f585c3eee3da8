"""Rollups when a bulk ingest and single verifications touch the same cells at once (PostgreSQL): the ingest
locks the rollup tables before it counts, so neither side misses the other's deeds."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction

from tests.factories import area, member_of
from tests.worlds import build_world
from thamdee.deeds import services
from thamdee.deeds.ingest import deeds_ingest
from thamdee.ledger.tests.test_races import outcome, race
from thamdee.reports import rollups

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _file(tmp_path: Path, w, members, days: int) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / f"deeds-{days}.csv"
    lines = ["ref,member,organisation,deed_type,done_on,hours,area,verifier"]
    for n, member in enumerate(members):
        done = w.today - dt.timedelta(days=days)
        lines.append(
            f"r{days}-{n},{member.username},{w.org.public_id},elder-care,{done},1,71091101,{w.verifier.username}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_ingest_holds_the_rollup_tables_until_it_commits(tmp_path):
    w = build_world()
    path = _file(tmp_path, w, [w.member], days=1)
    seen: list[str] = []

    def probe() -> None:
        # from another connection: a verification's upsert (ROW EXCLUSIVE) would wait for the ingest
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'reports_rollup' AND l.granted AND l.pid <> pg_backend_pid()"
            )
            seen.extend(row[0] for row in cursor.fetchall())
        connection.close()

    with transaction.atomic():
        deeds_ingest(actor=w.admin, path=path)
        thread = threading.Thread(target=probe)
        thread.start()
        thread.join(timeout=30)
    assert "ShareRowExclusiveLock" in seen


def test_ingests_and_verifications_racing_in_the_same_cells_equal_the_rebuild(tmp_path):
    w = build_world()
    members = [w.member, *(member_of(w.org) for _ in range(4))]
    # a cell that already has deeds, so the ingest recomputes it (the "known" path) while others add to it
    services.deed_verify_bulk(
        actor=w.verifier,
        deeds=services.deed_record_for(
            actor=w.organiser,
            entries=[
                services.DeedInput(
                    member=m, deed_type=w.care, done_on=w.today - dt.timedelta(days=5), hours=1, area=area("71091101")
                )
                for m in members[:2]
            ],
        ),
    )
    pending = services.deed_record_for(
        actor=w.organiser,
        entries=[
            services.DeedInput(
                member=m, deed_type=w.care, done_on=w.today - dt.timedelta(days=d), hours=1, area=area("71091101")
            )
            for m in members
            for d in (1, 2)
        ],
    )
    files = [_file(tmp_path, w, members, days=3), _file(tmp_path, w, members[::2], days=4)]
    calls = [lambda p=p: deeds_ingest(actor=w.admin, path=p) for p in files]
    calls += [lambda d=d: services.deed_verify(actor=w.verifier, deed=d) for d in pending]
    results = race(calls)
    assert [outcome(r) for r in results] == ["ok"] * len(calls)
    kept = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == kept
