"""Benefit pages: the member's catalogue and vouchers, the partner's scan page, redemptions and statement, and the
agency's partner approvals. Permission lives in the services and selectors; views only require a sign-in."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thamdee.common import thaitime
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.common.exports import table_response
from thamdee.common.pdf import render_pdf
from thamdee.common.ratelimit import take
from thamdee.orgs.selectors import organisation_get
from thamdee.people.types import AuthedRequest
from thamdee.rewards import selectors, services
from thamdee.rewards.errors import SettlementInvalidError, VoucherOwnConfirmationError
from thamdee.rewards.forms import (
    OfferForm,
    PartnerApplyForm,
    PartnerDecisionForm,
    RedeemForm,
    ScanForm,
    SettlementForm,
    SettlementReverseForm,
)
from thamdee.rewards.models import Offer, OfferKind, PartnerStatus, VoucherStatus
from thamdee.rewards.permissions import can_apply_as_partner, can_confirm_voucher, can_manage_offers, can_settle
from thamdee.rewards.selectors import Statement

# --- members ----------------------------------------------------------------------------------------------------


@login_required
def catalogue(request: AuthedRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    book = selectors.catalogue_for(viewer=request.user, kind=kind)
    return render(
        request,
        "rewards/catalogue.html",
        {
            "book": book,
            "kind": kind,
            "kinds": OfferKind.choices,
            "runs_partner": bool(selectors.partner_orgs_for_staff(request.user)),
        },
    )


def _offer_page(
    request: AuthedRequest, entry: Any, form: RedeemForm, error: DomainError | None = None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "rewards/offer.html",
        {
            "entry": entry,
            "offer": entry.offer,
            "form": form,
            "error": error,
            "standing": selectors.member_standing(request.user),
        },
        status=status,
    )


@login_required
def offer_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    entry = selectors.offer_get_for_member(viewer=request.user, public_id=public_id)
    return _offer_page(request, entry, RedeemForm())


@login_required
@require_POST
def redeem(request: AuthedRequest, public_id: str) -> HttpResponse:
    form = RedeemForm(request.POST)
    if not form.is_valid():
        entry = selectors.offer_get_for_member(viewer=request.user, public_id=public_id)
        return _offer_page(request, entry, RedeemForm(), status=400)
    try:
        # A retried tap opens the voucher it reserved even if the offer closed in between.
        voucher = services.offer_redeem(
            actor=request.user, public_id=public_id, idempotency_key=f"web:{form.cleaned_data['token']}"
        ).voucher
    except DomainError as exc:
        fresh = selectors.offer_get_for_member(viewer=request.user, public_id=public_id)
        return _offer_page(request, fresh, RedeemForm(), error=exc, status=exc.status)
    messages.success(request, _("แลกสิทธิประโยชน์แล้ว แสดง QR หรือรหัสนี้ให้พนักงานร้าน"))
    return redirect("rewards:voucher", public_id=voucher.public_id)


@login_required
def offer_photo(request: AuthedRequest, public_id: str) -> FileResponse:
    offer = selectors.offer_get_for_photo(viewer=request.user, public_id=public_id)
    if not offer.photo:
        raise NotFoundError()
    response = FileResponse(offer.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def vouchers(request: AuthedRequest) -> HttpResponse:
    items = list(selectors.voucher_list_for_member(viewer=request.user)[:300])
    now = timezone.now()
    active = [v for v in items if v.status == VoucherStatus.HELD and v.expires_at > now]
    history = [v for v in items if v not in active]
    return render(request, "rewards/vouchers.html", {"active": active, "history": history})


@login_required
def voucher_detail(request: AuthedRequest, public_id: str) -> HttpResponse:
    voucher = selectors.voucher_get_visible_to(viewer=request.user, public_id=public_id)
    own = voucher.member_id == request.user.pk
    qr = url = ""
    if own and voucher.is_held and not voucher.is_past_expiry:
        qr, url = selectors.voucher_qr(voucher)
    return render(
        request,
        "rewards/voucher.html",
        {
            "voucher": voucher,
            "own": own,
            "qr": qr,
            "qr_url": url,
            "staff": can_confirm_voucher.test(request.user, voucher),
        },
    )


@login_required
@require_POST
def voucher_cancel(request: AuthedRequest, public_id: str) -> HttpResponse:
    voucher = selectors.voucher_get_visible_to(viewer=request.user, public_id=public_id)
    try:
        services.voucher_cancel(actor=request.user, voucher=voucher)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("ยกเลิกคูปองแล้ว ระบบจะคืนเครดิตให้โดยอัตโนมัติ"))
    return redirect("rewards:voucher", public_id=voucher.public_id)


# --- partner staff ----------------------------------------------------------------------------------------------


def _staff_orgs(request: AuthedRequest) -> list[Any]:
    orgs = selectors.partner_orgs_for_staff(request.user)
    if not orgs:
        raise NotFoundError()
    return orgs


@login_required
def partner_home(request: AuthedRequest) -> HttpResponse:
    return _partner_home_page(request, apply_form=PartnerApplyForm())


def _partner_home_page(request: AuthedRequest, *, apply_form: PartnerApplyForm, status: int = 200) -> HttpResponse:
    orgs = _staff_orgs(request)
    rows = []
    for org in orgs:
        profile = getattr(org, "partner_profile", None)
        rows.append(
            {
                "org": org,
                "profile": profile,
                "may_apply": (profile is None or profile.status == PartnerStatus.REFUSED)
                and can_apply_as_partner.test(request.user, org),
                "may_manage": can_manage_offers.test(request.user, org),
            }
        )
    return render(request, "rewards/partner_home.html", {"rows": rows, "apply_form": apply_form}, status=status)


@login_required
@require_POST
def partner_apply(request: AuthedRequest, public_id: str) -> HttpResponse:
    org = organisation_get(public_id)
    form = PartnerApplyForm(request.POST)
    # A refused application is shown again as it was typed, with what is wrong, rather than a blank form.
    if not form.is_valid():
        messages.error(request, _("ข้อมูลไม่ถูกต้อง"))
        return _partner_home_page(request, apply_form=form, status=400)
    try:
        services.partner_apply(
            actor=request.user, organisation=org, sector=form.cleaned_data["sector"], terms=form.cleaned_data["terms"]
        )
    except NotFoundError:
        raise
    except DomainError as exc:
        messages.error(request, str(exc))
        return _partner_home_page(request, apply_form=form, status=exc.status)
    messages.success(request, _("ส่งใบสมัครเป็นภาคีแล้ว รอหน่วยงานอนุมัติ"))
    return redirect("rewards:partner_home")


def _scan_page(
    request: AuthedRequest,
    *,
    form: ScanForm,
    voucher: Any = None,
    text: str = "",
    error: DomainError | None = None,
    done: Any = None,
    status: int = 200,
) -> HttpResponse:
    own = voucher is not None and voucher.member_id == request.user.pk
    if own and error is None:  # say so before they try: another of the partner's staff confirms it
        error = VoucherOwnConfirmationError()
    return render(
        request,
        "rewards/scan.html",
        {
            "form": form,
            "voucher": voucher,
            "text": text,
            "error": error,
            "done": done,
            "confirmable": voucher is not None and voucher.is_held and not voucher.is_past_expiry and not own,
        },
        status=status,
    )


@login_required
def scan(request: AuthedRequest) -> HttpResponse:
    """Partner staff scan a member's QR with the phone's camera (static/rewards/js/scan.js), or type the code, see
    what the voucher is for, and confirm it."""
    _staff_orgs(request)
    if request.method == "POST":
        text = request.POST.get("code", "")
        form = ScanForm(request.POST)
        if request.POST.get("action") == "confirm":
            try:
                voucher = services.voucher_confirm(actor=request.user, text=text)
            except NotFoundError as exc:
                return _scan_page(request, form=ScanForm(), error=exc, status=404)
            except DomainError as exc:
                found = selectors.voucher_find_for_staff(viewer=request.user, text=text)
                return _scan_page(request, form=form, voucher=found, text=text, error=exc, status=exc.status)
            messages.success(request, _("ยืนยันการใช้คูปอง %(code)s แล้ว") % {"code": voucher.display_code})
            return redirect(f"{reverse('rewards:scan')}?done={voucher.public_id}")
        if not form.is_valid():
            return _scan_page(request, form=form, status=400)
        try:
            found = selectors.voucher_find_for_staff(viewer=request.user, text=text)
        except NotFoundError as exc:
            return _scan_page(request, form=form, error=exc, status=404)
        return _scan_page(request, form=form, voucher=found, text=text)
    token = request.GET.get("t") or request.GET.get("code")
    if token:
        form = ScanForm(initial={"code": token})
        try:
            found = selectors.voucher_find_for_staff(viewer=request.user, text=token)
        except NotFoundError as exc:
            return _scan_page(request, form=form, error=exc, status=404)
        return _scan_page(request, form=form, voucher=found, text=token)
    done = None
    if request.GET.get("done"):
        done = selectors.voucher_get_visible_to(viewer=request.user, public_id=request.GET["done"])
    return _scan_page(request, form=ScanForm(), done=done)


@login_required
def redemptions(request: AuthedRequest, public_id: str) -> HttpResponse:
    partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
    status = request.GET.get("status", "")
    month = selectors.parse_month(request.GET["month"]) if request.GET.get("month") else None
    items = selectors.redemption_list_for_partner(viewer=request.user, partner=partner, status=status, month=month)
    return render(
        request,
        "rewards/redemptions.html",
        {
            "partner": partner,
            "items": items[:300],
            "status": status,
            "statuses": VoucherStatus.choices,
            "month": request.GET.get("month", ""),
        },
    )


def _statement(request: AuthedRequest, public_id: str) -> Statement:
    partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
    year, month = selectors.parse_month(request.GET.get("month"))
    return selectors.statement_for(viewer=request.user, partner=partner, year=year, month=month)


def _recent_months(count: int = 12) -> list[tuple[str, str]]:
    today = timezone.localdate()
    out = []
    year, month = today.year, today.month
    for _i in range(count):
        out.append((f"{year}-{month:02d}", selectors.month_label(year, month)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


def _month_param(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def _settle_form(st: Statement, **initial: Any) -> SettlementForm:
    """A fresh settle form for the statement's month and its figure now, keeping what the settler typed."""
    return SettlementForm(initial={**initial, "year": st.year, "month": st.month, "credits": st.to_settle_credits})


