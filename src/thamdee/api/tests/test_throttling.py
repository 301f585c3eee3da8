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
    # the rest of this hour, and then until its 3 requests weigh no more than 2 (a third of the next hour)
    assert 1200 <= int(refused["Retry-After"]) <= 4800
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


def _token(client: APIClient, username: str, password: str = "wrong", address: str = "192.0.2.9"):  # type: ignore[no-untyped-def]  # noqa: S107
    body = {"username": username, "password": password}
    return client.post("/api/v1/auth/token/", body, format="json", REMOTE_ADDR=address)


def test_the_token_exchange_has_its_own_tighter_rate_per_address_and_name(rates):
    rates(token="2/min", anon="100/min")
    client = APIClient()
    tries = [_token(client, "0899990002"), _token(client, "089-999-0002"), _token(client, "+66 89 999 0002")]
    # one mobile number however it is written
    assert [t.status_code for t in tries[:2]] == [400, 400] and tries[2].status_code == 429
    assert tries[2].json()["code"] == "throttled"
    assert _token(client, "someone-else").status_code == 400  # another name from the address is not held up
    assert _token(client, "0899990002", address="192.0.2.8").status_code == 400  # nor the name from elsewhere
    assert _public(client, "192.0.2.9").status_code == 200  # nor other calls from the address


def test_one_script_behind_a_shared_address_does_not_keep_a_neighbour_out(rates):
    """A village (or a carrier's CGNAT) shares one address: a script trying names and passwords there is held
    to the address's anonymous rate, and its refused tries do not count, so a neighbour's correct password is
    taken while the address is under that rate (never refused by the address alone before it)."""
    rates(token="30/min", anon="40/min")
    neighbour = UserFactory()
    neighbour.set_password("correct-horse-42")
    neighbour.save()
    client = APIClient()
    for n in range(30):
        _token(client, f"x{n}", address="203.0.113.5")
    own = _token(client, neighbour.username, "correct-horse-42", address="203.0.113.5")
    assert own.status_code == 200, own.content


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
    middle; two periods on, it counts no more. A refused request is not counted."""
    key, seconds = "k" * 64, 60
    start = 1_000_000 * seconds
    assert throttling.hit(key, 3, seconds, start + 1) == (True, 1, 0)
    assert throttling.hit(key, 3, seconds, start + 2) == (True, 2, 0)
    # the window at each request: the period before weighted, this period's, and this request
    assert throttling.hit(key, 3, seconds, start + seconds + 30) == (True, 1, 2)  # 2 x 0.5 + 0 + 1 = 2
    assert throttling.hit(key, 3, seconds, start + seconds + 31) == (True, 2, 2)  # 2 x 0.48 + 1 + 1 = 2.97
    assert throttling.hit(key, 3, seconds, start + seconds + 32) == (False, 2, 2)  # 2 x 0.47 + 2 + 1 = 3.93
    assert throttling.hit(key, 3, seconds, start + seconds + 59) == (False, 2, 2)  # refused: not counted
    assert throttling.hit(key, 3, seconds, start + 2 * seconds) == (True, 1, 2)  # 2 x 1 + 0 + 1 = 3
    assert throttling.hit(key, 3, seconds, start + 4 * seconds) == (True, 1, 0)


def test_a_late_request_of_the_period_before_is_counted_in_the_rows_period():
    """Two processes read the clock either side of a period's turn, and the one that read it earlier writes later:
    it is counted in the row's (newer) period, and nothing counted so far is forgotten."""
    key, seconds = "r" * 64, 60
    start = 1_000_000 * seconds
    for n in range(1, 6):
        assert throttling.hit(key, 100, seconds, start + n) == (True, n, 0)
    assert throttling.hit(key, 100, seconds, start + seconds + 0.01) == (True, 1, 5)
    assert throttling.hit(key, 100, seconds, start + seconds - 0.01) == (True, 2, 5)


