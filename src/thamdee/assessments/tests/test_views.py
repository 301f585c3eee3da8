"""The assessment pages: the index of what the viewer assesses and confirms, the sheet with its scores and
evidence, a refusal that keeps what was typed, the confirmation, and results by area; not found for anyone else."""

from __future__ import annotations

import pytest
from django.urls import reverse

from thamdee.assessments import services
from thamdee.assessments.models import Assessment, AssessmentStatus, Level, Score
from thamdee.assessments.tests.conftest import all_scores

pytestmark = pytest.mark.django_db


def form_data(scores: dict[int, tuple[int | None, str]], action: str = "save") -> dict[str, str]:
    data = {"action": action}
    for number, (score, evidence) in scores.items():
        data[f"score_{number}"] = "" if score is None else str(score)
        data[f"evidence_{number}"] = evidence
    return data


def test_an_admin_starts_scores_and_submits_through_the_pages(client, scene):
    client.force_login(scene.admin)
    index = client.get(reverse("assessments:index"))
    assert index.status_code == 200 and 'data-testid="start-assessment"' in index.content.decode()
    opened = client.post(reverse("assessments:open"), {"org": str(scene.org.public_id)})
    a = Assessment.objects.get()
    assert opened.status_code == 302 and opened["Location"] == reverse("assessments:detail", args=[a.public_id])
    page = client.get(opened["Location"]).content.decode()
    assert 'data-testid="scores-form"' in page and 'data-testid="indicator-9"' in page

    # A partial save keeps the scores given
    url = reverse("assessments:scores", args=[a.public_id])
    assert client.post(url, form_data({1: (2, "ประกาศเจตนารมณ์ 12 ม.ค."), 2: (1, "")})).status_code == 302
    assert dict(Score.objects.values_list("indicator__number", "score")) == {1: 2, 2: 1}

    # Submitting with activities unscored is refused with the reason; what was typed is kept, nothing saved
    typed = form_data({**dict.fromkeys(range(1, 10), (None, "")), 1: (2, "ประกาศ"), 3: (1, "แผนปี 2570")}, "submit")
    refused = client.post(url, typed)
    html = refused.content.decode()
    assert refused.status_code == 400 and 'data-error-code="assessment_incomplete"' in html
    assert "แผนปี 2570" in html and Assessment.objects.get().status == AssessmentStatus.DRAFT
    # (the scores saved before are as they were: the refused submission saved none of the ones sent with it)
    assert dict(Score.objects.values_list("indicator__number", "score")) == {1: 2, 2: 1}
    assert Score.objects.get(indicator__number=1).evidence == "ประกาศเจตนารมณ์ 12 ม.ค."

    # Evidence typed before a score is decided is kept, and the activity stays unscored
    assert client.post(url, form_data({4: (None, "ภาพกิจกรรมรอคัดเลือก")})).status_code == 302
    assert Score.objects.get(indicator__number=4).score is None
    assert dict(Score.objects.values_list("indicator__number", "score")) == {1: 2, 2: 1, 4: None}  # the rest kept
    assert "ภาพกิจกรรมรอคัดเลือก" in client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()

    # Scoring everything and submitting sends it for confirmation
    done = client.post(url, form_data(all_scores(1), "submit"))
    assert done.status_code == 302
    a.refresh_from_db()
    assert (a.status, a.level) == (AssessmentStatus.SUBMITTED, Level.MODEL)
    page = client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()
    assert 'data-testid="scores-form"' not in page and 'data-testid="review-form"' not in page
    assert "หลักฐานข้อ 9" in page


def test_the_province_confirms_from_its_queue_and_sees_the_results(client, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores={**all_scores(2), 9: (0, "")})
    services.assessment_submit(actor=scene.admin, assessment=a)
    client.force_login(scene.provincial)
    index = client.get(reverse("assessments:index")).content.decode()
    assert reverse("assessments:detail", args=[a.public_id]) in index
    page = client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()
    assert 'data-testid="review-form"' in page
    review = reverse("assessments:review", args=[a.public_id])
    # returning without a reason is refused on the page
    refused = client.post(review, {"decision": "return", "note": ""})
    assert refused.status_code == 400 and 'data-error-code="assessment_invalid"' in refused.content.decode()
    assert client.post(review, {"decision": "confirm", "note": "ครบถ้วน"}).status_code == 302
    a.refresh_from_db()
    assert (a.status, a.confirmed_level) == (AssessmentStatus.CONFIRMED, Level.MORAL)
    results = client.get(reverse("assessments:results")).content.decode()
    assert 'data-testid="results-table"' in results and "กาญจนบุรี" in results
    drill = client.get(reverse("assessments:results"), {"area": "71"}).content.decode()
    assert "พนมทวน" in drill and 'href="?fy=' in drill  # the organisation's district (7109), one level down
    # The rows the provincial office sends upward: one per organisation, with its levels and every score
    export = client.get(reverse("assessments:results"), {"format": "csv", "area": "71"})
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    header, row = export.content.decode("utf-8-sig").splitlines()
    assert header.split(",")[-9:] == [f"กิจกรรม {n}" for n in range(1, 10)]
    cells = row.split(",")
    assert cells[1:5] == ["กาญจนบุรี", "พนมทวน", cells[3], scene.org.display_name()]
    assert cells[6:8] == ["คุณธรรม", "คุณธรรม"] and cells[-9:] == ["2"] * 8 + ["0"]
    xlsx = client.get(reverse("assessments:results"), {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].endswith('.xlsx"')


@pytest.mark.parametrize("who", ["member", "organiser", "elsewhere"])
def test_others_do_not_find_it(client, scene, who):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    client.force_login(getattr(scene, who))
    assert client.get(reverse("assessments:detail", args=[a.public_id])).status_code == (
        200 if who == "organiser" else 404
    )
    assert client.post(reverse("assessments:scores", args=[a.public_id]), form_data(all_scores())).status_code == 404
    assert client.post(reverse("assessments:review", args=[a.public_id]), {"decision": "confirm"}).status_code == 404
    assert not Score.objects.exists()


def test_members_have_no_assessment_pages(client, scene):
    client.force_login(scene.member)
    assert client.get(reverse("assessments:index")).status_code == 404
    assert client.get(reverse("assessments:results")).status_code == 404
    assert client.post(reverse("assessments:open"), {"org": str(scene.org.public_id)}).status_code == 404


def test_the_sheet_runs_a_fixed_number_of_queries(client, scene, django_assert_num_queries):
    # session, user, the assessment, its credentials, roles, scores, files, activities, the inbox badge (and the form
    # page: one more)
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(2))
    client.force_login(scene.admin)
    with django_assert_num_queries(11):
        assert client.get(reverse("assessments:detail", args=[a.public_id])).status_code == 200
    services.assessment_submit(actor=scene.admin, assessment=a)
    client.force_login(scene.provincial)
    with django_assert_num_queries(11):
        assert client.get(reverse("assessments:detail", args=[a.public_id])).status_code == 200


