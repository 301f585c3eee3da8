"""Sign-in lockout (django-axes): a user name with an address, never an address alone; an IPv6 client counted by
its /64, and the user name by the account it signs in to, however its number is written."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import UserFactory
from thamdee.people.lockout import lockout_address

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-42"


def login(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post(reverse("people:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize(
    ("remote", "counted"),
    [
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("2001:db8:1:3::1", "2001:db8:1:3::"),
        ("203.0.113.9", "203.0.113.9"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("", ""),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64(remote, counted):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR=remote)
    assert lockout_address(request) == counted


def test_rotating_addresses_within_a_64_does_not_escape_the_lockout(client):
    UserFactory(mobile="0899990004")
    for i in range(4):
        assert login(client, "0899990004", "wrong", ip=f"2001:db8::{i + 1:x}").status_code == 200
    assert login(client, "0899990004", "wrong", ip="2001:db8::5").status_code == 429  # the fifth failure locks
    assert login(client, "0899990004", ip="2001:db8::ff").status_code == 429
    # another network is another client
    assert login(client, "0899990004", ip="2001:db8:0:1::5").status_code == 302


@pytest.mark.parametrize("spelling", ["089-999-0002", "+66899990002", "66899990002", "089 999 0002", "(089)9990002"])
def test_writing_the_number_another_way_does_not_escape_the_lockout(client, spelling):
    UserFactory(mobile="0899990002")
    for _ in range(4):
        login(client, "0899990002", "wrong", ip="10.9.9.9")
    login(client, spelling, "wrong", ip="10.9.9.9")
    assert login(client, "0899990002", ip="10.9.9.9").status_code == 429
    assert login(client, spelling, ip="10.9.9.9").status_code == 429


def test_the_token_api_shares_the_count_whatever_the_spelling():
    UserFactory(mobile="0899990003")
    api = APIClient()
    for spelling in ["0899990003", "089-999-0003", "+66899990003", "089 999 0003"]:
        response = api.post("/api/v1/auth/token/", {"username": spelling, "password": "wrong-pass"}, format="json")
        assert response.status_code == 400
    response = api.post("/api/v1/auth/token/", {"username": "(089)9990003", "password": "wrong-pass"}, format="json")
    assert response.status_code == 429  # the fifth failure locks
    response = api.post("/api/v1/auth/token/", {"username": "08-99990003", "password": PASSWORD}, format="json")
    assert response.status_code == 429


@pytest.mark.parametrize(("failed_with", "then"), [("0812345671", "m0812345671"), ("m0812345671", "081-234-5671")])
def test_naming_the_account_another_way_does_not_escape_the_lockout(client, failed_with, then):
    """An account is counted once, whether it is named by its mobile number or its user name."""
    UserFactory(username="m0812345671", mobile="0812345671")
    for _ in range(5):
        login(client, failed_with, "wrong", ip="10.9.9.9")
    assert login(client, then, ip="10.9.9.9").status_code == 429
    # still the account with an address, never the address alone
    assert login(client, then, ip="10.1.1.1").status_code == 302


def test_the_mobile_number_in_thai_digits_is_the_same_account(client):
    UserFactory(mobile="0812345672")
    for _ in range(5):
        login(client, "๐๘๑๒๓๔๕๖๗๒", "wrong", ip="10.9.9.9")
    assert login(client, "0812345672", ip="10.9.9.9").status_code == 429
    assert login(client, "๐๘๑๒๓๔๕๖๗๒", ip="10.1.1.1").status_code == 302


def test_the_count_is_kept_under_the_account_and_a_name_no_account_holds_as_written():
    from django.test import RequestFactory

    from thamdee.people.lockout import lockout_username

    owner = UserFactory(username="somchai", mobile="0812345673")
    named = UserFactory(username="0812345674", mobile=None)  # a user name that looks like a number
    request = RequestFactory().post("/accounts/login/")
    key = {name: lockout_username(request, {"username": name}) for name in ["somchai", "+66 81 234 5673"]}
    assert set(key.values()) == {owner.mobile}  # the key erasure finds (privacy.selectors.sign_in_records)
    assert lockout_username(request, {"username": "0812345674"}) == named.username
    assert lockout_username(request, {"username": "081-234-5679"}) == "0812345679"
    assert lockout_username(request, {"username": "nobody"}) == "nobody"


@pytest.mark.parametrize("mobile", ["0812345675", None])
def test_erasure_still_finds_the_failed_tries_whichever_name_was_typed(client, mobile):
    from axes.models import AccessAttempt

    from thamdee.privacy.selectors import sign_in_records

    owner = UserFactory(username="malee", mobile=mobile)
    other = UserFactory(username="somying")
    for name in ["malee", "+66 81 234 5675", "๐๘๑๒๓๔๕๖๗๕", "somying"]:
        login(client, name, "wrong", ip="10.9.9.9")
    # the account's tries are kept under one name (privacy.selectors.sign_in_records finds it); another's are not
    assert {r.username for r in sign_in_records(AccessAttempt, owner)} == {mobile or "malee"}
    assert AccessAttempt.objects.filter(username=other.mobile).exists()
