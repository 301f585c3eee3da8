"""Reads of deeds, scoped to who is asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet, Sum

from thamdee.common.errors import NotFoundError
from thamdee.common.thaitime import fiscal_year_bounds
from thamdee.deeds.models import Activity, Appeal, Deed, DeedEvidence, DeedStatus, DeedType
from thamdee.deeds.permissions import can_see_queue, can_view_deed
from thamdee.orgs.models import Membership, Organisation
from thamdee.orgs.roles import roles_for
from thamdee.people.models import User
from thamdee.people.types import Actor


def catalogue_for_member(user: User) -> QuerySet[DeedType]:
    """Deed types a member may report: the active catalogues of the organisations they belong to."""
    org_ids = Membership.objects.filter(user=user, is_active=True).values("organisation_id")
    return (
        DeedType.objects.filter(organisation_id__in=org_ids, is_active=True)
        .select_related("organisation")
        .order_by("organisation__name_th", "name_th")
    )


def catalogue_of(organisation: Organisation, *, viewer: Actor | None = None) -> QuerySet[DeedType]:
    """An organisation's catalogue. Sensitive deed types (religious practice, say) are shown only to its own
    members."""
    qs = DeedType.objects.filter(organisation=organisation, is_active=True).prefetch_related("virtues", "dimensions")
    if viewer is None or organisation.pk not in roles_for(viewer).orgs:
        qs = qs.filter(is_sensitive=False)
    return qs.order_by("name_th")


def templates_of(programme_id: int) -> QuerySet[DeedType]:
    return DeedType.objects.filter(programme_id=programme_id, organisation__isnull=True, is_active=True).order_by(
        "name_th"
    )


def deed_get_visible_to(*, viewer: Actor, public_id: Any) -> Deed:
    try:
        deed = Deed.objects.select_related(
            "deed_type__programme", "organisation", "area", "member", "recorded_by", "activity", "explanation"
        ).get(public_id=public_id)
    except (Deed.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if not can_view_deed.test(viewer, deed):
        raise NotFoundError()
    return deed


def deed_list_for_member(member: User, status: str = "") -> QuerySet[Deed]:
    qs = Deed.objects.filter(member=member).select_related("deed_type", "organisation").order_by("-done_on", "-pk")
    if status in DeedStatus.values:
        qs = qs.filter(status=status)
    return qs


@dataclass
class QueueFilters:
    status: str = DeedStatus.PENDING
    deed_type: str = ""
    q: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def deed_queue_for(*, viewer: Actor, organisation: Organisation, filters: QueueFilters | None = None) -> QuerySet[Deed]:
    """Deeds of an organisation for its organisers and verifiers (a fixed number of queries per page)."""
    if not can_see_queue.test(viewer, organisation):
        raise NotFoundError()
    f = filters or QueueFilters()
    qs = Deed.objects.filter(organisation=organisation)
    if f.status == "open":
        qs = qs.filter(status__in=[DeedStatus.PENDING, DeedStatus.AWAITING_SECOND])
    elif f.status in DeedStatus.values:
        qs = qs.filter(status=f.status)
    if f.deed_type:
        qs = qs.filter(deed_type__public_id=f.deed_type)
    if f.q:
        qs = qs.filter(
            Q(member__first_name__icontains=f.q)
            | Q(member__last_name__icontains=f.q)
            | Q(member__mobile__startswith=f.q)
        )
    if f.date_from:
        qs = qs.filter(done_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(done_on__lte=f.date_to)
    return (
        qs.select_related("member", "deed_type", "area", "first_approver")
        .annotate(photo_count=Count("evidence"))
        .order_by("done_on", "pk")
    )


def decisions_of(deed: Deed) -> list[Any]:
    return list(deed.decisions.select_related("actor").order_by("at", "pk"))


def evidence_get_visible_to(*, viewer: Actor, public_id: Any) -> DeedEvidence:
    try:
        item = DeedEvidence.objects.select_related(
            "deed__deed_type__programme", "deed__organisation", "deed__area"
        ).get(public_id=public_id)
    except (DeedEvidence.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if not can_view_deed.test(viewer, item.deed):
        raise NotFoundError()
    return item


def activity_list_for(*, viewer: Actor, organisation: Organisation) -> QuerySet[Activity]:
    if not can_see_queue.test(viewer, organisation):
        raise NotFoundError()
    return (
        Activity.objects.filter(organisation=organisation)
        .select_related("deed_type", "area")
        .annotate(checkins=Count("deeds"))
        .order_by("-starts_at")
    )


def activity_get_for_organiser(*, viewer: Actor, public_id: Any) -> Activity:
    try:
        activity = Activity.objects.select_related("organisation", "deed_type", "area").get(public_id=public_id)
    except (Activity.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if not can_see_queue.test(viewer, activity.organisation):
        raise NotFoundError()
    return activity


def appeals_open_for(*, viewer: Actor, organisation: Organisation) -> QuerySet[Appeal]:
    if not can_see_queue.test(viewer, organisation):
        raise NotFoundError()
    return (
        Appeal.objects.filter(deed__organisation=organisation, status=Appeal.Status.OPEN)
        .select_related("deed__deed_type", "member", "against__actor")
        .order_by("filed_at")
    )


@dataclass
class HoursStatement:
    member: User
    fiscal_year: int
    start: dt.date
    end: dt.date
    total_hours: Decimal
    deeds: int
    by_type: list[dict[str, Any]]
    by_organisation: list[dict[str, Any]]


def hours_statement(member: User, fiscal_year: int) -> HoursStatement:
    """Volunteer hours of verified deeds in a fiscal year, for a member to hand to a scheme that asks."""
    start, end = fiscal_year_bounds(fiscal_year)
    qs = Deed.objects.filter(
        member=member, status=DeedStatus.VERIFIED, done_on__gte=start, done_on__lte=end, hours__gt=0
    )
    agg = qs.aggregate(h=Sum("hours"), n=Count("pk"))
    by_type = list(
        qs.values("deed_type__name_th", "deed_type__name_en")
        .annotate(hours=Sum("hours"), n=Count("pk"))
        .order_by("-hours")
    )
    by_org = list(
        qs.values("organisation__name_th", "organisation__name_en").annotate(hours=Sum("hours")).order_by("-hours")
    )
    return HoursStatement(
        member=member,
        fiscal_year=fiscal_year,
        start=start,
        end=end,
        total_hours=agg["h"] or Decimal(0),
        deeds=agg["n"] or 0,
        by_type=by_type,
        by_organisation=by_org,
    )


def organisations_for_organiser(user: User) -> list[Organisation]:
    ids = roles_for(user).org_ids_with("organiser", "verifier", "admin")
    return list(Organisation.objects.filter(pk__in=ids).order_by("name_th"))
