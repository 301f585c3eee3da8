"""Step: benefit partners (the pilot's community shops, approved; a cooperative waiting for approval; the Nong
Sarai savings group offering its 0% loan), offers of both kinds, and vouchers in every state.

Idempotent: partners, offers and vouchers are found again by natural keys and idempotency keys, and a voucher
only ever moves forward from ``held``. Members who cannot afford an offer (or have not unlocked a perk) are
skipped; only a member with no credits at all gets a small starting award, so that the step also works without
the deeds step.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from thamdee.areas.models import Area
from thamdee.common.errors import DomainError
from thamdee.common.thaitime import current_fiscal_year, fiscal_year_bounds
from thamdee.creditrules.selectors import levels_of_programme
from thamdee.ledger import selectors as ledger_selectors
from thamdee.ledger import services as ledger
from thamdee.ledger.models import CauseKind, Programme
from thamdee.orgs.models import Organisation, OrgKind
from thamdee.people.models import User
from thamdee.rewards import selectors, services
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
from thamdee.web.demo.base import Demo
from thamdee.web.demo.ledger import PROGRAMME_CODE


def _savings_deed_type(demo: Demo, savings: Organisation) -> None:
    """The savings group's own "savings-20" entry, as the deeds step makes it."""
    from thamdee.deeds.seed import ensure_virtues_and_dimensions
    from thamdee.web.demo import deeds as deeds_demo

    ensure_virtues_and_dimensions()
    spec = next(s for s in deeds_demo.SAVINGS_CATALOGUE if s[0] == "savings-20")
    deeds_demo._deed_type(demo, savings, spec)


def _window() -> tuple[dt.datetime, dt.datetime]:
    """The current fiscal year: the same window on every run within the year."""
    start, end = fiscal_year_bounds(current_fiscal_year())
    return (
        timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
        timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)),
    )


def _admin(demo: Demo) -> User:
    assert demo.admin is not None, "the base step runs first"
    return demo.admin


def _partner(demo: Demo, org: Organisation, sector: str, *, approve: bool, terms: str = "") -> PartnerProfile:
    profile = PartnerProfile.objects.filter(organisation=org).first()
    if profile is None:
        profile = services.partner_apply(actor=_admin(demo), organisation=org, sector=sector, terms=terms)
    if approve and profile.status == PartnerStatus.PENDING:
        profile = services.partner_approve(
            actor=_admin(demo), organisation=org, note="ตรวจสอบแล้ว เป็นร้านค้าชุมชน ไม่ใช่ผู้ให้บริการสาธารณะ"
        )
    return profile


def _offer(demo: Demo, partner: Organisation, title_th: str, **fields: Any) -> Offer:
    found = Offer.objects.filter(partner=partner, title_th=title_th).first()
    if found is not None:
        return found
    start, end = _window()
    return services.offer_create(
        actor=_admin(demo), partner=partner, title_th=title_th, valid_from=start, valid_until=end, **fields
    )


def _cooperative(demo: Demo) -> Organisation:
    area = Area.objects.get(code="710901")
    name = f"สหกรณ์ร้านค้าชุมชนตำบล{area.name_th}"
    org = Organisation.objects.filter(name_th=name, area=area).first()
    if org is None:
        org = Organisation.objects.create(
            name_th=name,
            name_en=f"{area.name_en} Community Store Cooperative",
            kind=OrgKind.PARTNER,
            area=area,
            description="สหกรณ์ที่ขอเข้าร่วมเป็นภาคีมอบสิทธิประโยชน์",
        )
    demo.orgs["710901:coop"] = org
    return org


def _starting_credits(demo: Demo, people: list[User], amount: int) -> None:
    """Only for members with no credits at all (the deeds step did not run): a small award from the council."""
    council = demo.orgs["710911:council"]
    for person in people:
        if ledger_selectors.balance_of(person) or ledger_selectors.earned_total_of(person):
            continue
        try:
            ledger.award_post(
                actor=_admin(demo),
                organisation=council,
                member=person,
                amount=amount,
                idempotency_key=f"demo:rewards:start:{person.pk}",
                cause=(CauseKind.NONE, person.pk),
                memo="เครดิตตั้งต้นสำหรับการสาธิตสิทธิประโยชน์",
            )
        except DomainError:
            return  # the council's allotment is spent: the offers simply stay unaffordable


