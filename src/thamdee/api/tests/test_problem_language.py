"""A problem's ``title`` and ``detail`` are in the caller's language, with ``detail_th`` and ``detail_en`` beside
(as ``DomainError.as_problem`` renders them), for DRF's own errors too: a body that cannot be parsed (without the
Python decoder's text), a format that cannot be served, and too many requests (with the wait as ``seconds``)."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

THAI = re.compile(r"[\u0E00-\u0E7F]")


def _problem(response, status: int, code: str, language: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    assert body["detail_th"] and body["detail_en"]
    assert THAI.search(body["detail_th"])
    if language == "th":
        assert THAI.search(body["title"]), body
        assert body["detail"] == body["detail_th"], body
    else:
        assert not THAI.search(body["title"]), body
        assert body["detail"] == body["detail_en"], body
    return body


@pytest.mark.parametrize("language", ["th", "en"])
def test_malformed_json_is_a_parse_error_in_the_callers_language_without_the_decoders_text(language):
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.patch("/api/v1/me/", data="{bad", content_type="application/json", HTTP_ACCEPT_LANGUAGE=language)
    body = _problem(response, 400, "parse_error", language)
    for text in (body["title"], body["detail"], body["detail_th"], body["detail_en"]):
        assert "JSON" not in text and "Expecting" not in text and "char" not in text, body


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_format_that_cannot_be_served_is_not_acceptable_in_the_callers_language(language):
    response = APIClient().get("/api/v1/areas/", HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE=language)
    body = _problem(response, 406, "not_acceptable", language)
    assert "Accept header" not in body["detail"]


@pytest.mark.parametrize("language", ["th", "en"])
def test_too_many_requests_is_throttled_in_the_callers_language_with_the_seconds_to_wait(settings, language):
    settings.THAMDEE = {**settings.THAMDEE, "API_RATES": {"user": None, "anon": "1/h", "token": None}}
    api = APIClient()
    assert api.get("/api/v1/reports/public/", REMOTE_ADDR="192.0.2.77").status_code == 200
    response = api.get("/api/v1/reports/public/", REMOTE_ADDR="192.0.2.77", HTTP_ACCEPT_LANGUAGE=language)
    body = _problem(response, 429, "throttled", language)
    seconds = int(response["Retry-After"])
    assert body["seconds"] == seconds
    assert str(seconds) in body["detail_th"] and str(seconds) in body["detail_en"]
    assert "throttled" not in body["detail"].lower()
