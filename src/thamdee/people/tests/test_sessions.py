"""The session engine and the signed-in user's read, done in plain SQL on every request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from tests.factories import UserFactory
from thamdee.people.backends import MobileOrUsernameBackend
from thamdee.people.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_the_setting_uses_this_engine() -> None:
    assert settings.SESSION_ENGINE == "thamdee.people.sessions"


def test_a_saved_session_loads_back_and_an_expired_or_unknown_one_is_empty() -> None:
    first = SessionStore()
    first["answer"] = 42
    first.create()
    assert SessionStore(session_key=first.session_key).load() == {"answer": 42}
    Session.objects.filter(session_key=first.session_key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    expired = SessionStore(session_key=first.session_key)
    assert expired.load() == {} and expired.session_key is None
    assert SessionStore(session_key="x" * 32).load() == {}


def test_the_signed_in_user_is_the_same_row_and_only_while_active() -> None:
    user = UserFactory()
    backend = MobileOrUsernameBackend()
    loaded = backend.get_user(str(user.pk))  # the session keeps the id as text
    assert loaded == user
    assert (loaded.username, loaded.first_name, loaded.password, loaded.is_active) == (
        user.username,
        user.first_name,
        user.password,
        True,
    )
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user("not a number") is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert backend.get_user(user.pk) is None


def test_signing_in_and_out_through_the_pages(client) -> None:
    user = UserFactory(username="somchai")
    user.set_password("a long passphrase")
    user.save()
    response = client.post("/accounts/login/", {"username": "somchai", "password": "a long passphrase"})
    assert response.status_code == 302
    assert client.get("/").context["user"] == user
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated
