"""Reads for assessments, scoped to who asks (``permissions``): an organisation's admins and organisers see its
own; agency staff those of their area; site admins all. Results by area count organisations and provinces by
level: an assessment is about an organisation, never a person."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from thamdee.areas.models import Area, AreaLevel
from thamdee.assessments.models import (
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    EventAction,
    EvidenceFile,
    Indicator,
    Level,
    Score,
    Subject,
)
from thamdee.assessments.permissions import can_confirm_assessment, can_fill_assessment, can_view_assessment
from thamdee.common.errors import NotFoundError
from thamdee.orgs.models import Organisation
from thamdee.orgs.roles import roles_for
from thamdee.people.types import Actor


def _with_credentials(qs: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Read each assessment's credentials (newest first) with their issuers in one more query, for
    ``signed_result``. Through the reverse relation ``Assessment.credentials``, so this app imports nothing of
    recognition."""
    credential = Assessment._meta.get_field("credentials").related_model
    return qs.prefetch_related(
        Prefetch("credentials", queryset=credential.objects.select_related("issuer__organisation").order_by("-pk"))  # type: ignore[union-attr]
    )


def _base() -> QuerySet[Assessment]:
    return _with_credentials(
        Assessment.objects.select_related("framework", "organisation__area", "province", "submitted_by", "reviewed_by")
    )


def assessment_get(*, viewer: Actor, public_id: str | uuid.UUID) -> Assessment:
    assessment = _base().filter(public_id=public_id).first()
    if assessment is None or not can_view_assessment.test(viewer, assessment):
        raise NotFoundError()
    return assessment


@dataclass
class Row:
    indicator: Indicator
    score: Score | None
    files: list[EvidenceFile] = field(default_factory=list)

    @property
    def value(self) -> int | None:
        """The score given, None while unscored (also when only evidence is kept)."""
        return self.score.score if self.score is not None else None

    @property
    def evidence(self) -> str:
        return self.score.evidence if self.score is not None else ""


@dataclass
class LevelGroup:
    level: int
    label: Any
    rows: list[Row] = field(default_factory=list)


def assessment_sheet(*, assessment: Assessment) -> list[LevelGroup]:
    """The framework's activities by level, each with the score given (None while unscored) and its evidence files:
    three queries."""
    scores = {s.indicator_id: s for s in Score.objects.filter(assessment=assessment)}
    files: dict[int, list[EvidenceFile]] = {}
    for item in (
        EvidenceFile.objects.filter(assessment=assessment).select_related("indicator").order_by("uploaded_at", "pk")
    ):
        item.assessment = assessment  # the one asked about: read once
        files.setdefault(item.indicator_id, []).append(item)
    groups: dict[int, LevelGroup] = {}
    for indicator in Indicator.objects.filter(framework_id=assessment.framework_id).order_by("number"):
        group = groups.setdefault(indicator.level, LevelGroup(indicator.level, Level(indicator.level).label))
        group.rows.append(Row(indicator, scores.get(indicator.pk), files.get(indicator.pk, [])))
    return [groups[level] for level in sorted(groups)]


def evidence_file_get(*, viewer: Actor, public_id: str | uuid.UUID) -> EvidenceFile:
    """An evidence file, for whoever may see its assessment (not found for anyone else)."""
    item = (
        EvidenceFile.objects.select_related("assessment__organisation__area", "assessment__province")
        .filter(public_id=public_id)
        .first()
    )
    if item is None or not can_view_assessment.test(viewer, item.assessment):
        raise NotFoundError()
    return item


def evidence_file_of(*, assessment: Assessment, public_id: Any) -> EvidenceFile:
    """A file of this assessment (already found visible), with the assessment attached; not found otherwise."""
    item = EvidenceFile.objects.filter(assessment=assessment, public_id=public_id).first()
    if item is None:
        raise NotFoundError()
    item.assessment = assessment
    return item


