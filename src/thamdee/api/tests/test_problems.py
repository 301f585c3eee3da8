"""Every API error is RFC 7807 problem+json with a stable code, in Thai and English."""

import pytest
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, UserFactory, area, member_of

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


@pytest.fixture
def api():
    return APIClient()


def test_not_signed_in_is_401_problem_json(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["status"] == 401
    assert body["detail_th"] and body["detail_en"]


def test_an_unknown_area_is_404_with_its_own_code(api):
    area("71")
    response = api.get("/api/v1/areas/99/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "area_not_found"


def test_validation_errors_list_the_fields(api):
    user = UserFactory(is_superuser=True)
    api.force_authenticate(user)
    response = api.post("/api/v1/organisations/", {"name_th": "", "kind": "nonsense", "area": "99"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {"name_th", "kind", "area"} <= set(body["errors"])


def test_a_domain_error_keeps_its_code(api):
    org = OrganisationFactory(area=area("710911"))
    admin = member_of(org, is_admin=True)
    own = admin.memberships.get()
    api.force_authenticate(admin)
    response = api.patch(f"/api/v1/memberships/{own.public_id}/", {"roles": ["member"]}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "last_admin"
    assert response["Content-Type"].startswith(PROBLEM)


def test_malformed_json_is_a_parse_error(api):
    api.force_authenticate(UserFactory())
    response = api.patch("/api/v1/me/", data="{bad", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_wrong_method_is_405(api):
    response = api.delete("/api/v1/areas/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    ("body", "fmt"),
    [
        ({"name_th": "กลุ่ม", "kind": "council", "area": "71\x00"}, "json"),  # a look-up value
        ({"name_th": "กลุ่ม", "kind": "council", "area": "71", "extra": {"k\x00": ["v"]}}, "json"),  # nested, a key
        ({"name_th": "กลุ่ม\x00", "kind": "council", "area": "71"}, "multipart"),
    ],
    ids=["json value", "json nested key", "form"],
)
def test_a_nul_character_in_a_body_is_a_clear_400_and_nothing_is_saved(api, body, fmt):
    from thamdee.orgs.models import Organisation

    area("71")
    api.force_authenticate(UserFactory(is_superuser=True))
    before = Organisation.objects.count()
    response = api.post("/api/v1/organisations/", body, format=fmt)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["code"] == "nul_character" and problem["detail_th"] and problem["detail_en"]
    assert Organisation.objects.count() == before
