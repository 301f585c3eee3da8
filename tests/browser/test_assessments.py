"""On a phone, the yearly assessment: an organisation's admin starts this year's assessment from the menu, scores
every activity with its evidence (a submission with one left unscored is refused and keeps what was typed),
attaches a PDF and submits it; the provincial culture office downloads the PDF, confirms the result from its queue
and finds it in the results by area."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_menu, sign_in
from tests.factories import AgencyStaffFactory, OrganisationFactory, area, member_of, pdf_file
from thamdee.assessments.frameworks import install_examples
from thamdee.assessments.models import Assessment, AssessmentStatus, Level
from thamdee.common.thaitime import current_fiscal_year
from thamdee.orgs.models import OrgKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"  # what UserFactory sets
MENU_ITEM = "ประเมินองค์กรคุณธรรม"
# Activity number -> (score, evidence): levels 1 and 2 met, level 3 not yet, so the scores reach คุณธรรม.
SCORES = {
    1: ("2", "ประกาศเจตนารมณ์ในที่ประชุมสภาฯ มีรายงานการประชุม"),
    2: ("2", "คุณธรรมเป้าหมาย: พอเพียง จิตอาสา สุจริต"),
    3: ("1", "ร่างแผนส่งเสริมคุณธรรมแล้ว"),
    4: ("1", "ทำได้ 7 จาก 10 กิจกรรมตามแผน"),
    5: ("2", "คณะทำงานประชุมติดตามทุกเดือน"),
    6: ("1", "สมาชิกออมสม่ำเสมอเพิ่มขึ้น"),
    7: ("1", "ถอดบทเรียนหนึ่งครั้ง"),
    8: ("0", ""),
    9: ("0", "ยังไม่ได้เผยแพร่ผลงาน"),
}


def open_assessments(page, group: str) -> None:  # type: ignore[no-untyped-def]
    open_menu(page)
    page.locator("#nav").get_by_role("button", name=group).click()
    page.locator("#nav").get_by_role("link", name=MENU_ITEM).click()
    page.wait_for_load_state("networkidle")


def sign_out(page) -> None:  # type: ignore[no-untyped-def]
    open_menu(page)
    page.click("[data-testid=user-menu]")
    page.click("[data-testid=logout]")
    page.wait_for_load_state("networkidle")


def test_an_admin_assesses_the_organisation_and_the_province_confirms(live_server, phone):
    # Given the example frameworks, a council in Nong Sarai with its admin, and the Kanchanaburi office's officer
    install_examples()
    council = OrganisationFactory(area=area("710911"), kind=OrgKind.COUNCIL, name_th="สภาองค์กรชุมชนตำบลหนองสาหร่าย")
    admin = member_of(council, is_admin=True)
    officer = AgencyStaffFactory(scope_area=area("71")).user
    year = current_fiscal_year()

    # When the admin opens the assessments from the menu and starts this year's
    sign_in(phone, live_server.url, admin.username, PASSWORD)
    open_assessments(phone, "งานองค์กร")
    assert council.name_th in phone.locator("[data-testid=orgs-to-assess]").inner_text()
    phone.locator("[data-testid=start-assessment]").click()
    phone.wait_for_load_state("networkidle")
    assessment = Assessment.objects.get(organisation=council)
    assert assessment.fiscal_year == year
    assert phone.url == f"{live_server.url}/assessments/{assessment.public_id}/"
    assert phone.locator("[data-testid=assessment-subject]").inner_text() == council.name_th

    # And scores every activity but the last, types the last one's evidence, and submits
    for number, (score, evidence) in SCORES.items():
        activity = phone.locator(f"[data-testid=indicator-{number}]")
        if number != 9:
            activity.locator(f"input[type=radio][value='{score}']").check()
        activity.locator("textarea").fill(evidence)
    phone.locator("[data-testid=submit-assessment]").click()
    phone.wait_for_load_state("networkidle")

    # Then it is refused with the reason, and what was typed is still there
    error = phone.locator("[data-testid=assessment-error]")
    assert error.get_attribute("data-error-code") == "assessment_incomplete"
    assert "9" in error.inner_text()
    assert phone.locator("[data-testid=indicator-9] textarea").input_value() == SCORES[9][1]
    assert phone.locator("[data-testid=indicator-1] textarea").input_value() == SCORES[1][1]
    assert phone.locator("[data-testid=indicator-4] input[type=radio][value='1']").is_checked()
    assert Assessment.objects.get(pk=assessment.pk).status == AssessmentStatus.DRAFT
    # (the refusal is answered with 400, which the browser logs; nothing else went wrong)
    assert [e for e in phone.console_errors if "status of 400" not in e] == []  # type: ignore[attr-defined]
    phone.console_errors.clear()  # type: ignore[attr-defined]

    # When the admin scores the last activity, attaches the minutes as a PDF to the first and saves with its button
    phone.locator("[data-testid=indicator-9] input[type=radio][value='0']").check()
    phone.locator("[data-testid=file-1]").set_input_files(
        {"name": "รายงานการประชุม.pdf", "mimeType": "application/pdf", "buffer": pdf_file(pages=2)}
    )
    phone.locator("[data-testid=upload-1]").click()
    phone.wait_for_load_state("networkidle")

    # Then the file is listed under the activity, and everything typed was saved with it
    listed = phone.locator("[data-testid=indicator-1] [data-testid=evidence-file]")
    assert "รายงานการประชุม.pdf" in listed.inner_text() and "2 หน้า" in listed.inner_text()
    assert phone.locator("[data-testid=indicator-9] input[type=radio][value='0']").is_checked()
    assert phone.locator("[data-testid=indicator-9] textarea").input_value() == SCORES[9][1]

    # When the admin presses Enter on a score: the form's default button saves, and the file stays
    phone.locator("[data-testid=indicator-5] input[type=radio][value='2']").press("Enter")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("[data-testid=indicator-1] [data-testid=evidence-file]").count() == 1

    # When the admin submits
    phone.locator("[data-testid=submit-assessment]").click()
    phone.wait_for_load_state("networkidle")

    # Then it waits for confirmation at the level its scores reach, and can no longer be changed
    assert phone.locator("[data-testid=assessment-status]").inner_text() == "ส่งผลแล้ว รอรับรอง"
    assert phone.locator("[data-testid=assessment-level]").inner_text() == "คุณธรรม"
    assert phone.locator("[data-testid=scores-form]").count() == 0
    assert "ยังไม่ได้เผยแพร่ผลงาน" in phone.locator("[data-testid=sheet-level-3]").inner_text()
    assert phone.console_errors == []  # type: ignore[attr-defined]
    sign_out(phone)

    # When the provincial officer signs in, opens it from the queue and confirms it
    sign_in(phone, live_server.url, officer.username, PASSWORD)
    open_assessments(phone, "หน่วยงาน")
    queue = phone.locator("[data-testid=review-queue]")
    assert council.name_th in queue.inner_text()
    queue.locator(f"a[href='/assessments/{assessment.public_id}/']").click()
    phone.wait_for_load_state("networkidle")
    assert "ประกาศเจตนารมณ์ในที่ประชุมสภาฯ" in phone.locator("[data-testid=sheet-level-1]").inner_text()
    # and downloads the minutes attached to the first activity
    with phone.expect_download() as download:
        phone.locator("[data-testid=sheet-level-1] [data-testid=evidence-file] a").first.click()
    assert download.value.suggested_filename == "รายงานการประชุม.pdf"
    with open(download.value.path(), "rb") as saved:
        kept = saved.read()
    assert kept.startswith(b"%PDF-") and kept == Assessment.objects.get(pk=assessment.pk).files.get().file.read()
    phone.locator("input[name=decision][value=confirm]").check()
    phone.fill("#id_note", "ลงพื้นที่ดูหลักฐานแล้ว ตรงตามที่รายงาน")
    phone.locator("[data-testid=review-submit]").click()
    phone.wait_for_load_state("networkidle")

    # Then the queue is empty, and the results by area count the council in Kanchanaburi at คุณธรรม
    assert council.name_th not in phone.locator("[data-testid=review-queue]").inner_text()
    phone.locator("[data-testid=results-link]").click()
    phone.wait_for_load_state("networkidle")
    table = phone.locator("[data-testid=results-table]")
    headings = [cell.strip() for cell in table.locator("thead th").all_inner_texts()]
    row = [cell.strip() for cell in table.locator("tbody tr").first.locator("td").all_inner_texts()]
    assert row[0] == "กาญจนบุรี"
    counts = ((Level.NONE, "0"), (Level.PROMOTING, "0"), (Level.MORAL, "1"), (Level.MODEL, "0"))
    by_level = {str(level.label): n for level, n in counts}
    assert dict(zip(headings[1:5], row[1:5], strict=True)) == by_level
    assert row[5:] == ["0", "–"]  # none waiting; the province's own assessment not made
    assessment.refresh_from_db()
    assert (assessment.status, assessment.confirmed_level) == (AssessmentStatus.CONFIRMED, Level.MORAL)
    assert (assessment.submitted_by, assessment.reviewed_by) == (admin, officer)
    assert phone.console_errors == []  # type: ignore[attr-defined]
