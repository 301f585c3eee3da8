"""Expiry and refunds: the tasks, the sweeper (``thamdee vouchers expire``) and their idempotency."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from thamdee.ledger import selectors as ledger_selectors
from thamdee.ledger.models import Journal, JournalKind
from thamdee.rewards import services, tasks
from thamdee.rewards.models import Voucher, VoucherStatus

from .conftest import assert_books_balance, redeem

pytestmark = pytest.mark.django_db


def past_due(voucher: Voucher) -> None:
    now = timezone.now()
    Voucher.objects.filter(pk=voucher.pk).update(
        created_at=now - dt.timedelta(hours=80), expires_at=now - dt.timedelta(hours=8)
    )


def reversals_of(voucher: Voucher) -> int:
    return Journal.objects.filter(reversal_of_id=voucher.hold_journal_id).count()


def sweep() -> str:
    out = io.StringIO()
    call_command("vouchers", "expire", stdout=out)
    return out.getvalue()


def test_a_voucher_past_its_expiry_is_refunded_exactly_once_even_if_the_task_runs_twice(member, offer, partner):
    # Given a held voucher whose expiry has passed
    voucher = redeem(member, offer)
    past_due(voucher)
    assert ledger_selectors.balance_of(member) == 90
    # When the expiry task runs twice, and the sweeper after it
    first = tasks.voucher_expire_task.enqueue(str(voucher.public_id))
    second = tasks.voucher_expire_task.enqueue(str(voucher.public_id))
    assert (first.status, second.status) == ("SUCCESSFUL", "SUCCESSFUL")
    assert (first.return_value, second.return_value) == (True, False)
    assert "0 expired" in sweep()
    # Then the credits came back once, by one reversing journal, and the stock once
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.EXPIRED and voucher.refunded_at is not None
    assert reversals_of(voucher) == 1
    assert Journal.objects.get(pk=voucher.refund_journal_id).kind == JournalKind.REVERSAL
    assert ledger_selectors.balance_of(member) == 100
    offer.refresh_from_db()
    assert offer.remaining == offer.stock
    assert member.notifications.filter(kind="voucher_refunded").count() == 1
    assert_books_balance()


def test_the_sweeper_expires_what_is_due_and_nothing_else(member, offer):
    due, fresh = redeem(member, offer), redeem(member, offer)
    past_due(due)
    assert "1 expired" in sweep()
    assert "0 expired" in sweep()
    assert Voucher.objects.get(pk=due.pk).status == VoucherStatus.EXPIRED
    assert Voucher.objects.get(pk=fresh.pk).status == VoucherStatus.HELD
    assert ledger_selectors.balance_of(member) == 90


def test_a_confirmed_voucher_is_never_expired(member, offer, staff):
    voucher = redeem(member, offer)
    services.voucher_confirm(actor=staff, text=voucher.code)
    past_due(voucher)
    assert tasks.voucher_expire_task.enqueue(str(voucher.public_id)).return_value is False
    sweep()
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.CONFIRMED
    assert reversals_of(voucher) == 0 and ledger_selectors.balance_of(member) == 90


def test_a_cancellation_is_refunded_by_the_task_once_the_transaction_commits(
    member, offer, django_capture_on_commit_callbacks
):
    voucher = redeem(member, offer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.voucher_cancel(actor=member, voucher=voucher)
    assert ledger_selectors.balance_of(member) == 90  # nothing before the commit
    for callback in callbacks:
        callback()
    assert ledger_selectors.balance_of(member) == 100
    assert tasks.voucher_refund_task.enqueue(str(voucher.public_id)).return_value is False
    assert reversals_of(voucher) == 1


def test_the_sweeper_pays_a_refund_whose_task_never_ran(member, offer):
    # Given a cancellation whose refund task never ran (the worker was down; here the commit hook never fires)
    voucher = redeem(member, offer)
    services.voucher_cancel(actor=member, voucher=voucher)
    assert ledger_selectors.balance_of(member) == 90
    # When the sweeper runs, twice
    assert "1 owed refund(s) paid" in sweep()
    assert "0 owed refund(s) paid" in sweep()
    # Then the credits came back once
    assert ledger_selectors.balance_of(member) == 100 and reversals_of(voucher) == 1


def test_a_refund_survives_a_hold_that_was_already_reversed_by_hand(member, offer):
    from thamdee.ledger import services as ledger

    voucher = redeem(member, offer)
    services.voucher_cancel(actor=member, voucher=voucher)
    manual = ledger.journal_reverse(
        actor=None, journal=Journal.objects.get(pk=voucher.hold_journal_id), reason="แก้ไขโดยผู้ดูแล"
    )
    assert services.voucher_refund(public_id=voucher.public_id) is True
    voucher.refresh_from_db()
    assert voucher.refund_journal_id == manual.journal_id
    assert ledger_selectors.balance_of(member) == 100


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_a_reservation_schedules_its_expiry_for_when_it_is_due(member, offer, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    default_task_backend.clear()  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        voucher = redeem(member, offer)
    scheduled = [
        r
        for r in default_task_backend.results  # type: ignore[attr-defined]
        if r.task.name == "voucher_expire_task"
    ]
    assert len(scheduled) == 1
    assert scheduled[0].args == [str(voucher.public_id)]
    assert scheduled[0].task.run_after == voucher.expires_at


def test_a_backend_that_cannot_defer_leaves_expiry_to_the_sweeper(member, offer, django_capture_on_commit_callbacks):
    # The immediate backend (tests, development) cannot defer: nothing runs early, nothing fails.
    with django_capture_on_commit_callbacks(execute=True):
        voucher = redeem(member, offer)
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD
