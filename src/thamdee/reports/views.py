from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from thamdee.areas.forms import AreaField
from thamdee.areas.models import Area, AreaLevel
from thamdee.assessments import selectors as assessments
from thamdee.common import thaitime
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.common.exports import table_response
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import year_param
from thamdee.common.pdf import render_pdf
from thamdee.common.ratelimit import take
from thamdee.deeds.evidence import MAX_STORY_PHOTOS, EvidenceTooManyPhotosError, read_upload
from thamdee.deeds.models import Dimension, Virtue
from thamdee.ledger.models import Programme
from thamdee.orgs.models import Network, Organisation, OrgKind
from thamdee.orgs.roles import roles_for
from thamdee.orgs.selectors import organisation_get
from thamdee.people.models import User
from thamdee.people.types import AuthedRequest
from thamdee.reports import selectors, services
from thamdee.reports.models import KpiKind, Story, StoryStatus, TargetArea
from thamdee.reports.permissions import can_review_story, can_set_baselines, can_view_org_report, can_write_story

FIGURE_HEADERS = ["ความดี (รายการ)", "ชั่วโมง", "เครดิตที่ให้", "เครดิตที่ใช้", "ผู้เข้าร่วม (คน)", "องค์กรที่ทำงาน"]


def _fy(request: HttpRequest) -> int:
    return year_param(request.GET.get("fy")) or thaitime.current_fiscal_year()


def _figures_row(f: selectors.Figures) -> list[Any]:
    if f.suppressed:
        return [f"<{f.below}" if f.below else "—"] * 6
    spent = "—" if f.spent_hidden else f.credits_spent
    return [f.deeds, f.hours, f.credits_issued, spent, f.participants, f.organisations]


def _chart_data(code: str, fy: int, hidden: selectors.Above) -> dict[str, Any]:
    months = selectors.by_month(code, fy, hidden=hidden)
    virtues = selectors.by_virtue(code, fy, hidden=hidden)
    dimensions = selectors.by_dimension(code, fy, hidden=hidden)
    provinces = selectors.by_child_area("", fy) if not code else []
    # A cell too small to show is a gap in a chart (null), never a zero.
    return {
        "months": [thaitime.format_month(y, m) for y, m, _ in months],
        "deeds": [None if f.suppressed else f.deeds for _, _, f in months],
        "credits": [None if f.suppressed else f.credits_issued for _, _, f in months],
        "hours": [None if f.suppressed else float(f.hours) for _, _, f in months],
        "virtues": [{"name": v.display_name(), "value": f.deeds} for v, f in virtues if not f.suppressed],
        "dimensions": [{"name": d.display_name(), "value": f.deeds} for d, f in dimensions if not f.suppressed],
        "map": [
            {
                "code": a.code,
                "name": a.display_name(),
                "value": None if f.suppressed else f.credits_issued,
                "deeds": None if f.suppressed else f.deeds,
            }
            for a, f in provinces
        ],
    }


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """The agency dashboard for the staff member's area (the whole country for national staff)."""
    scope = selectors.scope_for(request.user, request.GET.get("area") or None)
    fy = _fy(request)
    code = scope.code
    kind = request.GET.get("kind", "") if request.GET.get("kind", "") in OrgKind.values else ""
    network = Network.objects.filter(public_id=parse_uuid(request.GET.get("network"))).first()  # type: ignore[misc]
    hidden = selectors.hidden_above(code, fy)
    headline = (
        selectors.filtered_headline(code, fy, kind=kind, network=network)
        if (kind or network)
        else selectors.headline(code, fy, hidden=hidden)
    )
    targets, others, each_target = selectors.target_vs_other(code, fy, hidden=hidden)
    context = {
        "scope": scope,
        "fy": fy,
        "years": selectors.current_and_recent_years(),
        "headline": headline,
        "children": selectors.by_child_area(code, fy, hidden=hidden),
        "targets": targets,
        "others": others,
        "each_target": each_target,
        "top": selectors.top_organisations(code, fy, limit=20, kind=kind, network=network),
        "virtues": selectors.by_virtue(code, fy, hidden=hidden),
        "dimensions": selectors.by_dimension(code, fy, hidden=hidden),
        "chart": _chart_data(code, fy, hidden),
        "kinds": OrgKind.choices,
        "kind": kind,
        "networks": Network.objects.order_by("name_th"),
        "network": network,
        "path": _path(request.user, scope.area),
        "filtered": bool(kind or network),
        "assessment": _assessment_card(request.user, fy, code),
    }
    return render(request, "reports/dashboard.html", context)


