"""Worked examples of benefits: partners, offers, reservations, confirmations, cancellations and perks."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from tests.factories import OrganisationFactory, PartnerFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError
from thamdee.ledger import selectors as ledger_selectors
from thamdee.ledger.errors import IdempotencyConflictError, InsufficientCreditsError
from thamdee.ledger.models import Account, AccountKind, CauseKind, Journal, JournalKind
from thamdee.orgs.models import OrgKind
from thamdee.rewards import codes, selectors, services
from thamdee.rewards.errors import (
    MemberLimitError,
    OfferInvalidError,
    OfferLockedError,
    OutOfStockError,
    PartnerAlreadyAppliedError,
    PartnerKindError,
    PartnerNotAppliedError,
    PublicServicePartnerError,
    VoucherAlreadyUsedError,
    VoucherCancelledError,
    VoucherExpiredError,
    VoucherNotCancellableError,
    VoucherOwnConfirmationError,
)
from thamdee.rewards.models import (
    Offer,
    OfferKind,
    PartnerProfile,
    PartnerStatus,
    Sector,
    Unlock,
    Voucher,
    VoucherStatus,
)

from .conftest import approved_partner, assert_books_balance, give, make_offer, publish_levels, redeem, resident

pytestmark = pytest.mark.django_db

THAI = re.compile(r"[\u0e00-\u0e7f]")


def clearing_balance(partner) -> int:
    account = Account.objects.filter(kind=AccountKind.PARTNER_CLEARING, organisation=partner).first()
    return int(account.balance) if account else 0


# --- the worked example ---------------------------------------------------------------------------------------


def test_a_member_reserves_an_offer_and_the_partner_confirms_it(member, offer, staff, partner):
    # Given a member with 100 credits and a 10-credit offer with 50 in stock
    # When she reserves it
    voucher = redeem(member, offer)
    # Then her credits are held with the partner at once, and a voucher with a short code waits to be used
    assert ledger_selectors.balance_of(member) == 90
    assert clearing_balance(partner) == 10
    assert voucher.status == VoucherStatus.HELD and voucher.cost == 10
    assert codes.normalise_code(voucher.display_code) == voucher.code and len(voucher.code) == 8
    assert voucher.expires_at == voucher.created_at + dt.timedelta(hours=offer.voucher_hours)
    offer.refresh_from_db()
    assert offer.remaining == 49
    hold = Journal.objects.get(pk=voucher.hold_journal_id)
    assert (hold.kind, hold.cause_kind, hold.cause_id) == (JournalKind.REDEMPTION, CauseKind.VOUCHER, voucher.pk)
    # When the partner's staff type the code (in any case, without the dash) and confirm
    confirmed = services.voucher_confirm(actor=staff, text=voucher.code.lower())
    # Then it is used, the member is told, and the credits stay with the partner for settlement
    assert confirmed.status == VoucherStatus.CONFIRMED and confirmed.confirmed_by == staff
    assert member.notifications.filter(kind="voucher_confirmed").count() == 1
    assert clearing_balance(partner) == 10 and ledger_selectors.balance_of(member) == 90
    assert_books_balance()


def test_the_passbook_says_what_the_credits_bought(member, offer, partner):
    voucher = redeem(member, offer)
    book = ledger_selectors.passbook_for(viewer=member, member=member)
    spend = next(line for line in book.lines if line.amount == -10)
    assert spend.cause is not None
    assert offer.title_th in spend.cause.title and partner.name_th in spend.cause.title
    assert voucher.display_code in " ".join(spend.explanation)


def test_the_passbook_line_of_a_voucher_links_to_it_and_follows_what_became_of_it(member, offer, partner):
    from django.urls import reverse
    from django.utils import translation

    voucher = redeem(member, offer)

    def spend_cause():
        book = ledger_selectors.passbook_for(viewer=member, member=member)
        return next(line for line in book.lines if line.amount == -10).cause

    held = spend_cause()
    assert held.url == reverse("rewards:voucher", args=[voucher.public_id])
    assert held.explanation[0].startswith(f"คูปอง {voucher.display_code} จองเมื่อ")
    assert held.explanation[1].startswith("รอใช้ ภายใน")
    type(offer).objects.filter(pk=offer.pk).update(title_en="Free lunch")
    with translation.override("en"):
        english = spend_cause().title
    assert english == f"Benefit redeemed: Free lunch · {partner.name_en}"
    services.voucher_cancel(actor=member, voucher=voucher)  # the refund follows as background work
    assert spend_cause().explanation[1] == f"{VoucherStatus.CANCELLED.label} กำลังคืนเครดิต"


def test_the_qr_carries_a_signed_link_to_the_scan_page_that_staff_can_confirm_with(member, offer, staff):
    voucher = redeem(member, offer)
    image, link = selectors.voucher_qr(voucher)
    assert image.startswith("data:image/svg+xml;base64,")
    assert "/benefits/partner/scan/?t=" in link
    assert codes.read_token(link.split("t=", 1)[1])[0] == voucher.code
    forged = link.split("t=", 1)[1][:-2] + "xx"
    with pytest.raises(NotFoundError):
        services.voucher_confirm(actor=staff, text=forged)
    assert services.voucher_confirm(actor=staff, text=link).status == VoucherStatus.CONFIRMED


def test_the_same_request_twice_reserves_once(member, offer):
    first = redeem(member, offer, "tap")
    second = redeem(member, offer, "tap")
    assert first.pk == second.pk
    assert Voucher.objects.count() == 1 and ledger_selectors.balance_of(member) == 90


def test_a_key_reused_for_another_offer_is_refused(member, offer, staff, partner):
    redeem(member, offer, "tap")
    other = make_offer(staff, partner, title_th="ข้าวสาร 1 กิโลกรัม")
    with pytest.raises(IdempotencyConflictError):
        redeem(member, other, "tap")


def test_a_retry_after_the_offer_was_switched_off_returns_the_first_voucher(member, offer, staff):
    # Given a member whose request reserved a voucher
    first = services.offer_redeem(actor=member, public_id=offer.public_id, idempotency_key="tap")
    # When the partner switches the offer off before her retry arrives
    services.offer_update(actor=staff, offer=offer, is_active=False)
    retry = services.offer_redeem(actor=member, public_id=str(offer.public_id), idempotency_key="tap")
    # Then the retry is answered with the voucher that holds her credits, and only a new request finds it closed
    assert (first.replayed, retry.replayed) == (False, True) and retry.voucher.pk == first.voucher.pk
    with pytest.raises(NotFoundError):
        services.offer_redeem(actor=member, public_id=offer.public_id, idempotency_key="another tap")
    assert Voucher.objects.count() == 1 and ledger_selectors.balance_of(member) == 90


def test_without_enough_credits_nothing_is_reserved(funded_org, offer):
    poor = resident(funded_org)
    give(funded_org, poor, 5)
    with pytest.raises(InsufficientCreditsError):
        redeem(poor, offer)
    offer.refresh_from_db()
    assert offer.remaining == 50 and not Voucher.objects.exists()
    assert ledger_selectors.balance_of(poor) == 5


def test_stock_runs_out(funded_org, staff, partner):
    offer = make_offer(staff, partner, stock=2)
    people = [resident(funded_org) for _ in range(3)]
    for person in people:
        give(funded_org, person, 20)
    redeem(people[0], offer)
    redeem(people[1], offer)
    with pytest.raises(OutOfStockError):
        redeem(people[2], offer)
    assert ledger_selectors.balance_of(people[2]) == 20


def test_the_per_member_limit_counts_held_and_used_but_not_cancelled_vouchers(member, staff, partner):
    offer = make_offer(staff, partner, per_member_limit=2)
    first = redeem(member, offer)
    second = redeem(member, offer)
    with pytest.raises(MemberLimitError):
        redeem(member, offer)
    services.voucher_confirm(actor=staff, text=first.code)
    services.voucher_cancel(actor=member, voucher=second)
    assert redeem(member, offer).status == VoucherStatus.HELD


def test_a_voucher_is_confirmed_once(member, offer, staff, partner):
    voucher = redeem(member, offer)
    other_staff = member_of(partner, is_partner_staff=True, is_member=False)
    services.voucher_confirm(actor=staff, text=voucher.code)
    with pytest.raises(VoucherAlreadyUsedError):
        services.voucher_confirm(actor=other_staff, text=voucher.code)
    with pytest.raises(VoucherNotCancellableError):
        services.voucher_cancel(actor=member, voucher=voucher)


def test_staff_never_confirm_their_own_voucher_another_of_the_partners_staff_does(funded_org, offer, staff, partner):
    # Given a cashier who is also a member nearby, with credits, and who reserved an offer of their own shop
    staff.home_area = area("71091101")
    staff.save(update_fields=["home_area"])
    give(funded_org, staff, 50)
    voucher = redeem(staff, offer)
    # When they confirm it at their own till, it is refused and stays held
    with pytest.raises(VoucherOwnConfirmationError) as refused:
        services.voucher_confirm(actor=staff, text=voucher.code)
    assert refused.value.code == "voucher_own_confirmation" and refused.value.status == 403
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD
    # Then another of the shop's staff confirms it
    colleague = member_of(partner, is_partner_staff=True, is_member=False)
    done = services.voucher_confirm(actor=colleague, text=voucher.code)
    assert done.status == VoucherStatus.CONFIRMED and done.confirmed_by == colleague


def test_an_expired_voucher_cannot_be_confirmed_even_before_the_sweeper_runs(member, offer, staff):
    voucher = redeem(member, offer)
    Voucher.objects.filter(pk=voucher.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=5), expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(VoucherExpiredError):
        services.voucher_confirm(actor=staff, text=voucher.code)
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD


def test_a_cancelled_voucher_gives_credits_and_stock_back_once(
    member, offer, staff, partner, django_capture_on_commit_callbacks
):
    voucher = redeem(member, offer)
    with django_capture_on_commit_callbacks(execute=True):
        services.voucher_cancel(actor=member, voucher=voucher)
    voucher.refresh_from_db()
    assert voucher.status == VoucherStatus.CANCELLED and voucher.refunded_at is not None
    assert ledger_selectors.balance_of(member) == 100 and clearing_balance(partner) == 0
    refund = Journal.objects.get(pk=voucher.refund_journal_id)
    assert refund.reversal_of_id == voucher.hold_journal_id and refund.kind == JournalKind.REVERSAL
    offer.refresh_from_db()
    assert offer.remaining == 50
    assert services.voucher_refund(public_id=voucher.public_id) is False
    with pytest.raises(VoucherCancelledError):
        services.voucher_confirm(actor=staff, text=voucher.code)
    assert ledger_selectors.balance_of(member) == 100
    assert_books_balance()


def test_offers_elsewhere_are_not_found(funded_org, offer):
    far = resident(funded_org, "40010101")
    give(funded_org, far, 100)
    assert offer not in [e.offer for e in selectors.catalogue_for(viewer=far).available]
    with pytest.raises(NotFoundError):
        redeem(far, offer)


def test_an_offer_without_areas_applies_everywhere_and_one_for_a_subdistrict_applies_to_its_villages(
    funded_org, staff, partner
):
    everywhere = make_offer(staff, partner, area_codes=[])
    subdistrict = make_offer(staff, partner, area_codes=["710911"], title_th="เฉพาะตำบล")
    here, far = resident(funded_org, "71091103"), resident(funded_org, "40010101")
    assert {e.offer.pk for e in selectors.catalogue_for(viewer=here).available} == {everywhere.pk, subdistrict.pk}
    assert {e.offer.pk for e in selectors.catalogue_for(viewer=far).available} == {everywhere.pk}


def test_a_member_without_a_home_area_is_placed_by_her_organisations(funded_org, offer):
    person = member_of(funded_org)
    assert [e.offer for e in selectors.catalogue_for(viewer=person).available] == [offer]


def test_closed_inactive_and_future_offers_are_not_in_the_catalogue(member, staff, partner):
    now = timezone.now()
    make_offer(staff, partner, valid_from=now + dt.timedelta(days=1), valid_until=now + dt.timedelta(days=3))
    make_offer(staff, partner, valid_from=now - dt.timedelta(days=3), valid_until=now - dt.timedelta(days=1))
    make_offer(staff, partner, is_active=False)
    assert selectors.catalogue_for(viewer=member).available == []


# --- partners -------------------------------------------------------------------------------------------------


def test_offers_go_live_only_once_an_agency_approves_the_partner(agency_staff, member):
    shop = PartnerFactory(area=area("710911"))
    owner = member_of(shop, is_admin=True, is_member=False)
    profile = services.partner_apply(actor=owner, organisation=shop, sector=Sector.RETAIL)
    assert profile.status == PartnerStatus.PENDING
    offer = make_offer(owner, shop)
    assert selectors.catalogue_for(viewer=member).available == []
    with pytest.raises(NotFoundError):
        redeem(member, offer)
    services.partner_approve(actor=agency_staff, organisation=shop)
    assert [e.offer for e in selectors.catalogue_for(viewer=member).available] == [offer]
    assert owner.notifications.filter(kind="partner_decided").count() == 1
    services.partner_decide(actor=agency_staff, organisation=shop, status=PartnerStatus.SUSPENDED, note="ตรวจสอบ")
    assert selectors.catalogue_for(viewer=member).available == []


@pytest.mark.parametrize("kind", [OrgKind.SCHOOL, OrgKind.HEALTH_CHARTER, OrgKind.WELFARE_FUND, OrgKind.AGENCY])
def test_public_service_organisations_cannot_be_partners(agency_staff, kind):
    org = OrganisationFactory(area=area("710911"), kind=kind)
    admin = member_of(org, is_admin=True)
    with pytest.raises(PublicServicePartnerError):
        services.partner_apply(actor=admin, organisation=org, sector=Sector.OTHER)


@pytest.mark.parametrize("sector", [Sector.HEALTH, Sector.EDUCATION, Sector.WELFARE, Sector.GOVERNMENT])
def test_a_partner_that_provides_a_public_service_is_never_approved(agency_staff, sector):
    # Given a partner-kind organisation whose profile says it provides a public service (say, a clinic)
    shop = PartnerFactory(area=area("710911"))
    PartnerProfile.objects.create(organisation=shop, sector=sector)
    # When the agency tries to approve it, then the approval step refuses
    with pytest.raises(PublicServicePartnerError):
        services.partner_approve(actor=agency_staff, organisation=shop)
    assert PartnerProfile.objects.get(organisation=shop).status == PartnerStatus.PENDING
    # And the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerProfile.objects.filter(organisation=shop).update(
            status=PartnerStatus.APPROVED, decided_by=agency_staff, decided_at=timezone.now()
        )


def test_councils_and_temples_are_not_partner_kinds(agency_staff):
    council = OrganisationFactory(area=area("710911"), kind=OrgKind.COUNCIL)
    with pytest.raises(PartnerKindError):
        services.partner_apply(actor=member_of(council, is_admin=True), organisation=council, sector=Sector.OTHER)


def test_a_savings_group_offers_a_perk_run_by_its_admins(agency_staff, funded_org, programme):
    group, admin = approved_partner(agency_staff, kind=OrgKind.SAVINGS_GROUP, sector=Sector.COMMUNITY_FINANCE)
    perk = make_offer(
        admin,
        group,
        kind=OfferKind.PERK,
        cost=0,
        stock=None,
        unlock=Unlock.EARNED,
        unlock_credits=50,
        title_th="กู้ยืม 20,000 บาท ดอกเบี้ย 0%",
    )
    person = resident(funded_org)
    give(funded_org, person, 60)
    voucher = redeem(person, perk)
    assert voucher.cost == 0 and voucher.hold_journal_id is None
    assert services.voucher_confirm(actor=admin, text=voucher.code).status == VoucherStatus.CONFIRMED


def test_applying_twice_is_refused_but_a_refused_partner_may_apply_again(agency_staff):
    shop = PartnerFactory(area=area("710911"))
    owner = member_of(shop, is_admin=True, is_member=False)
    services.partner_apply(actor=owner, organisation=shop, sector=Sector.RETAIL)
    with pytest.raises(PartnerAlreadyAppliedError):
        services.partner_apply(actor=owner, organisation=shop, sector=Sector.RETAIL)
    services.partner_decide(actor=agency_staff, organisation=shop, status=PartnerStatus.REFUSED)
    assert services.partner_apply(actor=owner, organisation=shop, sector=Sector.COOPERATIVE).status == "pending"


def test_an_organisation_must_apply_before_publishing_or_being_approved(agency_staff):
    shop = PartnerFactory(area=area("710911"))
    owner = member_of(shop, is_admin=True, is_member=False)
    with pytest.raises(PartnerNotAppliedError):
        make_offer(owner, shop)
    with pytest.raises(PartnerNotAppliedError):
        services.partner_approve(actor=agency_staff, organisation=shop)


# --- offers -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"stock": None},
        {"cost": 0},
        {"kind": OfferKind.PERK, "cost": 0, "stock": None},
        {"kind": OfferKind.PERK, "cost": 5, "unlock": Unlock.EARNED, "unlock_credits": 10},
        {"unlock": Unlock.DEED_TYPE, "unlock_deed_type": "savings-20", "unlock_deed_count": 0, "unlock_months": 6},
        {"valid_until": timezone.now() - dt.timedelta(days=5)},
        {"area_codes": ["99"]},
    ],
)
def test_offers_that_do_not_make_sense_are_refused(staff, partner, overrides):
    with pytest.raises(OfferInvalidError):
        make_offer(staff, partner, **overrides)
    assert not Offer.objects.exists()


def test_changing_the_stock_keeps_what_is_already_reserved(member, staff, partner):
    offer = make_offer(staff, partner, stock=5)
    redeem(member, offer)
    redeem(member, offer)
    with pytest.raises(OfferInvalidError):
        services.offer_update(actor=staff, offer=offer, stock=1)
    updated = services.offer_update(actor=staff, offer=offer, stock=8)
    assert (updated.stock, updated.remaining) == (8, 6)


@pytest.mark.parametrize(
    ("overrides", "reason_en"),
    [
        ({"area_codes": ["99"]}, "Area codes not found: 99"),
        (
            {
                "unlock": Unlock.DEED_TYPE,
                "unlock_deed_type": "no-such-deed",
                "unlock_deed_count": 1,
                "unlock_months": 6,
            },
            "No deed type with the code “no-such-deed” among the national templates or the partner’s own entries",
        ),
    ],
)
def test_an_offer_refused_while_thai_is_active_gives_its_reason_in_english_too(staff, partner, overrides, reason_en):
    # Given a partner working in Thai, when an offer is refused with a reason that names what was typed
    with translation.override("th"), pytest.raises(OfferInvalidError) as refused:
        make_offer(staff, partner, **overrides)
    # Then the Thai message is Thai and the English one English, the value filled into each
    assert THAI.search(refused.value.message_th), refused.value.message_th
    assert refused.value.message_en == f"Invalid benefit details: {reason_en}"


def test_a_stock_below_what_is_reserved_is_refused_in_thai_and_english(member, staff, partner):
    offer = make_offer(staff, partner, stock=5)
    redeem(member, offer)
    redeem(member, offer)
    with translation.override("th"), pytest.raises(OfferInvalidError) as refused:
        services.offer_update(actor=staff, offer=offer, stock=1)
    assert refused.value.message_th == "ข้อมูลสิทธิประโยชน์ไม่ถูกต้อง: จำนวนทั้งหมดน้อยกว่าที่ถูกจองหรือใช้ไปแล้ว (2)"
    assert refused.value.message_en == (
        "Invalid benefit details: The total quantity is less than the number already reserved or used (2)"
    )


def test_a_stock_set_on_an_unlimited_offer_counts_the_places_that_refunds_will_give_back(funded_org, staff, partner):
    perk = make_offer(staff, partner, kind=OfferKind.PERK, cost=0, stock=None, unlock=Unlock.EARNED, unlock_credits=1)
    people = [resident(funded_org) for _ in range(3)]
    vouchers = []
    for person in people:
        give(funded_org, person, 1)
        vouchers.append(redeem(person, perk))
    # Two are cancelled; their refunds (which give their places back) have not run yet.
    for person, voucher in zip(people[:2], vouchers[:2], strict=True):
        services.voucher_cancel(actor=person, voucher=voucher)
    updated = services.offer_update(actor=staff, offer=perk, stock=3)
    assert updated.remaining == 0  # one in use, two places still owed back by their refunds
    for voucher in vouchers[:2]:
        services.voucher_refund(public_id=voucher.public_id)
    perk.refresh_from_db()
    live = Voucher.objects.filter(offer=perk, status__in=[VoucherStatus.HELD, VoucherStatus.CONFIRMED]).count()
    assert (live, perk.remaining) == (1, 2) and live + perk.remaining == perk.stock


@pytest.mark.parametrize(
    "overrides",
    [
        {"unlock": Unlock.EARNED, "unlock_credits": 2**31},
        {"valid_from": timezone.make_aware(dt.datetime(1999, 12, 31))},
        {"valid_until": timezone.make_aware(dt.datetime(2201, 1, 1, 0, 0, 1))},
    ],
)
def test_unlock_credits_and_windows_beyond_what_the_columns_and_calendar_hold_are_refused(staff, partner, overrides):
    fields = {"kind": OfferKind.PERK, "cost": 0, "stock": None, "unlock": Unlock.EARNED, "unlock_credits": 10}
    with pytest.raises(OfferInvalidError):
        make_offer(staff, partner, **{**fields, **overrides})
    offer = make_offer(staff, partner, **fields)
    with pytest.raises(OfferInvalidError):
        services.offer_update(actor=staff, offer=offer, **overrides)


def test_the_widest_window_allowed_is_accepted(staff, partner):
    first, after_last = services.offer_window_limits()
    offer = make_offer(
        staff, partner, valid_from=first, valid_until=after_last, unlock=Unlock.EARNED, unlock_credits=1_000_000_000
    )
    assert (timezone.localtime(offer.valid_from).year, timezone.localtime(offer.valid_until).year) == (2000, 2201)


def republish_levels(programme, levels: list[dict[str, Any]]) -> None:
    """A later version of the programme's rulebook, in force from today."""
    from thamdee.creditrules.models import Rulebook, RulebookVersion

    book = Rulebook.objects.get(programme=programme, organisation=None)
    RulebookVersion.objects.create(
        rulebook=book,
        number=book.versions.count() + 1,
        rules={"schema": 1, "levels": levels},
        effective_from=timezone.localdate(),
        published_at=timezone.now(),
    )


