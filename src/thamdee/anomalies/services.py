"""Writes for pattern review: finding patterns in recent deeds, and a reviewer's decision on one.

Finding a pattern changes nothing else: no deed, credit, status or notice to the people in it. Reviewers act, if
they must, through the ordinary and appealable paths (rejecting a pending deed, reversing a verified one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.anomalies.errors import AnomalyAlreadyReviewedError, AnomalyReviewInvalidError
from thamdee.anomalies.models import REVIEW_OUTCOMES, Anomaly, AnomalyKind, AnomalyStatus
from thamdee.anomalies.permissions import can_review_anomaly
from thamdee.common.errors import NotFoundError
from thamdee.deeds.models import Decision, Deed, DeedStatus, Unit
from thamdee.inbox.services import notify
from thamdee.orgs.models import Membership
from thamdee.people.types import Actor

# Deeds that stand or may yet stand: rejected and reversed ones were already dealt with.
LIVE = [DeedStatus.PENDING, DeedStatus.AWAITING_SECOND, DeedStatus.VERIFIED]
APPROVALS = [Decision.Action.APPROVE, Decision.Action.FIRST_APPROVAL]
MAX_DEEDS = 50  # deeds kept with a pattern, for the reviewer to open


DEFAULTS = {"ANOMALY_DAYS": 30, "ANOMALY_LONG_DAY_HOURS": 16, "ANOMALY_BURST_DEEDS": 10}


def _conf(name: str) -> int:
    return int(getattr(settings, "THAMDEE", {}).get(name, DEFAULTS[name]))


@dataclass
class Found:
    kind: str
    key: str
    organisation_id: int | None  # None: a pattern across organisations (a reciprocal pair, a long day)
    person_id: int
    other_id: int | None = None
    on_date: dt.date | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    deed_ids: list[int] = field(default_factory=list)
    involved: set[int] = field(default_factory=set)


@dataclass
class DetectResult:
    created: int = 0
    updated: int = 0
    kept: int = 0  # found again, but every deed of it was in a reviewed pattern: left as the reviewer closed it
    by_kind: dict[str, int] = field(default_factory=dict)


# --- the patterns ---------------------------------------------------------------------------------------------

# Pairs of people who each approved (or first-approved) a live deed of the other's in the window. One statement on
# both databases: the distinct (verifier, member, organisation) triples, joined to themselves the other way round,
# first within one organisation (a pattern for that organisation's admins), then across organisations for the pairs
# that never did it within one (a pattern with no organisation: site admins review it, since no organisation's
# admins may read the other organisation's deeds).
RECIPROCAL_SQL = """
WITH v AS (
  SELECT DISTINCT d.actor_id AS verifier, e.member_id AS member, e.organisation_id AS org
    FROM deeds_decision d JOIN deeds_deed e ON e.id = d.deed_id
   WHERE d.action IN (%s, %s) AND d.at >= %s AND e.status IN (%s, %s, %s)
),
same AS (
  SELECT v1.org, v1.verifier, v1.member FROM v v1
    JOIN v v2 ON v2.org = v1.org AND v2.verifier = v1.member AND v2.member = v1.verifier
   WHERE v1.verifier < v1.member
),
p AS (SELECT DISTINCT verifier, member FROM v)
SELECT org, verifier, member FROM same
UNION ALL
SELECT NULL, p1.verifier, p1.member FROM p p1
  JOIN p p2 ON p2.verifier = p1.member AND p2.member = p1.verifier
 WHERE p1.verifier < p1.member
   AND NOT EXISTS (SELECT 1 FROM same s WHERE s.verifier = p1.verifier AND s.member = p1.member)
