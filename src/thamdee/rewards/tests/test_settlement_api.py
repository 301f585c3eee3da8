"""Settling a partner's month through the API: list, record and reverse settlements; the statement's settlement;
who may do what (404 for the rest) and the problem+json codes of refusals."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, UserFactory, area
from thamdee.ledger.models import AccountKind
from thamdee.rewards import services
from thamdee.rewards.models import Settlement

from .conftest import assert_books_balance
from .test_settlement_views import balance, last_month, month_param, used_last_month

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def api():
    return APIClient()


def settlements_url(partner) -> str:
    return reverse("api:benefit-partner-settlements", args=[partner.public_id])


def reverse_url(public_id: object) -> str:
    return reverse("api:benefit-settlement-reverse", args=[public_id])


def body(credits: int, reference: str = "TR-API-1", **overrides) -> dict:
    year, month = last_month()
    return {"year": year, "month": month, "credits": credits, "reference": reference, "note": "", **overrides}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["code"] == code and problem["detail_th"] and problem["detail_en"]
    return problem


def test_agency_staff_list_record_and_reverse_a_settlement(api, agency_staff, member, offer, staff, partner):
    used_last_month(member, offer, staff, n=3)
    year, month = last_month()
    api.force_authenticate(agency_staff)
    # The statement says what to settle
    statement_url = reverse("api:benefit-partner-statement", args=[partner.public_id])
    st = api.get(statement_url, {"month": month_param(year, month)}).json()
    assert (st["to_settle_count"], st["to_settle_credits"], st["month_closed"], st["can_settle"]) == (3, 30, True, True)
    assert st["settlement"] is None
    assert api.get(settlements_url(partner)).json() == []
    # Record it
    created = api.post(settlements_url(partner), body(30, reference="TR-API-1", note="งวดเดือน"), format="json")
    assert created.status_code == 201, created.content
    s = created.json()
    assert (s["year"], s["month"], s["credits"], s["vouchers"], s["reference"], s["note"]) == (
        year,
        month,
        30,
        3,
        "TR-API-1",
        "งวดเดือน",
    )
    assert s["partner"]["id"] == str(partner.public_id) and s["settled_by"]["id"] == str(agency_staff.public_id)
    assert s["reversed"] is False and s["reversed_by"] is None and s["month_label"]
    assert Settlement.objects.get(public_id=s["id"]).journal_id is not None
    assert balance(partner, AccountKind.SETTLED) == 30
    # The list and the statement show it
    listed = api.get(settlements_url(partner)).json()
    assert [item["id"] for item in listed] == [s["id"]]
    st = api.get(statement_url, {"month": month_param(year, month)}).json()
    assert st["settlement"]["reference"] == "TR-API-1" and st["settlement"]["partner"]["id"] == str(partner.public_id)
    # Reverse it: the credits go back and the statement has no settlement in force
    reversed_ = api.post(reverse_url(s["id"]), {"reason": "บันทึกผิดเดือน"}, format="json")
    assert reversed_.status_code == 200, reversed_.content
    r = reversed_.json()
    assert r["reversed"] is True and r["reversal_reason"] == "บันทึกผิดเดือน"
    assert r["reversed_by"]["id"] == str(agency_staff.public_id) and r["reversed_at"]
    assert balance(partner, AccountKind.SETTLED) == 0
    assert api.get(statement_url, {"month": month_param(year, month)}).json()["settlement"] is None
    assert api.get(settlements_url(partner)).json()[0]["reversed"] is True
    # And the month can be settled again
    again = api.post(settlements_url(partner), body(30, reference="TR-API-2"), format="json")
    assert again.status_code == 201
    assert [item["reference"] for item in api.get(settlements_url(partner)).json()] == ["TR-API-2", "TR-API-1"]
    assert_books_balance()


def test_partner_staff_read_settlements_but_may_not_record_or_reverse_them(
    api, agency_staff, member, offer, staff, partner
):
    used_last_month(member, offer, staff)
    year, month = last_month()
    settlement = services.settlement_record(
        actor=agency_staff, partner=partner, year=year, month=month, credits=10, reference="TR-P"
    )
    api.force_authenticate(staff)
    assert [item["reference"] for item in api.get(settlements_url(partner)).json()] == ["TR-P"]
    statement_url = reverse("api:benefit-partner-statement", args=[partner.public_id])
    st = api.get(statement_url, {"month": month_param(year, month)})
    assert st.json()["can_settle"] is False and st.json()["settlement"]["reference"] == "TR-P"
    assert_problem(api.post(settlements_url(partner), body(10), format="json"), 404, "not_found")
    assert_problem(api.post(settlements_url(partner), {}, format="json"), 404, "not_found")  # before the body
    assert_problem(api.post(reverse_url(settlement.public_id), {"reason": "ผิด"}, format="json"), 404, "not_found")
    assert Settlement.objects.get().reversed_at is None


def test_outsiders_find_nothing(api, agency_staff, member, offer, staff, partner):
    used_last_month(member, offer, staff)
    year, month = last_month()
    settlement = services.settlement_record(
        actor=agency_staff, partner=partner, year=year, month=month, credits=10, reference="TR-O"
    )
    elsewhere = AgencyStaffFactory(scope_area=area("10")).user
    for outsider in (elsewhere, UserFactory()):
        api.force_authenticate(outsider)
        assert_problem(api.get(settlements_url(partner)), 404, "not_found")
        assert_problem(api.post(settlements_url(partner), body(10), format="json"), 404, "not_found")
        assert_problem(api.post(reverse_url(settlement.public_id), {"reason": "ผิด"}, format="json"), 404, "not_found")
    api.force_authenticate(agency_staff)
    assert_problem(api.post(reverse_url(uuid.uuid4()), {"reason": "ผิด"}, format="json"), 404, "not_found")
    api.force_authenticate(None)
    assert api.get(settlements_url(partner)).status_code == 401
    assert Settlement.objects.get().reversed_at is None


def test_refusals_are_problem_json_with_their_codes(api, agency_staff, member, offer, staff, partner):
    used_last_month(member, offer, staff, n=2)
    api.force_authenticate(agency_staff)
    # Bad input: a clear 400 naming the field, nothing saved
    invalid = assert_problem(api.post(settlements_url(partner), body(20, reference=""), format="json"), 400, "invalid")
    assert "reference" in invalid["errors"]
    assert "month" in api.post(settlements_url(partner), body(20, month=13), format="json").json()["errors"]
    # A figure the settler did not see: 409 with the figure now
    changed = assert_problem(api.post(settlements_url(partner), body(10), format="json"), 409, "settlement_changed")
    assert changed["credits"] == 20
    # A month not over yet, or with nothing to settle: 400
    today = timezone.localdate()
    open_month = body(20, year=today.year, month=today.month)
    assert_problem(api.post(settlements_url(partner), open_month, format="json"), 400, "settlement_month_open")
    empty = body(20, year=today.year - 2)
    assert_problem(api.post(settlements_url(partner), empty, format="json"), 400, "nothing_to_settle")
    assert not Settlement.objects.exists()
    # Twice: 409 already_settled
    first = api.post(settlements_url(partner), body(20), format="json").json()
    twice = api.post(settlements_url(partner), body(20, reference="TR-2"), format="json")
    assert_problem(twice, 409, "already_settled")
    # Reversing: a reason is required, and only once
    assert "reason" in assert_problem(api.post(reverse_url(first["id"]), {}, format="json"), 400, "invalid")["errors"]
    assert api.post(reverse_url(first["id"]), {"reason": "ผิด"}, format="json").status_code == 200
    assert_problem(
        api.post(reverse_url(first["id"]), {"reason": "อีกครั้ง"}, format="json"), 409, "settlement_already_reversed"
    )
    assert Settlement.objects.count() == 1
    assert_books_balance()


def test_the_schema_documents_the_settlement_endpoints(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    listing = paths["/api/v1/benefits/partners/{public_id}/settlements/"]
    assert {"get", "post"} <= set(listing)
    assert "201" in listing["post"]["responses"] and "409" in listing["post"]["responses"]
    reverse_op = paths["/api/v1/benefits/settlements/{public_id}/reverse/"]["post"]
    assert reverse_op["parameters"][0]["schema"]["format"] == "uuid"
    statement = schema["components"]["schemas"]["Statement"]["properties"]
    assert {"settlement", "to_settle_credits", "month_closed"} <= set(statement)
