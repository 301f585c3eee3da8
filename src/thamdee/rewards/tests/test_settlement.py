"""Settling a partner's month: the credits of the vouchers confirmed that month leave the partner's clearing
account for its settled account, once, by the people who may, and can be put back by a reversal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tests.factories import AgencyStaffFactory, UserFactory, area
from thamdee.common.errors import NotFoundError
from thamdee.ledger import selectors as ledger_selectors
from thamdee.ledger import services as ledger
from thamdee.ledger.models import Account, AccountKind, CauseKind, Journal, JournalKind, Posting
from thamdee.rewards import selectors, services
from thamdee.rewards.errors import (
    AlreadySettledError,
    NothingToSettleError,
    SettlementChangedError,
    SettlementInvalidError,
    SettlementMonthOpenError,
    SettlementReversedError,
)
from thamdee.rewards.models import Settlement, Voucher

from .conftest import assert_books_balance, give, make_offer, redeem, resident

pytestmark = pytest.mark.django_db


def last_month() -> tuple[int, int]:
    first = timezone.localdate().replace(day=1)
    previous = first - dt.timedelta(days=1)
    return previous.year, previous.month


def balance(partner, kind: int) -> int:
    account = Account.objects.filter(kind=kind, organisation=partner).first()
    return int(account.balance) if account else 0


def confirmed_in(voucher: Voucher, year: int, month: int, day: int = 15) -> Voucher:
    """Move a confirmed voucher's confirmation into that month (vouchers are confirmed now in tests)."""
    at = timezone.make_aware(dt.datetime(year, month, day, 12, 0))
    Voucher.objects.filter(pk=voucher.pk).update(confirmed_at=at)
    voucher.confirmed_at = at
    return voucher


@pytest.fixture
def month_of_vouchers(funded_org, staff, partner):
    """Last month three vouchers of 10 credits were confirmed; this month one more was confirmed and one is held."""
    offer = make_offer(staff, partner, cost=10)
    person = resident(funded_org)
    give(funded_org, person, 100)
    year, month = last_month()
    settled = []
    for _ in range(3):
        voucher = services.voucher_confirm(actor=staff, text=redeem(person, offer).code)
        settled.append(confirmed_in(voucher, year, month, day=3 + len(settled)))
    services.voucher_confirm(actor=staff, text=redeem(person, offer).code)
    redeem(person, offer)  # held
    return {"year": year, "month": month, "vouchers": settled, "member": person, "offer": offer}


def settle(actor, partner, m, **overrides):
    values = {"year": m["year"], "month": m["month"], "credits": 30, "reference": "PV-2569/0042"}
    values.update(overrides)
    return services.settlement_record(actor=actor, partner=partner, **values)


# --- the worked example -----------------------------------------------------------------------------------------


def test_settling_a_month_retires_its_confirmed_credits_and_leaves_the_rest_in_clearing(
    month_of_vouchers, partner, staff, agency_staff, programme
):
    m = month_of_vouchers
    # Given 50 credits in the partner's clearing account: 30 confirmed last month, 10 this month, 10 held
    assert balance(partner, AccountKind.PARTNER_CLEARING) == 50
    issued = ledger_selectors.issued_in(programme, 2027)
    statement = selectors.statement_for(viewer=agency_staff, partner=partner, year=m["year"], month=m["month"])
    assert (statement.to_settle_count, statement.to_settle_credits) == (3, 30)
    assert statement.month_closed and statement.can_settle and statement.settleable and statement.settlement is None

    # When the agency records that the programme settled last month
    settlement = settle(agency_staff, partner, m, note="โอนผ่านธนาคาร")

    # Then the month's 30 credits moved from clearing to the partner's settled account, by one journal
    assert balance(partner, AccountKind.PARTNER_CLEARING) == 20
    assert balance(partner, AccountKind.SETTLED) == 30
    journal = Journal.objects.get(pk=settlement.journal_id)
    assert journal.kind == JournalKind.SETTLEMENT and journal.actor_id == agency_staff.pk
    assert (journal.cause_kind, journal.cause_id) == (CauseKind.SETTLEMENT, settlement.pk)
    legs = sorted(Posting.objects.filter(journal=journal).values_list("account__kind", "amount"))
    assert legs == [(AccountKind.PARTNER_CLEARING, -30), (AccountKind.SETTLED, 30)]
    assert (settlement.credits, settlement.vouchers, settlement.settled_by) == (30, 3, agency_staff)
    # The programme's issuance, and so its budget, is untouched; the books balance
    assert ledger_selectors.issued_in(programme, 2027) == issued
    assert_books_balance()
    # The partner's staff are told
    notice = staff.notifications.get(kind="partner_settled")
    assert "30" in notice.title_th and "PV-2569/0042" in notice.body_th
    # And the statement shows the settlement in force, with nothing more to settle
    statement = selectors.statement_for(viewer=staff, partner=partner, year=m["year"], month=m["month"])
    assert statement.settlement == settlement and not statement.settleable and not statement.can_settle