def _statement_page(
    request: AuthedRequest,
    st: Statement,
    *,
    settle_form: SettlementForm | None = None,
    reverse_form: SettlementReverseForm | None = None,
    error: DomainError | None = None,
    status: int = 200,
) -> HttpResponse:
    month = _month_param(st.year, st.month)
    months = _recent_months()
    if month not in {value for value, _label in months}:
        months.append((month, st.label))
    return render(
        request,
        "rewards/statement.html",
        {
            "st": st,
            "partner": st.partner,
            "month": month,
            "months": months,
            "settle_form": settle_form or _settle_form(st),
            "reverse_form": reverse_form or SettlementReverseForm(),
            "error": error,
        },
        status=status,
    )


@login_required
def statement(request: AuthedRequest, public_id: str) -> HttpResponse:
    return _statement_page(request, _statement(request, public_id))


@login_required
@require_POST
def settle(request: AuthedRequest, public_id: str) -> HttpResponse:
    """The programme records that it settled a partner's closed month (``services.settlement_record``). A refusal
    re-renders the statement with the reason and what was typed; a changed figure shows the new one to check."""
    partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
    if not can_settle.test(request.user, partner):  # the partner's own staff read the statement but never settle
        raise NotFoundError()
    form = SettlementForm(request.POST)
    valid = form.is_valid()
    data = form.cleaned_data
    if "year" in data and "month" in data:
        year, month = data["year"], data["month"]
    else:
        year, month = selectors.parse_month(None)
    if not valid:
        st = selectors.statement_for(viewer=request.user, partner=partner, year=year, month=month)
        if {"year", "month", "credits"} & set(form.errors):  # hidden fields: a stale or altered page
            kept = _settle_form(st, reference=request.POST.get("reference", ""), note=request.POST.get("note", ""))
            problem = SettlementInvalidError(reason=_("ข้อมูลเดือนหรือยอดเครดิตในแบบฟอร์มไม่ถูกต้อง"))
            return _statement_page(request, st, settle_form=kept, error=problem, status=400)
        return _statement_page(request, st, settle_form=form, status=400)
    try:
        settlement = services.settlement_record(
            actor=request.user,
            partner=partner,
            year=year,
            month=month,
            credits=data["credits"],
            reference=data["reference"],
            note=data["note"],
        )
    except NotFoundError:
        raise
    except DomainError as exc:
        fresh = selectors.statement_for(viewer=request.user, partner=partner, year=year, month=month)
        kept = _settle_form(fresh, reference=data["reference"], note=data["note"])
        return _statement_page(request, fresh, settle_form=kept, error=exc, status=exc.status)
    messages.success(
        request,
        _("บันทึกการชำระบัญชีเดือน%(month)s แล้ว: %(credits)s เครดิต")
        % {"month": selectors.month_label(year, month), "credits": f"{settlement.credits:,}"},
    )
    return redirect(selectors.statement_url(partner, year, month))


