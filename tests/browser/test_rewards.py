"""On phones: a member redeems an offer and shows the QR; the shop's staff open the scan page, type the code (or
let the camera read the QR) and confirm; the member's passbook shows the spend."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.browser.conftest import CHROMIUM, PHONE, open_menu, sign_in
from tests.factories import AgencyFactory, AgencyStaffFactory, OrganisationFactory, PartnerFactory, area, member_of
from thamdee.ledger import services as ledger
from thamdee.ledger.models import CauseKind, Programme
from thamdee.rewards import services
from thamdee.rewards.models import OfferKind, PartnerStatus, Sector, Voucher, VoucherStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"  # what UserFactory sets


@pytest.fixture
def pilot():
    """An approved shop with a cashier, a 10-credit offer, and a member with 100 verified credits."""
    agency = AgencyStaffFactory(scope_area=area("71")).user
    programme = Programme.objects.create(code="pilot", name_th="โครงการนำร่อง", agency=AgencyFactory())
    council = OrganisationFactory(area=area("710911"))
    ledger.allotment_top_up(
        actor=agency,
        organisation=council,
        programme=programme,
        amount=1000,
        idempotency_key="browser:topup",
    )
    shop = PartnerFactory(area=area("710911"), name_th="ร้านค้าชุมชนหนองสาหร่าย")
    owner = member_of(shop, is_admin=True, is_member=False)
    services.partner_apply(actor=owner, organisation=shop, sector=Sector.RETAIL)
    services.partner_decide(actor=agency, organisation=shop, status=PartnerStatus.APPROVED)
    cashier = member_of(shop, is_partner_staff=True, is_member=False)
    now = timezone.now()
    offer = services.offer_create(
        actor=owner,
        partner=shop,
        kind=OfferKind.SPEND,
        title_th="กาแฟสด 1 แก้ว",
        cost=10,
        stock=20,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        area_codes=["71"],
    )
    member = member_of(council)
    member.home_area = area("71091101")
    member.save(update_fields=["home_area"])
    ledger.award_post(
        actor=None,
        organisation=council,
        member=member,
        amount=100,
        idempotency_key="browser:award",
        cause=(CauseKind.DEED, 1),
    )
    return {"member": member, "cashier": cashier, "offer": offer}


def test_a_member_redeems_and_the_shop_confirms_by_the_typed_code(live_server, phone, chromium, pilot):
    member, cashier, offer = pilot["member"], pilot["cashier"], pilot["offer"]
    # Given the member signed in on her phone
    sign_in(phone, live_server.url, member.username, PASSWORD)
    # When she opens the benefits from the menu and redeems the coffee
    open_menu(phone)
    phone.get_by_role("link", name="สิทธิประโยชน์").click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator("[data-testid=balance]").inner_text() == "100"
    phone.locator("[data-testid=offer-card]", has_text=offer.title_th).get_by_role("link").click()
    phone.click("[data-testid=redeem]")
    phone.wait_for_load_state("networkidle")
    # Then she sees the voucher's QR and its short code
    qr = phone.locator("[data-testid=voucher-qr]")
    assert qr.is_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    code = phone.locator("[data-testid=voucher-code]").inner_text().strip()
    voucher = Voucher.objects.get(member=member)
    assert code == voucher.display_code and voucher.status == VoucherStatus.HELD

    # When the cashier, on his own phone, opens the scan page and types the code she reads out
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="th-TH")
    shop_phone = context.new_page()
    shop_phone.set_default_timeout(15000)
    shop_errors: list[str] = []
    shop_phone.on("console", lambda msg: shop_errors.append(msg.text) if msg.type == "error" else None)
    shop_phone.on("pageerror", lambda exc: shop_errors.append(str(exc)))
    try:
        sign_in(shop_phone, live_server.url, cashier.username, PASSWORD)
        open_menu(shop_phone)
        shop_phone.get_by_role("button", name="ภาคี").click()
        shop_phone.get_by_role("link", name="สแกนคูปอง").click()
        shop_phone.wait_for_load_state("networkidle")
        assert shop_phone.locator("[data-scan-start]").is_visible()  # the camera scanner, for those who have one
        shop_phone.fill("[data-testid=scan-code]", code.replace("-", "").lower())
        shop_phone.click("[data-testid=scan-lookup]")
        shop_phone.wait_for_load_state("networkidle")
        card = shop_phone.locator("[data-testid=scan-voucher]")
        assert offer.title_th in card.inner_text() and member.first_name in card.inner_text()
        shop_phone.click("[data-testid=scan-confirm]")
        shop_phone.wait_for_load_state("networkidle")
        # Then the voucher is confirmed
        done = shop_phone.locator("[data-testid=scan-confirmed]")
        assert code in done.inner_text()
        assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.CONFIRMED
        assert shop_errors == []
    finally:
        context.close()

    # And her passbook shows the spend, saying what it bought
    phone.goto(f"{live_server.url}/passbook/")
    assert phone.locator("[data-testid=balance]").inner_text() == "90"
    lines = phone.locator("[data-testid=passbook-lines]").inner_text()
    assert offer.title_th in lines and "-10" in lines.replace("−", "-")
    assert phone.console_errors == []


def _qr_video(payload: str, path: str) -> None:
    """A short Y4M video of the QR, for Chromium's fake camera."""
    import io

    import segno
    from PIL import Image

    raw = io.BytesIO()
    segno.make(payload, error="m").save(raw, kind="png", scale=6, border=4)
    qr = Image.open(io.BytesIO(raw.getvalue())).convert("RGB")
    width, height = 640, 480
    side = min(height - 40, qr.width)
    frame = Image.new("RGB", (width, height), "white")
    frame.paste(qr.resize((side, side), Image.Resampling.NEAREST), ((width - side) // 2, (height - side) // 2))
    y, cb, cr = frame.convert("YCbCr").split()
    planes = (
        y.tobytes() + cb.resize((width // 2, height // 2)).tobytes() + cr.resize((width // 2, height // 2)).tobytes()
    )
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(10):
            out.write(b"FRAME\n" + planes)


def test_the_cashier_scans_the_members_qr_with_the_phone_camera(live_server, chromium, pilot, tmp_path):
    from thamdee.rewards import selectors

    member, cashier, offer = pilot["member"], pilot["cashier"], pilot["offer"]
    # Given a voucher the member reserved, whose QR her phone shows to the camera
    voucher = services.redemption_create(actor=member, offer=offer, idempotency_key="browser:camera")
    video = tmp_path / "qr.y4m"
    _qr_video(selectors.voucher_qr(voucher)[1], str(video))
    browser = chromium.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="th-TH")
        context.grant_permissions(["camera"], origin=live_server.url)
        page = context.new_page()
        page.set_default_timeout(20000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # When the cashier opens the scan page and turns the camera on
        sign_in(page, live_server.url, cashier.username, PASSWORD)
        page.goto(f"{live_server.url}/benefits/partner/scan/")
        page.click("[data-scan-start]")
        # Then the scanner reads the QR and looks the voucher up by itself
        card = page.locator("[data-testid=scan-voucher]")
        card.wait_for()
        assert voucher.display_code in card.inner_text()
        page.click("[data-testid=scan-confirm]")
        page.locator("[data-testid=scan-confirmed]").wait_for()
        assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.CONFIRMED
        assert errors == []
    finally:
        browser.close()
