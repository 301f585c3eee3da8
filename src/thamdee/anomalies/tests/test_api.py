"""Pattern review through the API: list (status and kind), one pattern with its deeds' public ids, the review;
not found for everyone who may not review it, people in the pattern included; problem+json refusals.

The paths are written out: the endpoints live in ``thamdee.api.endpoints.anomalies`` and are mounted under
``/api/v1/anomalies/`` by ``thamdee.api.urls``.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, area, member_of
from thamdee.anomalies.models import Anomaly, AnomalyKind, AnomalyStatus
from thamdee.deeds.models import Deed

from . import test_views

# The pages' fixtures: an organisation with an admin (w), a reciprocal pattern found by detection (pair), and a
# long day over two organisations (long_day_across).
w, pair, make, long_day_across = test_views.w, test_views.pair, test_views.make, test_views.long_day_across

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"
LIST = "/api/v1/anomalies/"


def one(anomaly: Anomaly) -> str:
    return f"/api/v1/anomalies/{anomaly.public_id}/"


def review(anomaly: Anomaly) -> str:
    return f"/api/v1/anomalies/{anomaly.public_id}/review/"


@pytest.fixture
def api():
    return APIClient()


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["code"] == code and problem["detail_th"] and problem["detail_en"]
    return problem


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def test_an_organisations_admin_lists_reads_and_reviews_a_pattern(api, w, pair):
    api.force_authenticate(w.org_admin)
    listed = api.get(LIST)
    assert ids(listed) == [str(pair.public_id)] and listed.json()["count"] == 1
    item = listed.json()["results"][0]
    assert item["kind"] == "reciprocal" and item["status"] == "open" and item["kind_label"]
    assert item["organisation"] == {"id": str(w.org.public_id), "name": w.org.display_name()}
    assert {item["person"]["id"], item["other"]["id"]} == {str(w.verifier.public_id), str(w.verifier2.public_id)}
    assert sorted(item["figures"].values()) == [1, 3] and item["deed_count"] == 4
    assert item["reviewed_by"] is None and item["reviewed_at"] is None and item["on_date"] is None

    detail = api.get(one(pair))
    assert detail.status_code == 200
    assert detail.json()["anomaly"] == item
    deeds = detail.json()["deeds"]
    expected = {str(d.public_id) for d in Deed.objects.filter(pk__in=pair.deed_ids)}
    assert {d["id"] for d in deeds} == expected and len(expected) == 4
    assert all(d["status"] == "verified" and d["member"]["id"] and d["deed_type_name"] for d in deeds)

    done = api.post(review(pair), {"outcome": "actioned", "note": "กลับรายการ 1 รายการแล้ว"}, format="json")
    assert done.status_code == 200, done.content
    body = done.json()["anomaly"]
    assert done.json()["deeds"] == deeds
    assert body["status"] == "actioned" and body["review_note"] == "กลับรายการ 1 รายการแล้ว"
    assert body["reviewed_by"]["id"] == str(w.org_admin.public_id) and body["reviewed_at"]
    pair.refresh_from_db()
    assert (pair.status, pair.reviewed_by, pair.review_note) == (
        AnomalyStatus.ACTIONED,
        w.org_admin,
        body["review_note"],
    )
    # It leaves the open list, and shows under its status and under all
    assert ids(api.get(LIST)) == []
    assert ids(api.get(LIST, {"status": "actioned"})) == [str(pair.public_id)]
    assert ids(api.get(LIST, {"status": "all"})) == [str(pair.public_id)]
    assert ids(api.get(LIST, {"status": "dismissed"})) == []


def test_no_database_key_is_in_a_pattern_or_its_deeds(api, w, pair):
    api.force_authenticate(w.org_admin)
    response = api.get(one(pair))
    assert response.status_code == 200 and len(response.json()["deeds"]) == len(pair.deed_ids)
    text = response.content.decode()
    assert '"deed_ids"' not in text and '"pk"' not in text and '"key"' not in text
    for deed_pk in pair.deed_ids:
        assert f'"id":{deed_pk},' not in text.replace(" ", "")


def test_the_list_filters_by_kind_and_refuses_unknown_filters(api, w):
    burst = make(w, w.member)
    duplicate = make(w, w.member, kind=AnomalyKind.DUPLICATE, figures={"deeds": 2})
    api.force_authenticate(w.org_admin)
    assert ids(api.get(LIST, {"kind": "burst"})) == [str(burst.public_id)]
    assert ids(api.get(LIST, {"kind": "duplicate"})) == [str(duplicate.public_id)]
    assert set(ids(api.get(LIST))) == {str(burst.public_id), str(duplicate.public_id)}
    problem = assert_problem(api.get(LIST, {"status": "punished"}), 400, "invalid")
    assert "status" in problem["errors"]
    assert "kind" in assert_problem(api.get(LIST, {"kind": "nope"}), 400, "invalid")["errors"]


def test_a_review_without_a_note_or_with_a_bad_outcome_is_refused_and_nothing_is_saved(api, w, pair):
    api.force_authenticate(w.org_admin)
    # No note: the review's own rule, with its own code
    for body in (
        {"outcome": "dismissed", "note": "   "},
        {"outcome": "dismissed", "note": ""},
        {"outcome": "actioned"},
    ):
        assert_problem(api.post(review(pair), body, format="json"), 400, "anomaly_review_invalid")
    # An outcome that is not one: the request's shape
    for body in ({"outcome": "open", "note": "ดูแล้ว"}, {"outcome": "punished", "note": "ดูแล้ว"}, {"note": "ดูแล้ว"}):
        problem = assert_problem(api.post(review(pair), body, format="json"), 400, "invalid")
        assert "outcome" in problem["errors"], body
    pair.refresh_from_db()
    assert (pair.status, pair.reviewed_by, pair.reviewed_at, pair.review_note) == (AnomalyStatus.OPEN, None, None, "")


def test_a_second_review_is_a_conflict(api, w, pair):
    first = member_of(w.org, is_admin=True)
    api.force_authenticate(first)
    assert api.post(review(pair), {"outcome": "dismissed", "note": "ปกติ"}, format="json").status_code == 200
    api.force_authenticate(w.org_admin)
    assert_problem(
        api.post(review(pair), {"outcome": "actioned", "note": "ของฉัน"}, format="json"), 409, "anomaly_already_reviewed"
    )
    pair.refresh_from_db()
    assert (pair.status, pair.reviewed_by, pair.review_note) == (AnomalyStatus.DISMISSED, first, "ปกติ")


def test_a_person_in_the_pattern_even_an_admin_gets_not_found(api, w):
    admin_in = member_of(w.org, is_admin=True, is_verifier=True)
    theirs = make(w, admin_in, other=w.verifier, kind=AnomalyKind.RECIPROCAL, figures={})
    as_other = make(w, w.verifier2, other=admin_in, kind=AnomalyKind.RECIPROCAL, figures={})
    someone_elses = make(w, w.member)
    api.force_authenticate(admin_in)
    assert ids(api.get(LIST, {"status": "all"})) == [str(someone_elses.public_id)]
    for pattern in (theirs, as_other):
        assert_problem(api.get(one(pattern)), 404, "not_found")
        assert_problem(
            api.post(review(pattern), {"outcome": "dismissed", "note": "ไม่มี"}, format="json"), 404, "not_found"
        )
        pattern.refresh_from_db()
        assert pattern.status == AnomalyStatus.OPEN


def test_other_organisations_admins_agency_staff_and_members_get_not_found_and_an_empty_list(api, w, pair):
    foreign_admin = member_of(w.other, is_admin=True)
    agency_verifier = AgencyStaffFactory(scope_area=area("71"), is_verifier=True).user
    for user in (foreign_admin, agency_verifier, w.staff, w.verifier2, w.organiser, w.member):
        api.force_authenticate(user)
        assert ids(api.get(LIST, {"status": "all"})) == [], user
        assert_problem(api.get(one(pair)), 404, "not_found")
        # Not found before the body is read: an empty body says nothing either
        assert_problem(api.post(review(pair), {}, format="json"), 404, "not_found")
    pair.refresh_from_db()
    assert pair.status == AnomalyStatus.OPEN
    api.force_authenticate(w.org_admin)
    assert_problem(api.get(f"/api/v1/anomalies/{uuid.uuid4()}/"), 404, "not_found")


def test_a_site_admin_sees_and_reviews_every_organisations_patterns(api, w, pair):
    elsewhere = make(w, member_of(w.other), org=w.other)
    api.force_authenticate(w.admin)
    assert set(ids(api.get(LIST))) == {str(pair.public_id), str(elsewhere.public_id)}
    assert api.post(review(elsewhere), {"outcome": "dismissed", "note": "ปกติ"}, format="json").status_code == 200


def test_a_visitor_is_not_authenticated(api, pair):
    assert_problem(api.get(LIST), 401, "not_authenticated")
    assert_problem(api.get(one(pair)), 401, "not_authenticated")
    assert_problem(
        api.post(review(pair), {"outcome": "dismissed", "note": "x"}, format="json"), 401, "not_authenticated"
    )


def test_a_long_day_across_organisations_is_a_site_admins_with_no_organisation(api, w, long_day_across):
    pattern, other_admin = long_day_across
    api.force_authenticate(w.admin)
    listed = api.get(LIST, {"kind": "long_day"})
    assert ids(listed) == [str(pattern.public_id)]
    item = listed.json()["results"][0]
    assert item["organisation"] is None and item["person"]["id"] == str(w.member.public_id)
    assert item["figures"] == {
        "deeds": 2,
        "hours": 20.0,
        "threshold_hours": 16,
        "organisations": 2,
        "across_organisations": True,
    }
    assert item["deed_count"] == 2 and item["on_date"] == str(pattern.on_date) and item["other"] is None
    detail = api.get(one(pattern))
    assert detail.status_code == 200 and detail.json()["anomaly"] == item
    assert {d["id"] for d in detail.json()["deeds"]} == {
        str(d.public_id) for d in Deed.objects.filter(pk__in=pattern.deed_ids)
    }
    # Neither organisation's admin: an empty list, not found
    for admin in (w.org_admin, other_admin):
        api.force_authenticate(admin)
        assert ids(api.get(LIST, {"status": "all"})) == [], admin
        assert_problem(api.get(one(pattern)), 404, "not_found")
        assert_problem(
            api.post(review(pattern), {"outcome": "dismissed", "note": "x"}, format="json"), 404, "not_found"
        )
    pattern.refresh_from_db()
    assert pattern.status == AnomalyStatus.OPEN