def test_a_partner_can_edit_and_switch_off_a_level_perk_whose_level_a_later_rulebook_dropped(staff, partner, programme):
    # Given a perk for the level "tree", which the next version of the rulebook renames "forest"
    publish_levels(programme, [{"code": "tree", "name_th": "ต้นไม้", "min_credits": 100}])
    perk = make_offer(staff, partner, kind=OfferKind.PERK, cost=0, stock=None, unlock=Unlock.LEVEL, unlock_level="tree")
    republish_levels(programme, [{"code": "forest", "name_th": "ป่า", "min_credits": 100}])
    # When the partner edits its description and switches it off, both work
    services.offer_update(actor=staff, offer=perk, description="ปิดรับแล้ว")
    services.offer_update(actor=staff, offer=perk, is_active=False)
    perk.refresh_from_db()
    assert (perk.is_active, perk.description) == (False, "ปิดรับแล้ว")
    # But switching it on again with a level that no longer exists is refused, as is naming it now
    with pytest.raises(OfferInvalidError, match="ระดับ"):
        services.offer_update(actor=staff, offer=perk, is_active=True)
    with pytest.raises(OfferInvalidError, match="ระดับ"):
        services.offer_update(actor=staff, offer=perk, unlock_level="tree")
    services.offer_update(actor=staff, offer=perk, unlock_level="forest", is_active=True)
    perk.refresh_from_db()
    assert (perk.is_active, perk.unlock_level) == (True, "forest")


