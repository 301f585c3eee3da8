"""Bulk verification: 500 pending deeds verified in one action (awards posted as one batch), on PostgreSQL.

Set-up: one organisation with a published programme rulebook and a local catalogue, 500 members, a funded
allotment. Each round records 500 new pending deeds and times ``deed_verify_bulk`` end to end (locking, the
rules engine for every deed with caps, one batch of 500 awards, decisions, notifications, commit).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import statistics
import time
from collections.abc import Iterator

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from thamdee.bench.core import Figure

ROUNDS = 5
SIZE = 500
COST_ROUNDS = 3
SINGLE = 100


def _world() -> tuple:  # type: ignore[type-arg]
    from thamdee.areas.models import Area, AreaLevel
    from thamdee.creditrules import services as rules
    from thamdee.deeds import services
    from thamdee.deeds.seed import ensure_virtues_and_dimensions
    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import Programme
    from thamdee.orgs.models import AgencyStaff, Membership, Organisation, OrgKind
    from thamdee.people.models import User

    ensure_virtues_and_dimensions()
    province = Area.objects.create(code="71", level=AreaLevel.PROVINCE, name_th="กาญจนบุรี", province_code="71")
    district = Area.objects.create(
        code="7109",
        level=AreaLevel.DISTRICT,
        name_th="พนมทวน",
        parent=province,
        province_code="71",
        district_code="7109",
    )
    sub = Area.objects.create(
        code="710911",
        level=AreaLevel.SUBDISTRICT,
        name_th="หนองสาหร่าย",
        parent=district,
        province_code="71",
        district_code="7109",
        subdistrict_code="710911",
    )
    admin = User.objects.create(username="bench-admin", is_superuser=True, password=make_password(None))
    agency = Organisation.objects.create(name_th="ศูนย์คุณธรรม", kind=OrgKind.AGENCY, area=province)
    org = Organisation.objects.create(name_th="สภาองค์กรชุมชน", kind=OrgKind.COUNCIL, area=sub)
    programme = Programme.objects.create(code="bench", name_th="โครงการ", agency=agency)
    AgencyStaff.objects.create(user=admin, agency=agency, scope_area=None)
    book = rules.rulebook_get_or_create(programme=programme)
    draft = rules.rulebook_version_draft(
        actor=admin,
        rulebook=book,
        rules={
            "schema": 1,
            "rates": [{"id": "care", "deed_type": "elder-care", "per": "hour", "credits": 5}],
            "multipliers": [{"id": "t", "kind": "target_area", "areas": ["7109"], "factor": 1.5}],
            "caps": {"member_day": 100, "member_month": 1000},
        },
    )
    rules.rulebook_version_publish(actor=admin, version=draft, effective_from=dt.date(2020, 1, 1), allow_past=True)
    care = services.deed_type_create(
        actor=admin,
        programme=programme,
        organisation=org,
        code="elder-care",
        name_th="ดูแลผู้สูงอายุ",
        criterion="ชั่วโมง",
        unit="hour",
        virtues=["volunteering"],
        dimensions=["health"],
    )
    verifier = User.objects.create(username="bench-verifier", password=make_password(None))
    Membership.objects.create(user=verifier, organisation=org, is_verifier=True, is_organiser=True)
    users = User.objects.bulk_create(
        [
            User(username=f"bench-m{i}", first_name="สมาชิก", last_name=str(i), password="!", home_area=sub)
            for i in range(SIZE)
        ]
    )
    Membership.objects.bulk_create([Membership(user=u, organisation=org) for u in users])
    ledger.allotment_top_up(
        actor=admin, organisation=org, programme=programme, amount=10_000_000, idempotency_key="bench:deeds:topup"
    )
    return care, verifier, users


def _record(care, verifier, users, day):  # type: ignore[no-untyped-def]
    from thamdee.deeds import services
    from thamdee.deeds.models import Deed

    with transaction.atomic():
        deeds = services.deed_record_for(
            actor=verifier,
            entries=[services.DeedInput(member=u, deed_type=care, done_on=day, hours=2) for u in users],
        )
    return list(Deed.objects.filter(pk__in=[d.pk for d in deeds]).select_related("deed_type", "organisation"))


@contextlib.contextmanager
def _without_rollups() -> Iterator[None]:
    """Unhook the rollups (only for measuring what keeping them costs)."""
    from thamdee.deeds import hooks
    from thamdee.reports import increments

    with hooks.paused(increments.deeds_now_count, increments.deeds_stopped_counting):
        yield


def run() -> list[Figure]:
    from thamdee.deeds import services

    with transaction.atomic():
        care, verifier, users = _world()
    timings = []
    today = timezone.localdate()
    for round_no in range(ROUNDS):
        fresh = _record(care, verifier, users, today - dt.timedelta(days=round_no + 1))
        started = time.perf_counter()
        result = services.deed_verify_bulk(actor=verifier, deeds=fresh)
        timings.append(time.perf_counter() - started)
        assert len(result.verified) == SIZE, "every deed should be verified"
        print(f"  round {round_no + 1}: {SIZE} deeds in {timings[-1]:.2f} s", flush=True)

    # What keeping the rollups costs award throughput: rounds with and without the rollup hook, alternating so
    # that both see the same database size; bulk (500 at once) and single verifications.
    bulk: dict[bool, list[float]] = {True: [], False: []}
    single: dict[bool, list[float]] = {True: [], False: []}
    day_no = ROUNDS + 1
    for round_no in range(2 * COST_ROUNDS):
        with_rollups = round_no % 2 == 0
        fresh = _record(care, verifier, users, today - dt.timedelta(days=day_no))
        day_no += 1
        with contextlib.nullcontext() if with_rollups else _without_rollups():
            started = time.perf_counter()
            services.deed_verify_bulk(actor=verifier, deeds=fresh)
            bulk[with_rollups].append(SIZE / (time.perf_counter() - started))
        fresh = _record(care, verifier, users[:SINGLE], today - dt.timedelta(days=day_no))
        day_no += 1
        with contextlib.nullcontext() if with_rollups else _without_rollups():
            started = time.perf_counter()
            for deed in fresh:
                services.deed_verify(actor=verifier, deed=deed)
            single[with_rollups].append(SINGLE / (time.perf_counter() - started))
    figures = [
        Figure(
            "deeds",
            f"bulk verification of {SIZE} deeds (median of {ROUNDS})",
            statistics.median(timings),
            "s",
            goal=2.0,
            direction="<=",
            note=f"slowest {max(timings):.2f} s; one batch of {SIZE} awards, rollups and badges included",
        )
    ]
    for name, data in (("bulk", bulk), ("single", single)):
        on, off = statistics.median(data[True]), statistics.median(data[False])
        cost = 100 * (1 - on / off)
        print(f"  {name}: {on:,.0f} awards/s with rollups, {off:,.0f} without ({cost:.0f}% cost)", flush=True)
        figures.append(
            Figure(
                "deeds",
                f"award throughput kept with rollups ({name})",
                100 * on / off,
                "%",
                goal=70.0,
                direction=">=",
                note=f"{on:,.0f}/s with rollups, {off:,.0f}/s without (medians of {COST_ROUNDS} alternating rounds)",
            )
        )
    return figures