def _assessment_card(viewer: User, fy: int, code: str) -> dict[str, Any] | None:
    """The year's assessment results in the dashboard's area (counts of organisations and provinces, one query),
    with the area the results page drills down from (it goes no finer than a district)."""
    if not assessments.can_use(viewer):
        return None
    return {
        "summary": assessments.results_summary(viewer=viewer, fiscal_year=fy, scope_code=code),
        "area": code[:4],
    }


def _path(viewer: User, area: Area | None) -> list[Area]:
    """The breadcrumb to an area: the areas above it that the viewer may open (a district officer's starts at
    their district, never the province above it, which would answer 404)."""
    if area is None:
        return []
    roles = roles_for(viewer)
    codes = [
        c for c in area.ancestor_codes() if roles.is_site_admin or any(c.startswith(root) for root in roles.scope_codes)
    ]
    found = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [found[c] for c in codes if c in found]


@login_required
def area_panel(request: AuthedRequest, code: str) -> HttpResponse:
    """The drill-down fragment (htmx): an area's figures and the areas one level down."""
    scope = selectors.scope_for(request.user, code)
    fy = _fy(request)
    hidden = selectors.hidden_above(code, fy)
    return render(
        request,
        "reports/partials/area_panel.html",
        {
            "area": scope.area,
            "fy": fy,
            "headline": selectors.headline(code, fy, hidden=hidden),
            "children": selectors.by_child_area(code, fy, hidden=hidden),
            "path": _path(request.user, scope.area),
        },
    )


TABLES = {"months", "virtues", "dimensions", "areas", "organisations"}


@login_required
def export(request: AuthedRequest, table: str, fmt: str) -> HttpResponse:
    """Every dashboard table as CSV or XLSX, with Thai headers and Buddhist Era labels."""
    if table not in TABLES or fmt not in ("csv", "xlsx"):
        raise NotFoundError()
    scope = selectors.scope_for(request.user, request.GET.get("area") or None)
    take(request, "files")
    fy, code = _fy(request), scope.code
    label = thaitime.be_year(fy)
    if table == "months":
        headers = ["เดือน", *FIGURE_HEADERS]
        rows = [[thaitime.format_month(y, m), *_figures_row(f)] for y, m, f in selectors.by_month(code, fy)]
    elif table == "virtues":
        headers = ["คุณธรรม", *FIGURE_HEADERS]
        rows = [[v.name_th, *_figures_row(f)] for v, f in selectors.by_virtue(code, fy)]
    elif table == "dimensions":
        headers = ["มิติ", *FIGURE_HEADERS]
        rows = [[d.name_th, *_figures_row(f)] for d, f in selectors.by_dimension(code, fy)]
    elif table == "areas":
        headers = ["รหัสพื้นที่", "พื้นที่", *FIGURE_HEADERS]
        rows = [[a.code, a.name_th or a.display_name(), *_figures_row(f)] for a, f in selectors.by_child_area(code, fy)]
    else:
        headers = ["องค์กร", "ประเภท", "รหัสพื้นที่", "ความดี (รายการ)", "ชั่วโมง", "เครดิตที่ให้", "ผู้เข้าร่วม (คน)"]
        rows = [
            [
                o["organisation__name_th"],
                str(OrgKind(o["organisation__kind"]).label),
                o["area_code"],
                *(
                    [f"<{o['below']}"] * 4
                    if o["suppressed"]
                    else [o["deeds"], o["hours"], o["credits_issued"], o["participants"]]
                ),
            ]
            for o in selectors.top_organisations(code, fy)
        ]
    return table_response(f"thamdee-{table}-{code or 'th'}-{label}", headers, rows, fmt)