def test_a_partner_can_switch_off_a_deed_type_perk_once_an_organisations_copy_of_its_type_is_sensitive(
    funded_org, staff, partner, programme
):
    from thamdee.deeds.models import DeedType

    template = DeedType.objects.create(programme=programme, code="savings-20", name_th="ออมเงิน", criterion="ออม")
    perk = make_offer(
        staff,
        partner,
        kind=OfferKind.PERK,
        cost=0,
        stock=10,
        unlock=Unlock.DEED_TYPE,
        unlock_deed_type="savings-20",
        unlock_deed_count=3,
        unlock_months=6,
    )
    # An organisation adopts the template later and marks its copy sensitive
    DeedType.objects.create(
        programme=programme,
        organisation=funded_org,
        adopted_from=template,
        code="save",
        name_th="ออมกับกลุ่ม",
        criterion="ออม",
        is_sensitive=True,
    )
    services.offer_update(actor=staff, offer=perk, is_active=False)
    perk.refresh_from_db()
    assert perk.is_active is False
    with pytest.raises(OfferInvalidError, match="อ่อนไหว"):
        services.offer_update(actor=staff, offer=perk, is_active=True)


def test_another_organisations_own_deed_type_with_the_same_code_neither_blocks_nor_unlocks_a_perk(
    funded_org, staff, partner, programme
):
    from thamdee.deeds.models import Deed, DeedStatus, DeedType

    template = DeedType.objects.create(
        programme=programme, code="savings-20", name_th="ออมเงินเดือนละ 20 บาท", criterion="ออมทุกเดือน"
    )
    # An unrelated organisation has its own easy deed that it happens to call "savings-20", and its own sensitive
    # "alms"
    other = OrganisationFactory(area=area("710911"))
    easy = DeedType.objects.create(
        programme=programme, organisation=other, code="savings-20", name_th="ยิ้มให้เพื่อนบ้าน", criterion="ยิ้ม"
    )
    DeedType.objects.create(
        programme=programme, organisation=other, code="alms", name_th="ตักบาตร", criterion="ตักบาตร", is_sensitive=True
    )
    fields = {"kind": OfferKind.PERK, "cost": 0, "stock": 10, "unlock": Unlock.DEED_TYPE, "unlock_months": 6}
    perk = make_offer(staff, partner, unlock_deed_type="savings-20", unlock_deed_count=3, **fields)
    # Another organisation's own "alms" is not the partner's concern: the code names no deed type it may name.
    with pytest.raises(OfferInvalidError) as refused:
        make_offer(staff, partner, unlock_deed_type="alms", unlock_deed_count=1, **fields)
    assert "alms" in str(refused.value) and "อ่อนไหว" not in str(refused.value)
    person = resident(other)
    today = timezone.localdate()

    def deeds(deed_type, n: int) -> None:
        for i in range(n):
            Deed.objects.create(
                member=person,
                deed_type=deed_type,
                organisation=deed_type.organisation or other,
                area=area("710911"),
                done_on=today - dt.timedelta(days=i + 1),
                status=DeedStatus.VERIFIED,
                recorded_by=person,
            )

    # When the member does the other organisation's easy deed three times, the perk stays locked, and its
    # condition names the national template
    deeds(easy, 3)
    entry = selectors.offer_get_for_member(viewer=person, public_id=perk.public_id)
    assert not entry.unlocked
    assert "ออมเงินเดือนละ 20 บาท" in entry.condition and "ยิ้ม" not in entry.condition
    with pytest.raises(OfferLockedError):
        redeem(person, perk)
    # Then three deeds of the template itself unlock it
    deeds(template, 3)
    assert selectors.offer_get_for_member(viewer=person, public_id=perk.public_id).unlocked


