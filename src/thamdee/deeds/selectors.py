"""Reads of deeds, scoped to who is asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet, Sum

from thamdee.common.errors import NotFoundError
from thamdee.common.ids import parse_uuid
from thamdee.common.thaitime import fiscal_year_bounds
from thamdee.creditrules.models import Rulebook, RulebookVersion
from thamdee.creditrules.selectors import VersionCache, ruleset_of
from thamdee.deeds.models import Activity, Appeal, Decision, Deed, DeedEvidence, DeedStatus, DeedType, VerifiedBy
from thamdee.deeds.permissions import can_edit_deed_type, can_record_for, can_see_queue, can_view_deed
from thamdee.orgs.models import Membership, Organisation
from thamdee.orgs.roles import roles_for
from thamdee.people.models import ConsentPurpose, User
from thamdee.people.selectors import has_consent
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
    qs = (
        DeedType.objects.filter(organisation=organisation, is_active=True)
        .select_related("main_virtue", "main_dimension")
        .prefetch_related("virtues", "dimensions")
    )
    if viewer is None or organisation.pk not in roles_for(viewer).orgs:
        qs = qs.filter(is_sensitive=False)
    return qs.order_by("name_th")


def templates_of(programme_id: int) -> QuerySet[DeedType]:
    return (
        DeedType.objects.filter(programme_id=programme_id, organisation__isnull=True, is_active=True)
        .select_related("main_virtue", "main_dimension")
        .order_by("name_th")
    )


def deed_type_get_for_editor(*, viewer: Actor, public_id: Any) -> DeedType:
    """A catalogue entry or a national template, for those who keep it (``can_edit_deed_type``; 404 to anyone
    else), in one query with what its edit page, its form and that rule read: the organisation, the programme and
    the template it was adopted from."""
    try:
        deed_type = DeedType.objects.select_related("organisation", "programme", "adopted_from").get(
            public_id=public_id
        )
    except (DeedType.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if not can_edit_deed_type.test(viewer, deed_type):
        raise NotFoundError()
    return deed_type


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
    if deed_type := parse_uuid(f.deed_type):  # a malformed id filters nothing out
        qs = qs.filter(deed_type__public_id=deed_type)
    if f.q:
        qs = qs.filter(
            Q(member__first_name__icontains=f.q)
            | Q(member__last_name__icontains=f.q)
            | Q(member__mobile__startswith=f.q)
        )
    return _queue_page(qs, f)


def _queue_page(qs: QuerySet[Deed], f: QueueFilters) -> QuerySet[Deed]:
    """The filters both queues share (status, dates), the queue's columns and its order."""
    if f.status == "open":
        qs = qs.filter(status__in=[DeedStatus.PENDING, DeedStatus.AWAITING_SECOND])
    elif f.status in DeedStatus.values:
        qs = qs.filter(status=f.status)
    if f.date_from:
        qs = qs.filter(done_on__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(done_on__lte=f.date_to)
    return (
        qs.select_related("member", "deed_type", "area", "first_approver")
        .annotate(photo_count=Count("evidence"), consent_withdrawn=_CONSENT_WITHDRAWN)
        .order_by("done_on", "pk")
    )


# A deed of a sensitive type whose member has no consent in force (withdrawn since it was recorded): it cannot be
# verified (``services._guard_consent``), so the queue says so and offers only its rejection.
_CONSENT_WITHDRAWN = ExpressionWrapper(
    Q(deed_type__is_sensitive=True) & ~Q(has_consent(ConsentPurpose.SENSITIVE_DEEDS)), output_field=BooleanField()
)


def consent_withdrawn(deed: Deed) -> bool:
    """``_CONSENT_WITHDRAWN`` for one deed (a queue row drawn again after a decision)."""
    return Deed.objects.filter(pk=deed.pk).annotate(w=_CONSENT_WITHDRAWN).values_list("w", flat=True).first() or False


def _agency_reach(viewer: Actor) -> Q:
    """The deeds that the viewer verifies for agencies: of an organisation's copy of a national template marked
    "verified by the agency", whose programme is run by an agency where the viewer is a verifier, in an area that
    post covers (the same rule as ``permissions.can_verify_deed``). 404 to anyone without such a post."""
    posts = [post for post in roles_for(viewer).agency_posts if post.is_verifier]
    if not posts:
        raise NotFoundError()
    reach = Q()
    for post in posts:
        area = Q(area__code__startswith=post.scope_code) if post.scope_code else Q(area__isnull=False)
        reach |= Q(area, deed_type__programme__agency_id=post.agency_id)
    return Q(reach, deed_type__verified_by=VerifiedBy.AGENCY, deed_type__adopted_from__isnull=False)


def deed_queue_for_agency(*, viewer: Actor, filters: QueueFilters | None = None) -> QuerySet[Deed]:
    """The agency verification queue: every deed the viewer verifies for their agencies, across organisations.
    ``filters.deed_type`` names a national template (all organisations' copies of it); the search is by name
    only (an agency has no business looking members up by mobile number)."""
    f = filters or QueueFilters()
    qs = Deed.objects.filter(_agency_reach(viewer))
    if template := parse_uuid(f.deed_type):
        qs = qs.filter(deed_type__adopted_from__public_id=template)
    if f.q:
        qs = qs.filter(Q(member__first_name__icontains=f.q) | Q(member__last_name__icontains=f.q))
    return _queue_page(qs, f).select_related("organisation")


def agency_queue_templates(viewer: Actor) -> QuerySet[DeedType]:
    """The national templates whose deeds the viewer verifies for an agency (the agency queue's filter)."""
    agencies = {post.agency_id for post in roles_for(viewer).agency_posts if post.is_verifier}
    return DeedType.objects.filter(
        organisation__isnull=True, verified_by=VerifiedBy.AGENCY, programme__agency_id__in=agencies
    ).order_by("name_th")


def appeals_open_for_agency(*, viewer: Actor) -> QuerySet[Appeal]:
    """Open appeals on the deeds of the agency queue (decided by its verifiers)."""
    reach = _agency_reach(viewer)
    deeds = Deed.objects.filter(reach).values("pk")
    return (
        Appeal.objects.filter(deed__in=deeds, status=Appeal.Status.OPEN)
        .select_related("deed__deed_type", "member", "against__actor")
        .order_by("filed_at")
    )


# Used when no rulebook version in force for a deed sets ``appeal_days``.
DEFAULT_APPEAL_DAYS = 30


def rule_versions_in_force(deed: Deed, *, cache: VersionCache | None = None) -> list[RulebookVersion]:
    """The published rulebook versions in force on the day the deed was done, the programme's first and the
    organisation's local rulebook's after it: the versions its award is computed by (``services.compute``), and
    whose terms the member was shown."""
    deed_type = deed.deed_type
    books: dict[int | None, int] = {
        org_id: pk
        for pk, org_id in Rulebook.objects.filter(programme_id=deed_type.programme_id)
        .filter(Q(organisation__isnull=True) | Q(organisation_id=deed_type.organisation_id))
        .values_list("pk", "organisation_id")
    }
    ids = [books.get(None), books.get(deed_type.organisation_id) if deed_type.organisation_id else None]
    cache = cache or VersionCache({i for i in ids if i})
    return [v for v in (cache.in_force(i, deed.done_on) for i in ids) if v is not None]


def appeal_days_for(deed: Deed) -> int:
    """How many days the member has to appeal a decision on the deed: the published ``appeal_days`` of the
    rulebook versions in force on the day it was done (the longest, if both the programme's and the
    organisation's set one: the member was shown each and may rely on it), else ``DEFAULT_APPEAL_DAYS``. Never
    a later version's: rules are not applied retroactively."""
    days = [d for v in rule_versions_in_force(deed) if (d := ruleset_of(v).rules.appeal_days)]
    return max(days) if days else DEFAULT_APPEAL_DAYS


def appeal_deadline(deed: Deed, against: Decision) -> dt.datetime:
    """The last moment the member may appeal ``against``: ``appeal_days_for`` the deed after it was taken."""
    return against.at + dt.timedelta(days=appeal_days_for(deed))


def decision_to_appeal(deed: Deed) -> Decision | None:
    """The decision the deed's member may appeal: the latest rejection or reversal of a deed that stands rejected
    or reversed, if it was not appealed yet (one appeal per decision; a deed reversed again after an appeal was
    upheld may be appealed again). None otherwise. The window (``appeal_deadline``) is checked apart: the
    service answers a late appeal with its own error. The rule both the service and the pages use."""
    if deed.status not in (DeedStatus.REJECTED, DeedStatus.REVERSED):
        return None
    against = (
        Decision.objects.filter(deed=deed, action__in=[Decision.Action.REJECT, Decision.Action.REVERSE])
        .order_by("at", "pk")
        .last()
    )
    if against is None or Appeal.objects.filter(against=against).exists():
        return None
    return against


def decisions_of(deed: Deed) -> list[Any]:
    return list(deed.decisions.select_related("actor").order_by("at", "pk"))


def evidence_get_visible_to(*, viewer: Actor, public_id: Any, deed_id: Any = None) -> DeedEvidence:
    """A deed's photo, for those who may see the deed (the page's and the API's). With ``deed_id``, only a photo of
    that deed: a photo of another deed is not found, like one the viewer may not see."""
    scope = {"deed__public_id": deed_id} if deed_id is not None else {}
    try:
        item = DeedEvidence.objects.select_related(
            "deed__deed_type__programme", "deed__organisation", "deed__area"
        ).get(public_id=public_id, **scope)
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
    # Its page takes the roster and shows the code that checks people in: the organisers' (docs/authorisation.md).
    if not can_record_for.test(viewer, activity.organisation):
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
