"""Deeds under concurrent requests, with real threads on their own connections (PostgreSQL and SQLite): a check-in
sent many times is one deed and one award, a member's caps hold when two verifiers approve at once, and a
reversal racing a spend takes back what is left instead of failing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from tests.factories import PartnerFactory, member_of
from tests.worlds import build_world
from thamdee.deeds import services
from thamdee.deeds.models import Deed, DeedStatus
from thamdee.ledger import services as ledger
from thamdee.ledger.models import CauseKind, Journal, JournalKind
from thamdee.ledger.reconcile import ledger_check
from thamdee.ledger.selectors import balance_of, earned_total_of
from thamdee.ledger.tests.test_races import outcome, race

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_check_in_sent_many_times_at_once_is_one_deed_and_one_award():
    w = build_world()
    w.care.checkin_verified = True
    w.care.save()
    runner = member_of(w.org, is_organiser=True, is_verifier=True)
    now = timezone.now()
    activity = services.activity_create(
        actor=runner,
        deed_type=w.care,
        title="ทำความสะอาดวัด",
        area=w.org.area,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=2),
        hours=2,
    )
    token = services.activity_token(activity)
    # The member taps "check in" ten times while the organiser ticks them on the roster.
    calls = [lambda: services.activity_checkin(actor=w.member, token=token) for _ in range(10)]
    calls.append(lambda: services.activity_roster(actor=runner, activity=activity, members=[w.member]))
    results = race(calls)

    outcomes = Counter(outcome(r) for r in results)
    assert set(outcomes) <= {"ok", "already_checked_in"}, outcomes
    deeds = list(Deed.objects.filter(activity=activity, member=w.member))
    assert len(deeds) == 1 and deeds[0].status == DeedStatus.VERIFIED
    awards = Journal.objects.filter(kind=JournalKind.AWARD, cause_kind=CauseKind.DEED, cause_id=deeds[0].pk)
    assert awards.count() == 1
    assert balance_of(w.member) == 10
    assert ledger_check().ok


@pytest.mark.parametrize("rounds", [3])
def test_two_verifiers_at_once_keep_a_member_within_the_day_cap(rounds):
    w = build_world()
    for round_no in range(rounds):
        day = w.today - dt.timedelta(days=1 + round_no)
        # 8 hours at 5 credits: 40 each (not above the two-approver threshold of 40); the day's cap is 50.
        first, second = (services.deed_report(actor=w.member, deed_type=w.care, done_on=day, hours=8) for _ in range(2))
        results = race(
            [
                lambda first=first: services.deed_verify(actor=w.verifier, deed=first),
                lambda second=second: services.deed_verify(actor=w.verifier2, deed=second),
            ]
        )
        assert [outcome(r) for r in results] == ["ok", "ok"]
        credits = sorted(Deed.objects.filter(pk__in=[first.pk, second.pk]).values_list("credits", flat=True))
        assert credits == [10, 40]
    assert balance_of(w.member) == 50 * rounds
    assert earned_total_of(w.member) == 50 * rounds
    assert ledger_check().ok


def test_a_bulk_and_a_single_verification_at_once_keep_the_day_cap():
    w = build_world()
    day = w.today - dt.timedelta(days=1)
    mine = [services.deed_report(actor=w.member, deed_type=w.care, done_on=day, hours=8) for _ in range(3)]
    results = race(
        [
            lambda: services.deed_verify_bulk(actor=w.verifier, deeds=mine[:2]),
            lambda: services.deed_verify(actor=w.verifier2, deed=mine[2]),
        ]
    )
    assert [outcome(r) for r in results] == ["ok", "ok"]
    assert sum(Deed.objects.filter(pk__in=[d.pk for d in mine]).values_list("credits", flat=True)) == 50
    assert balance_of(w.member) == 50
    assert ledger_check().ok


def test_a_reversal_racing_a_spend_takes_back_what_is_left_and_never_fails_for_want_of_credits():
    w = build_world()
    partner = PartnerFactory()
    for attempt in range(5):
        deed = services.deed_report(
            actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1 + attempt), hours=2
        )
        services.deed_verify(actor=w.verifier, deed=deed)
        before = balance_of(w.member)
        results = race(
            [
                lambda deed=deed: services.deed_reverse(actor=w.verifier2, deed=deed, reason="ผิด"),
                lambda attempt=attempt: ledger.spend_post(
                    actor=w.member,
                    member=w.member,
                    partner=partner,
                    amount=5,
                    idempotency_key=f"spend:{attempt}",
                    cause=(CauseKind.VOUCHER, attempt + 1),
                ),
            ]
        )
        reversal, spend = (outcome(r) for r in results)
        assert reversal == "ok", reversal
        assert spend in ("ok", "insufficient_credits"), spend
        spent = 5 if spend == "ok" else 0
        deed.refresh_from_db()
        taken = -deed.decisions.get(action="reverse").credits
        assert balance_of(w.member) == before - spent - taken >= 0
    assert ledger_check().ok


def test_the_same_report_sent_ten_times_at_once_is_one_deed():
    import uuid

    w = build_world()
    token = uuid.uuid4()
    day = w.today - dt.timedelta(days=1)
    results = race(
        [
            lambda: services.deed_report(actor=w.member, deed_type=w.care, done_on=day, hours=2, request_key=token)
            for _ in range(10)
        ]
    )
    assert {outcome(r) for r in results} == {"ok"}
    assert len({r.pk for r in results}) == 1
    assert Deed.objects.filter(member=w.member).count() == 1
