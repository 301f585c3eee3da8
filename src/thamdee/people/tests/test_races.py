"""Races with real threads, each on its own connection (PostgreSQL): tries at the sign-up limiter at once still
count one by one."""

from __future__ import annotations

from collections import Counter

import pytest

from thamdee.ledger.tests.test_races import outcome, race
from thamdee.people import services
from thamdee.people.models import SignUpAttempt, User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_twenty_sign_ups_at_once_from_one_address_pass_the_limit_only_three_times(settings):
    settings.THAMDEE = {**settings.THAMDEE, "SIGNUP_LIMIT_PER_ADDRESS": 3, "SIGNUP_LIMIT_PER_IDENTITY": 2}
    results = race(
        [
            lambda n=n: services.user_sign_up(
                client_address="198.51.100.7",
                mobile=f"08377700{n:02d}",
                password="a-long-pass-99",
                first_name="มาลี",
                last_name="ใจดี",
            )
            for n in range(20)
        ]
    )
    assert Counter(outcome(r) for r in results) == {"ok": 3, "signup_rate_limited": 17}
    assert User.objects.filter(mobile__startswith="083777").count() == 3
    address_tries = Counter(SignUpAttempt.objects.values_list("key", flat=True)).most_common(1)[0][1]
    assert address_tries == 3


def test_lookups_at_once_by_one_person_pass_the_limit_only_up_to_it():
    from tests.factories import UserFactory

    prober = UserFactory(mobile="0837770999")
    results = race(
        [
            lambda n=n: services.family_link_add(actor=prober, relative_mobile=f"08377701{n:02d}", relation="sibling")
            for n in range(16)
        ]
    )
    counts = Counter(outcome(r) for r in results)
    assert counts == {"family_not_found": services.LOOKUP_LIMIT_PER_USER, "lookup_rate_limited": 6}, counts


def test_guesses_of_the_current_password_at_once_pass_the_limit_only_up_to_it():
    from tests.factories import UserFactory

    user = UserFactory(mobile="0837771999")
    results = race(
        [
            lambda n=n: services.user_set_password(
                actor=user, user=user, password="a-long-pass-99", current_password=f"guess-{n}"
            )
            for n in range(12)
        ]
    )
    counts = Counter(outcome(r) for r in results)
    limit = services.PASSWORD_CHECK_LIMIT_PER_USER
    assert counts == {"current_password_invalid": limit, "current_password_rate_limited": 12 - limit}, counts
    user.refresh_from_db()
    assert user.check_password("correct-horse-42")