@login_required
def area_report_pdf(request: AuthedRequest, code: str) -> HttpResponse:
    """The fiscal-year report of an area, as a Thai PDF."""
    scope = selectors.scope_for(request.user, code)
    take(request, "files")
    fy = _fy(request)
    start, end = thaitime.fiscal_year_bounds(fy)
    hidden = selectors.hidden_above(scope.code, fy)
    targets, others, _each = selectors.target_vs_other(scope.code, fy, hidden=hidden)
    pdf = render_pdf(
        "reports/area_report_pdf.html",
        {
            "area": scope.area,
            "fy": fy,
            "start": start,
            "end": end,
            "headline": selectors.headline(scope.code, fy, hidden=hidden),
            "months": selectors.by_month(scope.code, fy, hidden=hidden),
            "virtues": selectors.by_virtue(scope.code, fy, hidden=hidden),
            "dimensions": selectors.by_dimension(scope.code, fy, hidden=hidden),
            "children": selectors.by_child_area(scope.code, fy, hidden=hidden),
            "top": selectors.top_organisations(scope.code, fy, limit=10),
            "targets": targets,
            "others": others,
            "issued": thaitime.format_date(timezone.localdate(), "long"),
        },
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="thamdee-report-{code or "th"}-{thaitime.be_year(fy)}.pdf"'
    return response


@login_required
def kpis(request: AuthedRequest) -> HttpResponse:
    roles = roles_for(request.user)
    if not (roles.is_agency_staff or roles.is_site_admin):
        raise NotFoundError()
    error = None
    if request.method == "POST":
        try:
            value = int(request.POST.get("value", ""))
            year = int(request.POST.get("fiscal_year", ""))
            services.kpi_baseline_set(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                fiscal_year=year - 543 if year > 2400 else year,
                value=value,
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("บันทึกค่าฐานแล้ว"))
            return redirect("reports:kpis")
        except (ValueError, DomainError) as exc:
            error = str(exc) if isinstance(exc, DomainError) else _("ข้อมูลไม่ถูกต้อง")
    return render(
        request,
        "reports/kpis.html",
        {
            "kpis": selectors.kpis(thaitime.current_fiscal_year()),
            "kinds": KpiKind.choices,
            "can_set": can_set_baselines.test(request.user),
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def targets(request: AuthedRequest) -> HttpResponse:
    roles = roles_for(request.user)
    if not (roles.is_agency_staff or roles.is_site_admin):
        raise NotFoundError()
    fy = _fy(request)
    field = AreaField(min_level=AreaLevel.PROVINCE, max_level=AreaLevel.SUBDISTRICT)
    widget: Any = field.widget
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                target = TargetArea.objects.filter(public_id=parse_uuid(request.POST["remove"])).first()  # type: ignore[misc]
                if target is None:
                    raise NotFoundError()
                services.target_area_remove(actor=request.user, target=target)
            else:
                area = field.clean(widget.value_from_datadict(request.POST, request.FILES, "area"))
                programme = Programme.objects.filter(is_active=True).order_by("pk").first()
                if area is None or programme is None:
                    raise NotFoundError()
                services.target_area_designate(
                    actor=request.user,
                    programme=programme,
                    fiscal_year=fy,
                    area=area,
                    note=request.POST.get("note", ""),
                )
            return redirect(f"{reverse('reports:targets')}?fy={fy}")
        except DomainError as exc:
            error = str(exc)
        except Exception as exc:
            error = "; ".join(getattr(exc, "messages", [str(exc)]))
    # The targets over the viewer's areas and those that contain one of them; the figures only of those the viewer
    # covers whole (a province target shown to staff of one of its districts would give the other districts').
    listed = [
        t
        for t in selectors.target_areas(fy)
        if roles.is_site_admin or roles.covers(t.area.code) or any(p.startswith(t.area.code) for p in roles.scope_codes)
    ]
    covered = dict(
        selectors.target_headlines([t for t in listed if roles.is_site_admin or roles.covers(t.area.code)], fy)
    )
    rows = [(t, covered.get(t, selectors.Figures(suppressed=True))) for t in listed]
    return render(
        request,
        "reports/targets.html",
        {
            "fy": fy,
            "years": selectors.current_and_recent_years(),
            "rows": rows,
            "error": error,
            "picker": widget.render("area", None),
        },
        status=400 if error else 200,
    )


@login_required
def organisation(request: AuthedRequest, public_id: str) -> HttpResponse:
    """An organisation's own figures and its members' participation, for its organisers and admins."""
    org = organisation_get(public_id)
    if not can_view_org_report.test(request.user, org):
        raise NotFoundError()
    fy = _fy(request)
    total, months = selectors.organisation_figures(org, fy)
    members = selectors.member_participation(viewer=request.user, org=org, fiscal_year=fy)
    if request.GET.get("format") in ("csv", "xlsx"):
        take(request, "files")
        rows = [
            [
                f"{m['member__prefix']}{m['member__first_name']} {m['member__last_name']}",
                m["deeds"],
                m["hours"],
                m["credits"],
            ]
            for m in members
        ]
        return table_response(
            f"thamdee-members-{thaitime.be_year(fy)}",
            ["สมาชิก", "ความดี (รายการ)", "ชั่วโมง", "เครดิต"],
            rows,
            request.GET["format"],
        )
    chart = {
        "months": [thaitime.format_month(y, m) for y, m, _ in months],
        "deeds": [f.deeds for _, _, f in months],
        "credits": [f.credits_issued for _, _, f in months],
    }
    return render(
        request,
        "reports/organisation.html",
        {
            "org": org,
            "fy": fy,
            "years": selectors.current_and_recent_years(),
            "total": total,
            "members": members,
            "chart": chart,
            "member_count": org.memberships.filter(is_active=True, is_member=True).count(),
        },
    )


def public(request: HttpRequest) -> HttpResponse:
    """National and provincial aggregates for everyone; small cells are hidden."""
    fy = _fy(request)
    national, provinces = selectors.public_figures(fy)
    if request.GET.get("format") in ("csv", "xlsx"):
        take(request, "files")
        rows = [["TH", "ทั้งประเทศ", *_figures_row(national)]]
        rows += [[a.code, a.name_th, *_figures_row(f)] for a, f in provinces]
        return table_response(
            f"thamdee-public-{thaitime.be_year(fy)}", ["รหัส", "พื้นที่", *FIGURE_HEADERS], rows, request.GET["format"]
        )
    chart = {
        "map": [
            {
                "code": a.code,
                "name": a.display_name(),
                "value": None if f.suppressed else f.credits_issued,
                "deeds": None if f.suppressed else f.deeds,
            }
            for a, f in provinces
        ]
    }
    return render(
        request,
        "reports/public.html",
        {
            "fy": fy,
            "years": selectors.current_and_recent_years(),
            "national": national,
            "provinces": provinces,
            "chart": chart,
            "minimum": selectors.min_cell(),
            "stories": selectors.stories_published()[:3],
        },
    )


# --- stories ------------------------------------------------------------------------------------------------------


def stories(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    page = Paginator(selectors.stories_published(q), 12).get_page(request.GET.get("page"))
    template = "reports/partials/story_list.html" if getattr(request, "htmx", False) else "reports/stories.html"
    return render(request, template, {"page": page, "q": q})


def story(request: HttpRequest, public_id: str) -> HttpResponse:
    item = Story.objects.filter(public_id=parse_uuid(public_id)).select_related("organisation", "area").first()  # type: ignore[misc]
    if item is None:
        raise NotFoundError()
    user = request.user
    published, photos_public = selectors.story_publication(item)
    may_write = bool(can_write_story.test(user, item.organisation))
    may_review = bool(can_review_story.test(user, item.area))
    staff = may_write or may_review
    if not (published or staff):
        raise NotFoundError()
    return render(
        request,
        "reports/story.html",
        {
            "story": item,
            "published": published,
            "photos_public": photos_public,
            "show_photos": photos_public or staff,
            "nobody_tagged": staff and not item.people_shown.exists(),
            "can_edit": may_write and item.status != StoryStatus.APPROVED,
            "can_review": may_review and item.status == StoryStatus.SUBMITTED,
        },
    )


def story_photo(request: HttpRequest, public_id: str, kind: str) -> FileResponse:
    from thamdee.reports.models import StoryPhoto

    photo = (
        StoryPhoto.objects.filter(public_id=parse_uuid(public_id))  # type: ignore[misc]
        .select_related(
            "story__organisation",
            "story__area",
        )
        .first()
    )
    if photo is None:
        raise NotFoundError()
    s = photo.story
    if not (
        selectors.story_photos_public(s)
        or can_write_story.test(request.user, s.organisation)
        or can_review_story.test(request.user, s.area)
    ):
        raise NotFoundError()
    return FileResponse((photo.thumbnail if kind == "thumb" else photo.image).open("rb"), content_type="image/jpeg")


@login_required
def story_edit(request: AuthedRequest, public_id: str | None = None) -> HttpResponse:
    item = None
    writes_for: list[Organisation] = []  # a new story's choice of organisation
    if public_id:
        item = Story.objects.filter(public_id=parse_uuid(public_id)).select_related("organisation").first()  # type: ignore[misc]
        if item is None:
            raise NotFoundError()
        org = item.organisation
    else:
        # The menu opens the form with no organisation named: the first of those the person writes stories for,
        # with a choice of the others on the form.
        writes_for = selectors.story_organisations(request.user)
        chosen = request.GET.get("org") or request.POST.get("org") or ""
        if not chosen and not writes_for:
            raise NotFoundError()
        org = organisation_get(chosen or str(writes_for[0].public_id))
    if not can_write_story.test(request.user, org):
        raise NotFoundError()
    members = User.objects.filter(memberships__organisation=org, memberships__is_active=True).order_by("first_name")
    error = None
    # What the form shows: the story as kept, or what was posted when it is refused (nothing typed is lost).
    values: dict[str, Any] = {
        "title": item.title if item else "",
        "summary": item.summary if item else "",
        "body": item.body if item else "",
        "lessons": item.lessons if item else "",
        "virtues": set(item.virtues.values_list("code", flat=True)) if item else set(),
        "dimensions": set(item.dimensions.values_list("code", flat=True)) if item else set(),
        "shown": {str(p) for p in item.people_shown.values_list("public_id", flat=True)} if item else set(),
    }
    if request.method == "POST":
        values = {
            **{name: request.POST.get(name, "") for name in ("title", "summary", "body", "lessons")},
            "virtues": set(request.POST.getlist("virtues")),
            "dimensions": set(request.POST.getlist("dimensions")),
            "shown": set(request.POST.getlist("people")),
        }
        try:
            area = Area.objects.filter(code=request.POST.get("area") or org.area.code).first() or org.area
            uploads = request.FILES.getlist("photos")
            if len(uploads) > MAX_STORY_PHOTOS:  # before reading any; the service counts those kept too
                raise EvidenceTooManyPhotosError(limit=MAX_STORY_PHOTOS)
            photos = [(read_upload(f), request.POST.get("caption", "")) for f in uploads]
            item = services.story_save(
                actor=request.user,
                organisation=org,
                story=item,
                title=request.POST.get("title", ""),
                summary=request.POST.get("summary", ""),
                body=request.POST.get("body", ""),
                lessons=request.POST.get("lessons", ""),
                area=area,
                virtues=list(Virtue.objects.filter(code__in=request.POST.getlist("virtues"))),
                dimensions=list(Dimension.objects.filter(code__in=request.POST.getlist("dimensions"))),
                people_shown=list(
                    members.filter(public_id__in=[p for p in request.POST.getlist("people") if parse_uuid(p)])
                ),
                photos=photos,
            )
            if request.POST.get("submit"):
                services.story_submit(actor=request.user, story=item)
                messages.success(request, _("ส่งเรื่องเล่าให้หน่วยงานพิจารณาแล้ว"))
            else:
                messages.success(request, _("บันทึกร่างแล้ว"))
            return redirect("reports:story", public_id=item.public_id)
        except DomainError as exc:
            error = str(exc)
    return render(
        request,
        "reports/story_edit.html",
        {
            "story": item,
            "org": org,
            "members": members,
            "virtues": Virtue.objects.filter(is_active=True),
            "dimensions": Dimension.objects.all(),
            "error": error,
            "values": values,
            "writes_for": writes_for,
        },
        status=400 if error else 200,
    )


@login_required
def story_review(request: AuthedRequest, public_id: str) -> HttpResponse:
    item = Story.objects.filter(public_id=parse_uuid(public_id)).select_related("area").first()  # type: ignore[misc]
    if item is None or request.method != "POST":
        raise NotFoundError()
    try:
        services.story_review(
            actor=request.user,
            story=item,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("reports:story", public_id=item.public_id)


@login_required
def stories_review_queue(request: AuthedRequest) -> HttpResponse:
    roles = roles_for(request.user)
    if not (roles.is_agency_staff or roles.is_site_admin):
        raise NotFoundError()
    waiting = [
        s
        for s in Story.objects.filter(status=StoryStatus.SUBMITTED).select_related("organisation", "area")
        if can_review_story.test(request.user, s.area)
    ]
    return render(request, "reports/stories_review.html", {"waiting": waiting})


def json_for(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
