"""On a phone: a member reports a deed with a photo; a verifier verifies it; the member's passbook shows the credits
and why."""

import pytest

from tests.browser.conftest import open_menu, sign_in
from tests.worlds import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"


def photo_bytes() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 140, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_report_verify_and_see_the_credits_explained(live_server, phone, chromium):
    world = build_world()
    # A member reports three hours of elder care, with a photo
    sign_in(phone, live_server.url, world.member.username, PASSWORD)
    phone.goto(f"{live_server.url}/deeds/report/")
    phone.select_option("#id_deed_type", str(world.care.public_id))
    phone.fill("#id_hours", "3")
    phone.fill("#id_description", "พายายไปโรงพยาบาล")
    phone.set_input_files("#id_photos", files=[{"name": "care.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    phone.click("[data-testid=report-submit]")
    phone.wait_for_load_state("networkidle")
    errors = phone.locator(".invalid-feedback, .alert-danger").all_inner_texts()
    assert not errors, errors
    assert phone.locator("[data-testid=deed-status]").inner_text() == "รอรับรอง"
    assert phone.locator("[data-testid=evidence-thumb]").count() == 1

    # A verifier of the organisation approves it from the queue, on another phone
    verifier_context = chromium.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    other = verifier_context.new_page()
    sign_in(other, live_server.url, world.verifier.username, PASSWORD)
    other.goto(f"{live_server.url}/deeds/queue/?org={world.org.public_id}")
    deed = world.member.deeds.get()
    other.click(f"[data-testid=approve-{deed.public_id}]")
    other.wait_for_selector(f"#deed-{deed.public_id} .amount-plus")
    assert "+15" in other.locator(f"#deed-{deed.public_id}").inner_text()
    verifier_context.close()

    # The member's passbook shows the 15 credits and why
    phone.goto(f"{live_server.url}/passbook/")
    assert phone.locator("[data-testid=balance]").inner_text() == "15"
    phone.click("details.explain summary")
    text = phone.locator("details.explain").inner_text()
    assert "5 เครดิตต่อชั่วโมง" in text and "รวม 15 เครดิต" in text
    open_menu(phone)
    assert phone.console_errors == []
