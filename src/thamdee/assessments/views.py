"""Assessments on the web: the index (what the viewer assesses, what waits for their confirmation, results), one
assessment's sheet with its scores and evidence, the confirmation, and results by area. Every rule is in
``services`` and ``selectors``: an assessment its viewer may not see is not found."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thamdee.areas.models import Area, AreaLevel
from thamdee.areas.selectors import area_label
from thamdee.assessments import certificates, selectors, services
from thamdee.assessments.errors import AssessmentInvalidError
from thamdee.assessments.forms import ReviewForm, ScoresForm
from thamdee.assessments.models import MAX_FILES_PER_ACTIVITY, Assessment, EvidenceFile, Level, Subject
from thamdee.assessments.permissions import can_fill_assessment
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.common.exports import table_response
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import ascii_int, is_ascii_digits
from thamdee.common.ratelimit import take
from thamdee.common.thaitime import fiscal_year_label
from thamdee.deeds.evidence import MAX_BYTES, read_upload
from thamdee.orgs.models import Organisation
from thamdee.people.types import AuthedRequest


def _year(request: AuthedRequest, choices: list[int]) -> int:
    raw = request.GET.get("fy") or request.POST.get("fiscal_year") or ""
    year = ascii_int(raw, max_digits=4)
    return year if year is not None and year in choices else choices[0]


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    viewer = request.user
    if not selectors.can_use(viewer):
        raise NotFoundError()
    years = services.open_years()
    year = _year(request, years)
    queue, queue_total = selectors.review_queue(viewer=viewer)
    return render(
        request,
        "assessments/index.html",
        {
            "year": year,
            "years": years,
            "orgs": selectors.organisations_to_assess(viewer=viewer, fiscal_year=year),
            "provinces": selectors.provinces_to_assess(viewer=viewer, fiscal_year=year),
            "queue": queue,
            "queue_total": queue_total,
        },
    )


@login_required
@require_POST
def open_assessment(request: AuthedRequest) -> HttpResponse:
    """Start (or open) the year's assessment of an organisation (``org``: public id) or a province (``province``:
    its code)."""
    years = services.open_years()
    year = _year(request, years)
    organisation = province = None
    if request.POST.get("org"):
        organisation = Organisation.objects.filter(public_id=parse_uuid(request.POST["org"])).first()  # type: ignore[misc]
        if organisation is None:
            raise NotFoundError()
    else:
        province = Area.objects.filter(code=request.POST.get("province", ""), level=AreaLevel.PROVINCE).first()
        if province is None:
            raise NotFoundError()
    try:
        assessment = services.assessment_open(
            actor=request.user, organisation=organisation, province=province, fiscal_year=year
        )
    except NotFoundError:
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("assessments:index")
    return redirect("assessments:detail", public_id=assessment.public_id)


def _scores_form(assessment: Assessment, data: Any = None) -> ScoresForm:
    """The scores form drawn from what is saved now (its ``initial``): a posted form then sends only what the
    person changed (``ScoresForm.scores``)."""
    sheet = selectors.assessment_sheet(assessment=assessment)
    initial: dict[str, str] = {}
    files: dict[int, list[Any]] = {}
    for group in sheet:
        for row in group.rows:
            if row.value is not None:
                initial[f"score_{row.indicator.number}"] = str(row.value)
            if row.evidence:
                initial[f"evidence_{row.indicator.number}"] = row.evidence
            files[row.indicator.number] = row.files
    return ScoresForm(
        data, initial=initial, indicators=[r.indicator for g in sheet for r in g.rows], evidence_files=files
    )


def _page(
    request: AuthedRequest,
    assessment: Assessment,
    *,
    scores_form: ScoresForm | None = None,
    review_form: ReviewForm | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = request.user
    may_fill = selectors.may_fill(viewer=viewer, assessment=assessment)
    may_review = selectors.may_review(viewer=viewer, assessment=assessment)
    if may_fill and scores_form is None:
        scores_form = _scores_form(assessment)
    return render(
        request,
        "assessments/detail.html",
        {
            "a": assessment,
            "sheet": None if may_fill else selectors.assessment_sheet(assessment=assessment),
            "scores_form": scores_form if may_fill else None,
            "review_form": (review_form or ReviewForm()) if may_review else None,
            "error": error,
            "history": selectors.assessment_history(assessment=assessment),
            "max_mb": MAX_BYTES // (1024 * 1024),
            "max_files": MAX_FILES_PER_ACTIVITY,
            "signed": selectors.signed_result(assessment),
        },
        status=status,
    )


@login_required
def detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    return _page(request, selectors.assessment_get(viewer=request.user, public_id=public_id))


MAX_FILES_PER_REQUEST = 10


def _uploads(request: AuthedRequest, numbers: list[int]) -> list[tuple[int, str, bytes]]:
    """The files chosen on the sheet (``file_<activity number>``, several each), read only when not too large."""
    chosen = [(number, f) for number in numbers for f in request.FILES.getlist(f"file_{number}")]
    if len(chosen) > MAX_FILES_PER_REQUEST:
        raise AssessmentInvalidError(reason=format_lazy(_("แนบได้ครั้งละไม่เกิน {limit} ไฟล์"), limit=MAX_FILES_PER_REQUEST))
    uploads = []
    for number, upload in chosen:
        uploads.append((number, upload.name or "", read_upload(upload)))
    return uploads


# How long one request may spend checking and redrawing the files sent with it (a 100-page scan takes about 3 s):
# past it, the files not yet looked at are refused with the rest, so the page comes back with what was typed
# instead of outliving the web server's timeout.
PREPARE_BUDGET_SECONDS = 20.0


def _prepared(uploads: list[tuple[int, str, bytes]]) -> list[tuple[int, services.PreparedFile]]:
    started = time.monotonic()
    prepared: list[tuple[int, services.PreparedFile]] = []
    for number, name, data in uploads:
        if prepared and time.monotonic() - started > PREPARE_BUDGET_SECONDS:
            raise AssessmentInvalidError(reason=_("ไฟล์ที่แนบครั้งนี้ใช้เวลาตรวจนานเกินไป โปรดแนบครั้งละน้อยไฟล์ลง"))
        prepared.append((number, services.evidence_prepare(data, name)))
    return prepared


@login_required
@require_POST
def save_scores(request: AuthedRequest, public_id: str) -> HttpResponse:
    """Save the scores and keep the files chosen (``action=save``), or do that and send the result for
    confirmation (``action=submit``); ``action=remove:<file id>`` removes one file and saves the rest too. A refusal
    (a file refused among them) shows the page again with what was typed and the reason, and saves nothing."""
    assessment = selectors.assessment_get(viewer=request.user, public_id=public_id)
    if not can_fill_assessment.test(request.user, assessment):  # a submitted one: the service's 409, below
        raise NotFoundError()
    form = _scores_form(assessment, request.POST)
    if not form.is_valid():
        return _page(request, assessment, scores_form=form, status=400)
    action = request.POST.get("action", "save")
    submit = action == "submit"
    remove = parse_uuid(action.removeprefix("remove:")) if action.startswith("remove:") else None
    added: list[EvidenceFile] = []
    try:
        # The files are checked and redrawn first, holding no lock; then one transaction: a refused file or
        # submission saves none of what was sent with it, and the stored copies of files it added are deleted.
        prepared = _prepared(_uploads(request, [i.number for i in form.indicators]))
        try:
            with transaction.atomic():
                services.assessment_score(actor=request.user, assessment=assessment, scores=form.scores())
                for number, ready in prepared:
                    item, created = services.assessment_evidence_add(
                        actor=request.user, assessment=assessment, number=number, prepared=ready
                    )
                    if created:
                        added.append(item)
                if remove is not None:
                    gone = selectors.evidence_file_of(assessment=assessment, public_id=remove)
                    services.assessment_evidence_remove(actor=request.user, item=gone)
                if submit:
                    services.assessment_submit(actor=request.user, assessment=assessment)
        except BaseException:
            services.evidence_discard(added)
            raise
    except NotFoundError:
        raise
    except DomainError as exc:
        form.add_error(None, str(exc))
        fresh = selectors.assessment_get(viewer=request.user, public_id=public_id)
        if not fresh.is_editable:
            return _page(request, fresh, error=exc, status=exc.status)
        return _page(request, fresh, scores_form=form, error=exc, status=exc.status)
    if submit:
        messages.success(request, _("ส่งผลการประเมินแล้ว รอการรับรอง"))
    elif remove is not None:
        messages.success(request, _("ลบไฟล์หลักฐานแล้ว"))
    else:
        messages.success(request, _("บันทึกแล้ว"))
    return redirect("assessments:detail", public_id=assessment.public_id)


@login_required
def evidence_file(request: AuthedRequest, public_id: str, kind: str = "file") -> FileResponse:
    """An evidence file, only to those who may see its assessment (never from a public media URL): a photo shown
    in the page, a PDF only as a download."""
    item = selectors.evidence_file_get(viewer=request.user, public_id=public_id)
    return evidence_response(item, thumbnail=kind == "thumb")


def evidence_response(item: EvidenceFile, *, thumbnail: bool = False) -> FileResponse:
    """An evidence file as a response (the page's and the API's): a photo inline, a PDF as a download; never kept by
    a browser without asking (a file removed, or a viewer who lost access, is not served again), never sniffed,
    and sandboxed."""
    if thumbnail and item.thumbnail:
        response = FileResponse(item.thumbnail.open("rb"), content_type="image/jpeg")
    else:
        response = FileResponse(
            item.file.open("rb"), content_type=item.content_type, as_attachment=not item.is_image, filename=item.name
        )
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def review(request: AuthedRequest, public_id: str) -> HttpResponse:
    assessment = selectors.assessment_get(viewer=request.user, public_id=public_id)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        if not selectors.may_review(viewer=request.user, assessment=assessment):
            raise NotFoundError()
        return _page(request, assessment, review_form=form, status=400)
    try:
        services.assessment_review(
            actor=request.user,
            assessment=assessment,
            confirm=form.cleaned_data["decision"] == "confirm",
            note=form.cleaned_data["note"],
        )
    except NotFoundError:
        raise
    except DomainError as exc:
        form.add_error(None, str(exc))
        fresh = selectors.assessment_get(viewer=request.user, public_id=public_id)
        return _page(request, fresh, review_form=form, error=exc, status=exc.status)
    messages.success(request, _("บันทึกผลการพิจารณาแล้ว"))
    return redirect("assessments:index")


@login_required
def results(request: AuthedRequest) -> HttpResponse:
    """Confirmed results of a fiscal year by area (organisations by level; each province's own result), within the
    viewer's areas; ``area`` drills down one level."""
    viewer = request.user
    if not selectors.can_use(viewer):
        raise NotFoundError()
    years = selectors.result_years()
    year = _year(request, years)
    code = request.GET.get("area", "")
    area = Area.objects.filter(code=code).first() if code else None
    if area is not None and area.level >= AreaLevel.SUBDISTRICT:
        area = None
    scope = area.code if area else ""
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        take(request, "files")
        headers, lines = selectors.results_rows(viewer=viewer, fiscal_year=year, scope_code=scope)
        return table_response(f"assessments-{year + 543}{'-' + scope if scope else ''}", headers, lines, fmt)
    rows = selectors.results_by_area(viewer=viewer, fiscal_year=year, scope_code=scope)
    levels = list(Level)  # "no level reached" too: a confirmed result may reach none
    table = [(row, [row.counts.get(level.value, 0) for level in levels]) for row in rows]
    totals = [sum(counts[i] for _row, counts in table) for i in range(len(levels))]
    return render(
        request,
        "assessments/results.html",
        {
            "year": year,
            "years": years,
            "area": area,
            "levels": levels,
            "table": table,
            "totals": totals,
            "waiting": sum(row.waiting for row in rows),
            "drill": area is None or area.level < AreaLevel.DISTRICT,
        },
    )


@login_required
def certificate(request: AuthedRequest, public_id: str) -> HttpResponse:
    """The certificate of a confirmed result at one of the levels, as a PDF, for those who may see the assessment
    (not found for a result without one)."""
    assessment = selectors.assessment_get(viewer=request.user, public_id=public_id)
    if not assessment.has_certificate:
        raise NotFoundError()  # a result its agency revoked is returned, so has none
    signed = selectors.signed_result(assessment)
    response = HttpResponse(certificates.certificate_pdf(assessment, signed), content_type="application/pdf")
    response["Content-Disposition"] = (
        content_disposition_header(True, certificates.certificate_filename(assessment)) or ""
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


def verify(request: HttpRequest, public_id: str) -> HttpResponse:
    """Where a certificate's QR code leads, for anyone: the organisation or province, the level, the fiscal year
    and the agency that confirmed it, as this site holds them now; for a result signed by its agency, where its
    signature is checked and its signed file (which names no person either). A result whose confirmation its
    agency revoked says so, with the level it had, not that it stands (until it is confirmed again). No person is
    named. Not found for anything but a confirmed result at a level or a revoked one."""
    assessment = selectors.certificate_get_public(public_id=public_id)
    area = assessment.organisation.area if assessment.organisation is not None else None
    signed = selectors.signed_result(assessment)
    revoked = selectors.last_revocation(assessment) if signed is not None and signed.is_revoked else None
    response = render(
        request,
        "assessments/verify.html",
        {
            "a": assessment,
            # a revoked result was returned, so its agency is the one that signed the revoked credential
            "issuer_name": signed.agency.display_name()
            if revoked is not None and signed is not None
            else certificates.issuer_display_name(assessment),
            "area_path": area_label(area) if area is not None else "",
            "on_roll": assessment.fiscal_year in selectors.result_years() and revoked is None,
            "signed": signed,
            "revocation": revoked,
            "credential_verify_url": reverse("recognition:verify_id", args=[signed.id]) if signed else "",
            "credential_file_url": reverse("recognition:verify_file", args=[signed.id]) if signed else "",
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


ROLL_PAGE_SIZE = 50


def _roll_filters(request: HttpRequest) -> dict[str, Any]:
    """The public roll's filters read from the query string; anything unknown falls back to "all"."""
    years = selectors.result_years()
    raw_year = request.GET.get("fy", "")
    number = ascii_int(raw_year, max_digits=4)
    year = number if number is not None and number in years else selectors.roll_latest_year(years)
    code = request.GET.get("area", "")
    area = Area.objects.filter(code=code, level__lte=AreaLevel.SUBDISTRICT).first() if is_ascii_digits(code) else None
    raw_level = request.GET.get("level", "")
    number = ascii_int(raw_level, max_digits=2)
    level = number if number is not None and number in Level.values and number else None
    subject = request.GET.get("subject", "")
    subject = subject if subject in Subject.values else ""
    query = " ".join(request.GET.get("q", "").split())[:100]
    return {"years": years, "year": year, "area": area, "level": level, "subject": subject, "q": query}


def roll(request: HttpRequest) -> HttpResponse:
    """The public roll of organisations and provinces whose result was confirmed at one of the levels, for anyone:
    by fiscal year, province, level and name, each with its verification page; as CSV or Excel too. No person is
    named and nothing below a level is listed."""
    f = _roll_filters(request)
    qs = selectors.results_public(
        fiscal_year=f["year"],
        area_code=f["area"].code if f["area"] else "",
        level=f["level"],
        subject=f["subject"],
        query=f["q"],
    )
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        take(request, "files")
        headers, rows = _roll_table(selectors.public_lines(list(qs)))
        return table_response(f"assessment-roll-{f['year'] + 543}", headers, rows, fmt)
    page = Paginator(qs, ROLL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/roll.html",
        {
            **f,
            "page": page,
            "lines": selectors.public_lines(list(page.object_list)),
            "levels": [level for level in Level if level],
            "subjects": Subject.choices,
            "provinces": Area.objects.filter(level=AreaLevel.PROVINCE).order_by("name_th"),
        },
    )


def _roll_table(lines: list[selectors.PublicResult]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("ปีงบประมาณ"),
        _("ประเภท"),
        _("ชื่อ"),
        _("จังหวัด"),
        _("อำเภอ/เขต"),
        _("ตำบล/แขวง"),
        _("ระดับที่รับรอง"),
        _("รับรองโดย"),
        _("รับรองเมื่อ"),
        _("ตรวจสอบได้ที่"),
    ]
    rows = [
        [
            fiscal_year_label(line.assessment.fiscal_year),
            Subject(line.assessment.subject).label,
            line.assessment.subject_name,
            line.province,
            line.district,
            line.subdistrict,
            line.assessment.get_confirmed_level_display(),
            certificates.issuer_display_name(line.assessment),
            line.assessment.reviewed_at.date().isoformat() if line.assessment.reviewed_at else "",
            certificates.verify_url(line.assessment),
        ]
        for line in lines
    ]
    return headers, rows