@login_required
@require_POST
def settlement_reverse(request: AuthedRequest, public_id: str) -> HttpResponse:
    """Undo a settlement recorded by mistake (``services.settlement_reverse``); the month can then be settled
    again."""
    settlement = selectors.settlement_get(viewer=request.user, public_id=public_id)
    partner, year, month = settlement.partner, settlement.year, settlement.month
    if not can_settle.test(request.user, partner):
        raise NotFoundError()
    form = SettlementReverseForm(request.POST)
    error: DomainError | None = None
    if form.is_valid():
        try:
            services.settlement_reverse(actor=request.user, settlement=settlement, reason=form.cleaned_data["reason"])
        except NotFoundError:
            raise
        except DomainError as exc:
            error = exc
        else:
            label = selectors.month_label(year, month)
            messages.success(request, _("กลับรายการชำระบัญชีเดือน%(month)s แล้ว บันทึกการชำระใหม่ได้") % {"month": label})
            return redirect(selectors.statement_url(partner, year, month))
    st = selectors.statement_for(viewer=request.user, partner=partner, year=year, month=month)
    return _statement_page(request, st, reverse_form=form, error=error, status=error.status if error else 400)


@login_required
def settlements(request: AuthedRequest, public_id: str) -> HttpResponse:
    partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
    items = selectors.settlements_for(viewer=request.user, partner=partner)[:300]
    rows = [
        {
            "s": s,
            "label": selectors.month_label(s.year, s.month),
            "url": selectors.statement_url(partner, s.year, s.month),
        }
        for s in items
    ]
    return render(request, "rewards/settlements.html", {"partner": partner, "rows": rows})