@dataclass(frozen=True)
class SignedResult:
    """The Open Badges 3.0 credential a confirmed result was signed as, by the agency that confirmed it (issued by
    recognition through ``hooks.on_confirmed``), or the one its agency revoked. Read through the reverse relation
    ``Assessment.credentials``, so this app imports nothing of recognition."""

    id: uuid.UUID
    issuer_did: str
    agency: Organisation  # the agency that signed it
    issued_at: dt.datetime
    revoked_at: dt.datetime | None

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def signed_result(assessment: Assessment) -> SignedResult | None:
    """For a confirmed result, its credential in force, or None (confirmed at no level, confirmed for no agency, or
    confirmed before results were signed and not signed since). For a result not confirmed now, the credential its
    agency revoked last, if any (revoking returned it for correction): its verification page says so. Free when
    the assessment was read with its credentials (``_with_credentials``)."""
    credentials = list(assessment.credentials.all())  # type: ignore[attr-defined]
    credentials.sort(key=lambda c: c.pk, reverse=True)
    if assessment.status == AssessmentStatus.CONFIRMED:
        chosen = next((c for c in credentials if c.revoked_at is None), None)
    else:
        chosen = next((c for c in credentials if c.revoked_at is not None), None)
    if chosen is None:
        return None
    return SignedResult(
        id=chosen.public_id,
        issuer_did=chosen.issuer.did,
        agency=chosen.issuer.organisation,
        issued_at=chosen.issued_at,
        revoked_at=chosen.revoked_at,
    )


def certificate_get_public(*, public_id: str | uuid.UUID) -> Assessment:
    """For its public verification page (anyone): a confirmed result at one of the levels, or a result whose signed
    confirmation its agency revoked (the page says it no longer stands); not found otherwise. Read with its
    credentials (``signed_result``)."""
    assessment = (
        _with_credentials(
            Assessment.objects.select_related("framework", "organisation__area", "province", "confirmed_by_agency")
        )
        .filter(
            Q(status=AssessmentStatus.CONFIRMED, confirmed_level__gte=Level.PROMOTING)
            | Q(credentials__revoked_at__isnull=False),
            public_id=public_id,
        )
        .first()
    )
    if assessment is None:
        raise NotFoundError()
    return assessment


def last_revocation(assessment: Assessment) -> AssessmentEvent | None:
    """The history's latest revocation of the result (with the level it undid), or None. One query."""
    return (
        AssessmentEvent.objects.filter(assessment=assessment, action=EventAction.REVOKED).order_by("-at", "-pk").first()
    )


def assessment_history(*, assessment: Assessment) -> list[AssessmentEvent]:
    """Every submission, return and confirmation of the assessment, oldest first (one query)."""
    return list(AssessmentEvent.objects.filter(assessment=assessment).select_related("actor").order_by("at", "pk"))


def _confirmed_level_text(assessment: Assessment) -> str:
    """The confirmed level as the export shows it."""
    return "" if assessment.confirmed_level is None else str(assessment.get_confirmed_level_display())


def _scope_filter(viewer: Actor) -> Q | None:
    """The assessments a viewer may see, as a filter; None for all (site admins)."""
    roles = roles_for(viewer)
    if roles.is_site_admin:
        return None
    q = Q(organisation_id__in=roles.org_ids_with("admin", "organiser"))
    for code in roles.scope_codes:
        q |= Q(organisation__area__code__startswith=code) | Q(province__code__startswith=code)
    return q


def assessments_visible(
    *, viewer: Actor, fiscal_year: int | None = None, status: str | None = None, subject: str | None = None
) -> QuerySet[Assessment]:
    if not getattr(viewer, "is_authenticated", False):
        return Assessment.objects.none()
    qs = _base()
    scope = _scope_filter(viewer)
    if scope is not None:
        qs = qs.filter(scope)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    if status:
        qs = qs.filter(status=status)
    if subject == Subject.ORGANISATION:
        qs = qs.filter(organisation__isnull=False)
    elif subject == Subject.PROVINCE:
        qs = qs.filter(province__isnull=False)
    return qs


QUEUE_SIZE = 100


def review_queue(*, viewer: Actor, limit: int = QUEUE_SIZE) -> tuple[list[Assessment], int]:
    """Submitted assessments the viewer may confirm or return, oldest first (at most ``limit`` of them), and how
    many there are in all. Those whose scores or files the viewer wrote or added are left out: they may not confirm
    them."""
    items = (
        assessments_visible(viewer=viewer, status=AssessmentStatus.SUBMITTED)
        .exclude(scores__written_by=getattr(viewer, "pk", None))
        .exclude(files__uploaded_by=getattr(viewer, "pk", None))
        .exclude(submitted_by=getattr(viewer, "pk", None))
        .order_by("submitted_at", "pk")
    )
    roles = roles_for(viewer)
    if not roles.is_site_admin:
        # The rule of ``can_review_assessment`` as a filter: organisations in the viewer's agency areas (not those
        # they administer), provinces for national staff.
        if not roles.scope_codes:
            return [], 0
        mine = Q(pk__in=[])
        for code in roles.scope_codes:
            mine |= Q(organisation__area__code__startswith=code)
        if roles.is_national_staff_of():
            mine |= Q(province__isnull=False)
        items = items.filter(mine).exclude(organisation_id__in=roles.org_ids_with("admin"))
    total = items.count()
    return list(items[:limit]), total


