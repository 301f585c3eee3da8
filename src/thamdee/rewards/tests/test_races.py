"""Races with real threads, each on its own database connection (PostgreSQL and SQLite): stock is never oversold,
credits never overdrawn, the per-member limit never passed, a voucher confirmed once and refunded once; and
(PostgreSQL) a reservation under way decides on the offer as the partner's change left it."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.factories import member_of
from tests.races import outcome, race
from thamdee.ledger import selectors as ledger_selectors
from thamdee.ledger.models import Account, AccountKind, Journal, JournalKind
from thamdee.rewards import services
from thamdee.rewards.models import Offer, Voucher, VoucherStatus

from .conftest import approved_partner, assert_books_balance, give, make_offer, resident

pytestmark = [pytest.mark.django_db(transaction=True)]


def clearing(partner) -> int:
    return int(Account.objects.get(kind=AccountKind.PARTNER_CLEARING, organisation=partner).balance)


def test_100_members_racing_for_an_offer_with_stock_10_get_exactly_10_vouchers(funded_org, staff, partner):
    # Given an offer with 10 in stock and 100 members who can each afford it
    offer = make_offer(staff, partner, stock=10, cost=7)
    members = [resident(funded_org) for _ in range(100)]
    for person in members:
        give(funded_org, person, 20)
    # When all 100 reserve it at once
    results = race(
        [(lambda m=m: services.redemption_create(actor=m, offer=offer, idempotency_key="race")) for m in members]
    )
    # Then exactly 10 get a voucher; the others are told it is out of stock and keep their credits
    counts = Counter(outcome(r) for r in results)
    assert counts == {"ok": 10, "out_of_stock": 90}, counts
    assert Voucher.objects.filter(offer=offer).count() == 10
    assert Offer.objects.get(pk=offer.pk).remaining == 0
    assert clearing(partner) == 70
    assert sorted(ledger_selectors.balance_of(m) for m in members) == [13] * 10 + [20] * 90
    assert_books_balance()


def test_a_member_with_credits_for_3_racing_10_reservations_gets_exactly_3(funded_org, staff, partner, agency_staff):
    # Given ten offers of 10 credits each, from two partners, and a member with 30 credits
    other, other_staff = approved_partner(agency_staff)
    offers = [make_offer(staff, partner, title_th=f"สิทธิ์ {i}") for i in range(5)]
    offers += [make_offer(other_staff, other, title_th=f"สิทธิ์ร้านสอง {i}") for i in range(5)]
    person = resident(funded_org)
    give(funded_org, person, 30)
    # When she reserves all ten at the same moment
    results = race(
        [(lambda o=o: services.redemption_create(actor=person, offer=o, idempotency_key=f"r{o.pk}")) for o in offers]
    )
    # Then three succeed and her balance never goes below zero; the stock of the others is untouched
    counts = Counter(outcome(r) for r in results)
    assert counts == {"ok": 3, "insufficient_credits": 7}, counts
    assert ledger_selectors.balance_of(person) == 0
    assert Voucher.objects.filter(member=person).count() == 3
    assert sum(o.stock - Offer.objects.get(pk=o.pk).remaining for o in offers) == 3
    assert_books_balance()


def test_a_member_racing_10_reservations_of_an_offer_limited_to_1_per_person_gets_1(funded_org, staff, partner):
    offer = make_offer(staff, partner, per_member_limit=1)
    person = resident(funded_org)
    give(funded_org, person, 100)
    results = race(
        [
            (lambda i=i: services.redemption_create(actor=person, offer=offer, idempotency_key=f"t{i}"))
            for i in range(10)
        ]
    )
    counts = Counter(outcome(r) for r in results)
    assert counts == {"ok": 1, "member_limit_reached": 9}, counts
    assert ledger_selectors.balance_of(person) == 90
    assert Offer.objects.get(pk=offer.pk).remaining == offer.stock - 1
    assert_books_balance()


def test_the_same_voucher_confirmed_by_two_staff_at_once_is_confirmed_once(funded_org, staff, partner):
    offer = make_offer(staff, partner)
    person = resident(funded_org)
    give(funded_org, person, 10)
    voucher = services.redemption_create(actor=person, offer=offer, idempotency_key="one")
    second = member_of(partner, is_partner_staff=True, is_member=False)
    # Two cashiers scan the same QR at the same moment, five times each
    results = race([(lambda s=s: services.voucher_confirm(actor=s, text=voucher.code)) for s in [staff, second] * 5])
    counts = Counter(outcome(r) for r in results)
    assert counts == {"ok": 1, "voucher_already_used": 9}, counts
    confirmed = Voucher.objects.get(pk=voucher.pk)
    assert confirmed.status == VoucherStatus.CONFIRMED and confirmed.confirmed_by_id in {staff.pk, second.pk}
    assert person.notifications.filter(kind="voucher_confirmed").count() == 1


def test_expiry_racing_itself_and_the_sweeper_refunds_once(funded_org, staff, partner):
    offer = make_offer(staff, partner)
    person = resident(funded_org)
    give(funded_org, person, 10)
    voucher = services.redemption_create(actor=person, offer=offer, idempotency_key="late")
    now = timezone.now()
    Voucher.objects.filter(pk=voucher.pk).update(
        created_at=now - dt.timedelta(hours=80), expires_at=now - dt.timedelta(hours=1)
    )
    calls: list[Callable[[], Any]] = []
    for _ in range(6):
        calls.append(lambda: services.voucher_expire(public_id=voucher.public_id))
        calls.append(lambda: services.vouchers_sweep())
    results = race(calls)
    assert all(outcome(r) == "ok" for r in results), Counter(outcome(r) for r in results)
    assert Journal.objects.filter(reversal_of_id=voucher.hold_journal_id).count() == 1
    assert ledger_selectors.balance_of(person) == 10
    assert Offer.objects.get(pk=offer.pk).remaining == offer.stock
    assert_books_balance()


def test_a_confirmation_racing_a_cancellation_ends_one_way_only(funded_org, staff, partner):
    offer = make_offer(staff, partner)
    person = resident(funded_org)
    give(funded_org, person, 100)
    vouchers = [services.redemption_create(actor=person, offer=offer, idempotency_key=f"v{i}") for i in range(5)]
    calls: list[Callable[[], Any]] = []
    for v in vouchers:
        calls.append(lambda v=v: services.voucher_confirm(actor=staff, text=v.code))
        calls.append(lambda v=v: services.voucher_cancel(actor=person, voucher=v))
    results = race(calls)
    assert Counter(outcome(r) for r in results)["ok"] == 5
    services.vouchers_sweep()  # the refunds of the cancelled ones (the commit hooks ran in the threads)
    states = Counter(Voucher.objects.filter(offer=offer).values_list("status", flat=True))
    cancelled = states[VoucherStatus.CANCELLED]
    assert states[VoucherStatus.CONFIRMED] + cancelled == 5
    assert ledger_selectors.balance_of(person) == 100 - 10 * states[VoucherStatus.CONFIRMED]
    assert_books_balance()


@pytest.mark.parametrize(
    "limits",
    [{}, {"per_member_limit": 1}, {"stock": 1}, {"per_member_limit": 1, "stock": 1}],
    ids=["roomy", "one-per-member", "last-unit", "both"],
)
def test_the_same_reservation_sent_10_times_at_once_reserves_once(funded_org, staff, partner, limits):
    # With one place per member or one unit left, the copies that waited for the first one's row find the place
    # taken: they are still the same request, and answer with the first voucher.
    offer = make_offer(staff, partner, **limits)
    person = resident(funded_org)
    give(funded_org, person, 100)
    results = race(
        [
            (lambda: services.redemption_create(actor=person, offer=offer, idempotency_key="double-tap"))
            for _ in range(10)
        ]
    )
    assert all(outcome(r) == "ok" for r in results), Counter(outcome(r) for r in results)
    assert len({r.pk for r in results}) == 1
    assert Voucher.objects.filter(member=person).count() == 1
    assert ledger_selectors.balance_of(person) == 90
    assert Offer.objects.get(pk=offer.pk).remaining == offer.stock - 1


def test_a_refund_racing_the_reversal_of_the_deed_whose_credits_it_holds_never_gives_them_back():
    from tests.worlds import build_world
    from thamdee.deeds import services as deeds
    from thamdee.deeds.models import Decision
    from thamdee.ledger.models import CauseKind

    w = build_world()
    partner, shop_staff = approved_partner(w.staff)
    offer = make_offer(shop_staff, partner, cost=8)
    allotment = Account.objects.get(kind=AccountKind.ALLOTMENT, organisation=w.org)
    taken_at_reversal = Counter()
    for attempt in range(6):
        # Given 10 credits of a deed, 8 of them in a voucher the member cancelled, whose refund has not run yet
        deed = deeds.deed_report(
            actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1 + attempt), hours=2
        )
        deeds.deed_verify(actor=w.verifier, deed=deed)
        voucher = services.redemption_create(actor=w.member, offer=offer, idempotency_key=f"held:{attempt}")
        Voucher.objects.filter(pk=voucher.pk).update(status=VoucherStatus.CANCELLED, closed_at=timezone.now())
        allotment.refresh_from_db()
        before = int(allotment.balance)
        # When the deed is reversed while the refund task and the sweeper pay the refund
        results = race(
            [
                lambda deed=deed: deeds.deed_reverse(actor=w.verifier2, deed=deed, reason="ผิด"),
                lambda voucher=voucher: services.voucher_refund(public_id=voucher.public_id),
                lambda: services.vouchers_sweep(),
            ]
        )
        assert [outcome(r) for r in results] == ["ok"] * 3, results
        # Then, whichever came first, none of the deed's 10 credits stay with the member, and all go back once
        assert ledger_selectors.balance_of(w.member) == 0
        assert ledger_selectors.member_share_of((CauseKind.DEED, deed.pk), w.member.pk) == 0
        assert ledger_selectors.earned_total_of(w.member) == 0
        allotment.refresh_from_db()
        assert int(allotment.balance) == before + 10
        assert Voucher.objects.get(pk=voucher.pk).refunded_at is not None
        taken_at_reversal[-Decision.objects.get(deed=deed, action=Decision.Action.REVERSE).credits] += 1
    assert set(taken_at_reversal) <= {2, 10}, taken_at_reversal
    assert_books_balance()


def test_the_same_month_settled_by_several_people_at_once_is_settled_once(funded_org, staff, partner, agency_staff):
    from tests.factories import AgencyStaffFactory, area
    from thamdee.rewards.models import Settlement

    offer = make_offer(staff, partner)
    person = resident(funded_org)
    give(funded_org, person, 30)
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    for n in range(3):
        voucher = services.voucher_confirm(
            actor=staff, text=services.redemption_create(actor=person, offer=offer, idempotency_key=f"r{n}").code
        )
        Voucher.objects.filter(pk=voucher.pk).update(
            confirmed_at=timezone.make_aware(dt.datetime(previous.year, previous.month, 10, 9, 0))
        )
    settlers = [agency_staff, AgencyStaffFactory(scope_area=area("71")).user]
    # Two agency officers press "settled" for the same month at the same moment, five times each
    results = race(
        [
            (
                lambda s=s: services.settlement_record(
                    actor=s, partner=partner, year=previous.year, month=previous.month, credits=30, reference="PV-1"
                )
            )
            for s in settlers * 5
        ]
    )
    counts = Counter(outcome(r) for r in results)
    assert counts == {"ok": 1, "already_settled": 9}, counts
    assert Settlement.objects.count() == 1
    assert Journal.objects.filter(kind=JournalKind.SETTLEMENT).count() == 1
    assert clearing(partner) == 0
    assert Account.objects.get(kind=AccountKind.SETTLED, organisation=partner).balance == 30
    assert_books_balance()


def test_a_settlement_reversed_while_the_month_is_settled_again_leaves_one_in_force(
    funded_org, staff, partner, agency_staff
):
    from thamdee.rewards.models import Settlement

    offer = make_offer(staff, partner)
    person = resident(funded_org)
    give(funded_org, person, 20)
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    for n in range(2):
        voucher = services.redemption_create(actor=person, offer=offer, idempotency_key=f"s{n}")
        services.voucher_confirm(actor=staff, text=voucher.code)
    Voucher.objects.update(confirmed_at=timezone.make_aware(dt.datetime(previous.year, previous.month, 10, 9, 0)))
    first = services.settlement_record(
        actor=agency_staff, partner=partner, year=previous.year, month=previous.month, credits=20, reference="PV-1"
    )
    # One officer reverses the settlement while another records the month again, five times each
    calls: list[Callable[[], Any]] = []
    for n in range(5):
        calls.append(lambda: services.settlement_reverse(actor=agency_staff, settlement=first, reason="ผิด"))
        calls.append(
            lambda n=n: services.settlement_record(
                actor=agency_staff,
                partner=partner,
                year=previous.year,
                month=previous.month,
                credits=20,
                reference=f"PV-{n + 2}",
            )
        )
    counts = Counter(outcome(r) for r in race(calls))
    # The reversal happens once; the month is settled again at most once, and only after it
    assert counts["settlement_already_reversed"] == 4, counts
    assert set(counts) <= {"ok", "settlement_already_reversed", "already_settled"}, counts
    in_force = Settlement.objects.filter(reversed_at__isnull=True)
    assert in_force.count() <= 1 and counts["ok"] == 1 + in_force.count()
    settled = Account.objects.get(kind=AccountKind.SETTLED, organisation=partner).balance
    assert settled == 20 * in_force.count() and clearing(partner) == 20 - settled
    assert_books_balance()


# --- a reservation under way while the partner changes the offer (PostgreSQL: SQLite has no row locks) ----------


def someone_waits_for_a_lock(timeout: float = 10) -> bool:
    """Whether another session of this database is waiting for a lock (polled until ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the first answer is kept for the transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.05)
    return False