def test_a_site_admin_may_settle(month_of_vouchers, partner):
    admin = UserFactory(is_superuser=True, is_staff=True)
    assert settle(admin, partner, month_of_vouchers).credits == 30


# --- refusals: nothing is saved -----------------------------------------------------------------------------------


def _nothing_saved(partner) -> None:
    assert not Settlement.objects.exists()
    assert not Journal.objects.filter(kind=JournalKind.SETTLEMENT).exists()
    assert balance(partner, AccountKind.SETTLED) == 0


def test_the_current_month_cannot_be_settled(month_of_vouchers, partner, agency_staff):
    today = timezone.localdate()
    with pytest.raises(SettlementMonthOpenError):
        settle(agency_staff, partner, {"year": today.year, "month": today.month}, credits=10)
    _nothing_saved(partner)


def test_a_month_without_confirmed_vouchers_has_nothing_to_settle(month_of_vouchers, partner, agency_staff):
    with pytest.raises(NothingToSettleError):
        settle(agency_staff, partner, {"year": 2025, "month": 1}, credits=0)
    _nothing_saved(partner)


def test_a_figure_other_than_the_months_is_refused_and_the_real_one_is_named(month_of_vouchers, partner, agency_staff):
    with pytest.raises(SettlementChangedError) as caught:
        settle(agency_staff, partner, month_of_vouchers, credits=40)
    assert caught.value.params["credits"] == 30
    _nothing_saved(partner)


@pytest.mark.parametrize(("field", "value"), [("reference", "  "), ("month", 13), ("year", 1999)])
def test_bad_input_is_refused(month_of_vouchers, partner, agency_staff, field, value):
    with pytest.raises(SettlementInvalidError):
        settle(agency_staff, partner, month_of_vouchers, **{field: value})
    _nothing_saved(partner)


def test_the_partner_its_staff_other_agencies_and_members_may_not_settle(month_of_vouchers, partner, staff):
    elsewhere = AgencyStaffFactory(scope_area=area("10")).user  # Bangkok: not over a Kanchanaburi partner
    for who in (staff, elsewhere, month_of_vouchers["member"], UserFactory()):
        with pytest.raises(NotFoundError):
            settle(who, partner, month_of_vouchers)
    _nothing_saved(partner)


def test_a_month_is_settled_once(month_of_vouchers, partner, agency_staff):
    settle(agency_staff, partner, month_of_vouchers)
    with pytest.raises(AlreadySettledError):
        settle(agency_staff, partner, month_of_vouchers, reference="again")
    assert Settlement.objects.count() == 1 and balance(partner, AccountKind.SETTLED) == 30


def test_the_database_keeps_one_settlement_in_force_per_partner_and_month(month_of_vouchers, partner, agency_staff):
    first = settle(agency_staff, partner, month_of_vouchers)
    with pytest.raises(IntegrityError), transaction.atomic():
        Settlement.objects.create(
            partner=partner,
            year=first.year,
            month=first.month,
            credits=1,
            vouchers=1,
            reference="x",
            settled_by=agency_staff,
        )


def test_a_voucher_whose_hold_was_reversed_by_hand_is_not_settled(month_of_vouchers, partner, agency_staff):
    first = month_of_vouchers["vouchers"][0]
    ledger.journal_reverse(actor=None, journal=Journal.objects.get(pk=first.hold_journal_id), reason="แก้ไขรายการ")
    assert selectors.to_settle(partner=partner, year=first.confirmed_at.year, month=first.confirmed_at.month) == (
        2,
        20,
    )
    assert settle(agency_staff, partner, month_of_vouchers, credits=20).vouchers == 2
    assert_books_balance()


def test_settling_never_takes_clearing_below_zero(month_of_vouchers, partner, agency_staff):
    # Credits the clearing account no longer holds (moved out by hand) cannot be settled: the ledger refuses
    clearing = Account.objects.get(kind=AccountKind.PARTNER_CLEARING, organisation=partner)
    fund = ledger.account_of_org(partner, AccountKind.ORG_FUND)
    ledger.journal_post(kind=JournalKind.TRANSFER, legs=[(clearing, -45), (fund, 45)], idempotency_key="drain")
    with pytest.raises(Exception) as caught:
        settle(agency_staff, partner, month_of_vouchers)
    assert getattr(caught.value, "code", "") == "insufficient_credits"
    _nothing_saved(partner)
    assert balance(partner, AccountKind.PARTNER_CLEARING) == 5


# --- reversal -------------------------------------------------------------------------------------------------------


