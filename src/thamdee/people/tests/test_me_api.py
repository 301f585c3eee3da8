"""``PATCH /api/v1/me/``: a mobile number in any form the sign-in reads, and the current password to change it."""

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory
from thamdee.people.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"


def api_for(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize("typed", ["08๑๒๓๔๕๖๗๘", "+66 81 234 5678", "(081) 234-5678", "+๖๖ ๘๑ ๒๓๔ ๕๖๗๘"])
def test_a_mobile_number_in_any_form_the_sign_in_reads_is_kept_in_its_one_form(typed):
    user = UserFactory(mobile="0899990021")
    response = api_for(user).patch("/api/v1/me/", {"mobile": typed, "current_password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["mobile"] == "0812345678"
    assert "current_password" not in response.json()
    user.refresh_from_db()
    assert user.mobile == "0812345678"


@pytest.mark.parametrize("current", [None, "", "wrong-password"])
def test_a_new_mobile_number_needs_the_current_password(current):
    user = UserFactory(mobile="0899990022")
    body = {"mobile": "0899990023"} | ({"current_password": current} if current is not None else {})
    response = api_for(user).patch("/api/v1/me/", body, format="json")
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "current_password_invalid"
    assert problem["detail_th"] and problem["detail_en"]
    user.refresh_from_db()
    assert user.mobile == "0899990022"


def test_other_details_need_no_password_and_a_member_without_one_is_not_asked():
    user = UserFactory(mobile="0899990024")
    assert api_for(user).patch("/api/v1/me/", {"first_name": "มานะ", "mobile": "089-999-0024"}).status_code == 200
    added = UserFactory(mobile="0899990025")
    added.set_unusable_password()
    added.save()
    response = api_for(added).patch("/api/v1/me/", {"mobile": "0899990026"}, format="json")
    assert response.status_code == 200
    assert response.json()["mobile"] == "0899990026"


def test_the_schema_asks_for_the_current_password_and_never_returns_it():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    request = components["PatchedMeRequest"]["properties"]
    assert request["current_password"]["type"] == "string"
    assert request["mobile"]["maxLength"] == 20
    assert "current_password" not in components["Me"]["properties"]