def test_a_partners_own_deed_type_unlocks_its_perk(agency_staff, funded_org, programme):
    from thamdee.deeds.models import Deed, DeedStatus, DeedType

    # A savings group runs the Nong Sarai loan on its own "savings-20" (no national template has that code)
    group, admin = approved_partner(agency_staff, kind="savings_group", sector=Sector.COMMUNITY_FINANCE)
    own = DeedType.objects.create(
        programme=programme, organisation=group, code="savings-20", name_th="ออมกับกลุ่ม", criterion="ออม"
    )
    loan = make_offer(
        admin,
        group,
        kind=OfferKind.PERK,
        cost=0,
        stock=10,
        unlock=Unlock.DEED_TYPE,
        unlock_deed_type="savings-20",
        unlock_deed_count=2,
        unlock_months=6,
    )
    person = resident(group)
    assert "ออมกับกลุ่ม" in selectors.offer_get_for_member(viewer=person, public_id=loan.public_id).condition
    for i in range(2):
        Deed.objects.create(
            member=person,
            deed_type=own,
            organisation=group,
            area=area("710911"),
            done_on=timezone.localdate() - dt.timedelta(days=i + 1),
            status=DeedStatus.VERIFIED,
            recorded_by=person,
        )
    assert redeem(person, loan).status == VoucherStatus.HELD