def may_fill(*, viewer: Actor, assessment: Assessment) -> bool:
    """Whether the viewer may change the scores and submit now (no query beyond the roles)."""
    return assessment.is_editable and bool(can_fill_assessment.test(viewer, assessment))


def may_review(*, viewer: Actor, assessment: Assessment) -> bool:
    """Whether the viewer may confirm or return this submitted result now (the rule of ``permissions``, and not
    one whose scores they wrote: one query)."""
    return assessment.status == AssessmentStatus.SUBMITTED and bool(can_confirm_assessment.test(viewer, assessment))


def organisations_to_assess(*, viewer: Actor, fiscal_year: int) -> list[tuple[Organisation, Assessment | None]]:
    """The organisations the viewer administers, each with its assessment of the year (None if not started)."""
    roles = roles_for(viewer)
    orgs = list(Organisation.objects.filter(pk__in=roles.org_ids_with("admin")).order_by("name_th"))
    found = {a.organisation_id: a for a in _base().filter(organisation__in=orgs, fiscal_year=fiscal_year)}
    return [(org, found.get(org.pk)) for org in orgs]


def provinces_to_assess(*, viewer: Actor, fiscal_year: int) -> list[tuple[Area, Assessment | None]]:
    """The provinces of the viewer's province-level agency posts, each with its assessment of the year (none for
    national staff, whose task is to confirm, nor for district staff, who do not assess a whole province)."""
    codes = {code for code in roles_for(viewer).scope_codes if len(code) == 2}
    if not codes:
        return []
    provinces = list(Area.objects.filter(level=AreaLevel.PROVINCE, code__in=codes).order_by("code"))
    found = {a.province_id: a for a in _base().filter(province__in=provinces, fiscal_year=fiscal_year)}
    return [(p, found.get(p.pk)) for p in provinces]


def can_use(viewer: Actor) -> bool:
    """Whether the menu shows assessments: organisation admins, agency staff and site admins."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    roles = roles_for(viewer)
    return bool(roles.is_site_admin or roles.is_agency_staff or roles.org_ids_with("admin"))


def _organisations_assessed(viewer: Actor, fiscal_year: int, scope_code: str) -> QuerySet[Assessment]:
    """The organisations' assessments of a fiscal year the viewer may see, within ``scope_code`` (all if empty)."""
    qs = assessments_visible(viewer=viewer, fiscal_year=fiscal_year, subject=Subject.ORGANISATION)
    return qs.filter(organisation__area__code__startswith=scope_code) if scope_code else qs


@dataclass
class AreaResult:
    area: Area
    counts: dict[int, int]  # confirmed level -> organisations
    waiting: int  # submitted, not yet confirmed
    province: Assessment | None = None  # the province's own assessment (province rows only)

    @property
    def confirmed(self) -> int:
        return sum(self.counts.values())


