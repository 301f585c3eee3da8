"""The yearly assessment through the API: opening (201, then 200), scoring, a refused submission that changes
nothing, submitting, the provincial confirmation, results by area; not found for everyone who may not see it;
bad input refused as problem+json with nothing saved; the submitter never confirms their own; the schema.

The paths are written out: the endpoints live in ``thamdee.api.endpoints.assessments`` and are mounted under
``/api/v1/assessments/`` by ``thamdee.api.urls``.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, area, member_of
from thamdee.assessments import services
from thamdee.assessments.models import Assessment, AssessmentStatus, Framework, Level, Score
from thamdee.assessments.tests.conftest import all_scores
from thamdee.common.thaitime import current_fiscal_year

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
LIST = "/api/v1/assessments/"
RESULTS = "/api/v1/assessments/results/"


def one(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.public_id}/"


def scores_url(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.public_id}/scores/"


def submit_url(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.public_id}/submit/"


def review_url(assessment: Assessment) -> str:
    return f"/api/v1/assessments/{assessment.public_id}/review/"


def body(scores: dict[int, tuple[int | None, str]]) -> dict:
    return {"scores": [{"number": n, "score": s, "evidence": e} for n, (s, e) in scores.items()]}


@pytest.fixture
def api():
    return APIClient()


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["code"] == code and problem["status"] == status
    assert problem["detail_th"] and problem["detail_en"]
    return problem


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def scores_saved(assessment: Assessment) -> dict[int, tuple[int | None, str]]:
    return {s.indicator.number: (s.score, s.evidence) for s in Score.objects.filter(assessment=assessment)}


def submitted(scene) -> Assessment:
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(1))
    return services.assessment_submit(actor=scene.admin, assessment=a)


# --- the year, over the API -------------------------------------------------------------------------------------


def test_an_organisation_assesses_itself_and_the_province_confirms_over_the_api(api, scene):
    # Given the organisation's admin, who opens this year's assessment: made, with its framework and sheet
    api.force_authenticate(scene.admin)
    opened = api.post(LIST, {"organisation": str(scene.org.public_id)}, format="json")
    assert opened.status_code == 201, opened.content
    a = Assessment.objects.get()
    detail = opened.json()
    item = detail["assessment"]
    assert item["id"] == str(a.public_id) and item["subject"] == "organisation" and item["status"] == "draft"
    assert item["organisation"] == {"id": str(scene.org.public_id), "name": scene.org.display_name()}
    assert item["province"] is None and item["area_code"] == "710911"
    assert item["fiscal_year"] == current_fiscal_year() and item["fiscal_year_label"]
    assert item["framework"] == {"code": "example-organisation", "name": a.framework.name, "pass_score": 1}
    assert (item["level"], item["confirmed_level"], item["submitted_by"], item["reviewed_by"]) == (None,) * 4
    sheet = detail["sheet"]
    assert [row["number"] for row in sheet] == list(range(1, 10))
    assert [row["level"] for row in sheet] == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert all(row["title"] and row["criteria"] and row["score"] is None and row["evidence"] == "" for row in sheet)
    assert detail["missing"] == list(range(1, 10)) and (detail["may_score"], detail["may_review"]) == (True, False)
    # Opening again finds the same one: 200, not a second
    again = api.post(LIST, {"organisation": str(scene.org.public_id)}, format="json")
    assert again.status_code == 200 and again.json()["assessment"]["id"] == str(a.public_id)
    assert Assessment.objects.count() == 1

    # When they score part of it, then those scores are kept
    partial = api.put(scores_url(a), body({1: (2, "ประกาศเจตนารมณ์ 12 ม.ค."), 2: (1, "")}), format="json")
    assert partial.status_code == 200, partial.content
    assert [(r["number"], r["score"]) for r in partial.json()["sheet"][:3]] == [(1, 2), (2, 1), (3, None)]
    assert partial.json()["missing"] == list(range(3, 10))
    assert scores_saved(a) == {1: (2, "ประกาศเจตนารมณ์ 12 ม.ค."), 2: (1, "")}

    # Submitting with activities unscored is refused with what is missing, and nothing moves
    refused = assert_problem(api.post(submit_url(a)), 400, "assessment_incomplete")
    assert refused["missing"] == 7 and refused["numbers"].startswith("3, 4")
    assert "7" in refused["detail_th"] and "missing" in refused["detail_en"]
    a.refresh_from_db()
    assert (a.status, a.level, a.submitted_by, a.submitted_at) == (AssessmentStatus.DRAFT, None, None, None)
    assert len(scores_saved(a)) == 2

    # Evidence sent before a score is decided is kept, and the activity stays unscored; null with nothing clears it
    gathered = api.patch(scores_url(a), body({3: (None, "ร่างแผนปี 2570"), 2: (None, "")}), format="json")
    assert gathered.status_code == 200, gathered.content
    assert [(r["number"], r["score"], r["evidence"]) for r in gathered.json()["sheet"][1:3]] == [
        (2, None, ""),
        (3, None, "ร่างแผนปี 2570"),
    ]
    assert gathered.json()["missing"] == list(range(2, 10))
    assert scores_saved(a) == {1: (2, "ประกาศเจตนารมณ์ 12 ม.ค."), 3: (None, "ร่างแผนปี 2570")}
    assert_problem(api.post(submit_url(a)), 400, "assessment_incomplete")
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.DRAFT

    # When they score the rest (PATCH alike; level 3 activities at 0) and submit
    rest = api.patch(scores_url(a), body({**all_scores(2), 7: (0, ""), 8: (0, "")}), format="json")
    assert rest.status_code == 200 and rest.json()["missing"] == []
    done = api.post(submit_url(a))
    assert done.status_code == 200, done.content
    item = done.json()["assessment"]
    assert (item["status"], item["level"], item["confirmed_level"]) == ("submitted", Level.MORAL, None)
    assert item["submitted_by"]["id"] == str(scene.admin.public_id) and item["submitted_at"]
    assert (done.json()["may_score"], done.json()["may_review"]) == (False, False)
    # and the scores no longer change
    assert_problem(api.put(scores_url(a), body({1: (0, "")}), format="json"), 409, "assessment_not_editable")
    assert scores_saved(a)[1] == (2, "หลักฐานข้อ 1")
    assert_problem(api.post(submit_url(a)), 409, "assessment_not_editable")

    # The provincial staff find it in their list, may review it, and a return needs a reason
    api.force_authenticate(scene.provincial)
    assert ids(api.get(LIST, {"status": "submitted"})) == [str(a.public_id)]
    assert api.get(one(a)).json()["may_review"] is True
    assert_problem(
        api.post(review_url(a), {"decision": "return", "note": "  "}, format="json"), 400, "assessment_invalid"
    )
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.SUBMITTED

    # When they confirm it, then it is the year's result
    confirmed = api.post(review_url(a), {"decision": "confirm", "note": "ตรวจหลักฐานแล้ว"}, format="json")
    assert confirmed.status_code == 200, confirmed.content
    item = confirmed.json()["assessment"]
    assert (item["status"], item["confirmed_level"], item["review_note"]) == ("confirmed", 2, "ตรวจหลักฐานแล้ว")
    assert item["confirmed_level_label"] and item["reviewed_by"]["id"] == str(scene.provincial.public_id)
    a.refresh_from_db()
    assert (a.status, a.confirmed_level, a.reviewed_by) == (AssessmentStatus.CONFIRMED, Level.MORAL, scene.provincial)
    # decided once
    api.force_authenticate(scene.national)
    assert_problem(
        api.post(review_url(a), {"decision": "return", "note": "ไม่"}, format="json"), 409, "assessment_not_submitted"
    )

    # And the results count it under its province, then under its district one level down
    api.force_authenticate(scene.provincial)
    results = api.get(RESULTS)
    assert results.status_code == 200, results.content
    assert results.json()["fiscal_year"] == current_fiscal_year() and results.json()["area"] is None
    [row] = results.json()["rows"]
    assert (row["area"], row["name"], row["confirmed"], row["waiting"], row["province"]) == (
        "71",
        area("71").display_name(),
        1,
        0,
        None,
    )
    assert [(c["level"], c["organisations"]) for c in row["counts"]] == [(0, 0), (1, 0), (2, 1), (3, 0)]
    assert all(c["name"] for c in row["counts"])
    drill = api.get(RESULTS, {"area": "71", "fiscal_year": current_fiscal_year()}).json()
    assert drill["area"]["code"] == "71" and [r["area"] for r in drill["rows"]] == ["7109"]


def test_a_province_is_assessed_by_its_staff_and_confirmed_by_national_staff(api, scene):
    api.force_authenticate(scene.elsewhere)
    assert_problem(api.post(LIST, {"province": "71"}, format="json"), 404, "not_found")
    assert not Assessment.objects.exists()

    api.force_authenticate(scene.provincial)
    opened = api.post(LIST, {"province": "71"}, format="json")
    assert opened.status_code == 201, opened.content
    item = opened.json()["assessment"]
    assert (item["subject"], item["organisation"], item["province"]["code"]) == ("province", None, "71")
    assert item["framework"]["code"] == "example-province" and len(opened.json()["sheet"]) == 10
    a = Assessment.objects.get()
    assert api.put(scores_url(a), body(all_scores(1, count=10)), format="json").status_code == 200
    assert api.post(submit_url(a)).json()["assessment"]["level"] == Level.MODEL
    # Provincial staff do not confirm a province (their own included): it is national staff's
    assert api.get(one(a)).json()["may_review"] is False
    assert_problem(api.post(review_url(a), {"decision": "confirm"}, format="json"), 400, "assessment_own_review")

    api.force_authenticate(scene.national)
    assert api.post(review_url(a), {"decision": "confirm"}, format="json").status_code == 200
    [row] = api.get(RESULTS).json()["rows"]
    assert row["area"] == "71" and row["confirmed"] == 0
    assert (row["province"]["id"], row["province"]["confirmed_level"]) == (str(a.public_id), Level.MODEL)


def test_no_framework_in_use_is_a_conflict(api, scene):
    Framework.objects.update(is_active=False)
    api.force_authenticate(scene.admin)
    problem = assert_problem(
        api.post(LIST, {"organisation": str(scene.org.public_id)}, format="json"), 409, "assessment_no_framework"
    )
    assert "องค์กร" in problem["detail_th"]
    assert not Assessment.objects.exists()


# --- who finds it -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "elsewhere"])
def test_a_member_and_another_province_s_staff_do_not_find_it(api, scene, who):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores={1: (2, "ดี")})
    api.force_authenticate(getattr(scene, who))
    assert ids(api.get(LIST)) == []
    assert_problem(api.get(one(a)), 404, "not_found")
    # Not found before the body is read: an empty body says nothing either
    for response in (
        api.put(scores_url(a), body(all_scores()), format="json"),
        api.patch(scores_url(a), {}, format="json"),
        api.post(submit_url(a)),
        api.post(review_url(a), {"decision": "confirm"}, format="json"),
        api.post(review_url(a), {}, format="json"),
        api.post(LIST, {"organisation": str(scene.org.public_id)}, format="json"),
    ):
        assert_problem(response, 404, "not_found")
    assert scores_saved(a) == {1: (2, "ดี")} and Assessment.objects.get().status == AssessmentStatus.DRAFT
    if who == "member":  # results are for those who assess or confirm
        assert_problem(api.get(RESULTS), 404, "not_found")
    else:
        assert api.get(RESULTS).json()["rows"] == []


def test_the_organiser_reads_it_but_does_not_fill_it(api, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    api.force_authenticate(scene.organiser)
    assert ids(api.get(LIST)) == [str(a.public_id)]
    read = api.get(one(a))
    assert read.status_code == 200 and (read.json()["may_score"], read.json()["may_review"]) == (False, False)
    assert_problem(api.put(scores_url(a), body({1: (2, "")}), format="json"), 404, "not_found")
    assert_problem(api.post(submit_url(a)), 404, "not_found")
    assert not Score.objects.exists()


def test_an_unknown_or_malformed_id_in_the_path_is_not_found(api, scene):
    api.force_authenticate(scene.site_admin)
    assert_problem(api.get(f"{LIST}{uuid.uuid4()}/"), 404, "not_found")
    assert_problem(api.post(f"{LIST}{uuid.uuid4()}/submit/"), 404, "not_found")
    assert_problem(api.get(f"{LIST}not-a-uuid/"), 404, "not_found")
    assert_problem(api.put(f"{LIST}12345/scores/", body({1: (2, "")}), format="json"), 404, "not_found")


def test_a_visitor_is_not_authenticated(api, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    assert_problem(api.get(LIST), 401, "not_authenticated")
    assert_problem(api.post(LIST, {"organisation": str(scene.org.public_id)}, format="json"), 401, "not_authenticated")
    assert_problem(api.get(one(a)), 401, "not_authenticated")
    assert_problem(api.put(scores_url(a), body({1: (2, "")}), format="json"), 401, "not_authenticated")
    assert_problem(api.get(RESULTS), 401, "not_authenticated")
    assert not Score.objects.exists()


# --- bad input ----------------------------------------------------------------------------------------------------


def test_bad_scores_are_refused_as_problems_and_nothing_is_saved(api, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores={1: (1, "เดิม")})
    before = Assessment.objects.values("updated_at").get(pk=a.pk)
    api.force_authenticate(scene.admin)

    # The assessment's own rules, with its code: a score out of range, an activity not in the framework, evidence
    # too long; the valid entries beside them are not saved either
    for scores, reason_en in (
        ({1: (2, "ใหม่"), 2: (3, "")}, "0, 1 or 2"),
        ({1: (2, "ใหม่"), 2: (-1, "")}, "0, 1 or 2"),
        ({1: (2, "x" * 2001)}, "2,000"),
    ):
        problem = assert_problem(api.put(scores_url(a), body(scores), format="json"), 400, "assessment_invalid")
        assert problem["detail_en"].startswith("Invalid assessment") and reason_en in problem["detail_en"], problem
        assert problem["detail_th"].startswith("ข้อมูลการประเมินไม่ถูกต้อง")

    # The request's shape: the fields named
    for malformed in (
        {},
        {"scores": []},
        {"scores": "all of them"},
        {"scores": [{"number": "one", "score": 2}]},
        {"scores": [{"number": 2}]},  # no score: null clears, so it is never implied
        {"scores": [{"number": 2, "score": "two"}]},
        {"scores": [{"number": 2, "score": 2}, {"number": 2, "score": 0}]},  # the same activity twice
    ):
        problem = assert_problem(api.patch(scores_url(a), malformed, format="json"), 400, "invalid")
        assert "scores" in problem["errors"], malformed
    # A body that is not JSON at all
    assert_problem(
        api.generic("PUT", scores_url(a), '{"scores": [', content_type="application/json"), 400, "parse_error"
    )

    assert scores_saved(a) == {1: (1, "เดิม")}
    assert Assessment.objects.values("updated_at").get(pk=a.pk) == before


def test_an_activity_not_in_the_framework_is_refused_and_nothing_is_saved(api, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    api.force_authenticate(scene.admin)
    problem = assert_problem(
        api.put(scores_url(a), body({1: (2, "ใหม่"), 10: (1, "")}), format="json"), 400, "assessment_invalid"
    )
    assert "10" in problem["detail_th"] and "10" in problem["detail_en"]
    assert not Score.objects.exists()


def test_an_activity_not_in_the_framework_is_explained_in_english_too(api, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    api.force_authenticate(scene.admin)
    problem = assert_problem(api.put(scores_url(a), body({10: (1, "")}), format="json"), 400, "assessment_invalid")
    assert problem["detail_en"] == "Invalid assessment: This framework has no activity number 10"


def test_bad_requests_to_open_are_refused_and_nothing_is_made(api, scene):
    api.force_authenticate(scene.admin)
    year = current_fiscal_year()
    # A malformed or unknown organisation id, an unknown area, a year out of range: the request's shape
    for payload, field in (
        ({"organisation": "not-a-uuid"}, "organisation"),
        ({"organisation": str(uuid.uuid4())}, "organisation"),
        ({"province": "99"}, "province"),
        ({"organisation": str(scene.org.public_id), "fiscal_year": 99999}, "fiscal_year"),
    ):
        assert field in assert_problem(api.post(LIST, payload, format="json"), 400, "invalid")["errors"], payload
    # Neither or both, a district, a year not this one nor the last: the assessment's rules
    for payload in (
        {},
        {"organisation": str(scene.org.public_id), "province": "71"},
        {"organisation": str(scene.org.public_id), "fiscal_year": year + 1},
        {"organisation": str(scene.org.public_id), "fiscal_year": year - 2},
    ):
        assert_problem(api.post(LIST, payload, format="json"), 400, "assessment_invalid")
    api.force_authenticate(scene.provincial)
    assert_problem(api.post(LIST, {"province": "7109"}, format="json"), 400, "assessment_invalid")
    assert not Assessment.objects.exists()
    # Last fiscal year is allowed
    api.force_authenticate(scene.admin)
    last = api.post(LIST, {"organisation": str(scene.org.public_id), "fiscal_year": year - 1}, format="json")
    assert last.status_code == 201 and last.json()["assessment"]["fiscal_year"] == year - 1


def test_a_bad_review_is_refused_and_nothing_changes(api, scene):
    a = submitted(scene)
    api.force_authenticate(scene.provincial)
    for payload in ({}, {"decision": "approve"}, {"decision": None, "note": "x"}):
        assert "decision" in assert_problem(api.post(review_url(a), payload, format="json"), 400, "invalid")["errors"]
    assert_problem(api.post(review_url(a), {"decision": "return"}, format="json"), 400, "assessment_invalid")
    assert_problem(
        api.post(review_url(a), {"decision": "confirm", "note": "x" * 2001}, format="json"), 400, "assessment_invalid"
    )
    a.refresh_from_db()
    assert (a.status, a.reviewed_by, a.review_note) == (AssessmentStatus.SUBMITTED, None, "")


def test_the_filters_are_checked(api, scene):
    api.force_authenticate(scene.provincial)
    assert "status" in assert_problem(api.get(LIST, {"status": "approved"}), 400, "invalid")["errors"]
    assert "subject" in assert_problem(api.get(LIST, {"subject": "person"}), 400, "invalid")["errors"]
    assert "fiscal_year" in assert_problem(api.get(LIST, {"fiscal_year": "2570x"}), 400, "invalid")["errors"]
    assert "fiscal_year" in assert_problem(api.get(RESULTS, {"fiscal_year": "99999"}), 400, "invalid")["errors"]
    # Results drill down to a district at most
    assert "area" in assert_problem(api.get(RESULTS, {"area": "710911"}), 400, "invalid")["errors"]
    assert "area" in assert_problem(api.get(RESULTS, {"area": "99"}), 400, "invalid")["errors"]


# --- the submitter never confirms their own --------------------------------------------------------------------


def test_whoever_submitted_cannot_confirm_or_return_it(api, scene):
    # A site admin may fill and may confirm, but not both for the same assessment
    api.force_authenticate(scene.site_admin)
    opened = api.post(LIST, {"organisation": str(scene.org.public_id)}, format="json")
    a = Assessment.objects.get(public_id=opened.json()["assessment"]["id"])
    api.put(scores_url(a), body(all_scores()), format="json")
    assert api.post(submit_url(a)).status_code == 200
    assert api.get(one(a)).json()["may_review"] is False
    for decision in ({"decision": "confirm"}, {"decision": "return", "note": "แก้ไข"}):
        assert_problem(api.post(review_url(a), decision, format="json"), 400, "assessment_own_review")
    a.refresh_from_db()
    assert (a.status, a.confirmed_level, a.reviewed_by) == (AssessmentStatus.SUBMITTED, None, None)
    # Someone else may
    api.force_authenticate(scene.provincial)
    assert api.post(review_url(a), {"decision": "confirm"}, format="json").json()["assessment"]["status"] == (
        "confirmed"
    )


def test_the_organisation_s_admin_who_submitted_is_refused_with_the_reason(api, scene):
    a = submitted(scene)
    api.force_authenticate(scene.admin)
    problem = assert_problem(
        api.post(review_url(a), {"decision": "confirm"}, format="json"), 400, "assessment_own_review"
    )
    assert "someone else" in problem["detail_en"]
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.SUBMITTED


# --- the list -----------------------------------------------------------------------------------------------------


def test_the_list_filters_and_pages(api, scene):
    year = current_fiscal_year()
    draft = services.assessment_open(actor=scene.admin, organisation=scene.org, fiscal_year=year - 1)
    done = submitted(scene)
    province = services.assessment_open(actor=scene.provincial, province=area("71"))
    api.force_authenticate(scene.provincial)
    listed = api.get(LIST)
    assert listed.json()["count"] == 3 and set(ids(listed)) == {str(x.public_id) for x in (draft, done, province)}
    assert ids(api.get(LIST, {"fiscal_year": year - 1})) == [str(draft.public_id)]
    assert ids(api.get(LIST, {"status": "submitted"})) == [str(done.public_id)]
    assert ids(api.get(LIST, {"subject": "province"})) == [str(province.public_id)]
    assert set(ids(api.get(LIST, {"subject": "organisation", "fiscal_year": year}))) == {str(done.public_id)}
    page = api.get(LIST, {"page_size": 2})
    assert len(page.json()["results"]) == 2 and page.json()["next"]
    # the organisation's admin sees only its own
    api.force_authenticate(scene.admin)
    assert set(ids(api.get(LIST))) == {str(draft.public_id), str(done.public_id)}


def test_the_list_runs_a_fixed_number_of_queries(api, scene):
    api.force_authenticate(scene.site_admin)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(LIST).status_code == 200
        return len(queries)

    services.assessment_open(actor=scene.admin, organisation=scene.org)
    count()  # the caller's roles are loaded once and kept on the user object the test client reuses
    few = count()
    for _ in range(3):
        org = OrganisationFactory(area=area("300101"))
        services.assessment_open(actor=member_of(org, is_admin=True), organisation=org)
    assert count() == few and api.get(LIST).json()["count"] == 4


# --- the published schema -----------------------------------------------------------------------------------------


def test_the_schema_publishes_the_assessment_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    expected = {
        "/api/v1/assessments/": {"get", "post"},
        "/api/v1/assessments/results/": {"get"},
        "/api/v1/assessments/{public_id}/": {"get"},
        "/api/v1/assessments/{public_id}/scores/": {"put", "patch"},
        "/api/v1/assessments/{public_id}/submit/": {"post"},
        "/api/v1/assessments/{public_id}/review/": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
        for method in methods:
            assert "application/problem+json" in paths[path][method]["responses"]["404"]["content"]
    assert set(paths["/api/v1/assessments/"]["post"]["responses"]) >= {"200", "201", "400", "409"}
    components = schema.json()["components"]["schemas"]
    assert {"assessment", "sheet", "missing"} <= set(components["AssessmentDetail"]["properties"])
    assert components["AssessmentStatusEnum"]["enum"] == ["draft", "submitted", "returned", "confirmed"]