"""


def _deeds_by(qs: Any, fields: list[str], wanted: set[tuple[Any, ...]]) -> dict[tuple[Any, ...], list[int]]:
    """The newest ``MAX_DEEDS`` deed ids of each wanted group (the values of ``fields``), read for all the groups'
    members at once (in chunks, under SQLite's limit on parameters) instead of one query per group."""
    members = sorted({key[fields.index("member_id")] for key in wanted})
    found: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for start in range(0, len(members), 500):
        for pk, *values in qs.filter(member_id__in=members[start : start + 500]).values_list("pk", *fields):
            key = tuple(values)
            if key in wanted:
                found[key].append(pk)
    return {key: sorted(ids, reverse=True)[:MAX_DEEDS] for key, ids in found.items()}


def _reciprocal(since: dt.datetime) -> list[Found]:
    with connection.cursor() as cursor:
        # Adapted as the ORM would: SQLite keeps datetimes as text, so the parameter must be written the same way.
        cursor.execute(RECIPROCAL_SQL, [*APPROVALS, connection.ops.adapt_datetimefield_value(since), *LIVE])
        pairs = cursor.fetchall()
    wanted = {(org, a, b) for org, a, b in pairs}
    # Every approval between the people of some pair, read for all the pairs at once (in chunks of actors, under
    # SQLite's limit on parameters) and sorted to its pair: (organisation, or None across organisations, lower id,
    # higher id) -> {approver: deeds}.
    approved: dict[tuple[int | None, int, int], dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    people = sorted({person for _org, a, b in wanted for person in (a, b)})
    for start in range(0, len(people), 500):
        chunk = people[start : start + 500]
        rows = (
            Decision.objects.filter(
                action__in=APPROVALS,
                at__gte=since,
                deed__status__in=LIVE,
                actor_id__in=chunk,
                # the other person of a pair: in SQL while the list is short, else sorted out below
                **({"deed__member_id__in": people} if len(people) <= 500 else {}),
            )
            .exclude(actor_id=F("deed__member_id"))  # never happens (the services refuse it): excluded all the same
            .values_list("deed_id", "actor_id", "deed__member_id", "deed__organisation_id")
        )
        for deed, actor, member, org in rows:
            for pair in ((org, min(actor, member), max(actor, member)), (None, min(actor, member), max(actor, member))):
                if pair in wanted:
                    approved[pair][actor].add(deed)
    found = []
    for org, a, b in pairs:
        a_for_b, b_for_a = approved[(org, a, b)][a], approved[(org, a, b)][b]
        figures = {"person_approved_for_other": len(a_for_b), "other_approved_for_person": len(b_for_a)}
        found.append(
            Found(
                kind=AnomalyKind.RECIPROCAL,
                key=f"reciprocal:{org if org is not None else 'across'}:{a}:{b}",
                organisation_id=org,
                person_id=a,
                other_id=b,
                figures=figures if org is not None else {**figures, "across_organisations": True},
                deed_ids=sorted(a_for_b | b_for_a, reverse=True)[:MAX_DEEDS],
            )
        )
    return found


def _per_day(since: dt.date) -> tuple[list[Found], list[Found]]:
    """Long days (hours) and bursts (number of deeds): one member, one organisation, one date done; then long days
    across organisations (``_long_days_across``). Deeds counted per period or as a percentage change are left out:
    a monthly assessment records many of them on one date."""
    long_hours, burst = _conf("ANOMALY_LONG_DAY_HOURS"), _conf("ANOMALY_BURST_DEEDS")
    counted = Deed.objects.filter(status__in=LIVE, done_on__gte=since).exclude(
        deed_type__unit__in=[Unit.PERIOD, Unit.PERCENT]
    )
    fields = ["member_id", "organisation_id", "done_on"]
    days: list[dict[str, Any]] = list(
        counted.values(*fields)
        .annotate(n=Count("pk"), hours=Sum("hours"))
        .filter(Q(n__gte=burst) | Q(hours__gt=long_hours))
        .order_by()
    )
    long_days: list[Found] = []
    bursts: list[Found] = []
    long_somewhere: set[tuple[int, dt.date]] = set()  # (member, date done) with a long day in one organisation
    ids_of = _deeds_by(counted, fields, {tuple(day[name] for name in fields) for day in days})
    for day in days:
        hours = float(day["hours"] or 0)
        ids = ids_of.get(tuple(day[name] for name in fields), [])
        tail = f"{day['organisation_id']}:{day['member_id']}:{day['done_on'].isoformat()}"
        figures = {"deeds": day["n"], "hours": round(hours, 2)}
        common = {
            "organisation_id": day["organisation_id"],
            "person_id": day["member_id"],
            "on_date": day["done_on"],
            "deed_ids": ids,
        }
        if hours > long_hours:
            long_somewhere.add((day["member_id"], day["done_on"]))
            long_days.append(
                Found(
                    kind=AnomalyKind.LONG_DAY,
                    key=f"long_day:{tail}",
                    figures={**figures, "threshold_hours": long_hours},
                    **common,
                )
            )
        if day["n"] >= burst:
            bursts.append(
                Found(
                    kind=AnomalyKind.BURST, key=f"burst:{tail}", figures={**figures, "threshold_deeds": burst}, **common
                )
            )
    return [*long_days, *_long_days_across(counted, long_hours, long_somewhere)], bursts


def _long_days_across(counted: Any, long_hours: int, long_somewhere: set[tuple[int, dt.date]]) -> list[Found]:
    """Long days across organisations: one member's hours on one date done, added up over every organisation, are
    over the line while no one organisation's are (those are that organisation's long day, found by
    ``_per_day``). A pattern with no organisation, as a reciprocal pair across organisations is: no organisation's
    admins may read the other's deeds, so site admins review it. Two queries however many days are found (the
    second in chunks of members), none when there is none."""
    fields = ["member_id", "done_on"]
    days = [
        day
        for day in counted.values(*fields)
        .annotate(n=Count("pk"), hours=Sum("hours"), organisations=Count("organisation_id", distinct=True))
        # One organisation alone: the day is that organisation's long day (or no long day at all).
        .filter(hours__gt=long_hours, organisations__gt=1)
        .order_by()
        if (day["member_id"], day["done_on"]) not in long_somewhere
    ]
    ids_of = _deeds_by(counted, fields, {(day["member_id"], day["done_on"]) for day in days})
    return [
        Found(
            kind=AnomalyKind.LONG_DAY,
            key=f"long_day:across:{day['member_id']}:{day['done_on'].isoformat()}",
            organisation_id=None,
            person_id=day["member_id"],
            on_date=day["done_on"],
            figures={
                "deeds": day["n"],
                "hours": round(float(day["hours"] or 0), 2),
                "threshold_hours": long_hours,
                "organisations": day["organisations"],
                "across_organisations": True,
            },
            deed_ids=ids_of.get((day["member_id"], day["done_on"]), []),
        )
        for day in days
    ]


def _duplicates(since: dt.date) -> list[Found]:
    """The same deed type, amount and date done, recorded more than once for one member, outside activities or in
    the same activity (a check-in is once per activity; two activities on one day are two deeds)."""
    live = Deed.objects.filter(status__in=LIVE, done_on__gte=since)
    fields = ["member_id", "organisation_id", "deed_type_id", "done_on", "quantity", "hours", "activity_id"]
    groups = list(live.values(*fields).annotate(n=Count("pk")).filter(n__gt=1).order_by())
    ids_of = _deeds_by(live, fields, {tuple(group[name] for name in fields) for group in groups})
    found = []
    for group in groups:
        ids = ids_of.get(tuple(group[name] for name in fields), [])
        found.append(
            Found(
                kind=AnomalyKind.DUPLICATE,
                key=(
                    f"duplicate:{group['organisation_id']}:{group['member_id']}:{group['deed_type_id']}:"
                    f"{group['done_on'].isoformat()}:{group['quantity']}:{group['hours']}:{group['activity_id']}"
                ),
                organisation_id=group["organisation_id"],
                person_id=group["member_id"],
                on_date=group["done_on"],
                figures={"deeds": group["n"]},
                deed_ids=ids,
            )
        )
    return found


def _add_involved(found: list[Found]) -> None:
    """Everyone each pattern's deeds concern: the people it is about, who recorded the deeds, who decided on them
    (two queries for all the patterns)."""
    ids = {deed for item in found for deed in item.deed_ids}
    people: dict[int, set[int]] = defaultdict(set)
    for pk, member, recorder in Deed.objects.filter(pk__in=ids).values_list("pk", "member_id", "recorded_by_id"):
        people[pk] |= {member, *([recorder] if recorder else [])}
    for deed, actor in Decision.objects.filter(deed_id__in=ids).values_list("deed_id", "actor_id"):
        people[deed].add(actor)
    for item in found:
        item.involved = {item.person_id, *([item.other_id] if item.other_id else [])}
        for deed in item.deed_ids:
            item.involved |= people[deed]


# --- detection ----------------------------------------------------------------------------------------------------


def anomalies_detect(*, days: int | None = None, now: dt.datetime | None = None) -> DetectResult:
    """Look for the patterns in the deeds of the last ``days`` (default ``THAMDEE["ANOMALY_DAYS"]``) and put each
    before the reviewers of its organisation (site admins for a pattern across organisations).

    Guarantees: nothing but the patterns is written (no deed, credit, status or notice to the people in them).
    Running it again updates each open pattern with what it finds now; a pattern whose every deed a reviewed
    pattern of the same key already covered stays as the reviewer closed it, and one with deeds no review has
    seen opens again as a new pattern. At most one open pattern per key, even when two runs meet (a partial
    unique index). Each organisation's admins who may review a new pattern get one notice per run.
    """
    now = now or timezone.now()
    days = days if days is not None else _conf("ANOMALY_DAYS")
    since_day = timezone.localtime(now).date() - dt.timedelta(days=days)
    since = now - dt.timedelta(days=days)
    long_days, bursts = _per_day(since_day)
    found = [*_reciprocal(since), *_duplicates(since_day), *long_days, *bursts]
    _add_involved(found)
    result = DetectResult()
    created: list[Anomaly] = []
    known: dict[str, list[Anomaly]] = defaultdict(list)
    for anomaly in Anomaly.objects.filter(key__in=[item.key for item in found]).only("pk", "key", "status", "deed_ids"):
        known[anomaly.key].append(anomaly)
    for item in found:
        result.by_kind[item.kind] = result.by_kind.get(item.kind, 0) + 1
        open_ = next((a for a in known[item.key] if a.status == AnomalyStatus.OPEN), None)
        if open_ is not None:
            Anomaly.objects.filter(pk=open_.pk, status=AnomalyStatus.OPEN).update(
                figures=item.figures, deed_ids=item.deed_ids, updated_at=now
            )
            open_.involved.add(*item.involved)
            result.updated += 1
            continue
        reviewed = {deed for a in known[item.key] for deed in a.deed_ids}
        if known[item.key] and set(item.deed_ids) <= reviewed:
            result.kept += 1
            continue
        try:
            with transaction.atomic():
                anomaly = Anomaly.objects.create(
                    kind=item.kind,
                    key=item.key,
                    organisation_id=item.organisation_id,
                    person_id=item.person_id,
                    other_id=item.other_id,
                    on_date=item.on_date,
                    figures=item.figures,
                    deed_ids=item.deed_ids,
                    detected_at=now,
                    updated_at=now,
                )
                anomaly.involved.add(*item.involved)
            anomaly._involved_ids = set(item.involved)  # type: ignore[attr-defined]
            created.append(anomaly)
            result.created += 1
        except IntegrityError:  # opened at the same moment by another run
            result.kept += 1
    _tell_reviewers(created)
    return result


def _tell_reviewers(created: Iterable[Anomaly]) -> None:
    """Each organisation's admins, and for patterns across organisations the site admins, get one notice a run
    for the new patterns they may review (never one they are in)."""
    by_org: dict[int | None, list[Anomaly]] = defaultdict(list)
    for anomaly in created:
        by_org[anomaly.organisation_id].append(anomaly)
    if not by_org:
        return
    reviewers: list[tuple[Any, list[Anomaly]]] = [
        (membership.user, by_org[membership.organisation_id])
        for membership in Membership.objects.filter(
            organisation_id__in=[org for org in by_org if org is not None], is_active=True, is_admin=True
        ).select_related("user")
    ]
    if None in by_org:
        from django.contrib.auth import get_user_model

        site_admins = get_user_model().objects.filter(is_superuser=True, is_active=True)
        reviewers += [(user, by_org[None]) for user in site_admins]
    for user, patterns in reviewers:
        count = sum(1 for a in patterns if user.pk not in a.involved_ids())
        if count:
            notify(
                user=user,
                kind="anomalies_found",
                title=_("มีรูปแบบการบันทึกความดีที่ควรตรวจทาน {count} รายการ"),
                body=_("ระบบไม่ได้เปลี่ยนแปลงความดีหรือเครดิตใด ผู้ดูแลองค์กรเป็นผู้ตรวจทานและตัดสินใจ"),
                url=reverse("anomalies:queue"),
                count=count,
            )


# --- review -----------------------------------------------------------------------------------------------------


@transaction.atomic
def anomaly_review(*, actor: Actor, anomaly: Anomaly, outcome: str, note: str) -> Anomaly:
    """A reviewer closes a pattern: ``dismissed`` (looked at, nothing wrong) or ``actioned`` (dealt with through
    the ordinary paths: a deed rejected or reversed, a conversation with the people). A note is required: it is
    the record of why.

    The organisation's admins or a site admin, never a person in the pattern (not found for anyone else). Closed
    once: a second reviewer at the same moment gets ``anomaly_already_reviewed``.
    """
    if not can_review_anomaly.test(actor, anomaly):
        raise NotFoundError()
    if outcome not in REVIEW_OUTCOMES:
        raise AnomalyReviewInvalidError(reason=_("ผลการตรวจทานไม่ถูกต้อง"))
    note = (note or "").strip()
    if not note:
        raise AnomalyReviewInvalidError(reason=_("ต้องบันทึกเหตุผล"))
    now = timezone.now()
    done = Anomaly.objects.filter(pk=anomaly.pk, status=AnomalyStatus.OPEN).update(
        status=outcome, reviewed_by=actor, reviewed_at=now, review_note=note[:2000]
    )
    if not done:
        raise AnomalyAlreadyReviewedError()
    anomaly.status, anomaly.reviewed_by, anomaly.reviewed_at = outcome, actor, now  # type: ignore[assignment]
    anomaly.review_note = note[:2000]
    return anomaly
