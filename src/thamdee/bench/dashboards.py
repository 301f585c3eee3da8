"""Dashboards on the national data set: the rollups' read times beside the raw tables', and what keeping the
rollups costs a verification at that size.

Set-up: ``thamdee generate national`` (2 million members and 10 million deeds by default) in a database of the
bench's own, or one kept from an earlier run (``--reuse``). Then:

- every read the agency dashboard makes (whether the area is hidden in the lists above it, headline, months,
  virtues, dimensions, areas one level down, target areas against the rest, the most active organisations), for
  the whole country, every province, and samples of districts and subdistricts, each timed on its own: p50 and p95
  against the 50 ms goal;
- the top 100 organisations of every province: p95 against the 5 ms goal;
- the same headline computed from the raw deeds instead (the whole country and one province), which is what a
  dashboard without rollups would have to do;
- single verifications of new deeds spread over the country, with and without the rollup hook, alternating:
  the throughput kept with rollups against the 70 % goal (at most 30 % cost).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from thamdee.bench.core import Figure

ROUNDS = 5


@dataclass
class Options:
    members: int = 2_000_000
    deeds: int = 10_000_000
    seed: int = 1
    verifications: int = 200


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def has_data() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM deeds_deed)")
        return bool(cursor.fetchone()[0])


def generate(opts: Options) -> None:
    from thamdee.bench import national

    national.generate(national.Options(members=opts.members, deeds=opts.deeds, seed=opts.seed))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed(samples: dict[str, list[float]], name: str, call: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = call()
    samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return result


def _scopes(rng: random.Random) -> list[str]:
    from thamdee.areas.models import Area, AreaLevel

    provinces = list(Area.objects.filter(level=AreaLevel.PROVINCE).values_list("code", flat=True))
    districts = list(Area.objects.filter(level=AreaLevel.DISTRICT).values_list("code", flat=True))
    subdistricts = list(Area.objects.filter(level=AreaLevel.SUBDISTRICT).values_list("code", flat=True))
    return ["", *provinces, *rng.sample(districts, 60), *rng.sample(subdistricts, 60)]


def _read_times(fy: int, rng: random.Random) -> tuple[dict[str, list[float]], list[float], list[float]]:
    """Each dashboard read, per scope; the dashboard's total per scope; the top 100 of each province."""
    from thamdee.reports import selectors

    scopes = _scopes(rng)
    reads: dict[str, list[float]] = {}
    totals: list[float] = []
    top: list[float] = []
    # As the dashboard reads them: whether the area is hidden in the lists above it first (one read of those lists,
    # from the country down), then every read of its own page with that answer.
    calls: list[tuple[str, Callable[[str, Any], Any]]] = [
        ("headline", lambda code, hidden: selectors.headline(code, fy, hidden=hidden)),
        ("months", lambda code, hidden: selectors.by_month(code, fy, hidden=hidden)),
        ("virtues", lambda code, hidden: selectors.by_virtue(code, fy, hidden=hidden)),
        ("dimensions", lambda code, hidden: selectors.by_dimension(code, fy, hidden=hidden)),
        ("areas one level down", lambda code, hidden: selectors.by_child_area(code, fy, hidden=hidden)),
        ("target areas vs the rest", lambda code, hidden: selectors.target_vs_other(code, fy, hidden=hidden)),
        ("top 20 organisations", lambda code, hidden: selectors.top_organisations(code, fy, limit=20)),
    ]
    for code in scopes:  # warm the caches once
        hidden = selectors.hidden_above(code, fy)
        for _name, call in calls:
            call(code, hidden)
    for _ in range(ROUNDS):
        for code in scopes:
            started = time.perf_counter()
            hidden = _timed(
                reads,
                "hidden in the lists above",
                lambda code=code: selectors.hidden_above(code, fy),  # type: ignore[misc]
            )
            for name, call in calls:
                _timed(reads, name, lambda call=call, code=code, hidden=hidden: call(code, hidden))  # type: ignore[misc]
            totals.append((time.perf_counter() - started) * 1000)
            if len(code) == 2:
                started = time.perf_counter()
                selectors.top_organisations(code, fy, limit=100)
                top.append((time.perf_counter() - started) * 1000)
    return reads, totals, top


RAW_HEADLINE = """
    SELECT count(*), coalesce(sum(d.hours), 0), coalesce(sum(d.credits), 0), count(DISTINCT d.member_id),
           count(DISTINCT d.organisation_id)
      FROM deeds_deed d JOIN deeds_deedtype t ON t.id = d.deed_type_id JOIN areas_area a ON a.id = d.area_id
     WHERE d.status = 'verified' AND NOT t.is_sensitive AND d.fiscal_year = %s {where}
"""


def _raw_headline(fy: int, province: str) -> tuple[float, float]:
    out = []
    for where, params in (("", []), ("AND a.province_code = %s", [province])):
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(RAW_HEADLINE.format(where=where), [fy, *params])
            cursor.fetchall()
            out.append((time.perf_counter() - started) * 1000)
    return out[0], out[1]


@contextlib.contextmanager
def _without_rollups() -> Iterator[None]:
    from thamdee.deeds import hooks
    from thamdee.reports import increments

    with hooks.paused(increments.deeds_now_count, increments.deeds_stopped_counting):
        yield