@login_required
def statement_csv(request: AuthedRequest, public_id: str) -> HttpResponse:
    st = _statement(request, public_id)
    take(request, "files")
    headers = [_("วันที่ใช้ (พ.ศ.)"), _("เวลา"), _("รหัสคูปอง"), _("สิทธิประโยชน์"), _("ชนิด"), _("เครดิต"), _("ผู้ยืนยัน")]
    rows: list[list[Any]] = []
    for line in st.lines:
        local = timezone.localtime(line.confirmed_at)
        rows.append(
            [
                thaitime.format_date(local, "numeric"),
                local.strftime("%H:%M"),
                line.code,
                line.offer,
                line.kind,
                line.credits,
                line.confirmed_by,
            ]
        )
    rows.append([])
    rows.append([_("รวม"), "", st.confirmed_count, "", "", st.confirmed_credits, ""])
    settled = st.settlement
    if settled is not None:
        local = timezone.localtime(settled.settled_at)
        rows.append(
            [
                _("ชำระบัญชีแล้ว"),
                thaitime.format_date(local, "numeric"),
                settled.reference,
                "",
                "",
                settled.credits,
                settled.settled_by.full_name,
            ]
        )
    else:
        rows.append([_("ยังไม่ได้ชำระบัญชี"), "", "", "", "", "", ""])
    # One table writer (UTF-8 with BOM; offer titles and payment references typed by people kept as text)
    name = f"thamdee-statement-{st.partner.public_id}-{thaitime.be_year(st.year)}-{st.month:02d}"
    return table_response(name, headers, rows, "csv")