def test_offer_photos_are_re_encoded_without_exif(staff, partner):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    raw = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "Camera maker"
    Image.new("RGB", (40, 30), "green").save(raw, format="JPEG", exif=exif)
    offer = make_offer(staff, partner, photo=SimpleUploadedFile("p.jpg", raw.getvalue(), "image/jpeg"))
    with offer.photo.open("rb") as handle, Image.open(handle) as image:
        assert image.size == (40, 30) and not image.getexif()


# --- perks ------------------------------------------------------------------------------------------------------


def test_a_level_perk_unlocks_from_lifetime_verified_credits_not_from_the_balance(
    funded_org, staff, partner, programme
):
    publish_levels(
        programme,
        [
            {"code": "seed", "name_th": "ต้นกล้า", "min_credits": 0},
            {"code": "tree", "name_th": "ต้นไม้", "min_credits": 100},
        ],
    )
    perk = make_offer(
        staff,
        partner,
        kind=OfferKind.PERK,
        cost=0,
        stock=None,
        unlock=Unlock.LEVEL,
        unlock_level="tree",
        programme=programme,
        title_th="ส่วนลด 10%",
    )
    spend = make_offer(staff, partner, cost=60, title_th="ข้าวสาร")
    person = resident(funded_org)
    give(funded_org, person, 99)
    book = selectors.catalogue_for(viewer=person)
    assert perk in [e.offer for e in book.locked] and "ต้นไม้" in book.locked[0].condition
    with pytest.raises(OfferLockedError):
        redeem(person, perk)
    give(funded_org, person, 1)
    redeem(person, spend)  # spending lowers the balance to 40 but not the level
    assert ledger_selectors.balance_of(person) == 40
    book = selectors.catalogue_for(viewer=person)
    assert book.level is not None and book.level.code == "tree"
    assert redeem(person, perk).status == VoucherStatus.HELD