def _verification_cost(opts: Options, rng: random.Random) -> tuple[float, float]:
    """Awards per second of single verifications, with and without rollups, on the national data set."""
    from thamdee.deeds import services
    from thamdee.deeds.models import Deed, DeedType
    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import Programme
    from thamdee.orgs.models import Membership
    from thamdee.people.models import User
    from thamdee.reports import increments

    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    programme = Programme.objects.order_by("pk").first()
    if admin is None or programme is None:
        raise SystemExit("the national data set has no site admin or programme: generate it again")
    verifiers = list(
        Membership.objects.filter(is_verifier=True, is_active=True)
        .select_related("user", "organisation")
        .order_by("pk")[:5000]
    )
    picks = rng.sample(verifiers, min(len(verifiers), 2 * opts.verifications))
    today = timezone.localdate()
    entries = []
    for n, verifier_of in enumerate(picks):
        org = verifier_of.organisation
        doer = (
            Membership.objects.filter(organisation=org, is_member=True, is_verifier=False, is_active=True)
            .select_related("user")
            .order_by("pk")
            .first()
        )
        deed_type = (
            DeedType.objects.filter(organisation=org, is_active=True, is_sensitive=False, unit="occurrence")
            .order_by("pk")
            .first()
        )
        if doer is None or deed_type is None:
            continue
        ledger.allotment_top_up(
            actor=admin,
            organisation=org,
            programme=programme,
            amount=1000,
            idempotency_key=f"bench:dashboards:topup:{org.pk}:{n}",
        )
        entries.append((verifier_of.user, doer.user, deed_type, n))
    pending = []
    for verifier, member, deed_type, n in entries:
        with transaction.atomic():
            deed = services.deed_record_for(
                actor=admin,
                entries=[
                    services.DeedInput(
                        member=member, deed_type=deed_type, done_on=today - dt.timedelta(days=1 + n % 20)
                    )
                ],
            )[0]
        pending.append((verifier, deed))
    rates: dict[bool, list[float]] = {True: [], False: []}
    size = max(1, len(pending) // (2 * 4))
    for round_no in range(8):
        with_rollups = round_no % 2 == 0
        batch = pending[round_no * size : (round_no + 1) * size]
        if not batch:
            break
        with contextlib.nullcontext() if with_rollups else _without_rollups():
            started = time.perf_counter()
            for verifier, deed in batch:
                services.deed_verify(actor=verifier, deed=Deed.objects.get(pk=deed.pk))
            rates[with_rollups].append(len(batch) / (time.perf_counter() - started))
        if not with_rollups:
            # Untimed: the round's deeds count now, before the next round verifies more deeds of the same people,
            # so the data set kept for later runs (--keep) still agrees with a rebuild (`thamdee reports check`).
            with transaction.atomic():
                ids = [deed.pk for _verifier, deed in batch]
                increments.deeds_now_count(list(Deed.objects.filter(pk__in=ids).order_by("pk")))
    return statistics.median(rates[True]), statistics.median(rates[False])


def run(opts: Options) -> list[Figure]:
    from thamdee.bench import national

    rng = random.Random(opts.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM deeds_deed")
        (deeds,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM people_user")
        (members,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM reports_rollup")
        (cells,) = cursor.fetchone()
    fy = national.fiscal_years(timezone.localdate())[1]
    print(f"  data set: {deeds:,} deeds, {members:,} people, {cells:,} rollup cells; fiscal year {fy + 543}")
    reads, totals, top = _read_times(fy, rng)
    every = [v for values in reads.values() for v in values]
    for name, values in reads.items():
        print(f"  {name:<28} p50 {_p(values, 0.5):7.2f} ms  p95 {_p(values, 0.95):7.2f} ms  max {max(values):7.2f} ms")
    raw_country, raw_province = _raw_headline(fy, "30")
    print(f"  raw deeds headline: country {raw_country:,.0f} ms, Nakhon Ratchasima {raw_province:,.0f} ms")
    with_rollups, without = _verification_cost(opts, rng)
    print(f"  single verifications: {with_rollups:,.1f}/s with rollups, {without:,.1f}/s without")
    scale = f"{deeds / 1e6:,.1f} M deeds, {members / 1e6:,.2f} M people"
    return [
        Figure(
            "dashboards",
            "dashboard read, p95 (each of 8 reads, 198 scopes)",
            _p(every, 0.95),
            "ms",
            goal=50.0,
            direction="<=",
            note=f"{scale}; p50 {_p(every, 0.5):.2f} ms; a whole dashboard p95 {_p(totals, 0.95):.1f} ms",
        ),
        Figure(
            "dashboards",
            "top 100 organisations of a province, p95",
            _p(top, 0.95),
            "ms",
            goal=5.0,
            direction="<=",
            note=f"77 provinces x {ROUNDS}; p50 {_p(top, 0.5):.2f} ms",
        ),
        Figure(
            "dashboards",
            "national headline from the raw deeds (no rollups)",
            raw_country,
            "ms",
            note=f"one province from the raw deeds: {raw_province:,.0f} ms; from the rollups: "
            f"p95 {_p(reads['headline'], 0.95):.2f} ms",
        ),
        Figure(
            "dashboards",
            "verification throughput kept with rollups (national)",
            100 * with_rollups / without,
            "%",
            goal=70.0,
            direction=">=",
            note=f"{with_rollups:,.1f}/s with rollups, {without:,.1f}/s without; single verifications spread "
            "over the country",
        ),
    ]