def reserve_while_the_partner_changes_it(offer: Offer, change: Callable[[], Any], reserve: Callable[[], Any]) -> Any:
    """The partner's transaction holds the offer's row (as ``offer_update`` does) while a member's reservation
    starts and waits for it; then the partner makes ``change`` and commits. Returns what the reservation returned
    or raised."""
    holding, out = threading.Event(), {}

    def partner() -> None:
        try:
            with transaction.atomic():
                list(Offer.objects.select_for_update().filter(pk=offer.pk).values_list("pk", flat=True))
                holding.set()
                out["waited"] = someone_waits_for_a_lock()
                change()
        except Exception as exc:
            out["partner"] = exc
        finally:
            connection.close()

    def member() -> None:
        try:
            assert holding.wait(10)
            out["reservation"] = reserve()
        except Exception as exc:
            out["reservation"] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=partner), threading.Thread(target=member)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert out.get("waited") and "partner" not in out, out
    return out["reservation"]


@pytest.mark.postgres
def test_a_stock_set_on_an_unlimited_perk_while_it_is_being_reserved_is_never_oversold(funded_org, staff, partner):
    # Given an unlimited perk and two members who unlocked it
    perk = make_offer(staff, partner, kind="perk", cost=0, stock=None, unlock="earned", unlock_credits=1)
    first, second = resident(funded_org), resident(funded_org)
    give(funded_org, first, 5)
    give(funded_org, second, 5)
    # When the partner limits it to 1 while the first member's reservation is under way
    result = reserve_while_the_partner_changes_it(
        perk,
        lambda: services.offer_update(actor=staff, offer=Offer.objects.get(pk=perk.pk), stock=1),
        lambda: services.redemption_create(actor=first, offer=perk, idempotency_key="first"),
    )
    # Then the first member has the one unit, and the second is told it is gone
    assert outcome(result) == "ok", result
    later = race([lambda: services.redemption_create(actor=second, offer=perk, idempotency_key="second")])
    assert outcome(later[0]) == "out_of_stock", later
    perk.refresh_from_db()
    assert (perk.stock, perk.remaining, Voucher.objects.filter(offer=perk).count()) == (1, 0, 1)