def test_a_settlement_reversed_puts_the_credits_back_and_the_month_can_be_settled_again(
    month_of_vouchers, partner, staff, agency_staff
):
    settlement = settle(agency_staff, partner, month_of_vouchers)
    with pytest.raises(SettlementInvalidError):
        services.settlement_reverse(actor=agency_staff, settlement=settlement, reason=" ")
    with pytest.raises(NotFoundError):
        services.settlement_reverse(actor=staff, settlement=settlement, reason="ผิด")

    reversed_ = services.settlement_reverse(actor=agency_staff, settlement=settlement, reason="บันทึกผิดเดือน")

    assert reversed_.is_reversed and reversed_.reversed_by == agency_staff
    assert balance(partner, AccountKind.PARTNER_CLEARING) == 50 and balance(partner, AccountKind.SETTLED) == 0
    reversal = Journal.objects.get(pk=reversed_.reversal_journal_id)
    assert reversal.kind == JournalKind.REVERSAL and reversal.reversal_of_id == settlement.journal_id
    assert staff.notifications.filter(kind="partner_settlement_reversed").count() == 1
    with pytest.raises(SettlementReversedError):
        services.settlement_reverse(actor=agency_staff, settlement=settlement, reason="อีกครั้ง")
    # The month is open to settlement again, and the reversed record stays in the history
    again = settle(agency_staff, partner, month_of_vouchers, reference="PV-2569/0043")
    assert again.pk != settlement.pk and balance(partner, AccountKind.SETTLED) == 30
    history = list(selectors.settlements_for(viewer=staff, partner=partner))
    assert {s.pk for s in history} == {settlement.pk, again.pk}
    assert_books_balance()


def test_only_staff_agencies_and_admins_read_the_settlements(month_of_vouchers, partner, agency_staff):
    settle(agency_staff, partner, month_of_vouchers)
    with pytest.raises(NotFoundError):
        selectors.settlements_for(viewer=month_of_vouchers["member"], partner=partner)


def test_a_settled_account_belongs_to_an_organisation_in_the_database():
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_account (kind, balance, earned_total, created_at) VALUES (%s, 0, 0, %s)",
            [AccountKind.SETTLED, timezone.now()],
        )


def test_agency_staff_who_also_run_the_partner_may_not_settle_it(month_of_vouchers, partner):
    officer = AgencyStaffFactory(scope_area=area("71")).user  # also on the shop's committee
    partner.memberships.create(user=officer, is_admin=True, is_member=False)
    with pytest.raises(NotFoundError):
        settle(officer, partner, month_of_vouchers)
    _nothing_saved(partner)


def test_a_month_is_settled_only_once_it_has_been_over_for_an_hour(
    month_of_vouchers, partner, agency_staff, monkeypatch
):
    _start, end = selectors.month_bounds(month_of_vouchers["year"], month_of_vouchers["month"])
    monkeypatch.setattr(timezone, "now", lambda: end + dt.timedelta(minutes=30))
    with pytest.raises(SettlementMonthOpenError):
        settle(agency_staff, partner, month_of_vouchers)
    statement = selectors.statement_for(
        viewer=agency_staff, partner=partner, year=month_of_vouchers["year"], month=month_of_vouchers["month"]
    )
    assert not statement.month_closed and not statement.settleable
    monkeypatch.setattr(timezone, "now", lambda: end + dt.timedelta(minutes=61))
    assert settle(agency_staff, partner, month_of_vouchers).credits == 30


def test_each_voucher_points_to_the_settlement_that_covered_it_and_a_late_one_is_shown(
    month_of_vouchers, partner, staff, agency_staff, client
):
    from django.urls import reverse

    m = month_of_vouchers
    settlement = settle(agency_staff, partner, m)
    assert set(Voucher.objects.filter(settlement=settlement)) == set(m["vouchers"])
    # A voucher confirmed in the month but committed after the settlement (moved there by hand here)
    another = make_offer(staff, partner, cost=10, title_th="ข้าวสาร")
    late = services.voucher_confirm(actor=staff, text=redeem(m["member"], another).code)
    confirmed_in(late, m["year"], m["month"], day=28)
    statement = selectors.statement_for(viewer=agency_staff, partner=partner, year=m["year"], month=m["month"])
    assert statement.uncovered_count == 1 and statement.to_settle_credits == 40
    client.force_login(agency_staff)
    page = client.get(
        reverse("rewards:statement", args=[partner.public_id]), {"month": f"{m['year']}-{m['month']:02d}"}
    )
    assert 'data-testid="settlement-uncovered"' in page.content.decode()
    # Reversing frees the vouchers; settling again covers all four
    services.settlement_reverse(actor=agency_staff, settlement=settlement, reason="ยอดไม่ครบ")
    assert not Voucher.objects.filter(settlement__isnull=False).exists()
    again = settle(agency_staff, partner, m, credits=40, reference="PV-2")
    assert Voucher.objects.filter(settlement=again).count() == 4
    statement = selectors.statement_for(viewer=agency_staff, partner=partner, year=m["year"], month=m["month"])
    assert statement.uncovered_count == 0
    assert_books_balance()
