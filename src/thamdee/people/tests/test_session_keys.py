"""A session cookie is the client's to write: a key Django could not have made is no session, never a query that
fails in the database (a NUL, which Python's cookie parser makes of "\\000", is refused by PostgreSQL)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from thamdee.people.sessions import SessionStore

pytestmark = pytest.mark.django_db

NUL_COOKIE = 'sessionid="\\000abcdefghijklmnop"'  # the parser decodes the octal escape to "\x00abcdefghijklmnop"


@pytest.mark.parametrize("url", ["/", "/api/v1/areas/", "/api/v1/me/", "/accounts/login/"])
def test_a_nul_in_the_session_cookie_is_no_session_not_a_500(url: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(url, HTTP_COOKIE=NUL_COOKIE)
    assert response.status_code < 500
    if url == "/api/v1/me/":
        assert response.status_code in (401, 403)  # signed out, as with no cookie


@pytest.mark.parametrize(
    "key",
    [
        "\x00abcdefghijklmnop",
        "abcdefgh\x00ijklmnop",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345",  # Django makes lowercase only
        "abcdefghijklmnopqrstuvwxyz01234-",
        "ก" * 32,
        "a" * 41,  # longer than the column
        "abcdefg",  # shorter than Django's minimum
        "",
        None,
    ],
)
def test_a_key_django_could_not_have_made_is_no_session(key: str | None) -> None:
    store = SessionStore(session_key=key)
    assert store.session_key is None
    assert store.load() == {}


def test_a_real_session_still_signs_in() -> None:
    client = Client()
    client.force_login(UserFactory())
    key = client.cookies["sessionid"].value
    assert SessionStore(session_key=key).session_key == key
    assert client.get("/api/v1/me/").status_code == 200
