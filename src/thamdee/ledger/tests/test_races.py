"""Races with real threads, each on its own database connection (PostgreSQL and SQLite)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.factories import PartnerFactory, member_of
from tests.races import outcome, race
from thamdee.ledger import selectors, services
from thamdee.ledger.models import CauseKind, Journal

from .conftest import assert_books_balance, give, key

pytestmark = pytest.mark.django_db(transaction=True)


def test_200_concurrent_one_credit_spends_against_a_balance_of_10(funded_org, member):
    give(funded_org, member, 10)
    partner = PartnerFactory()
    results = race(
        [
            (
                lambda i=i: services.spend_post(
                    actor=member,
                    member=member,
                    partner=partner,
                    amount=1,
                    idempotency_key=f"race-spend:{i}",
                    cause=(CauseKind.VOUCHER, i),
                )
            )
            for i in range(200)
        ]
    )
    counts = Counter(outcome(r) for r in results)
    assert counts == {"ok": 10, "insufficient_credits": 190}, counts
    assert selectors.balance_of(member) == 0
    assert_books_balance()


def test_the_same_idempotency_key_sent_10_times_at_once_posts_one_journal(funded_org, member):
    results = race(
        [
            (
                lambda: services.award_post(
                    actor=None,
                    organisation=funded_org,
                    member=member,
                    amount=7,
                    idempotency_key="race-key",
                    cause=(CauseKind.DEED, 77),
                )
            )
            for _ in range(10)
        ]
    )
    assert all(outcome(r) == "ok" for r in results), [outcome(r) for r in results]
    assert len({r.journal.pk for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert Journal.objects.filter(cause_kind=CauseKind.DEED, cause_id=77).count() == 1
    assert selectors.balance_of(member) == 7
    assert_books_balance()


def test_crossing_gifts_between_two_members_never_deadlock(funded_org):
    a, b = member_of(funded_org), member_of(funded_org)
    give(funded_org, a, 100)
    give(funded_org, b, 100)
    calls = []
    for i in range(40):
        calls.append(lambda i=i: services.gift_send(actor=a, recipient=b, amount=1, idempotency_key=f"ab:{i}"))
        calls.append(lambda i=i: services.gift_send(actor=b, recipient=a, amount=1, idempotency_key=f"ba:{i}"))
    results = race(calls)
    assert all(outcome(r) == "ok" for r in results), Counter(outcome(r) for r in results)
    assert (selectors.balance_of(a), selectors.balance_of(b)) == (100, 100)
    assert_books_balance()


def test_concurrent_batches_and_single_awards_share_an_allotment_without_overdraft(funded_org):
    # The allotment holds 10,000: ten batches of 5 x 300 (15,000 asked for) cannot all fit.
    members = [member_of(funded_org) for _ in range(5)]

    def batch(n: int) -> Any:
        return services.award_post_batch(
            actor=None,
            items=[
                services.AwardItem(
                    organisation=funded_org,
                    member=m,
                    amount=300,
                    idempotency_key=f"b{n}:{i}",
                    cause=(CauseKind.DEED, n * 10 + i),
                )
                for i, m in enumerate(members)
            ],
        )

    results = race([(lambda n=n: batch(n)) for n in range(10)])
    counts = Counter(outcome(r) for r in results)
    assert counts["ok"] == 6 and counts["allotment_exhausted"] == 4, counts
    assert sum(selectors.balance_of(m) for m in members) == 6 * 1500
    assert_books_balance()
    assert key()  # the helper still hands out fresh keys after a race


def test_ten_top_ups_at_once_never_pass_the_programmes_budget(org, programme, staff):
    from tests.factories import AgencyStaffFactory
    from thamdee.common.thaitime import current_fiscal_year
    from thamdee.ledger.models import ProgrammeBudget

    year = current_fiscal_year()
    national = AgencyStaffFactory(agency=programme.agency, scope_area=None).user
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=year, credits=50)
    results = race(
        [
            (
                lambda i=i: services.allotment_top_up(
                    actor=staff,
                    organisation=org,
                    programme=programme,
                    amount=10,
                    idempotency_key=f"race-topup:{i}",
                    fiscal_year=year,
                )
            )
            for i in range(10)
        ]
        # and the budget lowered to what is issued while they run: never below it
        + [lambda: services.programme_budget_set(actor=national, programme=programme, fiscal_year=year, credits=30)]
    )
    counts = Counter(outcome(r) for r in results[:10])
    issued = selectors.issued_in(programme, year)
    budget = ProgrammeBudget.objects.get().credits
    assert issued <= budget, (issued, budget, counts)
    assert counts["ok"] * 10 == issued and counts["ok"] + counts["budget_exceeded"] == 10, counts
    assert outcome(results[10]) in ("ok", "budget_below_issued")
    assert_books_balance()