def test_two_admins_filling_one_sheet_keep_each_other_s_work(client, scene):
    from tests.factories import member_of

    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores={1: (2, "ประกาศแล้ว")})
    url = reverse("assessments:scores", args=[a.public_id])
    # Given the first admin's page, drawn with activity 1 scored
    client.force_login(scene.admin)
    page = client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()
    # (the page carries what it showed: the browser posts it back with the fields)
    assert 'name="initial-score_1" value="2"' in page and 'name="initial-score_5" value=""' in page
    drawn = form_data({1: (2, "ประกาศแล้ว"), **dict.fromkeys(range(2, 10), (None, ""))})
    drawn |= {"initial-score_1": "2", "initial-evidence_1": "ประกาศแล้ว"}
    drawn |= {f"initial-{field}_{n}": "" for n in range(2, 10) for field in ("score", "evidence")}
    # When a second admin saves activities 5 to 9 meanwhile
    other_admin = member_of(scene.org, is_admin=True)
    services.assessment_score(actor=other_admin, assessment=a, scores={n: (1, f"งานข้อ {n}") for n in range(5, 10)})
    # and the first saves their page, having changed only activity 2
    assert client.post(url, {**drawn, "score_2": "1", "evidence_2": "คุณธรรมเป้าหมาย"}).status_code == 302
    # Then both people's work is kept
    saved = dict(Score.objects.values_list("indicator__number", "score"))
    assert saved == {1: 2, 2: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1}
    assert Score.objects.get(indicator__number=7).evidence == "งานข้อ 7"


def test_the_sheet_shows_its_history_and_a_returned_result_hides_its_stale_level(client, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(2))
    services.assessment_submit(actor=scene.admin, assessment=a)
    services.assessment_review(actor=scene.provincial, assessment=a, confirm=False, note="ขาดภาพข้อ 9")
    client.force_login(scene.admin)
    page = client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()
    assert 'data-testid="assessment-history"' in page and "ขาดภาพข้อ 9" in page
    assert 'data-testid="assessment-level"' not in page  # the scores may change: no level until sent again


def test_a_second_submission_from_a_stale_page_is_told_it_was_sent(client, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    client.force_login(scene.admin)
    url = reverse("assessments:scores", args=[a.public_id])
    assert client.post(url, form_data(all_scores(1), "submit")).status_code == 302
    again = client.post(url, form_data(all_scores(2), "submit"))  # the same page, sent twice
    assert again.status_code == 409 and 'data-error-code="assessment_not_editable"' in again.content.decode()
    assert set(Score.objects.values_list("score", flat=True)) == {1}


def test_the_example_frameworks_are_installed_once_by_the_command(db):
    from io import StringIO

    from django.core.management import call_command

    from thamdee.assessments.models import Framework

    out = StringIO()
    call_command("assessments", "install-examples", stdout=out)
    assert "example-organisation (9 indicators)" in out.getvalue()
    assert "example-province (10 indicators)" in out.getvalue()
    call_command("assessments", "install-examples", stdout=out)
    assert "nothing installed" in out.getvalue() and Framework.objects.count() == 2


def test_results_of_earlier_years_may_be_read_though_only_two_may_be_assessed(client, scene):
    from thamdee.common.thaitime import current_fiscal_year

    year = current_fiscal_year()
    client.force_login(scene.provincial)
    page = client.get(reverse("assessments:results"), {"fy": year - 2}).content.decode()
    assert f'<option value="{year - 2}" selected>' in page  # as the dashboard's oldest year links to
    assert f'<option value="{year - 5}"' not in page
    client.force_login(scene.admin)
    client.post(reverse("assessments:open"), {"org": str(scene.org.public_id), "fiscal_year": year - 2})
    assert Assessment.objects.get().fiscal_year == year  # an older year is not offered: this year's opens