def test_a_deed_type_perk_needs_n_verified_deeds_of_that_type_in_the_last_m_months(
    funded_org, staff, partner, programme
):
    from thamdee.deeds.models import Deed, DeedStatus, DeedType

    template = DeedType.objects.create(
        programme=programme, code="savings-20", name_th="ออมเงินเดือนละ 20 บาท", criterion="ออมอย่างน้อย 20 บาทต่อเดือน"
    )
    local = DeedType.objects.create(
        programme=programme,
        organisation=funded_org,
        adopted_from=template,
        code="save-monthly",
        name_th="ออมเงินกับกลุ่ม",
        criterion="ออมทุกเดือน",
    )
    perk = make_offer(
        staff,
        partner,
        kind=OfferKind.PERK,
        cost=0,
        stock=10,
        unlock=Unlock.DEED_TYPE,
        unlock_deed_type="savings-20",
        unlock_deed_count=3,
        unlock_months=6,
        title_th="เงินกู้ 0% จากกลุ่มออมทรัพย์",
    )
    person = resident(funded_org)
    today = timezone.localdate()

    def deed(days_ago: int, status: str = DeedStatus.VERIFIED, deed_type=local):
        return Deed.objects.create(
            member=person,
            deed_type=deed_type,
            organisation=funded_org,
            area=area("710911"),
            done_on=today - dt.timedelta(days=days_ago),
            status=status,
            recorded_by=person,
        )

    deed(10)
    deed(40, deed_type=template)
    deed(70, status=DeedStatus.PENDING)
    deed(400)  # too long ago
    with pytest.raises(OfferLockedError) as refused:
        redeem(person, perk)
    assert "ออมเงินเดือนละ 20 บาท" in str(refused.value) and "6" in str(refused.value)
    deed(100)
    voucher = redeem(person, perk)
    assert voucher.cost == 0 and ledger_selectors.balance_of(person) == 0


@pytest.mark.parametrize(
    ("unlock", "condition_th", "condition_en"),
    [
        (
            {"unlock": Unlock.EARNED, "unlock_credits": 5000},
            "มีเครดิตสะสมจากความดีที่รับรองแล้วอย่างน้อย 5,000 เครดิต",
            "Have at least 5,000 credits earned from verified good deeds",
        ),
        ({"unlock": Unlock.LEVEL, "unlock_level": "tree"}, "ถึงระดับ “ต้นไม้” ขึ้นไป", "Reach level “Tree” or higher"),
        (
            {"unlock": Unlock.DEED_TYPE, "unlock_deed_type": "savings-20", "unlock_deed_count": 3, "unlock_months": 6},
            "ทำความดี “ออมเงินเดือนละ 20 บาท” ที่รับรองแล้วอย่างน้อย 3 ครั้ง ในช่วง 6 เดือนล่าสุด",
            "Have the good deed “Save 20 baht a month” verified at least 3 times in the last 6 months",
        ),
    ],
)
def test_a_locked_perk_says_its_condition_in_thai_and_english(
    funded_org, staff, partner, programme, unlock, condition_th, condition_en
):
    from thamdee.deeds.models import DeedType

    # Given a perk whose condition names a level or a deed type that has a Thai and an English name
    publish_levels(programme, [{"code": "tree", "name_th": "ต้นไม้", "name_en": "Tree", "min_credits": 100}])
    DeedType.objects.create(
        programme=programme,
        code="savings-20",
        name_th="ออมเงินเดือนละ 20 บาท",
        name_en="Save 20 baht a month",
        criterion="ออมอย่างน้อย 20 บาทต่อเดือน",
    )
    perk = make_offer(staff, partner, kind=OfferKind.PERK, cost=0, stock=None, programme=programme, **unlock)
    # When a member who does not meet it asks for it while Thai is active
    with translation.override("th"), pytest.raises(OfferLockedError) as refused:
        redeem(resident(funded_org), perk)
    # Then each language says the condition in that language
    assert refused.value.message_th == f"ยังไม่ถึงเงื่อนไขของสิทธิประโยชน์นี้: {condition_th}"
    assert refused.value.message_en == f"You do not yet meet the condition for this benefit: {condition_en}"


def test_a_sensitive_deed_type_can_never_unlock_a_perk(funded_org, staff, partner, programme):
    from thamdee.deeds.models import Deed, DeedStatus, DeedType

    alms = DeedType.objects.create(
        programme=programme, code="alms", name_th="ตักบาตร", criterion="ตักบาตรทุกวันพระ", is_sensitive=True
    )
    perk = {
        "kind": OfferKind.PERK,
        "cost": 0,
        "stock": 10,
        "unlock": Unlock.DEED_TYPE,
        "unlock_deed_count": 1,
        "unlock_months": 6,
    }
    with pytest.raises(OfferInvalidError) as refused:
        make_offer(staff, partner, unlock_deed_type="alms", **perk)
    assert "อ่อนไหว" in str(refused.value)
    # An offer named before the type was marked sensitive unlocks on no such deed.
    alms.is_sensitive = False
    alms.save()
    offer = make_offer(staff, partner, unlock_deed_type="alms", **perk)
    alms.is_sensitive = True
    alms.save()
    person = resident(funded_org)
    Deed.objects.create(
        member=person,
        deed_type=alms,
        organisation=funded_org,
        area=area("710911"),
        done_on=timezone.localdate() - dt.timedelta(days=3),
        status=DeedStatus.VERIFIED,
        recorded_by=person,
    )
    with pytest.raises(OfferLockedError):
        redeem(person, offer)


def test_an_expired_perk_voucher_returns_its_place_in_the_stock_without_a_journal(funded_org, staff, partner):
    perk = make_offer(staff, partner, kind=OfferKind.PERK, cost=0, stock=1, unlock=Unlock.EARNED, unlock_credits=1)
    person = resident(funded_org)
    give(funded_org, person, 1)
    voucher = redeem(person, perk)
    Voucher.objects.filter(pk=voucher.pk).update(
        created_at=timezone.now() - dt.timedelta(hours=5), expires_at=timezone.now() - dt.timedelta(hours=1)
    )
    journals = Journal.objects.count()
    assert services.voucher_expire(public_id=voucher.public_id) is True
    perk.refresh_from_db()
    assert perk.remaining == 1 and Journal.objects.count() == journals
    assert Voucher.objects.get(pk=voucher.pk).refunded_at is not None


