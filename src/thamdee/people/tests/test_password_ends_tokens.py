"""What a new password ends (sessions elsewhere, API tokens), however it is set, and a password taken away too."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _token_for(user) -> str:  # type: ignore[no-untyped-def]
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": "correct-horse-42"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def test_profile_password_change_ends_other_sessions_and_tokens():
    user = UserFactory()
    key = _token_for(user)
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    response = here.post(
        reverse("people:profile"),
        {
            "action": "password",
            "w-current_password": "correct-horse-42",
            "w-password1": "a-new-Secret-phrase-9",
            "w-password2": "a-new-Secret-phrase-9",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("people:profile")).status_code == 200
    assert elsewhere.get(reverse("people:profile")).status_code == 302  # sent to sign in
    assert not Token.objects.filter(key=key).exists()


def test_password_set_by_site_admin_ends_the_api_tokens_of_the_account():
    """A member who lost a phone asks a site admin for a new password (the admin's "change password" form): the app
    on the lost phone must sign in again, as docs/authorisation.md promises for a new password. Tokens never expire,
    so one left behind is a permanent way into the account."""
    member = UserFactory()
    key = _token_for(member)
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {"password1": "a-new-Secret-phrase-9", "password2": "a-new-Secret-phrase-9", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content[:2000]
    member.refresh_from_db()
    assert member.check_password("a-new-Secret-phrase-9")
    # The old token must no longer open the API.
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401


def test_the_changepassword_command_ends_the_tokens_too_and_signing_in_ends_none(monkeypatch):
    from django.core.management import call_command

    member = UserFactory()
    key = _token_for(member)
    # Signing in (and Django's re-hashing of a password at sign-in) leaves the tokens alone
    client = Client()
    answer = client.post(reverse("people:login"), {"username": member.username, "password": "correct-horse-42"})
    assert answer.status_code == 302 and Token.objects.filter(key=key).exists()
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-new-Secret-phrase-9")
    call_command("changepassword", member.username, stdout=io.StringIO())
    assert not Token.objects.filter(key=key).exists()


def test_a_site_admin_disabling_the_password_ends_the_api_tokens_as_it_ends_the_sessions():
    member = UserFactory()
    key = _token_for(member)
    elsewhere = Client()
    elsewhere.force_login(member)
    admin = UserFactory(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        reverse("admin:auth_user_password_change", args=[member.pk]),
        {"usable_password": "false", "password1": "", "password2": "", "unset-password": "1"},
    )
    assert response.status_code == 302, response.content[:2000]
    member.refresh_from_db()
    assert not member.has_usable_password()
    # The web session elsewhere has ended (Django's session hash) ...
    assert elsewhere.get(reverse("people:profile")).status_code == 302
    # ... and so must the API token given out under the old password
    api = Client(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/me/").status_code == 401