def _reserve(person: User, offer: Offer, key: str) -> Voucher | None:
    try:
        return services.redemption_create(actor=person, offer=offer, idempotency_key=f"demo:{key}")
    except DomainError:
        return None  # cannot afford it, not unlocked, limit reached or sold out: skip


def _saver(demo: Demo, loan: Offer | None) -> User | None:
    """A member of the savings group who kept saving long enough for the 0% loan (if the deeds step ran)."""
    if loan is None:
        return None
    for person in demo.members.get("710911:savings", []):
        if person.home_area_id and selectors.is_unlocked(loan, selectors.member_standing(person)):
            return person
    return None


def _vouchers(demo: Demo, offers: dict[str, Offer], people: list[User]) -> None:
    cashier = demo.logins.get("partner staff / พนักงานร้านค้าภาคี")
    member = demo.logins.get("member / สมาชิก")
    plan = [
        # (person, offer, key, what becomes of it)
        (member, "coffee", "held:coffee", "held"),
        (people[1], "rice", "confirmed:rice:1", "confirmed"),
        (people[2], "coffee", "confirmed:coffee:2", "confirmed"),
        (people[3], "coffee", "cancelled:coffee:3", "cancelled"),
        (people[4], "rice", "expired:rice:4", "expired"),
        (member, "discount", "held:discount", "held"),
        (_saver(demo, offers.get("loan")), "loan", "confirmed:loan", "confirmed"),
        (people[6], "level", "confirmed:level:6", "confirmed"),
        # Used last month, so that the month can be settled (below)
        (people[5], "rice", "last-month:rice:5", "last_month"),
        (people[1], "coffee", "last-month:coffee:1", "last_month"),
    ]
    savings_admin = demo.logins.get("organisation admin / ผู้ดูแลองค์กร")
    for person, offer_key, key, target in plan:
        offer = offers.get(offer_key)
        if person is None or offer is None:
            continue
        voucher = _reserve(person, offer, key)
        if voucher is None or voucher.status != VoucherStatus.HELD:
            continue
        if target in ("confirmed", "last_month"):
            staff = savings_admin if offer.partner.kind == OrgKind.SAVINGS_GROUP else cashier
            if staff is not None:
                services.voucher_confirm(actor=staff, text=voucher.code)
                if target == "last_month":
                    reserved = _last_month_day(10)
                    Voucher.objects.filter(pk=voucher.pk).update(
                        created_at=reserved,
                        expires_at=reserved + dt.timedelta(days=3),
                        confirmed_at=reserved + dt.timedelta(days=1),
                    )
        elif target == "cancelled":
            services.voucher_cancel(actor=person, voucher=voucher)
            services.voucher_refund(public_id=voucher.public_id)  # no worker needed for the demo
        elif target == "expired":
            now = timezone.now()
            Voucher.objects.filter(pk=voucher.pk).update(
                created_at=now - dt.timedelta(days=4), expires_at=now - dt.timedelta(days=1)
            )
            services.voucher_expire(public_id=voucher.public_id, now=now)


def _last_month_day(day: int) -> dt.datetime:
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime(previous.year, previous.month, day, 10, 0))


def _settle_last_month(demo: Demo, shop: Organisation) -> None:
    """The Kanchanaburi agency records that the programme settled last month with the shop."""
    agency = demo.logins.get("agency staff, Kanchanaburi / เจ้าหน้าที่หน่วยงาน จ.กาญจนบุรี")
    month = _last_month_day(1)
    if agency is None or selectors.settlement_of_month(partner=shop, year=month.year, month=month.month):
        return
    _count, credits = selectors.to_settle(partner=shop, year=month.year, month=month.month)
    if credits:
        services.settlement_record(
            actor=agency,
            partner=shop,
            year=month.year,
            month=month.month,
            credits=credits,
            reference=f"บค.{month.year + 543}/{month.month:02d}-001",
            note="โอนเงินให้ร้านค้าชุมชนตามใบสรุปประจำเดือน",
        )


