"""A JSON body nested deeper than any request needs is a 400 problem, signed in or not, never a 500 from an
exhausted stack (in the decoder or in the check for NUL characters)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory
from thamdee.api.parsers import MAX_JSON_DEPTH

pytestmark = pytest.mark.django_db

DEPTHS = [MAX_JSON_DEPTH + 1, 500, 990, 5000, 100_000]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def assert_too_deep(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "json_too_deep"
    assert problem["limit"] == MAX_JSON_DEPTH
    assert str(MAX_JSON_DEPTH) in problem["detail_th"] and str(MAX_JSON_DEPTH) in problem["detail_en"]


@pytest.mark.parametrize("depth", DEPTHS)
def test_signing_in_with_a_deeply_nested_body_is_a_400(depth: int) -> None:
    response = Client(raise_request_exception=False).post(
        "/api/v1/auth/token/", nested(depth), content_type="application/json"
    )
    assert_too_deep(response)


@pytest.mark.parametrize("depth", DEPTHS)
def test_a_deeply_nested_field_from_a_signed_in_person_is_a_400(depth: int) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory())
    response = client.patch("/api/v1/me/", '{"first_name": ' + nested(depth) + "}", content_type="application/json")
    assert_too_deep(response)


def test_nesting_up_to_the_limit_is_read_and_judged_as_usual() -> None:
    # MAX_JSON_DEPTH levels in all: the outer object and MAX_JSON_DEPTH - 1 lists.
    body = '{"username": ' + nested(MAX_JSON_DEPTH - 1) + ', "password": "x"}'
    response = Client(raise_request_exception=False).post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] != "json_too_deep"


def test_a_nul_deep_inside_is_still_refused() -> None:
    body = '{"username": ' + "[" * 60 + '"a\\u0000b"' + "]" * 60 + ', "password": "x"}'
    response = Client(raise_request_exception=False).post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "nul_character"
