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


def test_crossing_batches_of_transfers_never_deadlock(funded_org):
    # Batches that move credits round a ring of wallets, one way and the other, at once: every batch touches the
    # same accounts, named in opposite orders. Each must lock them in one order (ascending) or they deadlock.
    from thamdee.ledger.models import JournalKind

    members = [member_of(funded_org) for _ in range(8)]
    for m in members:
        give(funded_org, m, 100)
    wallets = [selectors.wallet_of(m) for m in members]
    ring = list(zip(wallets, wallets[1:] + wallets[:1], strict=True))

    def batch(n: int) -> Any:
        pairs = ring if n % 2 else [(b, a) for a, b in reversed(ring)]
        return services.journal_post_batch(
            items=[
                services.BatchItem(kind=JournalKind.TRANSFER, legs=[(a, -1), (b, 1)], idempotency_key=f"ring{n}:{i}")
                for i, (a, b) in enumerate(pairs)
            ]
        )

    results = race([(lambda n=n: batch(n)) for n in range(24)])
    assert all(outcome(r) == "ok" for r in results), Counter(outcome(r) for r in results)
    assert [selectors.balance_of(m) for m in members] == [100] * 8
    assert_books_balance()


def test_a_batch_that_would_overdraw_one_wallet_posts_nothing(funded_org):
    from thamdee.ledger.errors import InsufficientCreditsError
    from thamdee.ledger.models import JournalKind
    from thamdee.ledger.posting import key_uuid

    rich, poor, other = (member_of(funded_org) for _ in range(3))
    give(funded_org, rich, 50)
    give(funded_org, poor, 2)
    give(funded_org, other, 1)
    w_rich, w_poor, w_other = (selectors.wallet_of(m) for m in (rich, poor, other))
    items = [
        services.BatchItem(kind=JournalKind.TRANSFER, legs=[(w_rich, -10), (w_other, 10)], idempotency_key="od:1"),
        services.BatchItem(kind=JournalKind.TRANSFER, legs=[(w_poor, -3), (w_other, 3)], idempotency_key="od:2"),
    ]
    with pytest.raises(InsufficientCreditsError):
        services.journal_post_batch(items=items)
    assert [selectors.balance_of(m) for m in (rich, poor, other)] == [50, 2, 1]
    assert not Journal.objects.filter(idempotency_key__in=[key_uuid("od:1"), key_uuid("od:2")]).exists()
    # The same batch within what each wallet holds posts whole.
    items[1] = services.BatchItem(kind=JournalKind.TRANSFER, legs=[(w_poor, -2), (w_other, 2)], idempotency_key="od:3")
    services.journal_post_batch(items=items)
    assert [selectors.balance_of(m) for m in (rich, poor, other)] == [40, 0, 13]
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
