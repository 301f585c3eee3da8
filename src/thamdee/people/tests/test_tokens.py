"""API tokens: one per account while it lasts; a new password ends them all; a client signs out by deleting its own."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from thamdee.people import services

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"


def token_for(mobile: str, password: str = PASSWORD) -> str:
    response = APIClient().post(reverse("api:token"), {"username": mobile, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def client_with(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_a_new_password_ends_the_tokens_given_under_the_old_one(client):
    user = UserFactory(mobile="0899990005")
    token = token_for("0899990005")
    assert client_with(token).get(reverse("api:me")).status_code == 200
    # Changed on the web page
    client.force_login(user)
    response = client.post(
        reverse("people:profile"),
        {
            "action": "password",
            "w-current_password": PASSWORD,
            "w-password1": "new-Str0ng-pass-9",
            "w-password2": "new-Str0ng-pass-9",
        },
    )
    assert response.status_code == 302
    assert client_with(token).get(reverse("api:me")).status_code == 401
    # Signing in with the new password gives a new token, which works
    fresh = token_for("0899990005", "new-Str0ng-pass-9")
    assert fresh != token and client_with(fresh).get(reverse("api:me")).status_code == 200


def test_the_service_ends_only_that_account_s_tokens():
    user, other = UserFactory(mobile="0899990006"), UserFactory(mobile="0899990007")
    token_for("0899990006")
    kept = token_for("0899990007")
    services.user_set_password(actor=user, user=user, password="new-Str0ng-pass-9", current_password=PASSWORD)
    assert not Token.objects.filter(user=user).exists()
    assert Token.objects.filter(user=other, key=kept).exists()


def test_a_client_signs_out_by_deleting_its_token():
    UserFactory(mobile="0899990008")
    token = token_for("0899990008")
    api = client_with(token)
    assert api.delete(reverse("api:token")).status_code == 204
    assert api.get(reverse("api:me")).status_code == 401
    # without a token, or with one that ended, there is nothing to delete
    assert APIClient().delete(reverse("api:token")).status_code == 401
    assert api.delete(reverse("api:token")).status_code == 401


def test_a_stale_token_sent_along_does_not_stop_signing_in():
    UserFactory(mobile="0899990009")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = api.post(reverse("api:token"), {"username": "0899990009", "password": PASSWORD}, format="json")
    assert response.status_code == 200
