"""The rollups kept as deeds are verified, reversed and reinstated, and as credits are spent and refunded, equal a
rebuild from the raw tables."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db.models import Sum
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
from thamdee.deeds.models import DeedStatus, DeedType, Virtue
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


def _cells_of(code: str, fy: int) -> set[tuple[int, str, str]]:
    return set(Rollup.objects.filter(area_code=code, fiscal_year=fy).values_list("month", "virtue", "dimension"))


def test_months_are_not_split_by_virtue_or_dimension_whole_years_are(db):
    w = build_world()
    deed = services.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=3)
    services.deed_verify(actor=w.verifier, deed=deed)
    month, year_cells = deed.month, {(0, "", ""), (0, "volunteering", ""), (0, "", "health")}
    assert _cells_of(deed.area.code, deed.fiscal_year) == {(month, "", ""), *year_cells}
    rollups.rebuild()
    assert _cells_of(deed.area.code, deed.fiscal_year) == {(month, "", ""), *year_cells}
    # what the month trend and the splits read is unchanged: the month's total, the year's splits
    months = {m: f for _y, m, f in selectors.by_month("71", deed.fiscal_year)}
    assert months[month].deeds == 1
    assert {d.code: f.deeds for d, f in selectors.by_dimension("71", deed.fiscal_year)}["health"] == 1


@pytest.mark.parametrize("virtue, dimension", [("volunteering", ""), ("", "health")])
def test_the_database_refuses_a_month_cell_split_by_virtue_or_dimension(db, virtue, dimension):
    from django.db import IntegrityError, transaction

    cell = {"area_code": "71091101", "province_code": "71", "district_code": "7109", "subdistrict_code": "710911"}
    Rollup.objects.create(**cell, fiscal_year=2026, month=0, virtue=virtue, dimension=dimension)
    Rollup.objects.create(**cell, fiscal_year=2026, month=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rollup.objects.create(**cell, fiscal_year=2026, month=3, virtue=virtue, dimension=dimension)


@pytest.mark.django_db(transaction=True)
def test_the_migration_deletes_month_splits_and_keeps_the_rest():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("reports", "0003_orgrollup_top_by_deeds")], [("reports", "0004_rollup_split_by_year")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("reports", "Rollup")
    cell = {"area_code": "71091101", "province_code": "71", "district_code": "7109", "subdistrict_code": "710911"}
    for month, virtue, dimension in [(3, "", ""), (3, "honesty", ""), (3, "", "health"), (0, "honesty", "")]:
        old.objects.create(**cell, fiscal_year=2026, month=month, virtue=virtue, dimension=dimension, deeds=1)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    try:
        assert _cells_of("71091101", 2026) == {(3, "", ""), (0, "honesty", "")}
    finally:  # the later tests on this database need every migration since
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


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
        # a type of two virtues counted under the second (its main one), and a type of no main dimension
        self.w.both = services.deed_type_create(
            actor=self.w.admin,
            programme=self.w.programme,
            organisation=self.w.org,
            code="both",
            name_th="สองคุณธรรม",
            criterion="-",
            unit="hour",
            virtues=["sufficiency", "volunteering"],
            dimensions=["health", "society"],
            main_virtue="volunteering",
        )
        DeedType.objects.filter(pk=self.w.save.pk).update(main_dimension=None)
        self.w.save.refresh_from_db()
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
        kind=st.sampled_from(["care", "save", "lost", "both"]),
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

    @rule(code=st.sampled_from(["sufficiency", "volunteering", "honesty"]), ordering=st.integers(0, 9))
    def reorder_the_catalogue(self, code: str, ordering: int) -> None:
        """The catalogue's order changes nothing counted: a type's main virtue was chosen when it was added."""
        Virtue.objects.filter(code=code).update(ordering=ordering)

    @invariant()
    def equals_rebuild(self) -> None:
        if not hasattr(self, "w"):
            return
        incremental = rollups.snapshot()
        rollups.rebuild()
        assert rollups.snapshot() == incremental
        _assert_splits_add_up()


def _assert_splits_add_up() -> None:
    """Each whole-year cell's virtues, and its dimensions, add up to it: every deed counts under exactly one."""
    year = Rollup.objects.filter(month=0)
    for split in ("virtue", "dimension"):
        parts = (
            year.exclude(**{split: ""})
            .values("area_code", "fiscal_year")
            .annotate(deeds=Sum("deeds"), credits=Sum("credits_issued"), hours=Sum("hours"))
        )
        totals = {
            (r.area_code, r.fiscal_year): (r.deeds, r.credits_issued, r.hours)
            for r in year.filter(virtue="", dimension="", deeds__gt=0)
        }
        assert {
            (p["area_code"], p["fiscal_year"]): (p["deeds"], p["credits"], p["hours"]) for p in parts if p["deeds"]
        } == totals, split


def test_incremental_rollups_equal_the_rebuild(db):
    run_state_machine_as_test(
        RollupMachine,
        settings=settings(
            max_examples=8, stateful_step_count=14, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