def test_someone_else_cannot_cancel_my_voucher(member, offer, funded_org):
    voucher = redeem(member, offer)
    with pytest.raises(NotFoundError):
        services.voucher_cancel(actor=UserFactory(), voucher=voucher)
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD


# --- a reversed deed and a voucher held with its credits ------------------------------------------------------


@pytest.fixture
def scheme(db):
    """A world with deeds (elder care: 5 credits an hour), and an approved shop in the member's area whose offer
    costs 8 credits."""
    from tests.worlds import build_world

    w = build_world()
    w.partner, w.shop_staff = approved_partner(w.staff)
    w.offer = make_offer(w.shop_staff, w.partner, cost=8)
    w.allotment = Account.objects.get(kind=AccountKind.ALLOTMENT, organisation=w.org)
    return w


def verified_deed(w, *, hours: int = 2, days_ago: int = 1):
    from thamdee.deeds import services as deeds

    deed = deeds.deed_report(
        actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=days_ago), hours=hours
    )
    return deeds.deed_verify(actor=w.verifier, deed=deed)


def reverse(w, deed) -> None:
    from thamdee.deeds import services as deeds

    deeds.deed_reverse(actor=w.verifier2, deed=deed, reason="บันทึกผิดคน")


def share(w, deed) -> int:
    return ledger_selectors.member_share_of((CauseKind.DEED, deed.pk), w.member.pk)


def allotment_balance(w) -> int:
    w.allotment.refresh_from_db()
    return int(w.allotment.balance)


def take_backs_of(deed):
    """The journals that collected a reversed deed's take-back later (reversals with no original)."""
    return Journal.objects.filter(
        cause_kind=CauseKind.DEED, cause_id=deed.pk, kind=JournalKind.REVERSAL, reversal_of__isnull=True
    )


def end(voucher, how: str, capture) -> None:  # type: ignore[no-untyped-def]
    """Cancel the voucher (its refund runs after the commit) or let it expire (the sweeper refunds it)."""
    if how == "cancel":
        with capture(execute=True):
            services.voucher_cancel(actor=voucher.member, voucher=voucher)
    else:
        now = timezone.now()
        Voucher.objects.filter(pk=voucher.pk).update(
            created_at=now - dt.timedelta(hours=5), expires_at=now - dt.timedelta(seconds=1)
        )
        assert services.vouchers_sweep().expired == 1


@pytest.mark.parametrize("how", ["cancel", "expire"])
def test_credits_of_a_reversed_deed_held_in_a_voucher_go_back_to_the_allotment_when_it_is_refunded(
    scheme, how, django_capture_on_commit_callbacks
):
    w = scheme
    start = allotment_balance(w)
    # Given a member awarded 10 credits for a deed, who holds 8 of them in a voucher
    deed = verified_deed(w)
    voucher = redeem(w.member, w.offer)
    assert ledger_selectors.balance_of(w.member) == 2
    # When the deed is found wrong and reversed: the 2 left in the wallet are taken back, 8 are still owed
    reverse(w, deed)
    assert ledger_selectors.balance_of(w.member) == 0 and share(w, deed) == 8
    assert allotment_balance(w) == start - 8
    # When the voucher is cancelled, or expires, and its 8 credits are refunded
    end(voucher, how, django_capture_on_commit_callbacks)
    # Then the refund pays the take-back first: all 8 go back to the organisation's allotment, none to the member
    voucher.refresh_from_db()
    assert voucher.refunded_at is not None and voucher.refund_journal_id is not None
    assert ledger_selectors.balance_of(w.member) == 0
    assert share(w, deed) == 0 and ledger_selectors.earned_total_of(w.member) == 0
    assert allotment_balance(w) == start and clearing_balance(w.partner) == 0
    (collected,) = take_backs_of(deed)
    legs = dict(collected.postings.values_list("account__kind", "amount"))
    assert legs == {AccountKind.MEMBER: -8, AccountKind.ALLOTMENT: 8}
    # and the member is told so in plain words, in the notice and on the passbook line
    notice = w.member.notifications.get(kind="voucher_refunded")
    assert "คืนให้คุณ 0 จาก 8 เครดิต" in notice.title_th
    assert "8 เครดิต" in notice.body_th and "ความดีที่ถูกกลับรายการ" in notice.body_th
    book = ledger_selectors.passbook_for(viewer=w.member, member=w.member)
    line = next(line for line in book.lines if line.ref == str(collected.idempotency_key))
    assert line.amount == -8 and line.running == 0
    assert line.cause is not None and line.cause.title.startswith(w.care.name_th)
    assert voucher.display_code in line.memo and "ความดีที่ถูกกลับรายการ" in line.memo
    # And a second refund, expiry or sweep collects nothing twice
    assert services.voucher_refund(public_id=voucher.public_id) is False
    assert services.voucher_expire(public_id=voucher.public_id) is False
    assert services.vouchers_sweep().refunded == 0
    assert take_backs_of(deed).count() == 1
    assert ledger_selectors.balance_of(w.member) == 0 and allotment_balance(w) == start
    assert w.member.notifications.filter(kind="voucher_refunded").count() == 1
    assert_books_balance()


def test_a_voucher_the_member_used_is_kept_and_a_voucher_bought_later_is_refunded_to_the_member(
    scheme, django_capture_on_commit_callbacks
):
    w = scheme
    # Given 10 credits of a deed, 8 of them spent on a voucher the shop confirmed, and the deed reversed
    deed = verified_deed(w, days_ago=2)
    used = redeem(w.member, w.offer)
    services.voucher_confirm(actor=w.shop_staff, text=used.code)
    reverse(w, deed)
    assert ledger_selectors.balance_of(w.member) == 0 and share(w, deed) == 8
    # When the member earns 10 credits again, reserves a voucher with them and cancels it
    verified_deed(w, days_ago=1)
    later = redeem(w.member, w.offer)
    end(later, "cancel", django_capture_on_commit_callbacks)
    # Then the goods handed over are not taken back, and the new voucher's 8 credits come back to the member
    assert Voucher.objects.get(pk=used.pk).status == VoucherStatus.CONFIRMED
    assert ledger_selectors.balance_of(w.member) == 10
    assert not take_backs_of(deed).exists() and share(w, deed) == 8
    notice = w.member.notifications.get(kind="voucher_refunded")
    assert notice.title_th == f"ยกเลิกคูปอง {w.offer.title_th} แล้ว คืน 8 เครดิตแล้ว"
    assert_books_balance()