@pytest.mark.postgres
def test_an_offer_switched_off_while_it_is_being_reserved_issues_no_voucher(funded_org, staff, partner):
    offer = make_offer(staff, partner, cost=10, stock=5)
    person = resident(funded_org)
    give(funded_org, person, 20)
    result = reserve_while_the_partner_changes_it(
        offer,
        lambda: services.offer_update(actor=staff, offer=Offer.objects.get(pk=offer.pk), is_active=False),
        lambda: services.redemption_create(actor=person, offer=offer, idempotency_key="r"),
    )
    assert outcome(result) == "not_found", result
    assert not Voucher.objects.exists() and ledger_selectors.balance_of(person) == 20
    assert Offer.objects.get(pk=offer.pk).remaining == 5


@pytest.mark.postgres
def test_a_cost_raised_while_an_offer_is_being_reserved_is_the_cost_paid(funded_org, staff, partner):
    offer = make_offer(staff, partner, cost=10, stock=5)
    person = resident(funded_org)
    give(funded_org, person, 20)
    result = reserve_while_the_partner_changes_it(
        offer,
        lambda: services.offer_update(actor=staff, offer=Offer.objects.get(pk=offer.pk), cost=15),
        lambda: services.redemption_create(actor=person, offer=offer, idempotency_key="r"),
    )
    assert outcome(result) == "ok", result
    assert result.cost == 15 and ledger_selectors.balance_of(person) == 5 and clearing(partner) == 15
    assert_books_balance()


@pytest.mark.postgres
def test_a_perk_made_unlimited_while_it_is_being_reserved_is_not_out_of_stock(funded_org, staff, partner):
    perk = make_offer(staff, partner, kind="perk", cost=0, stock=1, unlock="earned", unlock_credits=1)
    first, second = resident(funded_org), resident(funded_org)
    give(funded_org, first, 5)
    give(funded_org, second, 5)
    services.redemption_create(actor=first, offer=perk, idempotency_key="first")  # the last unit
    result = reserve_while_the_partner_changes_it(
        perk,
        lambda: services.offer_update(actor=staff, offer=Offer.objects.get(pk=perk.pk), stock=None),
        lambda: services.redemption_create(actor=second, offer=perk, idempotency_key="second"),
    )
    assert outcome(result) == "ok", result
    perk.refresh_from_db()
    assert (perk.stock, perk.remaining, Voucher.objects.filter(offer=perk).count()) == (None, None, 2)
