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


def test_an_agency_verifier_works_the_agency_queue_from_the_menu(live_server, phone):
    from tests.factories import AgencyStaffFactory, area
    from thamdee.deeds import services
    from thamdee.deeds.models import Deed, DeedStatus

    world = build_world()
    template = services.deed_type_create(
        actor=world.admin,
        programme=world.programme,
        organisation=None,
        code="check-dam",
        name_th="สร้างฝายชะลอน้ำ",
        criterion="มีภาพก่อนและหลัง",
        unit="occurrence",
        verified_by="agency",
        virtues=["volunteering"],
        dimensions=["environment"],
    )
    copy = services.deed_type_adopt(actor=world.admin, template=template, organisation=world.org)
    deeds = [
        services.deed_report(actor=world.member, deed_type=copy, done_on=world.today, quantity=1, description=str(n))
        for n in range(3)
    ]
    verifier = AgencyStaffFactory(agency=world.programme.agency, scope_area=area("71"), is_verifier=True).user
    sign_in(phone, live_server.url, verifier.username, PASSWORD)
    open_menu(phone)
    phone.locator("#nav").get_by_role("button", name="หน่วยงาน").click()
    phone.locator("#nav a[href='/deeds/agency-queue/']").click()
    phone.wait_for_selector("[data-testid=queue]")
    # one from its row (htmx), then the other two in bulk
    phone.click(f"[data-testid=approve-{deeds[0].public_id}]")
    phone.wait_for_selector(f"#deed-{deeds[0].public_id} .amount-plus")
    for deed in deeds[1:]:
        phone.check(f"input[name=deeds][value='{deed.public_id}']")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.click("[data-testid=bulk-approve]")
    phone.wait_for_load_state("networkidle")
    assert {d.status for d in Deed.objects.filter(pk__in=[d.pk for d in deeds])} == {DeedStatus.VERIFIED}
    assert phone.console_errors == []
