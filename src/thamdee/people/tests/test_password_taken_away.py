"""A password taken away (a site admin's form, "usable password": no) ends the account's API tokens as a new one
does, not only its web sessions elsewhere: an app on a lost phone loses its way into the account."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

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
