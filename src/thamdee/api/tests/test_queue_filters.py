"""The verification queues' filters: an unknown value is a 400 naming the parameter, not the whole queue."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.worlds import build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "params, field",
    [({"status": "verifed"}, "status"), ({"deed_type": "x"}, "deed_type"), ({"from": "2026-13-01"}, "from"),
     ({"to": "yesterday"}, "to")],
)  # fmt: skip
def test_an_unknown_filter_value_is_refused_by_its_name(params, field):
    w = build_world()
    api = APIClient()
    api.force_authenticate(w.organiser)
    answer = api.get(f"/api/v1/organisations/{w.org.public_id}/deed-queue/", params)
    assert answer.status_code == 400 and answer["Content-Type"].startswith("application/problem+json")
    assert field in answer.json()["errors"]


def test_blank_and_known_filter_values_are_served():
    w = build_world()
    api = APIClient()
    api.force_authenticate(w.organiser)
    url = f"/api/v1/organisations/{w.org.public_id}/deed-queue/"
    for params in ({}, {"status": ""}, {"status": "open", "from": "", "to": "", "deed_type": ""},
                   {"status": "verified", "from": "2026-01-01", "to": "2026-12-31", "q": "สม"}):  # fmt: skip
        assert api.get(url, params).status_code == 200, params
