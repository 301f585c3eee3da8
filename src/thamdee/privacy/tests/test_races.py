"""Races with real threads, each on its own connection (PostgreSQL and SQLite): one request, one outcome."""

from __future__ import annotations

from collections import Counter

import pytest

from thamdee.ledger.tests.test_races import outcome, race
from thamdee.privacy import services
from thamdee.privacy.models import DataRequestEvent, ErasureRequest, ErasureStatus
from thamdee.privacy.tests.conftest import build_person

pytestmark = pytest.mark.django_db(transaction=True)


def test_asking_many_times_at_once_records_one_request():
    w = build_person()
    results = race([lambda: services.erasure_request(actor=w.member, confirmed=True) for _ in range(6)])
    assert Counter(outcome(r) for r in results) == {"ok": 6}
    assert ErasureRequest.objects.filter(user=w.member).count() == 1
    assert DataRequestEvent.objects.filter(subject=w.member, kind="erasure_requested").count() == 1


def test_carrying_out_twice_and_cancelling_at_once_ends_one_way_only():
    w = build_person()
    request = services.erasure_request(actor=w.member, confirmed=True)
    results = race(
        [
            lambda: services.erasure_carry_out(actor=w.admin, erasure=request),
            lambda: services.erasure_carry_out(actor=w.admin, erasure=request),
            lambda: services.erasure_cancel(actor=w.member, erasure=request),
        ]
    )
    assert Counter(outcome(r) for r in results) == {"ok": 1, "erasure_state": 2}
    request.refresh_from_db()
    assert request.status in (ErasureStatus.CARRIED_OUT, ErasureStatus.CANCELLED)
    finished = DataRequestEvent.objects.filter(subject=w.member).exclude(kind="erasure_requested")
    assert finished.count() == 1


@pytest.mark.postgres
def test_a_deed_reported_while_the_erasure_runs_is_refused(monkeypatch):
    """The erasure holds the account; a report that arrives meanwhile waits, then finds no active member."""
    import threading
    import time

    from django.db import connection

    from thamdee.deeds import services as deeds
    from thamdee.deeds.models import Deed

    w = build_person()
    request = services.erasure_request(actor=w.member, confirmed=True)
    anonymise, started = services._anonymise, threading.Event()

    def slow_anonymise(user, actor):  # past the blockers, holding the account
        started.set()
        time.sleep(1.5)
        return anonymise(user, actor)

    monkeypatch.setattr(services, "_anonymise", slow_anonymise)
    results = {}

    def run(name, call):
        try:
            results[name] = call()
        except Exception as exc:
            results[name] = exc
        finally:
            connection.close()

    erase = threading.Thread(
        target=run, args=("erase", lambda: services.erasure_carry_out(actor=w.admin, erasure=request))
    )
    erase.start()
    assert started.wait(10)
    run(
        "report",
        lambda: deeds.deed_report(actor=w.member, deed_type=w.lost, done_on=w.today, quantity=1, description="x"),
    )
    erase.join(30)
    assert (outcome(results["erase"]), outcome(results["report"])) == ("ok", "not_a_member")
    assert not Deed.objects.filter(member=w.member, description="x").exists()
