"""The rollups kept as deeds are verified, reversed and reinstated, and as credits are spent and refunded, equal a
rebuild from the raw tables."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
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

from tests.factories import PartnerFactory, area, member_of
from tests.worlds import build_world
from thamdee.deeds import services
from thamdee.deeds.models import DeedStatus
from thamdee.ledger import services as ledger
from thamdee.ledger.models import CauseKind, Journal
from thamdee.reports import rollups, selectors
from thamdee.reports.models import Rollup

pytestmark = pytest.mark.django_db
_ids = itertools.count()


def test_one_verified_deed_shows_at_every_level(db):
    w = build_world()
    deed = services.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=3)
    services.deed_verify(actor=w.verifier, deed=deed)
    fy = deed.fiscal_year
    for code in ("71", "7109", "710911", "71091101", ""):
        f = selectors.headline(code, fy)
        assert (f.deeds, f.credits_issued, f.participants, f.organisations) == (1, 15, 1, 1), code
        assert float(f.hours) == 3.0
    volunteering = {v.code: f for v, f in selectors.by_virtue("71", fy)}["volunteering"]
    assert volunteering.deeds == 1
    assert selectors.headline("40", fy).deeds == 0


def test_sensitive_deed_types_never_enter_a_rollup(db):
    from thamdee.people.models import ConsentPurpose
    from thamdee.people.services import consent_grant

    w = build_world()
    w.lost.is_sensitive = True
    w.lost.save()
    consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
    deed = services.deed_report(actor=w.member, deed_type=w.lost, done_on=w.today - dt.timedelta(days=1))
    services.deed_verify(actor=w.verifier, deed=deed)
    assert not Rollup.objects.filter(deeds__gt=0).exists()
    rollups.rebuild()
    assert not Rollup.objects.filter(deeds__gt=0).exists()


class RollupMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self) -> None:
        self.w = build_world()
        self.members = [self.w.member] + [member_of(self.w.org) for _ in range(3)]
        for m, code in zip(self.members, ["71091101", "71091102", "710911", "71091101"], strict=True):
            m.home_area = area(code)
            m.save()
        self.partner = PartnerFactory()
        self.pending: list = []
        self.verified: list = []
        self.spends: list = []

    @rule(
        who=st.integers(0, 3),
        days=st.integers(1, 28),
        hours=st.integers(1, 6),
        kind=st.sampled_from(["care", "save", "lost"]),
        village=st.sampled_from(["71091101", "71091102", "710911"]),
    )
    def report(self, who: int, days: int, hours: int, kind: str, village: str) -> None:
        deed_type = getattr(self.w, kind)
        deed = services.deed_report(
            actor=self.members[who],
            deed_type=deed_type,
            hours=hours,
            area=area(village),
            done_on=self.w.today - dt.timedelta(days=days),
        )
        self.pending.append(deed)

    @precondition(lambda self: bool(self.pending))
    @rule(count=st.integers(1, 4))
    def verify(self, count: int) -> None:
        batch, self.pending = self.pending[:count], self.pending[count:]
        result = services.deed_verify_bulk(actor=self.w.verifier, deeds=batch)
        for deed in result.awaiting_second:
            services.deed_verify(actor=self.w.verifier2, deed=deed)
        self.verified += batch

    @precondition(lambda self: bool(self.verified))
    @rule(pick=st.integers(0, 1000), appeal=st.booleans())
    def reverse(self, pick: int, appeal: bool) -> None:
        deed = self.verified.pop(pick % len(self.verified))
        deed.refresh_from_db()
        if deed.status != DeedStatus.VERIFIED:
            return
        services.deed_reverse(actor=self.w.verifier2, deed=deed, reason="ผิด")
        if appeal:
            item = services.appeal_file(actor=deed.member, deed=deed, reason="ถูก")
            services.appeal_decide(actor=self.w.verifier, appeal=item, uphold=True, reason="ถูกจริง")
            self.verified.append(deed)

    @rule(who=st.integers(0, 3), amount=st.integers(1, 8))
    def spend(self, who: int, amount: int) -> None:
        member = self.members[who]
        from thamdee.ledger.selectors import balance_of

        if balance_of(member) >= amount:
            result = ledger.spend_post(
                actor=member,
                member=member,
                partner=self.partner,
                amount=amount,
                idempotency_key=f"spend:{next(_ids)}",
                cause=(CauseKind.VOUCHER, next(_ids)),
            )
            self.spends.append(result.journal_id)

    @precondition(lambda self: bool(self.spends))
    @rule(pick=st.integers(0, 1000))
    def refund(self, pick: int) -> None:
        journal = Journal.objects.get(pk=self.spends.pop(pick % len(self.spends)))
        ledger.journal_reverse(actor=None, journal=journal, reason="หมดอายุ")

    @invariant()
    def equals_rebuild(self) -> None:
        if not hasattr(self, "w"):
            return
        incremental = rollups.snapshot()
        rollups.rebuild()
        assert rollups.snapshot() == incremental


def test_incremental_rollups_equal_the_rebuild(db):
    run_state_machine_as_test(
        RollupMachine,
        settings=settings(
            max_examples=8, stateful_step_count=14, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
