"""Rollups under concurrent verifications and reversals, with real threads on their own connections: the
distinct counts stay right and nothing deadlocks (PostgreSQL and SQLite)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import member_of
from tests.worlds import build_world
from thamdee.deeds import services
from thamdee.ledger.tests.test_races import outcome, race
from thamdee.reports import rollups

pytestmark = pytest.mark.django_db(transaction=True)


def _pending(w, member, days: int, village: str = "71091101"):  # type: ignore[no-untyped-def]
    from tests.factories import area

    return services.deed_record_for(
        actor=w.organiser,
        entries=[
            services.DeedInput(
                member=member, deed_type=w.care, done_on=w.today - dt.timedelta(days=days), hours=1, area=area(village)
            )
        ],
    )[0]


def test_one_person_verified_many_times_at_once_counts_once():
    w = build_world()
    deeds = [_pending(w, w.member, days) for days in range(1, 13)]
    results = race([lambda d=d: services.deed_verify(actor=w.verifier, deed=d) for d in deeds])
    assert [outcome(r) for r in results] == ["ok"] * len(deeds)
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental
    from thamdee.reports import selectors

    assert selectors.headline("71", deeds[0].fiscal_year).participants >= 1


def test_verifications_and_reversals_racing_in_the_same_cells_equal_the_rebuild():
    w = build_world()
    members = [w.member, *(member_of(w.org) for _ in range(3))]
    verified = [_pending(w, m, days) for m in members for days in (1, 2)]
    services.deed_verify_bulk(actor=w.verifier, deeds=verified)
    fresh = [_pending(w, m, days, village) for m in members for days, village in ((3, "71091101"), (4, "71091102"))]
    calls = [lambda d=d: services.deed_verify(actor=w.verifier, deed=d) for d in fresh]
    calls += [lambda d=d: services.deed_reverse(actor=w.verifier, deed=d, reason="ผิด") for d in verified[::2]]
    results = race(calls)
    assert [outcome(r) for r in results] == ["ok"] * len(calls)
    incremental = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == incremental
