"""Reconciliation on PostgreSQL outside a transaction: one snapshot, read by two connections at once.

The checks inside a caller's transaction (most tests) are in test_integrity.py; these commit for real, because the
second connection sees only what is committed.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import DatabaseError, connection, transaction

from tests.factories import member_of
from thamdee.ledger import reconcile, services
from thamdee.ledger.reconcile import ledger_check

from .conftest import give

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

BALANCES = "cached balances equal the sum of postings"


def _failed(report: reconcile.Report) -> dict[str, int]:
    return {c.name: c.violations for c in report.checks if not c.ok}


def test_the_balance_pass_in_its_own_connection_finds_a_tampered_balance(funded_org, member):
    give(funded_org, member, 10)
    report = ledger_check()
    assert report.ok and [c.name for c in report.checks][2] == BALANCES  # in the same place as before
    wallet = services.account_wallet(member)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = %s", [wallet.pk])
    report = ledger_check()
    assert _failed(report) == {BALANCES: 1}
    (check,) = [c for c in report.checks if c.name == BALANCES]
    assert check.examples == [f"{wallet.pk} 11 10"]


def test_both_connections_read_one_snapshot(funded_org, member, monkeypatch):
    """A journal committed after the check began is in neither pass, even one committed between them."""
    give(funded_org, member, 10)
    real = reconcile._on_snapshot

    def late_side(*args):  # the other connection starts only after a new journal has committed
        done = threading.Event()

        def post():
            try:
                give(funded_org, member, 7)
            finally:
                connection.close()
                done.set()

        threading.Thread(target=post).start()
        assert done.wait(30)
        real(*args)

    monkeypatch.setattr(reconcile, "_on_snapshot", late_side)
    report = ledger_check()
    assert report.ok, _failed(report)
    assert report.journals == 2 and report.postings == 4  # the allotment's top-up and the first award only
    monkeypatch.undo()
    after = ledger_check()
    assert after.ok and after.journals == 3


def test_the_check_reconciles_while_credits_move(funded_org, org, member):
    """Under READ COMMITTED each statement saw a newer ledger than the one before (journals counted, then
    postings grouped): a journal committed between them was a false alarm. One snapshot has none."""
    other = member_of(org)
    stop = time.monotonic() + 3
    errors: list[BaseException] = []

    def move(n: int) -> None:
        try:
            i = n
            while time.monotonic() < stop:
                i += 1
                give(funded_org, member if i % 2 else other, 1)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    movers = [threading.Thread(target=move, args=(n,)) for n in range(3)]
    for thread in movers:
        thread.start()
    reports = []
    while time.monotonic() < stop:
        reports.append(ledger_check())
    for thread in movers:
        thread.join()
    assert not errors, errors
    assert len(reports) >= 3
    assert [_failed(r) for r in reports if not r.ok] == []
    assert ledger_check().ok


def test_a_failure_in_the_other_connection_is_raised_not_lost(funded_org, member, monkeypatch):
    give(funded_org, member, 10)
    monkeypatch.setattr(reconcile, "BALANCES", "SELECT no_such_column FROM ledger_account{fence}")
    with pytest.raises(DatabaseError):
        ledger_check()


def test_inside_a_transaction_the_check_sees_the_callers_own_writes(funded_org, member):
    with transaction.atomic():
        give(funded_org, member, 10)
        wallet = services.account_wallet(member)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE ledger_account SET balance = balance + 1 WHERE id = %s", [wallet.pk])
        assert _failed(ledger_check()) == {BALANCES: 1}
        transaction.set_rollback(True)
    assert ledger_check().ok
