"""The API's rate limits (``api.throttling``): per signed-in person, per client address for anonymous calls and the
token exchange, counted in the database for every process, with a sliding window. The suite runs with them off;
these tests set them."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import UserFactory
from thamdee.api import throttling
from thamdee.api.models import RateCount

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):  # type: ignore[no-untyped-def]
    def set_rates(**rates: str | None) -> None:
        settings.THAMDEE = {**settings.THAMDEE, "API_RATES": {"user": None, "anon": None, "token": None, **rates}}

    return set_rates


def _public(client: APIClient, address: str = "192.0.2.10"):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/reports/public/", REMOTE_ADDR=address)


def test_an_anonymous_client_is_refused_over_its_rate_with_a_problem_and_retry_after(rates):
    rates(anon="3/h")
    client = APIClient()
    assert [_public(client).status_code for _ in range(3)] == [200, 200, 200]
    refused = _public(client)
    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("application/problem+json")
    body = refused.json()
    assert body["code"] == "throttled" and body["status"] == 429
    # the rest of this hour, and then until its 4 requests weigh no more than 3 (a quarter of the next hour)
    assert 900 <= int(refused["Retry-After"]) <= 4500
    # another address is another client; an IPv6 client is counted by its /64, whichever address of it it takes
    assert _public(client, "192.0.2.11").status_code == 200
    v6 = [_public(client, f"2001:db8:1:2::{n}").status_code for n in range(1, 5)]
    assert v6 == [200, 200, 200, 429]
    assert _public(client, "2001:db8:1:3::1").status_code == 200


def test_a_signed_in_person_is_counted_wherever_they_call_from(rates):
    rates(user="2/h", anon="1/h")
    person, other = UserFactory(), UserFactory()
    client = APIClient()
    client.force_authenticate(person)
    assert client.get("/api/v1/me/", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get("/api/v1/me/", REMOTE_ADDR="192.0.2.2").status_code == 200
    assert client.get("/api/v1/me/", REMOTE_ADDR="192.0.2.3").status_code == 429
    # someone else from the same address has a count of their own, and the anonymous rate is not theirs
    client.force_authenticate(other)
    assert client.get("/api/v1/me/", REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get("/api/v1/me/", REMOTE_ADDR="192.0.2.1").status_code == 200


def test_the_token_exchange_has_its_own_tighter_rate_per_address(rates):
    rates(token="2/min", anon="100/min")
    client = APIClient()
    body = {"username": "nobody", "password": "wrong"}
    tries = [
        client.post("/api/v1/auth/token/", {**body, "username": f"nobody{n}"}, format="json", REMOTE_ADDR="192.0.2.9")
        for n in range(3)
    ]
    assert [t.status_code for t in tries[:2]] == [400, 400] and tries[2].status_code == 429
    assert tries[2].json()["code"] == "throttled"
    assert _public(client, "192.0.2.9").status_code == 200  # other calls from the address are not held up


def test_no_rate_no_count(rates):
    rates()
    client = APIClient()
    assert _public(client).status_code == 200
    assert not RateCount.objects.exists()


def test_counts_are_keyed_digests_never_the_address_or_the_person(rates):
    rates(anon="5/min", user="5/min")
    person = UserFactory()
    client = APIClient()
    _public(client, "198.51.100.7")
    client.force_authenticate(person)
    client.get("/api/v1/me/")
    keys = list(RateCount.objects.values_list("key", flat=True))
    assert len(keys) == 2 and all(len(k) == 64 for k in keys)
    assert not any("198.51.100.7" in k or str(person.pk) == k for k in keys)


def test_the_window_slides_over_the_period_before():
    """Two requests in one period, then the next: the period before counts in full at its start, half at its
    middle; two periods on, it counts no more."""
    key, seconds = "k" * 64, 60
    start = 1_000_000 * seconds
    assert throttling.hit(key, seconds, start + 1) == (1, 0)
    assert throttling.hit(key, seconds, start + 2) == (2, 0)
    assert throttling.hit(key, seconds, start + seconds + 30) == (1, 2)  # the window holds 1 + 2 x 0.5
    assert throttling.hit(key, seconds, start + seconds + 31) == (2, 2)
    assert throttling.hit(key, seconds, start + 3 * seconds) == (1, 0)


def test_retry_after_is_when_the_window_is_back_within_the_rate():
    # 5 in this period, a limit of 3, a third of the way in: the next period starts in 40 s, and then the 5 must
    # fall to 3 (40 % of the period, 24 s more)
    assert throttling.wait_seconds(5, 0, 3, 60, 20) == 64
    # within the limit in this period, but the period before weighs too much: 2 + 4 x (1 - 0.25) = 5 > 4; it is
    # back to 4 when the period before weighs 2 (half of it gone): 15 s on
    assert throttling.wait_seconds(2, 4, 4, 60, 15) == 15


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("300/min", (300, 60)),
        ("10/s", (10, 1)),
        ("5/hour", (5, 3600)),
        (" 2 / d ", (2, 86400)),
        (None, None),
        ("", None),
    ],
)
def test_rates_are_read_as_requests_per_period(rate, parsed):
    assert throttling.parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["300", "x/min", "10/fortnight", "-1/min"])
def test_a_rate_written_wrong_is_a_clear_error(rate):
    with pytest.raises(ValueError, match="expected"):
        throttling.parse_rate(rate)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_from_many_connections_are_each_counted_once():
    """40 requests of one client at once, each on its own connection (as from several processes): each gets its
    own count, 1 to 40, and 30 of them are within a rate of 30."""
    calls = 40
    start = threading.Barrier(calls)
    now = 2_000_000 * 60 + 5

    def one(_index: int) -> tuple[int, int]:
        try:
            start.wait(timeout=30)
            return throttling.hit("c" * 64, 60, now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=calls) as pool:
        results = list(pool.map(one, range(calls)))
    assert sorted(hits for hits, _previous in results) == list(range(1, calls + 1))
    assert sum(1 for hits, previous in results if previous + hits <= 30) == 30
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'api_ratecount'")
        assert cursor.fetchone() == ("u",)  # unlogged: counting writes no WAL


def test_a_rate_written_wrong_stops_the_site_at_its_checks(rates):
    from thamdee.api.apps import check_api_rates

    rates(user="600/min")
    assert check_api_rates() == []
    rates(user="600 a minute")
    (error,) = check_api_rates()
    assert error.id == "api.E001" and "'user'" in error.msg and "600 a minute" in error.msg
