"""Reads of the ledger: who is on the other side of each passbook line."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import OrganisationFactory, area, member_of
from thamdee.ledger import selectors, services
from thamdee.orgs.models import OrgKind

from .conftest import give, key

pytestmark = pytest.mark.django_db


def _counterparts(viewer, member) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.counterpart for line in selectors.passbook_for(viewer=viewer, member=member).lines]


def test_each_passbook_line_names_the_other_side(funded_org, member):
    other = member_of(funded_org)
    fund = OrganisationFactory(area=area("710911"), kind=OrgKind.WELFARE_FUND, name_th="กองทุนสวัสดิการ", name_en="Fund")
    # An award from the organisation's allotment, a gift to another member and a donation to a fund
    give(funded_org, member, 20)
    services.gift_send(actor=member, recipient=other, amount=3, idempotency_key=key("gift"))
    services.donation_make(actor=member, organisation=fund, amount=2, idempotency_key=key("donation"))
    # Newest first: the fund, the other member (prefix, first and last name), the organisation
    assert _counterparts(member, member) == [fund.name_th, other.full_name, funded_org.name_th]
    assert other.full_name == f"{other.prefix}{other.first_name} {other.last_name}"
    # The other member's passbook names the giver
    assert _counterparts(other, other) == [member.full_name]
    # In English, organisations by their English names
    with translation.override("en"):
        assert _counterparts(member, member) == ["Fund", other.full_name, funded_org.name_en or funded_org.name_th]


def test_an_organiser_reads_every_movement_but_not_the_deeds_of_other_organisations_or_of_a_sensitive_kind():
    import datetime as dt

    from tests.factories import MembershipFactory
    from tests.worlds import build_world
    from thamdee.deeds import services as deeds
    from thamdee.ledger.models import JournalKind

    AWARD, GIFT = JournalKind.AWARD, JournalKind.GIFT
    w = build_world()
    deed = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=2)
    deeds.deed_verify(actor=w.verifier, deed=deed)
    friend = member_of(w.org)
    services.gift_send(actor=w.member, recipient=friend, amount=3, idempotency_key="g", message="ของขวัญวันเกิด")
    savings = OrganisationFactory(area=area("710911"))
    MembershipFactory(user=w.member, organisation=savings)
    elsewhere = member_of(savings, is_organiser=True)

    def seen_by(viewer):  # type: ignore[no-untyped-def]
        with translation.override("th"):
            book = selectors.passbook_for(viewer=viewer, member=w.member)
        return {line.kind: line for line in book.lines}, book.balance

    own, balance = seen_by(w.member)
    assert "ดูแลผู้สูงอายุ" in own[AWARD].cause.title and own[GIFT].memo == "ของขวัญวันเกิด"
    # The organiser of the organisation the deed was recorded with sees it named; gift messages stay private.
    home, _ = seen_by(w.organiser)
    assert "ดูแลผู้สูงอายุ" in home[AWARD].cause.title and home[GIFT].memo == ""
    # An organiser of another organisation the member belongs to sees the movement, not the deed.
    other, other_balance = seen_by(elsewhere)
    award = other[AWARD]
    assert award.cause.title == "ความดีที่บันทึกกับองค์กรอื่น" and award.amount == 10
    assert not award.cause.url and not award.memo and not award.counterpart and not award.explanation
    assert other_balance == balance == 7
    # A deed of a sensitive kind is named to nobody but the member.
    w.care.is_sensitive = True
    w.care.save()
    home, _ = seen_by(w.organiser)
    assert home[AWARD].cause.title == "ความดีที่เป็นข้อมูลอ่อนไหว"
    own, _ = seen_by(w.member)
    assert "ดูแลผู้สูงอายุ" in own[AWARD].cause.title


def test_the_opening_balance_is_what_the_wallet_held_when_the_year_began_whatever_the_page_holds(funded_org, member):
    import datetime as dt

    from django.utils import timezone

    from thamdee.common.thaitime import current_fiscal_year, fiscal_year_bounds
    from thamdee.ledger.models import CauseKind

    this_year = current_fiscal_year()

    def award_in(year: int, amount: int) -> None:
        start, _end = fiscal_year_bounds(year)
        at = timezone.make_aware(dt.datetime.combine(start + dt.timedelta(days=10), dt.time(9)))
        services.award_post(
            actor=None,
            organisation=funded_org,
            member=member,
            amount=amount,
            idempotency_key=key("award"),
            cause=(CauseKind.DEED, 1),
            at=min(at, timezone.now()),
        )

    # Given 7 credits two years ago, 3 last year and 5 and 4 this year
    award_in(this_year - 2, 7)
    award_in(this_year - 1, 3)
    give(funded_org, member, 5)
    give(funded_org, member, 4)

    def opening(year: int | None, limit: int = 50) -> int:
        book = selectors.passbook_for(viewer=member, member=member, fiscal_year=year, limit=limit)
        return selectors.passbook_opening_balance(book=book)

    # Then each year brings forward what the wallet held on its 1 October, on a page of one line as of fifty
    assert [opening(y) for y in (this_year, this_year - 1, this_year - 2, this_year - 3)] == [10, 7, 0, 0]
    assert opening(this_year, limit=1) == 10
    # The whole passbook starts from nothing, and so does a member without a wallet
    assert opening(None) == 0
    other = member_of(funded_org)
    no_wallet = selectors.passbook_for(viewer=other, member=other, fiscal_year=this_year)
    assert selectors.passbook_opening_balance(book=no_wallet) == 0
