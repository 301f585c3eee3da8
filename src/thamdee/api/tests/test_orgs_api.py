"""The API applies the same authorisation as the web: a foreign object answers 404."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.orgs import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_token_sign_in_by_mobile_then_me(api):
    user = UserFactory(mobile="0865554444")
    response = api.post(
        "/api/v1/auth/token/", {"username": "086-555-4444", "password": "correct-horse-42"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == user
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api.get("/api/v1/me/").json()
    assert me["id"] == str(user.public_id)
    assert "national_id" not in me and me["has_national_id"] is False


def test_wrong_password_for_a_token_is_a_clear_error(api):
    UserFactory(mobile="0865554445")
    response = api.post("/api/v1/auth/token/", {"username": "0865554445", "password": "nope"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_credentials"


def test_areas_are_public_and_filterable(api):
    area("710911")
    area("710901")
    provinces = api.get("/api/v1/areas/", {"level": 1}).json()
    assert [a["code"] for a in provinces["results"]] == ["71"]
    children = api.get("/api/v1/areas/", {"parent": "7109"}).json()
    assert [a["code"] for a in children["results"]] == ["710901", "710911"]
    found = api.get("/api/v1/areas/", {"q": "หนองสาหร่าย"}).json()
    assert found["results"][0]["code"] == "710911"
    assert found["results"][0]["parent_code"] == "7109"


def test_member_lists_follow_the_web_rules(api):
    home = OrganisationFactory(area=area("710911"))
    organiser = member_of(home, is_organiser=True)
    member = member_of(home)
    outsider_admin = member_of(OrganisationFactory(area=area("400114")), is_admin=True)
    url = f"/api/v1/organisations/{home.public_id}/memberships/"
    api.force_authenticate(organiser)
    names = [m["person"]["name"] for m in api.get(url).json()["results"]]
    assert member.full_name in names
    api.force_authenticate(outsider_admin)
    assert api.get(url).status_code == 404
    api.force_authenticate(member)
    assert api.get(url).status_code == 404
    agency = AgencyStaffFactory(scope_area=area("71")).user
    api.force_authenticate(agency)
    assert api.get(url).status_code == 404  # agencies see aggregates, never member lists


def test_agency_staff_create_organisations_only_in_their_scope(api):
    staff = AgencyStaffFactory(scope_area=area("71")).user
    area("710911")
    area("400114")
    api.force_authenticate(staff)
    ok = api.post("/api/v1/organisations/", {"name_th": "กลุ่มใหม่", "kind": "community", "area": "710911"}, format="json")
    assert ok.status_code == 201
    assert ok.json()["area"] == "710911"
    refused = api.post(
        "/api/v1/organisations/", {"name_th": "กลุ่มไกล", "kind": "community", "area": "400114"}, format="json"
    )
    assert refused.status_code == 404


def test_adding_a_member_by_mobile_and_changing_roles(api):
    home = OrganisationFactory(area=area("710911"))
    admin = member_of(home, is_admin=True)
    person = UserFactory(mobile="0877776666")
    api.force_authenticate(admin)
    created = api.post(f"/api/v1/organisations/{home.public_id}/memberships/", {"mobile": "0877776666"}, format="json")
    assert created.status_code == 201
    membership_id = created.json()["id"]
    # An invitation: the person joins when they accept, and only then do their roles change.
    services.membership_accept(actor=person, membership=person.memberships.get())
    changed = api.patch(f"/api/v1/memberships/{membership_id}/", {"roles": ["member", "verifier"]}, format="json")
    assert changed.json()["roles"] == ["member", "verifier"]
    assert person.memberships.get().is_verifier
    assert api.delete(f"/api/v1/memberships/{membership_id}/").status_code == 204


def test_no_primary_keys_in_api_output(api):
    home = OrganisationFactory(area=area("710911"))
    body = api.get(f"/api/v1/organisations/{home.public_id}/").json()
    assert body["id"] == str(home.public_id)
    assert "pk" not in body and str(home.pk) != body["id"]
