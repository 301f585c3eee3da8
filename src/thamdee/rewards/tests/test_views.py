"""The benefit pages and API: what a member, partner staff and an agency see and do."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, PartnerFactory, area, member_of
from thamdee.common import thaitime
from thamdee.common.pdf import pdf_text
from thamdee.ledger import selectors as ledger_selectors
from thamdee.orgs.models import OrgKind
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

from .conftest import give, make_offer, publish_levels, redeem, resident

pytestmark = pytest.mark.django_db

THAI = re.compile(r"[\u0e00-\u0e7f]")


def close(offer: Offer, staff: Any, how: str) -> None:
    """The partner switches the offer off, or its window ends."""
    if how == "switched_off":
        services.offer_update(actor=staff, offer=offer, is_active=False)
    else:
        Offer.objects.filter(pk=offer.pk).update(valid_until=timezone.now() - dt.timedelta(seconds=1))


# --- the member -------------------------------------------------------------------------------------------------


def test_the_catalogue_shows_offers_here_and_perks_still_to_unlock(client, member, offer, staff, partner):
    make_offer(
        staff,
        partner,
        kind=OfferKind.PERK,
        cost=0,
        stock=None,
        unlock=Unlock.EARNED,
        unlock_credits=500,
        title_th="ส่วนลดสมาชิกทำดี",
    )
    client.force_login(member)
    html = client.get(reverse("rewards:catalogue")).content.decode()
    assert 'data-testid="balance">100<' in html
    assert offer.title_th in html and reverse("rewards:offer", args=[offer.public_id]) in html
    locked = html.split('data-testid="locked"', 1)[1]
    assert "ส่วนลดสมาชิกทำดี" in locked and "500" in locked


def test_the_catalogue_costs_the_same_queries_for_3_offers_as_for_12(
    client, member, staff, partner, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for i in range(3):
        make_offer(staff, partner, title_th=f"สิทธิ์ {i}")
    client.force_login(member)
    client.get(reverse("rewards:catalogue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("rewards:catalogue"))
    for i in range(9):
        make_offer(staff, partner, title_th=f"สิทธิ์เพิ่ม {i}")
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse("rewards:catalogue")).context["book"].available.__len__() == 12


def test_a_member_redeems_from_the_offer_page_once_even_when_she_taps_twice(client, member, offer):
    client.force_login(member)
    page = client.get(reverse("rewards:offer", args=[offer.public_id]))
    assert page.status_code == 200 and 'data-testid="redeem"' in page.content.decode()
    token = str(uuid.uuid4())
    first = client.post(reverse("rewards:redeem", args=[offer.public_id]), {"token": token})
    again = client.post(reverse("rewards:redeem", args=[offer.public_id]), {"token": token})
    voucher = Voucher.objects.get()
    assert first.url == again.url == reverse("rewards:voucher", args=[voucher.public_id])
    assert ledger_selectors.balance_of(member) == 90
    html = client.get(first.url).content.decode()
    assert 'data-testid="voucher-qr"' in html and 'src="data:image/svg+xml;base64,' in html
    assert voucher.display_code in html


def test_redeeming_without_enough_credits_explains_why(client, funded_org, offer):
    poor = resident(funded_org)
    give(funded_org, poor, 3)
    client.force_login(poor)
    response = client.post(reverse("rewards:redeem", args=[offer.public_id]), {"token": str(uuid.uuid4())})
    assert response.status_code == 409
    assert 'data-error-code="insufficient_credits"' in response.content.decode()
    assert not Voucher.objects.exists()


@pytest.mark.parametrize("how", ["switched_off", "window_ended"])
def test_a_tap_retried_after_the_offer_closed_still_opens_the_first_voucher(client, member, offer, staff, how):
    # Given a member whose tap reserved a voucher
    client.force_login(member)
    url = reverse("rewards:redeem", args=[offer.public_id])
    token = str(uuid.uuid4())
    first = client.post(url, {"token": token})
    assert first.status_code == 302
    # When the offer closes before her browser retries the same tap
    close(offer, staff, how)
    again = client.post(url, {"token": token})
    # Then the retry opens the voucher that holds her credits, and a new tap finds the offer closed
    assert again.status_code == 302 and again.url == first.url
    assert client.post(url, {"token": str(uuid.uuid4())}).status_code == 404
    assert Voucher.objects.count() == 1 and ledger_selectors.balance_of(member) == 90


def test_my_vouchers_lists_the_usable_ones_first_and_cancelling_refunds(
    client, member, offer, django_capture_on_commit_callbacks
):
    used, waiting = redeem(member, offer), redeem(member, offer)
    services.voucher_confirm(actor=offer.partner.memberships.filter(is_partner_staff=True).first().user, text=used.code)
    client.force_login(member)
    html = client.get(reverse("rewards:vouchers")).content.decode()
    active, history = html.split('data-testid="voucher-history"', 1)
    assert waiting.display_code in active and used.display_code not in active
    assert str(VoucherStatus.CONFIRMED.label) in history
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rewards:voucher_cancel", args=[waiting.public_id]))
    assert response.status_code == 302
    assert ledger_selectors.balance_of(member) == 90  # 100 - 10 used; the cancelled 10 came back


def png() -> Any:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    raw = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(raw, format="PNG")
    return SimpleUploadedFile("p.png", raw.getvalue(), "image/png")


def photo_status(client, user, offer) -> int:
    client.force_login(user)
    return client.get(reverse("rewards:offer_photo", args=[offer.public_id])).status_code


def test_an_offer_photo_is_served_to_signed_in_people(client, member, staff, partner):
    offer = make_offer(staff, partner, photo=png())
    client.force_login(member)
    response = client.get(reverse("rewards:offer_photo", args=[offer.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_an_offer_photo_is_served_only_to_those_who_could_see_the_offer(client, member, staff, partner, agency_staff):
    # Given a live offer, a draft, an expired offer and an offer elsewhere, and a pending partner's offer
    live = make_offer(staff, partner, photo=png())
    draft = make_offer(staff, partner, photo=png(), is_active=False)
    expired = make_offer(staff, partner, photo=png(), valid_until=timezone.now() - dt.timedelta(minutes=1))
    elsewhere = make_offer(staff, partner, photo=png(), area_codes=[area("50").code])
    waiting = PartnerFactory(area=area("710911"), kind="partner")
    waiting_admin = member_of(waiting, is_admin=True, is_member=False)
    services.partner_apply(actor=waiting_admin, organisation=waiting, sector=Sector.RETAIL)
    pending = make_offer(waiting_admin, waiting, photo=png())
    # Then a member nearby sees the live offer's photo only, and someone in Chiang Mai only the offer for there
    assert [photo_status(client, member, o) for o in (live, draft, expired, elsewhere, pending)] == [
        200,
        404,
        404,
        404,
        404,
    ]
    stranger = member_of(OrganisationFactory(area=area("50")))
    assert [photo_status(client, stranger, o) for o in (live, draft, elsewhere, pending)] == [404, 404, 200, 404]
    # And the partners' own staff see all of theirs, not the other partner's draft
    assert [photo_status(client, staff, o) for o in (draft, expired, elsewhere)] == [200, 200, 200]
    assert photo_status(client, staff, pending) == 404
    assert photo_status(client, waiting_admin, pending) == 200


# --- partner staff ----------------------------------------------------------------------------------------------


def test_staff_scan_the_qr_link_see_the_voucher_and_confirm_it(client, member, offer, staff):
    voucher = redeem(member, offer)
    _image, link = selectors.voucher_qr(voucher)
    client.force_login(staff)
    # The phone's own camera app opens the link: the scan page looks the voucher up
    token = link.split("t=", 1)[1]
    page = client.get(reverse("rewards:scan"), {"t": token}).content.decode()
    assert member.full_name in page and 'data-testid="scan-confirm"' in page
    assert "vendor/jsqr/jsQR.js" in page and "rewards/js/scan.js" in page
    response = client.post(reverse("rewards:scan"), {"code": token, "action": "confirm"})
    assert response.status_code == 302
    done = client.get(response.url).content.decode()
    assert 'data-testid="scan-confirmed"' in done and voucher.display_code in done
    again = client.post(reverse("rewards:scan"), {"code": voucher.code, "action": "confirm"})
    assert again.status_code == 409 and 'data-error-code="voucher_already_used"' in again.content.decode()


def test_staff_type_a_code_and_look_it_up_before_confirming(client, member, offer, staff):
    voucher = redeem(member, offer)
    client.force_login(staff)
    page = client.post(reverse("rewards:scan"), {"code": voucher.display_code.lower(), "action": "lookup"})
    assert page.status_code == 200 and 'data-testid="scan-confirm"' in page.content.decode()
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD
    missing = client.post(reverse("rewards:scan"), {"code": "ZZZZ-ZZZZ", "action": "lookup"})
    assert missing.status_code == 404 and 'data-error-code="not_found"' in missing.content.decode()


def test_the_scan_page_tells_staff_that_another_of_them_confirms_their_own_voucher(client, funded_org, offer, staff):
    staff.home_area = area("71091101")
    staff.save(update_fields=["home_area"])
    give(funded_org, staff, 20)
    voucher = redeem(staff, offer)
    client.force_login(staff)
    looked = client.post(reverse("rewards:scan"), {"code": voucher.code, "action": "lookup"}).content.decode()
    assert 'data-error-code="voucher_own_confirmation"' in looked and 'data-testid="scan-confirm"' not in looked
    tried = client.post(reverse("rewards:scan"), {"code": voucher.code, "action": "confirm"})
    assert tried.status_code == 403 and 'data-error-code="voucher_own_confirmation"' in tried.content.decode()
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD


def test_the_redemption_list_filters_by_status(client, member, offer, staff, partner):
    held, used = redeem(member, offer), redeem(member, offer)
    services.voucher_confirm(actor=staff, text=used.code)
    client.force_login(staff)
    html = client.get(reverse("rewards:redemptions", args=[partner.public_id]), {"status": "confirmed"}).content
    assert used.display_code in html.decode() and held.display_code not in html.decode()


def test_the_monthly_statement_as_page_csv_and_pdf(client, member, offer, staff, partner):
    voucher = redeem(member, offer)
    services.voucher_confirm(actor=staff, text=voucher.code)
    redeem(member, offer)  # held, not settled
    today = timezone.localdate()
    month = f"{today.year}-{today.month:02d}"
    client.force_login(staff)
    page = client.get(reverse("rewards:statement", args=[partner.public_id]), {"month": month})
    assert page.context["st"].confirmed_credits == 10 and page.context["st"].held_credits == 10
    csv_response = client.get(reverse("rewards:statement_csv", args=[partner.public_id]), {"month": month})
    text = csv_response.content.decode("utf-8")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert text.startswith("\ufeff") and voucher.display_code in text and offer.title_th in text
    assert str(thaitime.be_year(today.year)) in text
    assert member.last_name not in text
    pdf = client.get(reverse("rewards:statement_pdf", args=[partner.public_id]), {"month": month})
    assert pdf["Content-Type"] == "application/pdf"
    content = pdf_text(pdf.content)
    assert "ใบสรุปการใช้สิทธิประโยชน์รายเดือน" in content and voucher.display_code in content
    assert f"{thaitime.MONTHS_TH[today.month - 1]} {thaitime.be_year(today.year)}" in content


def test_a_statement_for_another_month_is_empty(client, member, offer, staff, partner):
    voucher = redeem(member, offer)
    services.voucher_confirm(actor=staff, text=voucher.code)
    client.force_login(staff)
    page = client.get(reverse("rewards:statement", args=[partner.public_id]), {"month": "2569-01"})
    st = page.context["st"]
    assert (st.year, st.month, st.confirmed_count) == (2026, 1, 0)


def test_partner_staff_publish_an_offer_from_the_web(client, staff, partner):
    client.force_login(staff)
    today = timezone.localdate()
    response = client.post(
        reverse("rewards:partner_offers", args=[partner.public_id]),
        {
            "kind": "spend",
            "title_th": "น้ำดื่ม 1 แพ็ก",
            "cost": "15",
            "stock": "20",
            "per_member_limit": "2",
            "valid_from": today.isoformat(),
            "valid_until": (today + dt.timedelta(days=10)).isoformat(),
            "voucher_hours": "48",
            "area_codes": "7109, 710911",
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get(title_th="น้ำดื่ม 1 แพ็ก")
    assert (offer.cost, offer.stock, offer.remaining) == (15, 20, 20)
    assert sorted(a.code for a in offer.areas.all()) == ["7109", "710911"]
    bad = client.post(
        reverse("rewards:partner_offers", args=[partner.public_id]),
        {
            "kind": "spend",
            "title_th": "ไม่มีจำนวน",
            "cost": "15",
            "per_member_limit": "1",
            "valid_from": today.isoformat(),
            "valid_until": today.isoformat(),
            "voucher_hours": "48",
        },
    )
    assert bad.status_code == 400 and not Offer.objects.filter(title_th="ไม่มีจำนวน").exists()


def offer_form(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    values = {
        "kind": "perk",
        "title_th": "ตัดผมฟรี",
        "cost": "0",
        "per_member_limit": "1",
        "unlock": "earned",
        "unlock_credits": "50",
        "valid_from": today.isoformat(),
        "valid_until": (today + dt.timedelta(days=10)).isoformat(),
        "voucher_hours": "48",
    }
    return {**values, **overrides}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("unlock_credits", str(2**31), "1,000,000,000"),
        ("unlock_credits", str(10**20), "1,000,000,000"),
        ("valid_until", "9999-12-31", "2000 ถึง 2200"),
        ("valid_from", "0001-01-01", "2000 ถึง 2200"),
        ("valid_until", "2201-01-01", "2000 ถึง 2200"),
    ],
)
def test_the_offer_form_answers_numbers_and_dates_out_of_range_with_a_message(
    client, staff, partner, field, value, message
):
    client.force_login(staff)
    response = client.post(reverse("rewards:partner_offers", args=[partner.public_id]), offer_form(**{field: value}))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Offer.objects.exists()
    fine = client.post(
        reverse("rewards:partner_offers", args=[partner.public_id]),
        offer_form(unlock_credits="1000000000", valid_from="2000-01-01", valid_until="2200-12-31"),
    )
    assert fine.status_code == 302 and Offer.objects.get().unlock_credits == 1_000_000_000


def test_a_partner_switches_off_from_the_web_an_offer_whose_level_was_dropped(client, staff, partner, programme):
    from thamdee.creditrules.models import Rulebook, RulebookVersion

    publish_levels(programme, [{"code": "tree", "name_th": "ต้นไม้", "min_credits": 100}])
    perk = make_offer(staff, partner, kind=OfferKind.PERK, cost=0, stock=None, unlock=Unlock.LEVEL, unlock_level="tree")
    book = Rulebook.objects.get(programme=programme, organisation=None)
    RulebookVersion.objects.create(
        rulebook=book,
        number=2,
        rules={"schema": 1, "levels": [{"code": "forest", "name_th": "ป่า", "min_credits": 100}]},
        effective_from=timezone.localdate(),
        published_at=timezone.now(),
    )
    client.force_login(staff)
    toggle = reverse("rewards:offer_toggle", args=[perk.public_id])
    off = client.post(toggle)
    perk.refresh_from_db()
    assert off.status_code == 302 and perk.is_active is False
    # Switching it on again is refused with the reason, shown on the page it goes back to
    on = client.post(toggle, follow=True)
    perk.refresh_from_db()
    assert on.status_code == 200 and perk.is_active is False
    assert "ไม่มีระดับนี้ในกติกาของโครงการ" in on.content.decode()


def test_a_shop_applies_and_the_agency_approves_it_on_the_web(client, agency_staff):
    shop = PartnerFactory(area=area("710911"))
    owner = member_of(shop, is_admin=True, is_member=False)
    client.force_login(owner)
    home = client.get(reverse("rewards:partner_home")).content.decode()
    assert reverse("rewards:partner_apply", args=[shop.public_id]) in home
    client.post(reverse("rewards:partner_apply", args=[shop.public_id]), {"sector": "retail", "terms": ""})
    assert PartnerProfile.objects.get(organisation=shop).status == PartnerStatus.PENDING
    client.force_login(agency_staff)
    assert shop.name_th in client.get(reverse("rewards:partners")).content.decode()
    client.post(reverse("rewards:partner_decide", args=[shop.public_id]), {"decision": "approved", "note": ""})
    assert PartnerProfile.objects.get(organisation=shop).status == PartnerStatus.APPROVED


def test_a_partner_application_with_terms_too_long_is_shown_again_with_what_was_typed(client):
    shop = PartnerFactory(area=area("710911"))
    owner = member_of(shop, is_admin=True, is_member=False)
    client.force_login(owner)
    terms = "ชำระเป็นเงินสดทุกสิ้นเดือน " * 80  # over 2,000 characters
    response = client.post(
        reverse("rewards:partner_apply", args=[shop.public_id]), {"sector": "retail", "terms": terms}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert terms in html and 'class="invalid-feedback d-block"' in html
    assert not PartnerProfile.objects.exists()


def test_a_partner_application_the_service_refuses_says_why_with_a_4xx(client, agency_staff):
    # Given two admins of a shop, the first of whom has just applied
    shop = PartnerFactory(area=area("710911"))
    first, second = (member_of(shop, is_admin=True, is_member=False) for _ in range(2))
    services.partner_apply(actor=first, organisation=shop, sector=Sector.RETAIL, terms="ชำระทุกสิ้นเดือน")
    # When the second sends the form they had open
    client.force_login(second)
    response = client.post(
        reverse("rewards:partner_apply", args=[shop.public_id]), {"sector": "cooperative", "terms": "ชำระเป็นเงินสด"}
    )
    # Then the page says the shop has applied already, and the first application stands
    assert response.status_code == 409
    assert "องค์กรนี้สมัครเป็นภาคีแล้ว" in response.content.decode()
    assert PartnerProfile.objects.get(organisation=shop).terms == "ชำระทุกสิ้นเดือน"


def test_the_agency_page_refuses_to_approve_a_public_service_provider(client, agency_staff):
    clinic = PartnerFactory(area=area("710911"), name_th="คลินิกชุมชน")
    PartnerProfile.objects.create(organisation=clinic, sector=Sector.HEALTH)
    client.force_login(agency_staff)
    response = client.post(
        reverse("rewards:partner_decide", args=[clinic.public_id]), {"decision": "approved"}, follow=True
    )
    assert "ผู้ให้บริการสาธารณะ" in response.content.decode()
    assert PartnerProfile.objects.get(organisation=clinic).status == PartnerStatus.PENDING


# --- the API ----------------------------------------------------------------------------------------------------


@pytest.fixture
def api():
    return APIClient()


def test_api_catalogue_redeem_replay_and_confirm(api, member, offer, staff):
    api.force_authenticate(member)
    catalogue = api.get(reverse("api:benefit-offers")).json()
    assert [e["offer"]["id"] for e in catalogue["available"]] == [str(offer.public_id)]
    assert catalogue["balance"] == 100 and catalogue["available"][0]["offer"]["areas"] == ["71"]
    url = reverse("api:benefit-offer-redeem", args=[offer.public_id])
    created = api.post(url, {"idempotency_key": "k1"}, format="json")
    replay = api.post(url, {"idempotency_key": "k1"}, format="json")
    assert (created.status_code, replay.status_code) == (201, 200)
    body = created.json()
    assert body["id"] == replay.json()["id"] and body["status"] == "held" and body["cost"] == 10
    assert "/benefits/partner/scan/?t=" in body["qr"] and body["member_name"] is None
    assert ledger_selectors.balance_of(member) == 90
    api.force_authenticate(staff)
    looked = api.get(reverse("api:benefit-voucher-lookup"), {"code": body["code"]}).json()
    assert looked["member_name"] == member.full_name and looked["qr"] is None
    confirm = api.post(reverse("api:benefit-voucher-confirm"), {"code": body["qr"]}, format="json")
    assert confirm.status_code == 200 and confirm.json()["status"] == "confirmed"
    twice = api.post(reverse("api:benefit-voucher-confirm"), {"code": body["code"]}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "voucher_already_used"
    assert twice["Content-Type"] == "application/problem+json"


def test_api_redeem_without_credits_is_a_problem(api, funded_org, offer):
    poor = resident(funded_org)
    api.force_authenticate(poor)
    response = api.post(
        reverse("api:benefit-offer-redeem", args=[offer.public_id]), {"idempotency_key": "x"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "insufficient_credits"


@pytest.mark.parametrize("how", ["switched_off", "window_ended"])
def test_api_a_retry_after_the_offer_closed_returns_the_first_voucher(api, member, offer, staff, how):
    api.force_authenticate(member)
    url = reverse("api:benefit-offer-redeem", args=[offer.public_id])
    first = api.post(url, {"idempotency_key": "tap"}, format="json")
    assert first.status_code == 201
    close(offer, staff, how)
    retry = api.post(url, {"idempotency_key": "tap"}, format="json")
    assert retry.status_code == 200 and retry.json()["id"] == first.json()["id"], (retry.status_code, retry.json())
    # a new request, or the key sent for another offer, needs the offer open
    assert api.post(url, {"idempotency_key": "another"}, format="json").status_code == 404
    other = make_offer(staff, offer.partner, title_th="ข้าวสาร")
    reused = api.post(
        reverse("api:benefit-offer-redeem", args=[other.public_id]), {"idempotency_key": "tap"}, format="json"
    )
    assert reused.status_code == 409 and reused.json()["code"] == "idempotency_key_reused", reused.json()
    assert Voucher.objects.count() == 1 and ledger_selectors.balance_of(member) == 90


def test_api_a_stock_below_what_is_reserved_is_refused_in_thai_and_english(api, member, offer, staff):
    redeem(member, offer)
    redeem(member, offer)
    api.force_authenticate(staff)
    response = api.patch(
        reverse("api:benefit-partner-offer", args=[offer.public_id]),
        {"stock": 1},
        format="json",
        HTTP_ACCEPT_LANGUAGE="th",
    )
    body = response.json()
    assert response.status_code == 400 and body["code"] == "offer_invalid", body
    assert THAI.search(body["detail_th"]) and not THAI.search(body["detail_en"]), body


def test_api_a_locked_perk_says_its_condition_in_thai_and_english(api, funded_org, member, staff, partner):
    perk = make_offer(
        staff, partner, kind=OfferKind.PERK, cost=0, stock=None, unlock=Unlock.EARNED, unlock_credits=5000
    )
    api.force_authenticate(member)
    response = api.post(
        reverse("api:benefit-offer-redeem", args=[perk.public_id]),
        {"idempotency_key": "k"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="th",
    )
    body = response.json()
    assert response.status_code == 403 and body["code"] == "offer_locked", body
    assert THAI.search(body["detail_th"]) and not THAI.search(body["detail_en"]), body


def test_api_cancel_and_list_my_vouchers(api, member, offer, django_capture_on_commit_callbacks):
    voucher = redeem(member, offer)
    api.force_authenticate(member)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = api.post(reverse("api:benefit-voucher-cancel", args=[voucher.public_id]))
    assert cancelled.json()["status"] == "cancelled"
    listed = api.get(reverse("api:benefit-vouchers")).json()
    assert listed["count"] == 1 and listed["results"][0]["refunded_at"] is not None
    assert ledger_selectors.balance_of(member) == 100


def test_api_partner_offers_statement_and_decisions(api, staff, partner, agency_staff, member):
    api.force_authenticate(staff)
    now = timezone.now()
    created = api.post(
        reverse("api:benefit-partner-offers", args=[partner.public_id]),
        {
            "offer_kind": "perk",
            "title_th": "ตัดผมฟรีสำหรับผู้สูงอายุจิตอาสา",
            "valid_from": now.isoformat(),
            "valid_until": (now + dt.timedelta(days=30)).isoformat(),
            "unlock": "earned",
            "unlock_credits": 50,
            "area_codes": ["710911"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    offer_id = created.json()["id"]
    assert created.json()["stock"] is None
    patched = api.patch(
        reverse("api:benefit-partner-offer", args=[offer_id]), {"stock": 5, "is_active": False}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["remaining"] == 5 and patched.json()["is_active"] is False
    statement = api.get(reverse("api:benefit-partner-statement", args=[partner.public_id]), {"month": "2026-05"})
    assert statement.status_code == 200 and statement.json()["month_label"]
    api.force_authenticate(agency_staff)
    profiles = api.get(reverse("api:benefit-partners")).json()
    assert [p["organisation"]["id"] for p in profiles] == [str(partner.public_id)]
    decided = api.post(
        reverse("api:benefit-partner-decision", args=[partner.public_id]),
        {"status": "suspended", "note": "ปิดปรับปรุง"},
        format="json",
    )
    assert decided.json()["status"] == "suspended"


@pytest.mark.parametrize(
    "overrides",
    [
        {"unlock_credits": 2**31},
        {"unlock_credits": 10**20},
        {"valid_from": "0001-01-01T00:00:00+07:00"},
        {"valid_from": "0001-01-01T00:00:00+08:00"},
        {"valid_until": "9999-12-31T23:59:59+00:00"},
        {"valid_until": "2201-01-01T00:00:01+07:00"},
    ],
)
def test_api_answers_offers_out_of_range_with_a_problem_not_a_crash(staff, partner, overrides):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(staff)
    now = timezone.now()
    body = {
        "offer_kind": "perk",
        "title_th": "ตัดผมฟรี",
        "unlock": "earned",
        "unlock_credits": 50,
        "valid_from": now.isoformat(),
        "valid_until": (now + dt.timedelta(days=3)).isoformat(),
    }
    created = api.post(
        reverse("api:benefit-partner-offers", args=[partner.public_id]), {**body, **overrides}, format="json"
    )
    assert created.status_code == 400, created.content[:300]
    problem = created.json()
    assert set(problem["errors"]) == set(overrides) and problem["detail_th"] and problem["detail_en"]
    offer = make_offer(staff, partner, kind=OfferKind.PERK, cost=0, stock=None, unlock=Unlock.EARNED, unlock_credits=5)
    patched = api.patch(reverse("api:benefit-partner-offer", args=[offer.public_id]), overrides, format="json")
    assert patched.status_code == 400, patched.content[:300]
    offer.refresh_from_db()
    assert offer.unlock_credits == 5


def test_api_staff_cannot_confirm_their_own_voucher(api, funded_org, offer, staff):
    staff.home_area = area("71091101")
    staff.save(update_fields=["home_area"])
    give(funded_org, staff, 20)
    voucher = redeem(staff, offer)
    api.force_authenticate(staff)
    refused = api.post(reverse("api:benefit-voucher-confirm"), {"code": voucher.code}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "voucher_own_confirmation"
    assert refused.json()["detail_th"] == "ยืนยันคูปองของตัวเองไม่ได้ ให้พนักงานคนอื่นของภาคีเป็นผู้ยืนยัน"
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD


def test_api_refuses_a_public_service_applicant(api, agency_staff):
    school = OrganisationFactory(area=area("710911"), kind=OrgKind.SCHOOL)
    admin = member_of(school, is_admin=True)
    api.force_authenticate(admin)
    response = api.post(
        reverse("api:benefit-partners"), {"organisation": str(school.public_id), "sector": "retail"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "public_service_partner"
