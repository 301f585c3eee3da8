from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thamdee.common import thaitime
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import year_param
from thamdee.common.pdf import render_pdf
from thamdee.common.ratelimit import take
from thamdee.common.urls import safe_next
from thamdee.deeds import selectors, services
from thamdee.deeds.forms import (
    ActivityForm,
    DeedTypeEditForm,
    DeedTypeForm,
    ImportForm,
    RejectForm,
    ReportForm,
    ThaiDateField,
)
from thamdee.deeds.models import Appeal, Deed, DeedEvidence, DeedStatus, DeedType
from thamdee.deeds.permissions import (
    can_decide_appeal,
    can_manage_catalogue,
    can_manage_templates,
    can_record_for,
    can_reverse_deed,
    can_verify_deed,
)
from thamdee.ledger.models import Programme
from thamdee.orgs.models import Membership
from thamdee.orgs.roles import roles_for
from thamdee.orgs.selectors import organisation_get
from thamdee.people.models import User
from thamdee.people.types import AuthedRequest

# --- members -------------------------------------------------------------------------------------------------


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """A member reports a deed from a phone."""
    catalogue = selectors.catalogue_for_member(request.user)
    form = ReportForm(request.POST or None, request.FILES or None, catalogue=catalogue)
    status = 200
    if request.method == "POST":
        from thamdee.deeds.evidence import MAX_BYTES, MAX_PHOTOS_PER_DEED, EvidenceTooManyPhotosError

        if form.is_valid() and len(form.cleaned_data["photos"]) > MAX_PHOTOS_PER_DEED:  # before reading any
            form.add_error("photos", str(EvidenceTooManyPhotosError(limit=MAX_PHOTOS_PER_DEED)))
        if form.is_valid() and any(f.size > MAX_BYTES for f in form.cleaned_data["photos"]):
            form.add_error("photos", _("ไฟล์รูปใหญ่เกินไป รับได้ไม่เกิน %(mb)s MB") % {"mb": MAX_BYTES // 2**20})
        if form.is_valid():
            data = form.cleaned_data
            try:
                deed = services.deed_report(
                    actor=request.user,
                    deed_type=data["deed_type"],
                    done_on=data["done_on"],
                    area=data["area"],
                    hours=data["hours"] or 0,
                    quantity=data["quantity"],
                    beneficiaries=data["beneficiaries"] or 0,
                    description=data["description"],
                    photos=[f.read() for f in data["photos"]],
                    request_key=data.get("token"),
                )
            except DomainError as exc:
                field = {
                    "deed_date": "done_on",
                    "deed_amount": "hours",
                    "deed_area": "area",
                    "evidence_required": "photos",
                }.get(exc.code)
                if exc.code.startswith("evidence"):
                    field = "photos"
                form.add_error(field, str(exc))
            else:
                messages.success(request, _("ส่งบันทึกความดีแล้ว รอผู้รับรอง"))
                return redirect("deeds:detail", public_id=deed.public_id)
        status = 400
    return render(request, "deeds/report.html", {"form": form, "has_catalogue": catalogue.exists()}, status=status)


@login_required
def my_deeds(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    page = Paginator(selectors.deed_list_for_member(request.user, status), 30).get_page(request.GET.get("page"))
    return render(request, "deeds/mine.html", {"page": page, "status": status, "statuses": DeedStatus.choices})


@login_required
def detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    deed = selectors.deed_get_visible_to(viewer=request.user, public_id=public_id)
    user = request.user
    open_appeal = deed.appeals.filter(status=Appeal.Status.OPEN).select_related("against__actor").first()
    # The same rule as the service: the latest rejection or reversal, not appealed yet, inside the window that the
    # rules in force on the deed's day give.
    appeal_until = None
    if user.pk == deed.member_id and (against := selectors.decision_to_appeal(deed)) is not None:
        until = selectors.appeal_deadline(deed, against)
        appeal_until = until if timezone.now() <= until else None
    return render(
        request,
        "deeds/detail.html",
        {
            "deed": deed,
            "decisions": selectors.decisions_of(deed),
            "evidence": list(deed.evidence.all()),
            "can_verify": can_verify_deed.test(user, deed)
            and user.pk != deed.member_id
            and deed.status in (DeedStatus.PENDING, DeedStatus.AWAITING_SECOND),
            "can_reverse": can_reverse_deed.test(user, deed)
            and deed.status == DeedStatus.VERIFIED
            and user.pk != deed.member_id,
            "can_appeal": appeal_until is not None,
            "appeal_until": appeal_until,
            "open_appeal": open_appeal,
            "can_decide": open_appeal is not None
            and user.pk not in (open_appeal.member_id, open_appeal.against.actor_id)
            and can_decide_appeal.test(user, deed),
            "reject_form": RejectForm(),
        },
    )


@login_required
def evidence_file(request: AuthedRequest, public_id: str, kind: str) -> FileResponse:
    """Evidence photos are served only to those who may see the deed (never from a public media URL)."""
    item = selectors.evidence_get_visible_to(viewer=request.user, public_id=public_id)
    return evidence_response(item, thumbnail=kind == "thumb")


def evidence_response(item: DeedEvidence, *, thumbnail: bool = False) -> FileResponse:
    """A deed's photo, or its thumbnail, as a response (the page's and the API's, so both send the same headers):
    always a JPEG (photos are re-encoded when kept), never sniffed, kept only in the viewer's own cache."""
    field = item.thumbnail if thumbnail else item.image
    response = FileResponse(field.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def appeal(request: AuthedRequest, public_id: str) -> HttpResponse:
    deed = selectors.deed_get_visible_to(viewer=request.user, public_id=public_id)
    try:
        services.appeal_file(actor=request.user, deed=deed, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("ยื่นอุทธรณ์แล้ว ผู้รับรองคนอื่นจะพิจารณา"))
    return redirect("deeds:detail", public_id=deed.public_id)


@login_required
@require_POST
def appeal_decide(request: AuthedRequest, public_id: str) -> HttpResponse:
    try:
        item = Appeal.objects.select_related("deed").get(public_id=public_id)
    except (Appeal.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    selectors.deed_get_visible_to(viewer=request.user, public_id=item.deed.public_id)
    try:
        services.appeal_decide(
            actor=request.user,
            appeal=item,
            uphold=request.POST.get("uphold") == "1",
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("บันทึกผลอุทธรณ์แล้ว"))
    return redirect("deeds:detail", public_id=item.deed.public_id)


@login_required
def hours(request: AuthedRequest) -> HttpResponse:
    """The volunteer-hours statement of a fiscal year (page, or PDF with ?format=pdf)."""
    fiscal_year = year_param(request.GET.get("fy")) or thaitime.current_fiscal_year()
    statement = selectors.hours_statement(request.user, fiscal_year)
    if request.GET.get("format") == "pdf":
        take(request, "files")
        pdf = render_pdf("deeds/hours_pdf.html", {"s": statement, "issued": timezone.localdate()}, request=request)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="thamdee-hours-{thaitime.be_year(fiscal_year)}.pdf"'
        return response
    years = [thaitime.current_fiscal_year() - i for i in range(3)]
    return render(request, "deeds/hours.html", {"s": statement, "years": years})


# --- verifiers and organisers -------------------------------------------------------------------------------------


def _decide(request: AuthedRequest, deed: Deed, action: str) -> None:
    if action == "approve":
        deed = services.deed_verify(actor=request.user, deed=deed)
        if deed.status == DeedStatus.AWAITING_SECOND:
            messages.info(request, _("บันทึกการรับรองคนแรกแล้ว รายการนี้ต้องมีผู้รับรองคนที่สอง"))
        else:
            messages.success(request, _("รับรองแล้ว ให้ %(n)s เครดิต") % {"n": deed.credits})
    elif action == "reject":
        services.deed_reject(actor=request.user, deed=deed, reason=request.POST.get("reason", ""))
        messages.success(request, _("บันทึกว่าไม่รับรองแล้ว"))
    elif action == "reverse":
        services.deed_reverse(actor=request.user, deed=deed, reason=request.POST.get("reason", ""))
        messages.success(request, _("กลับรายการแล้ว"))


@login_required
@require_POST
def decide(request: AuthedRequest, public_id: str, action: str) -> HttpResponse:
    deed = selectors.deed_get_visible_to(viewer=request.user, public_id=public_id)
    if action not in ("approve", "reject", "reverse"):
        raise NotFoundError()
    try:
        _decide(request, deed, action)
    except DomainError as exc:
        if getattr(request, "htmx", False):
            row = Deed.objects.get(pk=deed.pk)
            row.consent_withdrawn = selectors.consent_withdrawn(row)  # type: ignore[attr-defined]
            return render(
                request,
                "deeds/partials/queue_row.html",
                {"deed": row, "error": exc, "agency_queue": deed.deed_type.agency_verifies},
                status=exc.status,
            )
        messages.error(request, str(exc))
    if getattr(request, "htmx", False):
        deed.refresh_from_db()
        deed.consent_withdrawn = selectors.consent_withdrawn(deed)  # type: ignore[attr-defined]
        context = {"deed": deed, "done": True, "agency_queue": deed.deed_type.agency_verifies}
        return render(request, "deeds/partials/queue_row.html", context)
    return redirect(safe_next(request, reverse("deeds:detail", args=[deed.public_id])))


def _queue_filters(request: AuthedRequest) -> selectors.QueueFilters:
    def day(name: str) -> dt.date | None:
        try:
            return ThaiDateField().clean(request.GET.get(name)) if request.GET.get(name) else None
        except Exception:
            return None

    return selectors.QueueFilters(
        status=request.GET.get("status", "open") or "open",
        deed_type=str(parse_uuid(request.GET.get("deed_type")) or ""),  # a malformed id is ignored
        q=request.GET.get("q", "")[:60],
        date_from=day("from"),
        date_to=day("to"),
    )


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    """The verification queue of one of the viewer's organisations, with filters and bulk approval."""
    orgs = selectors.organisations_for_organiser(request.user)
    if not orgs:
        raise NotFoundError()
    chosen = request.GET.get("org") or str(orgs[0].public_id)
    org = organisation_get(chosen)
    filters = _queue_filters(request)
    qs = selectors.deed_queue_for(viewer=request.user, organisation=org, filters=filters)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    context = {
        "orgs": orgs,
        "org": org,
        "page": page,
        "filters": filters,
        "deed_types": DeedType.objects.filter(organisation=org).order_by("name_th"),
        "appeals": selectors.appeals_open_for(viewer=request.user, organisation=org)[:20],
        "statuses": [("open", _("รอดำเนินการ")), *DeedStatus.choices],
        "can_record": can_record_for.test(request.user, org),
        "can_manage_catalogue": can_manage_catalogue.test(request.user, org),
    }
    template = "deeds/partials/queue_table.html" if getattr(request, "htmx", False) else "deeds/queue.html"
    return render(request, template, context)


@login_required
def agency_queue(request: AuthedRequest) -> HttpResponse:
    """The agency verifiers' queue: the deeds of national templates that their agencies verify, from every
    organisation in their area, with the same filters and bulk approval as an organisation's queue."""
    filters = _queue_filters(request)
    qs = selectors.deed_queue_for_agency(viewer=request.user, filters=filters)
    page = Paginator(qs, 100).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "agency_queue": True,
        "deed_types": selectors.agency_queue_templates(request.user),
        "appeals": selectors.appeals_open_for_agency(viewer=request.user)[:20],
        "statuses": [("open", _("รอดำเนินการ")), *DeedStatus.choices],
    }
    template = "deeds/partials/queue_table.html" if getattr(request, "htmx", False) else "deeds/agency_queue.html"
    return render(request, template, context)


@login_required
@require_POST
def bulk_verify(request: AuthedRequest) -> HttpResponse:
    ids = [parse_uuid(v) for v in request.POST.getlist("deeds")[: services.BULK_LIMIT + 1]]
    deeds = list(Deed.objects.filter(public_id__in=[i for i in ids if i is not None]))
    try:
        result = services.deed_verify_bulk(actor=request.user, deeds=deeds)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("รับรอง %(n)s รายการ รวม %(c)s เครดิต") % {"n": len(result.verified), "c": result.credits}
            + (
                _(" · รอผู้รับรองคนที่สอง %(w)s รายการ") % {"w": len(result.awaiting_second)}
                if result.awaiting_second
                else ""
            ),
        )
    return redirect(safe_next(request, reverse("deeds:queue")))


@login_required
def grid(request: AuthedRequest, public_id: str) -> HttpResponse:
    """Record one deed type for many members at once (from a paper passbook or a list)."""
    org = organisation_get(public_id)
    if not can_record_for.test(request.user, org):
        raise NotFoundError()
    catalogue = DeedType.objects.filter(organisation=org, is_active=True).order_by("name_th")
    members = list(
        User.objects.filter(
            memberships__organisation=org, memberships__is_active=True, memberships__is_member=True
        ).order_by("first_name", "last_name")
    )
    errors: list[str] = []
    deed_type: DeedType | None = None
    done_on: dt.date | None = None
    if request.method == "POST":
        deed_type = catalogue.filter(public_id=parse_uuid(request.POST.get("deed_type"))).first()  # type: ignore[misc]
        try:
            done_on = ThaiDateField().clean(request.POST.get("done_on"))
        except Exception:
            done_on = None
        entries = []
        by_id = {str(m.public_id): m for m in members}
        for key in request.POST.getlist("member"):
            member = by_id.get(key)
            amount = request.POST.get(f"amount-{key}", "") or "1"
            try:
                value: Decimal | None = Decimal(amount)
            except InvalidOperation:
                value = None
            if value is None or not value.is_finite():  # NaN and Infinity parse, but are no amount
                errors.append(_("จำนวนของ %(name)s ไม่ถูกต้อง") % {"name": member.full_name if member else key})
                continue
            if member is not None and deed_type is not None and done_on is not None:
                entries.append(
                    services.DeedInput(
                        member=member,
                        deed_type=deed_type,
                        done_on=done_on,
                        hours=value if deed_type.unit == "hour" else 0,
                        quantity=value,
                    )
                )
        if deed_type is None or done_on is None:
            errors.append(_("โปรดเลือกประเภทความดีและวันที่"))
        elif not entries and not errors:
            errors.append(_("โปรดเลือกสมาชิกอย่างน้อยหนึ่งคน"))
        if not errors:
            try:
                deeds = services.deed_record_for(actor=request.user, entries=entries)
            except DomainError as exc:
                refused = by_id.get(str(exc.params.get("member", "")))  # whose entry, where the refusal says
                errors.append(f"{refused.full_name}: {exc}" if refused else str(exc))
            else:
                messages.success(request, _("บันทึก %(n)s รายการแล้ว รอผู้รับรอง") % {"n": len(deeds)})
                return redirect(f"{reverse('deeds:queue')}?org={org.public_id}")
    # A refused grid comes back as the organiser filled it in, to correct rather than type again.
    ticked = set(request.POST.getlist("member"))
    rows = [
        {
            "member": m,
            "ticked": str(m.public_id) in ticked,
            "amount": request.POST.get(f"amount-{m.public_id}", "1"),
        }
        for m in members
    ]
    day = done_on.isoformat() if done_on else request.POST.get("done_on", timezone.localdate().isoformat())
    return render(
        request,
        "deeds/grid.html",
        {"org": org, "catalogue": catalogue, "chosen": deed_type, "rows": rows, "errors": errors, "done_on": day},
        status=400 if errors else 200,
    )


@login_required
def import_file(request: AuthedRequest, public_id: str) -> HttpResponse:
    org = organisation_get(public_id)
    if not can_record_for.test(request.user, org):
        raise NotFoundError()
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list = []
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.deeds_import(
                actor=request.user, organisation=org, data=upload.read(), filename=upload.name
            )
        except DomainError as exc:
            form.add_error("file", str(exc))
            problems = getattr(exc, "problems", [])
            status = 400
        else:
            messages.success(request, _("นำเข้า %(n)s รายการแล้ว รอผู้รับรอง") % {"n": result.rows})
            return redirect(f"{reverse('deeds:queue')}?org={org.public_id}")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "deeds/import.html",
        {"org": org, "form": form, "problems": problems, "deed_types": DeedType.objects.filter(organisation=org)},
        status=status,
    )


# The form field a refusal of a deed-type service belongs to.
DEED_TYPE_ERROR_FIELDS = {
    "agency_verifies_templates_only": "verified_by",
    "deed_type_code_taken": "code",
    "deed_type_main_not_chosen": "main_virtue",
}


def _deed_type_refused(form: DeedTypeForm | DeedTypeEditForm, exc: DomainError) -> None:
    """Show a deed-type service's refusal on the field it concerns, or above the form when the form has no such
    field (the edit form has no code)."""
    field = DEED_TYPE_ERROR_FIELDS.get(exc.code)
    form.add_error(field if field in form.fields else None, str(exc))


def _splits_chosen(data: dict[str, Any]) -> dict[str, Any]:
    """A deed-type form's cleaned data as the service takes it: the virtues and dimensions (and the main ones) by
    code, the rest as it is."""
    out: dict[str, Any] = {name: [c.code for c in data.pop(name)] for name in ("virtues", "dimensions")}
    out |= {name: main.code if (main := data.pop(name)) else None for name in ("main_virtue", "main_dimension")}
    return out | data


@login_required
def catalogue(request: AuthedRequest, public_id: str) -> HttpResponse:
    """An organisation's catalogue, for its admins and organisers to extend, and national templates to adopt."""
    org = organisation_get(public_id)
    if not can_manage_catalogue.test(request.user, org):
        raise NotFoundError()
    form = DeedTypeForm(request.POST or None, prefix="t")
    programme = Programme.objects.filter(is_active=True).order_by("pk").first()
    if request.method == "POST" and request.POST.get("adopt"):
        adopt = parse_uuid(request.POST["adopt"])
        template = DeedType.objects.filter(public_id=adopt, organisation__isnull=True).first() if adopt else None
        if template is None:
            raise NotFoundError()
        services.deed_type_adopt(actor=request.user, template=template, organisation=org)
        messages.success(request, _('เพิ่ม "%(name)s" เข้ารายการขององค์กรแล้ว') % {"name": template.name_th})
        return redirect("deeds:catalogue", public_id=org.public_id)
    if request.method == "POST" and form.is_valid() and programme is not None:
        data = form.cleaned_data
        try:
            services.deed_type_create(
                actor=request.user,
                programme=programme,
                organisation=org,
                **_splits_chosen(data),
            )
        except DomainError as exc:
            _deed_type_refused(form, exc)
        else:
            messages.success(request, _("เพิ่มประเภทความดีแล้ว"))
            return redirect("deeds:catalogue", public_id=org.public_id)
    adopted = set(DeedType.objects.filter(organisation=org).values_list("adopted_from_id", flat=True))
    templates = list(selectors.templates_of(programme.pk)) if programme else []
    return render(
        request,
        "deeds/catalogue.html",
        {
            "org": org,
            "form": form,
            "items": DeedType.objects.filter(organisation=org)
            .prefetch_related("virtues", "dimensions")
            .order_by("name_th"),
            "templates": [t for t in templates if t.pk not in adopted],
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def deed_type_edit(request: AuthedRequest, public_id: str) -> HttpResponse:
    """Change a catalogue entry (the organisation's admins and organisers) or a national template (national staff
    of the programme's agency); a type is closed here too (no new deeds, those recorded stay)."""
    deed_type = selectors.deed_type_get_for_editor(viewer=request.user, public_id=public_id)
    if deed_type.organisation is None:
        back = reverse("deeds:templates")
    else:
        back = reverse("deeds:catalogue", args=[deed_type.organisation.public_id])
    # A valid form writes its values onto its instance: it gets a copy, so that the service compares the changes
    # with the type as stored and a refused change shows the page with the stored type (a refusing service changes
    # nothing on the instance it was given).
    form = DeedTypeEditForm(request.POST or None, instance=copy.copy(deed_type), prefix="t")
    if request.method == "POST" and form.is_valid():
        try:
            services.deed_type_update(actor=request.user, deed_type=deed_type, **form.changes())
        except DomainError as exc:
            _deed_type_refused(form, exc)
        else:
            messages.success(request, _("บันทึกการแก้ไขแล้ว"))
            return redirect(back)
    return render(
        request,
        "deeds/deed_type_edit.html",
        {"deed_type": deed_type, "form": form, "back": back},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def templates(request: AuthedRequest) -> HttpResponse:
    """National templates, which organisations adopt into their catalogues: read by agency staff, kept by national
    staff of the programme's agency (add, change, close; mark the ones the agency verifies itself)."""
    roles = roles_for(request.user)
    if not (roles.is_agency_staff or roles.is_site_admin):
        raise NotFoundError()
    programmes = list(Programme.objects.filter(is_active=True).select_related("agency").order_by("pk"))
    managed = [p for p in programmes if can_manage_templates.test(request.user, p)]
    form = DeedTypeForm(request.POST or None, prefix="t", template=True)
    chosen = next((p for p in managed if str(p.public_id) == request.POST.get("programme")), None)
    if request.method == "POST":
        if chosen is None:
            raise NotFoundError()
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.deed_type_create(
                    actor=request.user,
                    programme=chosen,
                    organisation=None,
                    **_splits_chosen(data),
                )
            except DomainError as exc:
                _deed_type_refused(form, exc)
            else:
                messages.success(request, _("เพิ่มแม่แบบแล้ว"))
                return redirect("deeds:templates")
    items = (
        DeedType.objects.filter(organisation__isnull=True, programme__in=programmes)
        .select_related("programme")
        .annotate(adoptions_count=Count("adoptions"))
        .order_by("programme_id", "-is_active", "name_th")
    )
    return render(
        request,
        "deeds/templates.html",
        {"items": items, "managed": {p.pk for p in managed}, "programmes": managed, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- activities ---------------------------------------------------------------------------------------------------


@login_required
def activities(request: AuthedRequest) -> HttpResponse:
    orgs = selectors.organisations_for_organiser(request.user)
    if not orgs:
        raise NotFoundError()
    org = organisation_get(request.GET.get("org") or str(orgs[0].public_id))
    items = selectors.activity_list_for(viewer=request.user, organisation=org)
    catalogue = DeedType.objects.filter(organisation=org, is_active=True)
    form = ActivityForm(request.POST or None, catalogue=catalogue)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = services.activity_create(actor=request.user, **data)
        return redirect("deeds:activity", public_id=activity.public_id)
    return render(
        request,
        "deeds/activities.html",
        {"orgs": orgs, "org": org, "items": items[:50], "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def activity(request: AuthedRequest, public_id: str) -> HttpResponse:
    item = selectors.activity_get_for_organiser(viewer=request.user, public_id=public_id)
    members = list(
        User.objects.filter(
            memberships__organisation=item.organisation, memberships__is_active=True, memberships__is_member=True
        ).order_by("first_name")
    )
    present = set(item.deeds.values_list("member_id", flat=True))
    if request.method == "POST":
        chosen = [m for m in members if str(m.public_id) in set(request.POST.getlist("member"))]
        try:
            done = services.activity_roster(actor=request.user, activity=item, members=chosen)
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("บันทึกผู้เข้าร่วม %(n)s คน") % {"n": len(done)})
        return redirect("deeds:activity", public_id=item.public_id)
    return render(
        request,
        "deeds/activity.html",
        {"activity": item, "members": members, "present": present, "is_open": services.activity_is_open(item)},
    )


@login_required
def activity_qr(request: AuthedRequest, public_id: str) -> HttpResponse:
    """The QR fragment, refreshed by htmx every 30 seconds: a new signed code each minute."""
    import segno

    item = selectors.activity_get_for_organiser(viewer=request.user, public_id=public_id)  # organisers only
    token = services.activity_token(item)
    url = request.build_absolute_uri(reverse("deeds:checkin", args=[token]))
    qr = segno.make(url, error="m")
    return render(
        request,
        "deeds/partials/activity_qr.html",
        {
            "svg": qr.svg_data_uri(scale=6, border=2),
            "url": url,
            "token": token,
            "activity": item,
        },
    )


@login_required
def checkin(request: AuthedRequest, token: str) -> HttpResponse:
    """Where a member's phone lands after scanning the QR: one tap to check in."""
    if request.method == "POST":
        try:
            deed = services.activity_checkin(actor=request.user, token=token)
        except DomainError as exc:
            return render(request, "deeds/checkin.html", {"error": exc, "token": token}, status=exc.status)
        messages.success(
            request,
            _("เช็กอินแล้ว")
            + (" · " + _("ได้ %(n)s เครดิต") % {"n": deed.credits} if deed.status == DeedStatus.VERIFIED else ""),
        )
        return redirect("deeds:detail", public_id=deed.public_id)
    return render(request, "deeds/checkin.html", {"token": token})


def member_orgs(user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user, is_active=True).select_related("organisation"))