@login_required
def statement_pdf(request: AuthedRequest, public_id: str) -> HttpResponse:
    st = _statement(request, public_id)
    take(request, "files")
    pdf = render_pdf(
        "rewards/statement_pdf.html", {"st": st, "partner": st.partner, "printed_at": timezone.now()}, request=request
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="thamdee-statement-{thaitime.be_year(st.year)}-{st.month:02d}.pdf"'
    )
    return response


@login_required
def partner_offers(request: AuthedRequest, public_id: str) -> HttpResponse:
    partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
    offers = selectors.offer_list_for_partner(viewer=request.user, partner=partner)
    form = OfferForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                offer = services.offer_create(actor=request.user, partner=partner, **form.service_kwargs())
            except DomainError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("เพิ่มสิทธิประโยชน์ “%(title)s” แล้ว") % {"title": offer.title_th})
                return redirect("rewards:partner_offers", public_id=partner.public_id)
        status = 400
    return render(
        request,
        "rewards/partner_offers.html",
        {
            "partner": partner,
            "offers": offers,
            "form": form,
            "profile": selectors.partner_profile_of(partner),
        },
        status=status,
    )


@login_required
@require_POST
def offer_toggle(request: AuthedRequest, public_id: str) -> HttpResponse:
    offer: Offer = selectors.offer_get_for_staff(viewer=request.user, public_id=public_id)
    try:
        services.offer_update(actor=request.user, offer=offer, is_active=not offer.is_active)
    except NotFoundError:
        raise
    except DomainError as exc:  # switching an offer on that is no longer valid, say
        messages.error(request, f"{offer.title_th}: {exc}")
    return redirect("rewards:partner_offers", public_id=offer.partner.public_id)


# --- agencies ---------------------------------------------------------------------------------------------------


@login_required
def partners(request: AuthedRequest) -> HttpResponse:
    profiles = selectors.partner_profiles_for_agency(viewer=request.user, status=request.GET.get("status", ""))
    return render(
        request,
        "rewards/partners.html",
        {
            "profiles": profiles,
            "form": PartnerDecisionForm(),
            "statuses": PartnerStatus.choices,
            "status": request.GET.get("status", ""),
        },
    )


@login_required
@require_POST
def partner_decide(request: AuthedRequest, public_id: str) -> HttpResponse:
    org = organisation_get(public_id)
    form = PartnerDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("ข้อมูลไม่ถูกต้อง"))
        return redirect("rewards:partners")
    try:
        services.partner_decide(
            actor=request.user, organisation=org, status=form.cleaned_data["decision"], note=form.cleaned_data["note"]
        )
    except NotFoundError:
        raise
    except DomainError as exc:
        messages.error(request, f"{org.display_name()}: {exc}")
    else:
        messages.success(request, _("บันทึกผลการพิจารณา %(org)s แล้ว") % {"org": org.display_name()})
    return redirect("rewards:partners")
