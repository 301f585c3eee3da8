"""A Hypothesis state machine over award, spend, gift, donate and reverse.

Invariants after every step: all postings sum to zero; no member balance below zero; every cached balance
equals the sum of its postings; one journal per idempotency key (replays included).
"""

from __future__ import annotations

import itertools

from django.db.models import Count, Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.factories import AgencyFactory, AgencyStaffFactory, OrganisationFactory, PartnerFactory, area, member_of
from thamdee.common.errors import DomainError
from thamdee.ledger import services
from thamdee.ledger.models import Account, AccountKind, CauseKind, Journal, JournalKind, Posting, Programme

MEMBERS = 4
_ids = itertools.count()


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.counter = _ids
        self.run = next(_ids)
        self.keys_used: set[str] = set()

    @initialize()
    def setup(self) -> None:
        Posting.objects.all()  # tables exist in the test transaction
        self.org = OrganisationFactory(area=area("710911"))
        programme = Programme.objects.create(code=f"p{self.run}", name_th="โครงการ", agency=AgencyFactory())
        staff = AgencyStaffFactory(scope_area=area("71")).user
        services.allotment_top_up(
            actor=staff,
            organisation=self.org,
            programme=programme,
            amount=5_000,
            idempotency_key=f"m{self.run}:topup",
        )
        self.members = [member_of(self.org) for _ in range(MEMBERS)]
        self.partner = PartnerFactory()
        self.journals: list[Journal] = []

    def key(self, reuse: int | None = None) -> str:
        if reuse is not None and self.keys_used:
            return sorted(self.keys_used)[reuse % len(self.keys_used)]
        value = f"m{self.run}:{next(self.counter)}"
        self.keys_used.add(value)
        return value

    def attempt(self, call) -> None:  # type: ignore[no-untyped-def]
        try:
            result = call()
        except DomainError:
            return  # refused cleanly: nothing written (the invariants check that)
        if not result.replayed:
            self.journals.append(result.journal)

    @rule(who=st.integers(0, MEMBERS - 1), amount=st.integers(1, 400), replay=st.none() | st.integers(0, 50))
    def award(self, who: int, amount: int, replay: int | None) -> None:
        self.attempt(
            lambda: services.award_post(
                actor=None,
                organisation=self.org,
                member=self.members[who],
                amount=amount,
                idempotency_key=self.key(replay),
                cause=(CauseKind.DEED, next(self.counter)),
            )
        )

    @rule(who=st.integers(0, MEMBERS - 1), amount=st.integers(1, 300))
    def spend(self, who: int, amount: int) -> None:
        self.attempt(
            lambda: services.spend_post(
                actor=None,
                member=self.members[who],
                partner=self.partner,
                amount=amount,
                idempotency_key=self.key(),
                cause=(CauseKind.VOUCHER, next(self.counter)),
            )
        )

    @rule(giver=st.integers(0, MEMBERS - 1), taker=st.integers(0, MEMBERS - 1), amount=st.integers(-2, 60))
    def gift(self, giver: int, taker: int, amount: int) -> None:
        self.attempt(
            lambda: services.gift_send(
                actor=self.members[giver], recipient=self.members[taker], amount=amount, idempotency_key=self.key()
            )
        )

    @rule(giver=st.integers(0, MEMBERS - 1), amount=st.integers(1, 60))
    def donate(self, giver: int, amount: int) -> None:
        self.attempt(
            lambda: services.donation_make(
                actor=self.members[giver], organisation=self.org, amount=amount, idempotency_key=self.key()
            )
        )

    @precondition(lambda self: bool(self.journals))
    @rule(pick=st.integers(0, 10_000), partial=st.booleans())
    def reverse(self, pick: int, partial: bool) -> None:
        journal = self.journals[pick % len(self.journals)]
        self.attempt(
            lambda: services.journal_reverse(actor=None, journal=journal, reason="test", amount=1 if partial else None)
        )

    @invariant()
    def postings_sum_to_zero(self) -> None:
        if not hasattr(self, "org"):
            return
        assert (Posting.objects.aggregate(s=Sum("amount"))["s"] or 0) == 0
        for row in Posting.objects.values("journal_id").annotate(s=Sum("amount"), n=Count("account_id")):
            assert row["s"] == 0 and row["n"] >= 2

    @invariant()
    def balances_are_sums_and_never_negative(self) -> None:
        if not hasattr(self, "org"):
            return
        sums = dict(Posting.objects.values_list("account_id").annotate(s=Sum("amount")))
        for account in Account.objects.exclude(kind=AccountKind.ISSUANCE):
            assert account.balance >= 0
            assert account.balance == sums.get(account.pk, 0)
            assert account.earned_total >= 0

    @invariant()
    def one_journal_per_key(self) -> None:
        if not hasattr(self, "org"):
            return
        assert Journal.objects.values("idempotency_key").annotate(n=Count("id")).filter(n__gt=1).count() == 0
        assert (
            Journal.objects.filter(reversal_of__isnull=False)
            .values("reversal_of")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
            == 0
        )
        assert not Journal.objects.filter(kind=JournalKind.REVERSAL, reversal_of__kind=JournalKind.REVERSAL).exists()


def test_ledger_state_machine(db):
    # All examples share the test's transaction; the invariants are about the whole book, so they must hold
    # across examples too.
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=30, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