def test_a_voucher_reserved_before_the_award_is_refunded_to_the_member(scheme, django_capture_on_commit_callbacks):
    w = scheme
    # Given 8 credits of a good deed held in a voucher, then 10 credits of a wrong deed spent on a used voucher
    verified_deed(w, days_ago=3, hours=1)
    verified_deed(w, days_ago=3, hours=1)  # 10 in all
    before = redeem(w.member, w.offer)
    wrong = verified_deed(w, days_ago=2)
    used = redeem(w.member, w.offer)
    services.voucher_confirm(actor=w.shop_staff, text=used.code)
    reverse(w, wrong)  # takes back the 4 left; 6 of it went into the used voucher
    assert ledger_selectors.balance_of(w.member) == 0 and share(w, wrong) == 6
    # When the voucher reserved before the wrong award is cancelled
    end(before, "cancel", django_capture_on_commit_callbacks)
    # Then its credits were never the wrong deed's: they all come back to the member
    assert ledger_selectors.balance_of(w.member) == 8
    assert not take_backs_of(wrong).exists()
    assert_books_balance()


def test_a_voucher_bought_while_a_reversed_deed_held_nothing_is_refunded_in_full(
    scheme, django_capture_on_commit_callbacks
):
    # Deed A awarded 10 and reversed (all 10 taken back); B awards 10, and voucher V holds 8 of them
    w = scheme
    a = verified_deed(w, days_ago=3)
    reverse(w, a)
    verified_deed(w, days_ago=2)
    v = redeem(w.member, w.offer)
    # A is reinstated on appeal (+10), spent on voucher W, and reversed again with 6 it could not take back
    from thamdee.deeds import services as deeds

    appeal = deeds.appeal_file(actor=w.member, deed=a, reason="ทำจริง มีพยาน")
    deeds.appeal_decide(actor=w.verifier, appeal=appeal, uphold=True, reason="พยานยืนยัน")
    redeem(w.member, w.offer)
    a.refresh_from_db()
    reverse(w, a)
    assert share(w, a) == 6
    # V was reserved while A had nothing in the wallet: it never held A's credits, so its refund is the member's
    before = ledger_selectors.balance_of(w.member)
    end(v, "cancel", django_capture_on_commit_callbacks)
    assert ledger_selectors.balance_of(w.member) - before == 8 and share(w, a) == 6
    assert_books_balance()


def test_a_refund_pays_only_what_is_still_owed_and_the_member_gets_the_rest(scheme, django_capture_on_commit_callbacks):
    w = scheme
    # Given 5 good credits and 10 of a wrong deed, then a voucher of 8 reserved with them
    verified_deed(w, days_ago=3, hours=1)
    wrong = verified_deed(w, days_ago=2)
    voucher = redeem(w.member, w.offer)
    # When the wrong deed is reversed: the 7 in the wallet are taken back, 3 are owed
    reverse(w, wrong)
    assert ledger_selectors.balance_of(w.member) == 0 and share(w, wrong) == 3
    # and the voucher expires
    end(voucher, "expire", django_capture_on_commit_callbacks)
    # Then 3 of its 8 credits pay what is owed, and the member gets her own 5 back
    assert ledger_selectors.balance_of(w.member) == 5 and share(w, wrong) == 0
    assert ledger_selectors.earned_total_of(w.member) == 5
    notice = w.member.notifications.get(kind="voucher_refunded")
    assert "คืนให้คุณ 5 จาก 8 เครดิต" in notice.title_th and "3 เครดิต" in notice.body_th
    assert_books_balance()


def test_an_upheld_appeal_after_the_refund_paid_the_take_back_gives_the_deed_its_full_worth(
    scheme, django_capture_on_commit_callbacks
):
    from thamdee.deeds import services as deeds

    w = scheme
    deed = verified_deed(w)
    voucher = redeem(w.member, w.offer)
    reverse(w, deed)
    end(voucher, "cancel", django_capture_on_commit_callbacks)
    assert ledger_selectors.balance_of(w.member) == 0 and ledger_selectors.earned_total_of(w.member) == 0
    appeal = deeds.appeal_file(actor=w.member, deed=deed, reason="ทำจริง มีพยาน")
    deeds.appeal_decide(actor=w.verifier, appeal=appeal, uphold=True, reason="พยานยืนยัน")
    # All 10 were taken back in the end, so the reinstatement pays all 10, once
    assert ledger_selectors.balance_of(w.member) == 10 and ledger_selectors.earned_total_of(w.member) == 10
    assert share(w, deed) == 10
    assert_books_balance()


def test_what_reversed_deeds_owe_is_read_in_a_fixed_number_of_queries(scheme):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from thamdee.deeds import services as deeds

    w = scheme
    # Given two deeds of 10 credits, 16 of them held in two vouchers, then both deeds reversed:
    # the first takes back the 4 left in the wallet and is owed 6, the second is owed all 10
    first, second = verified_deed(w, days_ago=3), verified_deed(w, days_ago=2)
    voucher = redeem(w.member, w.offer)
    redeem(w.member, w.offer)
    reverse(w, first)
    reverse(w, second)
    assert (share(w, first), share(w, second)) == (6, 10)
    hold = Journal.objects.get(pk=voucher.hold_journal_id)

    def owed() -> tuple[list[tuple[int, int, int]], int]:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            found = deeds.deed_take_backs_owed(member=w.member, spent=hold, reserved_at=voucher.created_at)
        return [(item.deed.pk, item.credits, item.to_account.pk) for item in found], len(queries)

    # When what the refund of the first voucher pays first is read
    both, with_two = owed()
    # Then both deeds are owed, oldest reversal first, back to the allotment their awards came from
    assert both == [(first.pk, 6, w.allotment.pk), (second.pk, 10, w.allotment.pk)]
    # and a third reversed deed adds no query
    third = verified_deed(w, days_ago=1)
    redeem(w.member, w.offer)
    reverse(w, third)
    assert len(owed()[0]) == 2  # reversed after the hold was made, but awarded after it: not the hold's credits
    assert owed()[1] == with_two