@transaction.atomic
def run(demo: Demo) -> None:
    programme = getattr(demo, "programme", None) or Programme.objects.filter(code=PROGRAMME_CODE).first()
    offers: dict[str, Offer] = {}
    # The pilot's community shops, approved; each offers everyday goods in its province.
    for province in ("71", "40", "55"):
        shop = demo.orgs[f"{province}:shop"]
        _partner(demo, shop, Sector.RETAIL, approve=True, terms="ชำระบัญชีกับโครงการทุกสิ้นเดือนตามใบสรุปจากระบบ")
        rice = _offer(
            demo,
            shop,
            "ข้าวสารหอมมะลิ 1 กิโลกรัม",
            kind=OfferKind.SPEND,
            cost=20,
            stock=100,
            per_member_limit=2,
            voucher_hours=72,
            area_codes=[province],
            description="รับที่ร้านค้าชุมชน แสดง QR หรือบอกรหัสคูปองกับพนักงาน",
        )
        coffee = _offer(
            demo,
            shop,
            "กาแฟสดหรือชาเย็น 1 แก้ว",
            kind=OfferKind.SPEND,
            cost=10,
            stock=200,
            per_member_limit=5,
            voucher_hours=24 * 14,
            area_codes=[province],
            description="เครื่องดื่มหนึ่งแก้วจากมุมกาแฟของร้าน",
        )
        discount = _offer(
            demo,
            shop,
            "ส่วนลดร้อยละ 10 สำหรับสมาชิกที่ทำดีสม่ำเสมอ",
            kind=OfferKind.PERK,
            cost=0,
            stock=None,
            per_member_limit=3,
            voucher_hours=24 * 7,
            unlock=Unlock.EARNED,
            unlock_credits=200,
            area_codes=[province],
            description="สิทธิพิเศษสำหรับผู้มีเครดิตสะสมจากความดีที่รับรองแล้วตั้งแต่ 200 เครดิต",
        )
        if province == "71":
            offers.update({"rice": rice, "coffee": coffee, "discount": discount})
            levels = levels_of_programme(programme.pk) if programme else ()
            if len(levels) >= 2:
                level = sorted(levels, key=lambda lvl: lvl.min_credits)[1]
                offers["level"] = _offer(
                    demo,
                    shop,
                    f"ถุงผ้าลดโลกร้อนสำหรับระดับ “{level.name_th}”",
                    kind=OfferKind.PERK,
                    cost=0,
                    stock=50,
                    per_member_limit=1,
                    voucher_hours=24 * 7,
                    unlock=Unlock.LEVEL,
                    unlock_level=level.code,
                    programme=programme,
                    area_codes=[province],
                )
    # The Nong Sarai goodness bank: the savings group lends at 0% to members who kept saving.
    savings = demo.orgs["710911:savings"]
    _partner(demo, savings, Sector.COMMUNITY_FINANCE, approve=True, terms="สิทธิกู้ยืมของกลุ่มออมทรัพย์ ไม่มีการชำระบัญชีเครดิต")
    _savings_deed_type(demo, savings)  # the perk names it (the deeds step makes it too; this step may run alone)
    offers["loan"] = _offer(
        demo,
        savings,
        "สิทธิกู้ยืม 20,000 บาท ดอกเบี้ยร้อยละ 0",
        kind=OfferKind.PERK,
        cost=0,
        stock=10,
        per_member_limit=1,
        voucher_hours=24 * 30,
        unlock=Unlock.DEED_TYPE,
        unlock_deed_type="savings-20",
        unlock_deed_count=10,
        unlock_months=12,
        area_codes=["710911"],
        description="ตามแบบธนาคารความดีหนองสาหร่าย: สมาชิกที่ออมกับกลุ่มสม่ำเสมอ (รับรองแล้วอย่างน้อย 10 เดือนใน 12 "
        "เดือนล่าสุด) ขอกู้ได้โดยไม่มีดอกเบี้ย ตามระเบียบของกลุ่ม",
    )
    # A cooperative that applied and waits for the agency in Kanchanaburi.
    _partner(demo, _cooperative(demo), Sector.COOPERATIVE, approve=False)

    people = [p for p in demo.members.get("710911:savings", []) if p.home_area_id][:8]
    if len(people) < 7:
        return
    _starting_credits(demo, people, 60)
    _vouchers(demo, offers, people)
    _settle_last_month(demo, demo.orgs["71:shop"])