@pytest.fixture
def clock(monkeypatch):  # type: ignore[no-untyped-def]
    """The throttle's clock, set by the test (``clock.now``)."""
    from types import SimpleNamespace

    fake = SimpleNamespace(now=1_000_000 * 3600 + 10.0)
    monkeypatch.setattr(throttling, "time", SimpleNamespace(time=lambda: fake.now))
    return fake


@pytest.mark.parametrize("rate", ["1/min", "3/min", "5/h"])
def test_a_client_that_waits_as_retry_after_says_is_served(rates, clock, rate):
    rates(anon=rate)
    limit = int(rate.split("/")[0])
    client = APIClient()
    assert [_public(client).status_code for _ in range(limit)] == [200] * limit
    clock.now += 1
    refused = _public(client)
    assert refused.status_code == 429
    wait = int(refused["Retry-After"])
    clock.now += wait - 1
    assert _public(client).status_code == 429  # a second sooner is too soon
    clock.now += 1
    assert _public(client).status_code == 200


def test_retry_after_is_when_one_more_request_fits_the_window():
    # 3 served in this period, a limit of 3, a third of the way in: the next period starts in 40 s, and then the 3
    # must weigh no more than 2 (a third of that period gone, 20 s more)
    assert throttling.wait_seconds(3, 0, 3, 60, 20) == 60
    # 2 in this period, 4 in the one before, a limit of 4, a quarter in: 2 + 4 x 0.75 = 5 > 3; the period before
    # must weigh 1 (three quarters of it gone): 30 s on
    assert throttling.wait_seconds(2, 4, 4, 60, 15) == 30


def test_a_missing_counts_table_serves_the_call_and_logs_it(rates, caplog):
    """Deployed before `migrate`, or the table lost: the call is served, unthrottled, and the failure logged."""
    rates(anon="300/min")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE api_ratecount")  # rolled back with the test's transaction
    client = APIClient()
    client.raise_request_exception = False
    assert _public(client).status_code == 200
    assert "Rate limit not counted (scope anon)" in caplog.text


@pytest.mark.postgres
def test_a_read_only_database_serves_reads(rates):
    """A read-only database (a hot standby, default_transaction_read_only during maintenance): reads are served."""
    rates(anon="300/min")
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION READ ONLY")
    client = APIClient()
    client.raise_request_exception = False
    assert _public(client).status_code == 200


@pytest.mark.parametrize(
    ("rate", "parsed"),
    [
        ("300/min", (300, 60)),
        ("10/s", (10, 1)),
        ("5/hour", (5, 3600)),
        (" 2 / d ", (2, 86400)),
        ("7/second", (7, 1)),
        ("100/day", (100, 86400)),
        (None, None),
        ("", None),
    ],
)
def test_rates_are_read_as_requests_per_period(rate, parsed):
    assert throttling.parse_rate(rate) == parsed


@pytest.mark.parametrize("rate", ["300", "x/min", "10/fortnight", "-1/min", "0/min", "1000/month", "10/ms"])
def test_a_rate_written_wrong_is_a_clear_error(rate):
    with pytest.raises(ValueError, match="expected"):
        throttling.parse_rate(rate)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_from_many_connections_are_each_counted_once():
    """40 requests of one client at once, each on its own connection (as from several processes), against a rate of
    30: exactly 30 are served, each counted once (1 to 30), and the 10 refused see the 30."""
    calls = 40
    start = threading.Barrier(calls)
    now = 2_000_000 * 60 + 5

    def one(_index: int) -> tuple[bool, int, int]:
        try:
            start.wait(timeout=30)
            return throttling.hit("c" * 64, 30, 60, now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=calls) as pool:
        results = list(pool.map(one, range(calls)))
    served = sorted(hits for allowed, hits, _previous in results if allowed)
    assert served == list(range(1, 31))  # exactly the rate served, each counted once
    assert all(hits == 30 for allowed, hits, _previous in results if not allowed)
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
