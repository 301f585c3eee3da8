"""On phones, the two oversight jobs: an agency officer records that last month was settled with a shop, from its
statement; an organisation's admin finds a pattern in the menu, reads it and closes it with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import open_menu, sign_in
from tests.factories import AgencyFactory, AgencyStaffFactory, OrganisationFactory, PartnerFactory, area, member_of
from tests.worlds import build_world
from thamdee.anomalies.models import Anomaly, AnomalyStatus
from thamdee.anomalies.services import anomalies_detect
from thamdee.deeds import services as deeds
from thamdee.ledger import services as ledger
from thamdee.ledger.models import Account, AccountKind, CauseKind, Programme
from thamdee.rewards import services
from thamdee.rewards.models import OfferKind, PartnerStatus, Sector, Settlement, Voucher

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"  # what UserFactory sets


def test_an_agency_officer_settles_last_month_with_a_shop(live_server, phone):
    # Given a shop whose cashier confirmed two 10-credit vouchers last month
    officer = AgencyStaffFactory(scope_area=area("71")).user
    programme = Programme.objects.create(code="pilot", name_th="โครงการนำร่อง", agency=AgencyFactory())
    council = OrganisationFactory(area=area("710911"))
    ledger.allotment_top_up(actor=officer, organisation=council, programme=programme, amount=100, idempotency_key="t")
    shop = PartnerFactory(area=area("710911"), name_th="ร้านค้าชุมชน")
    owner = member_of(shop, is_admin=True, is_member=False)
    services.partner_apply(actor=owner, organisation=shop, sector=Sector.RETAIL)
    services.partner_decide(actor=officer, organisation=shop, status=PartnerStatus.APPROVED)
    now = timezone.now()
    offer = services.offer_create(
        actor=owner,
        partner=shop,
        kind=OfferKind.SPEND,
        title_th="ข้าวสาร",
        cost=10,
        stock=10,
        per_member_limit=5,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        area_codes=["71"],
    )
    buyer = member_of(council)
    buyer.home_area = area("71091101")
    buyer.save(update_fields=["home_area"])
    ledger.award_post(
        actor=None, organisation=council, member=buyer, amount=20, idempotency_key="a", cause=(CauseKind.DEED, 1)
    )
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    for n in range(2):
        voucher = services.redemption_create(actor=buyer, offer=offer, idempotency_key=f"r{n}")
        services.voucher_confirm(actor=owner, text=voucher.code)
    Voucher.objects.update(confirmed_at=timezone.make_aware(dt.datetime(previous.year, previous.month, 20, 10)))

    # When the officer opens last month's statement, types the transfer's reference and records the settlement
    sign_in(phone, live_server.url, officer.username, PASSWORD)
    phone.goto(f"{live_server.url}/benefits/partner/{shop.public_id}/statement/?month={previous:%Y-%m}")
    assert "20" in phone.locator("[data-testid=settlement]").inner_text()
    phone.locator("[data-testid=settle-submit]").click()  # without a reference first
    phone.wait_for_load_state("networkidle")
    assert not Settlement.objects.exists()
    phone.fill("[data-testid=settle-reference]", "บค.2569/11-001")
    phone.locator("[data-testid=settle-submit]").click()
    phone.wait_for_load_state("networkidle")

    # Then the statement shows the month settled, and the credits left the shop's clearing account
    assert phone.locator("[data-testid=settled]").is_visible()
    assert phone.locator("[data-testid=settlement-reference]").inner_text().strip() == "บค.2569/11-001"
    assert Account.objects.get(kind=AccountKind.PARTNER_CLEARING, organisation=shop).balance == 0
    assert Account.objects.get(kind=AccountKind.SETTLED, organisation=shop).balance == 20
    assert phone.console_errors == []  # type: ignore[attr-defined]


def test_an_admin_reviews_a_pattern_from_the_menu(live_server, phone):
    # Given a member whose afternoon of care an organiser recorded twice, and the organisation's admin
    w = build_world()
    admin = member_of(w.org, is_admin=True)
    entry = deeds.DeedInput(member=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=3)
    deeds.deed_record_for(actor=w.organiser, entries=[entry, entry])
    anomalies_detect()
    pattern = Anomaly.objects.get()

    # When the admin opens the review queue from the menu and the pattern from the queue
    sign_in(phone, live_server.url, admin.username, PASSWORD)
    open_menu(phone)
    phone.locator("#nav").get_by_role("button", name="งานองค์กร").click()
    phone.locator("#nav a[href='/review/anomalies/']").click()
    phone.wait_for_load_state("networkidle")
    phone.locator(f"[data-testid=anomaly-{pattern.public_id}]").click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator("[data-testid=nothing-changed]").is_visible()
    assert phone.locator("[data-testid=anomaly-deeds] tbody tr").count() == 2

    # And closes it as nothing wrong, with a reason
    phone.locator("input[name=outcome][value=dismissed]").check()
    phone.fill("[data-testid=review-note]", "บันทึกซ้ำจากสมุด ลบรายการซ้ำแล้ว")
    phone.locator("[data-testid=review-submit]").click()
    phone.wait_for_load_state("networkidle")

    # Then the pattern is closed with the reason, and nothing happened to the deeds
    pattern.refresh_from_db()
    assert pattern.status == AnomalyStatus.DISMISSED and pattern.reviewed_by == admin
    assert pattern.review_note.startswith("บันทึกซ้ำ")
    assert phone.console_errors == []  # type: ignore[attr-defined]
