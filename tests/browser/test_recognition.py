"""On a phone: a member opens her first badge's certificate page; someone else reads its QR code on the public
verification page and sees "valid"."""

from urllib.parse import unquote

import pytest

from tests.browser.conftest import open_menu, sign_in
from tests.worlds import build_world
from thamdee.deeds import services as deeds
from thamdee.recognition.models import Credential, CredentialKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"


def test_a_certificates_qr_opens_its_verification_page_and_it_is_valid(live_server, phone, chromium, settings):
    settings.SITE_URL = live_server.url  # what the QR code says is where this server answers
    world = build_world()
    deed = deeds.deed_report(actor=world.member, deed_type=world.care, done_on=world.today, hours=2)
    deeds.deed_verify(actor=world.verifier, deed=deed)
    badge = Credential.objects.get(member=world.member, kind=CredentialKind.BADGE)

    # The member finds her badge from the menu and opens its page, with the QR code
    sign_in(phone, live_server.url, world.member.username, PASSWORD)
    open_menu(phone)
    phone.click("a.nav-link[href='/recognition/']")
    phone.wait_for_load_state("networkidle")
    phone.click("[data-testid=badge-first-deed]")
    phone.wait_for_load_state("networkidle")
    source = phone.locator("[data-testid=credential-qr]").get_attribute("src")
    assert source.startswith("data:image/svg+xml")
    svg = unquote(source.split(",", 1)[1]).encode()
    assert phone.console_errors == []

    # Someone else, not signed in, reads the QR code (a picture of it) on the public verification page
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="th-TH"
    )
    other = context.new_page()
    errors: list[str] = []
    other.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    other.goto(f"{live_server.url}/recognition/verify/")
    with other.expect_navigation():
        other.set_input_files(
            "[data-testid=qr-file]", files=[{"name": "qr.svg", "mimeType": "image/svg+xml", "buffer": svg}]
        )
    other.wait_for_selector("[data-testid=verify-result]")
    assert other.url == f"{live_server.url}/recognition/verify/{badge.public_id}/"
    result = other.locator("[data-testid=verify-result]")
    assert result.get_attribute("data-status") == "valid"
    assert "ใบรับรองถูกต้อง" in result.inner_text() and world.member.full_name in result.inner_text()
    assert errors == []
    context.close()