def results_by_area(*, viewer: Actor, fiscal_year: int, scope_code: str = "") -> list[AreaResult]:
    """Organisations' confirmed results of a fiscal year by level, for each area one level below ``scope_code``
    (provinces for the whole country), within what the viewer may see; with each province's own assessment."""
    width = {0: 2, 2: 4, 4: 6}.get(len(scope_code), 6)
    qs = _organisations_assessed(viewer, fiscal_year, scope_code)
    counts: dict[str, dict[int, int]] = {}
    waiting: dict[str, int] = {}
    rows = (
        qs.filter(status__in=[AssessmentStatus.CONFIRMED, AssessmentStatus.SUBMITTED])
        .values("organisation__area__code", "status", "confirmed_level")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        code = (row["organisation__area__code"] or "")[:width]
        if row["status"] == AssessmentStatus.CONFIRMED:
            cell = counts.setdefault(code, {})
            cell[row["confirmed_level"]] = cell.get(row["confirmed_level"], 0) + row["n"]
        else:
            waiting[code] = waiting.get(code, 0) + row["n"]
    provinces: dict[str, Assessment] = {}
    if width == 2:
        for a in assessments_visible(viewer=viewer, fiscal_year=fiscal_year, subject=Subject.PROVINCE):
            if a.province is not None:
                provinces[a.province.code] = a
    codes = set(counts) | set(waiting) | set(provinces)
    areas = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [
        AreaResult(areas[code], counts.get(code, {}), waiting.get(code, 0), provinces.get(code))
        for code in sorted(codes)
        if code in areas
    ]


def results_rows(*, viewer: Actor, fiscal_year: int, scope_code: str = "") -> tuple[list[str], list[list[Any]]]:
    """Every organisation assessment of a fiscal year the viewer may see (within ``scope_code``), one row each,
    for the provincial office to send upward: where, what, its status and levels, when it was submitted and
    confirmed and by whom, and the score of each activity. Three queries."""
    from django.utils.translation import gettext

    from thamdee.common.thaitime import fiscal_year_label

    qs = _organisations_assessed(viewer, fiscal_year, scope_code).order_by(
        "organisation__area__code", "organisation__name_th"
    )
    items = list(qs)
    scores: dict[int, dict[int, Any]] = {}
    for assessment_id, number, score in Score.objects.filter(assessment__in=items).values_list(
        "assessment_id", "indicator__number", "score"
    ):
        scores.setdefault(assessment_id, {})[number] = score
    # Columns for every activity of the frameworks these assessments use, scored or not.
    most = max(
        Indicator.objects.filter(framework_id__in={a.framework_id for a in items}).values_list("number", flat=True),
        default=0,
    )
    codes = {a.area_code[:n] for a in items for n in (2, 4, 6) if len(a.area_code) >= n}
    names = {area.code: area.display_name() for area in Area.objects.filter(code__in=codes)}
    headers = [
        gettext("ปีงบประมาณ"),
        gettext("จังหวัด"),
        gettext("อำเภอ/เขต"),
        gettext("ตำบล/แขวง"),
        gettext("องค์กร"),
        gettext("สถานะ"),
        gettext("ระดับตามคะแนน"),
        gettext("ระดับที่รับรอง"),
        gettext("ส่งผลเมื่อ"),
        gettext("ผู้ส่งผล"),
        gettext("รับรองหรือส่งกลับเมื่อ"),
        gettext("ผู้รับรองหรือส่งกลับ"),
        *(gettext("กิจกรรม {number}").format(number=n) for n in range(1, most + 1)),
    ]
    rows = []
    for a in items:
        code = a.area_code
        rows.append(
            [
                fiscal_year_label(a.fiscal_year),
                names.get(code[:2], ""),
                names.get(code[:4], ""),
                names.get(code[:6], ""),
                a.subject_name,
                a.get_status_display(),
                a.get_level_display() if a.level is not None and not a.is_editable else "",
                _confirmed_level_text(a),
                a.submitted_at.date().isoformat() if a.submitted_at else "",
                a.submitted_by.full_name if a.submitted_by else "",
                a.reviewed_at.date().isoformat() if a.reviewed_at else "",
                a.reviewed_by.full_name if a.reviewed_by else "",
                *(scores.get(a.pk, {}).get(n, "") for n in range(1, most + 1)),
            ]
        )
    return headers, rows


@dataclass
class ResultsSummary:
    """Totals of a fiscal year's results within an area: counts of organisations and provinces, never names."""

    organisations: dict[int, int]  # confirmed level -> organisations
    waiting: int  # organisations submitted, not yet confirmed
    provinces: dict[int, int] | None  # confirmed level -> provinces; None where the area holds no province
    provinces_waiting: int = 0

    @property
    def confirmed(self) -> int:
        return sum(self.organisations.values())

    @property
    def is_empty(self) -> bool:
        return not (self.confirmed or self.waiting or any((self.provinces or {}).values()) or self.provinces_waiting)

    @property
    def rows(self) -> list[tuple[Level, int, int | None]]:
        """Each level, "no level reached" first, with its organisations and its provinces (None: not counted)."""
        return [
            (level, self.organisations[level], None if self.provinces is None else self.provinces[level])
            for level in Level
        ]


def results_summary(*, viewer: Actor, fiscal_year: int, scope_code: str = "") -> ResultsSummary:
    """The totals of ``results_by_area`` for the whole of ``scope_code`` (all the viewer may see if empty): the
    organisations confirmed at each level and those waiting for confirmation, and, where the area holds provinces
    (the whole country, or a province), the provinces' own confirmed levels and waiting ones. One query."""
    confirmed, submitted = AssessmentStatus.CONFIRMED, AssessmentStatus.SUBMITTED
    org, province = Q(organisation__isnull=False), Q(province__isnull=False)
    with_provinces = len(scope_code) <= 2
    measures: dict[str, Any] = {
        f"org_{level}": Count("pk", filter=org & Q(status=confirmed, confirmed_level=level)) for level in Level.values
    }
    measures["org_waiting"] = Count("pk", filter=org & Q(status=submitted))
    if with_provinces:
        measures |= {
            f"province_{level}": Count("pk", filter=province & Q(status=confirmed, confirmed_level=level))
            for level in Level.values
        }
        measures["province_waiting"] = Count("pk", filter=province & Q(status=submitted))
    qs = assessments_visible(viewer=viewer, fiscal_year=fiscal_year).filter(status__in=[confirmed, submitted])
    if scope_code:
        within = Q(organisation__area__code__startswith=scope_code)
        if with_provinces:
            within |= Q(province__code=scope_code)
        qs = qs.filter(within)
    totals = {key: value or 0 for key, value in qs.order_by().aggregate(**measures).items()}
    return ResultsSummary(
        organisations={level: totals[f"org_{level}"] for level in Level.values},
        waiting=totals["org_waiting"],
        provinces={level: totals[f"province_{level}"] for level in Level.values} if with_provinces else None,
        provinces_waiting=totals.get("province_waiting", 0),
    )


# --- the public roll --------------------------------------------------------------------------------------------


RESULT_YEARS = 5


def result_years() -> list[int]:
    """The years whose results may be read (results by area, the public roll): this one and four before, newest
    first."""
    from thamdee.common.thaitime import current_fiscal_year

    year = current_fiscal_year()
    return [year - n for n in range(RESULT_YEARS)]


def _on_roll() -> QuerySet[Assessment]:
    """Results that may be on the public roll: confirmed at one of the three levels (a result its agency revoked is
    returned, so not confirmed)."""
    return Assessment.objects.filter(status=AssessmentStatus.CONFIRMED, confirmed_level__gte=Level.PROMOTING)


def results_public(
    *, fiscal_year: int, area_code: str = "", level: int | None = None, subject: str = "", query: str = ""
) -> QuerySet[Assessment]:
    """The roll anyone may read: every result of ``fiscal_year`` confirmed at one of the three levels, organisations
    and provinces, within ``area_code`` (a province, district or subdistrict; all if empty), at ``level`` (all three
    if None), of one ``subject`` (both if empty), whose name holds ``query``. Never a result that reached no level,
    is not yet confirmed, or whose credential its agency revoked: the roll honours those who reached a level, it
    does not show who did not. No person is named. Ordered by level, highest first, then where the subject is (a
    province just before its organisations)."""
    from django.db.models.functions import Coalesce

    qs = _on_roll().select_related("organisation__area", "province", "confirmed_by_agency")
    qs = qs.filter(fiscal_year=fiscal_year)
    if area_code:
        qs = qs.filter(Q(organisation__area__code__startswith=area_code) | Q(province__code__startswith=area_code))
    if level is not None:
        qs = qs.filter(confirmed_level=level)
    if subject == Subject.ORGANISATION:
        qs = qs.filter(organisation__isnull=False)
    elif subject == Subject.PROVINCE:
        qs = qs.filter(province__isnull=False)
    if query:
        qs = qs.filter(
            Q(organisation__name_th__icontains=query)
            | Q(organisation__name_en__icontains=query)
            | Q(province__name_th__icontains=query)
            | Q(province__name_en__icontains=query)
        )
    return qs.order_by(
        "-confirmed_level", Coalesce("organisation__area__code", "province__code"), "organisation__name_th", "pk"
    )


def roll_latest_year(years: list[int]) -> int:
    """The latest of ``years`` (newest first) with a result on the roll, else the first: results are often
    confirmed after their year ends, so this year's roll may still be empty while last year's is full. One query."""
    found = _on_roll().filter(fiscal_year__in=years).order_by("-fiscal_year").values_list("fiscal_year", flat=True)
    year = found.first()
    return year if year is not None else years[0]


@dataclass
class PublicResult:
    """One line of the public roll: the confirmed result and the names of the areas it lies in."""

    assessment: Assessment
    province: str = ""
    district: str = ""
    subdistrict: str = ""

    @property
    def place(self) -> str:
        return " ".join(name for name in (self.subdistrict, self.district, self.province) if name)


def public_lines(items: list[Assessment]) -> list[PublicResult]:
    """The roll's lines for ``items`` with their province, district and subdistrict named (one query for all)."""
    codes = {a.area_code[:n] for a in items for n in (2, 4, 6) if len(a.area_code) >= n}
    names = {area.code: area.display_name() for area in Area.objects.filter(code__in=codes)} if codes else {}
    lines = []
    for a in items:
        code = a.area_code
        lines.append(
            PublicResult(
                a,
                province=names.get(code[:2], ""),
                district=names.get(code[:4], "") if len(code) >= 4 else "",
                subdistrict=names.get(code[:6], "") if len(code) >= 6 else "",
            )
        )
    return lines
