from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from thamdee.common import thaitime
from thamdee.common.errors import DomainError, NotFoundError, ValidationError
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import ascii_int, year_param
from thamdee.common.pdf import render_pdf
from thamdee.common.ratelimit import take
from thamdee.common.urls import uuid_url
from thamdee.ledger import selectors, services
from thamdee.ledger.errors import ProgrammeInactiveError
from thamdee.ledger.forms import BudgetForm, DonationForm, GiftForm, TopUpForm
from thamdee.ledger.models import Journal, Programme
from thamdee.ledger.permissions import can_set_programme_budget, can_top_up_allotment
from thamdee.orgs.models import Membership, Organisation
from thamdee.orgs.roles import roles_for
from thamdee.orgs.selectors import membership_get_visible_to, organisation_get
from thamdee.people.models import User
from thamdee.people.selectors import family_of
from thamdee.people.types import AuthedRequest


def _fiscal_year(request: AuthedRequest) -> int | None:
    value = request.GET.get("fy", "")
    if value == "all":
        return None
    return year_param(value) or thaitime.current_fiscal_year()  # a year, CE or BE; anything else: now


def _passbook_page(request: AuthedRequest, member: User, *, own: bool) -> HttpResponse:
    fiscal_year = _fiscal_year(request)
    page = max(ascii_int(request.GET.get("page"), max_digits=6) or 1, 1)
    book = selectors.passbook_for(
        viewer=request.user, member=member, fiscal_year=fiscal_year, limit=50, offset=(page - 1) * 50
    )
    entry_url = uuid_url("ledger:entry")
    lines = [(line, entry_url(line.ref)) for line in book.lines]
    years = selectors.passbook_fiscal_years(member, wallet_id=book.wallet_id) if book.wallet_id else []
    if thaitime.current_fiscal_year() not in years:
        years.insert(0, thaitime.current_fiscal_year())
    return render(
        request,
        "ledger/passbook.html",
        {
            "book": book,
            "lines": lines,
            "member": member,
            "own": own,
            "fiscal_year": fiscal_year,
            "years": years,
            "page": page,
        },
    )


@login_required
def passbook(request: AuthedRequest) -> HttpResponse:
    return _passbook_page(request, request.user, own=True)


@login_required
def member_passbook(request: AuthedRequest, public_id: str) -> HttpResponse:
    """An organiser opens the passbook of one of their organisation's members."""
    membership = membership_get_visible_to(viewer=request.user, public_id=public_id)
    return _passbook_page(request, membership.user, own=membership.user_id == request.user.pk)


@login_required
def statement_pdf(request: AuthedRequest) -> HttpResponse:
    """A printable Thai statement of the passbook for a fiscal year."""
    take(request, "files")
    member = request.user
    if request.GET.get("member"):
        member = membership_get_visible_to(viewer=request.user, public_id=request.GET["member"]).user
    fiscal_year = _fiscal_year(request) or thaitime.current_fiscal_year()
    book = selectors.passbook_for(viewer=request.user, member=member, fiscal_year=fiscal_year, limit=5000)
    start, end = thaitime.fiscal_year_bounds(fiscal_year)
    pdf = render_pdf(
        "ledger/statement_pdf.html",
        {
            "book": book,
            "member": member,
            "fiscal_year": fiscal_year,
            "start": start,
            "end": end,
            "lines": list(reversed(book.lines)),
            "opening": selectors.passbook_opening_balance(book=book),
        },
        request=request,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="thamdee-statement-{thaitime.be_year(fiscal_year)}.pdf"'
    return response


@login_required
def entry(request: AuthedRequest, ref: str) -> HttpResponse:
    """Why these credits? One journal, its legs the viewer may see, and the rule that produced it."""
    journal = services.journal_get_for(viewer=request.user, ref=ref)
    seen = selectors.entry_as_seen_by(request.user, journal)
    reversal = Journal.objects.filter(reversal_of=journal).first()
    # As on the passbook: a deed's award reads by its cause's title, an appeal's is marked (never when withheld).
    message, appeal = selectors.shown_memo(
        journal.kind, journal.cause_kind, journal.message or "", named=seen.cause is not None
    )
    return render(
        request,
        "ledger/entry.html",
        {
            "journal": journal,
            "message": message,
            "appeal": appeal and not seen.withheld,
            "cause": seen.cause,
            "legs": seen.legs,
            "reversal": reversal,
            "withheld": seen.withheld,
            "owners": seen.owners,
        },
    )


def _gift_recipients(user: User) -> list[tuple[str, str]]:
    family = [(str(u.public_id), f"{u.full_name} ({_('ครอบครัว')})") for u in family_of(user)]
    org_ids = Membership.objects.filter(user=user, is_active=True).values("organisation_id")
    fellows = (
        User.objects.filter(memberships__organisation_id__in=org_ids, memberships__is_active=True, is_active=True)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name")[:500]
    )
    seen = {pid for pid, _ in family}
    return family + [(str(u.public_id), u.full_name) for u in fellows if str(u.public_id) not in seen]


@login_required
def gift(request: AuthedRequest) -> HttpResponse:
    user = request.user
    recipients = _gift_recipients(user)
    form = GiftForm(request.POST or None, recipients=recipients)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            recipient = User.objects.filter(public_id=form.cleaned_data["recipient"]).first()
            try:
                if recipient is None:
                    raise NotFoundError()
                services.gift_send(
                    actor=user,
                    recipient=recipient,
                    amount=form.cleaned_data["amount"],
                    idempotency_key=f"gift:{form.cleaned_data['token']}",
                    message=form.cleaned_data["message"],
                )
            except DomainError as exc:
                form.add_error(
                    "amount" if "credit" in exc.code or "limit" in exc.code or "amount" in exc.code else "recipient",
                    str(exc),
                )
            else:
                messages.success(
                    request,
                    _("มอบ %(n)s เครดิตให้ %(name)s แล้ว")
                    % {"n": form.cleaned_data["amount"], "name": recipient.full_name},
                )
                return redirect("ledger:passbook")
        status = 400
    return render(
        request,
        "ledger/gift.html",
        {
            "form": form,
            "balance": selectors.balance_of(user),
            "given_today": services.given_today(user),
        },
        status=status,
    )


def _donation_targets(user: User) -> list[tuple[str, str]]:
    mine = Organisation.objects.filter(
        memberships__user=user, memberships__is_active=True, kind__in=services.DONATION_KINDS, is_active=True
    )
    nearby = Organisation.objects.none()
    if user.home_area is not None:
        code = user.home_area.code[:6]
        nearby = Organisation.objects.filter(area__code__startswith=code, kind="welfare_fund", is_active=True)
    orgs = {o.pk: o for o in [*mine, *nearby]}
    return [(str(o.public_id), o.display_name()) for o in sorted(orgs.values(), key=lambda o: o.name_th)]


@login_required
def donate(request: AuthedRequest) -> HttpResponse:
    user = request.user
    form = DonationForm(request.POST or None, targets=_donation_targets(user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                org = organisation_get(form.cleaned_data["organisation"])
                services.donation_make(
                    actor=user,
                    organisation=org,
                    amount=form.cleaned_data["amount"],
                    idempotency_key=f"donation:{form.cleaned_data['token']}",
                    message=form.cleaned_data["message"],
                )
            except DomainError as exc:
                form.add_error("amount", str(exc))
            else:
                messages.success(
                    request,
                    _("บริจาค %(n)s เครดิตให้ %(org)s แล้ว ขอบคุณ")
                    % {"n": form.cleaned_data["amount"], "org": org.display_name()},
                )
                return redirect("ledger:passbook")
        status = 400
    return render(request, "ledger/donate.html", {"form": form, "balance": selectors.balance_of(user)}, status=status)


@login_required
def allotments(request: AuthedRequest) -> HttpResponse:
    """Agency staff: the organisations in their areas and what each can still award."""
    roles = roles_for(request.user)
    if not (roles.is_agency_staff or roles.is_site_admin):
        raise NotFoundError()
    codes = [""] if roles.is_site_admin else roles.scope_codes
    orgs = selectors.allotments_in_scope(viewer=request.user, area_codes=codes)[:300]
    for org in orgs:
        # Each row is its own form with its own one-time token: a top-up of one organisation must not spend the
        # token of the next.
        org.topup_token = uuid.uuid4()
    programmes = list(Programme.objects.filter(is_active=True).select_related("agency"))
    return render(
        request,
        "ledger/allotments.html",
        {
            "orgs": orgs,
            "programmes": programmes,
            "budgets": _budget_rows(request, programmes),
            "fiscal_year": thaitime.current_fiscal_year(),
        },
    )


def _budget_rows(request: AuthedRequest, programmes: list[Programme]) -> list[dict[str, object]]:
    year = thaitime.current_fiscal_year()
    return [
        {"line": line, "can_set": can_set_programme_budget.test(request.user, line.programme)}
        for line in selectors.budget_lines(programmes, year)
    ]


@login_required
@require_POST
def budget_set(request: AuthedRequest, public_id: str) -> HttpResponse:
    """The programme's agency (national staff or admins) sets this fiscal year's budget; the row answers."""
    programme = Programme.objects.filter(public_id=public_id, is_active=True).select_related("agency").first()
    if programme is None or not can_set_programme_budget.test(request.user, programme):
        raise NotFoundError()
    form = BudgetForm(request.POST)
    year = thaitime.current_fiscal_year()
    error: DomainError | None = None
    if not form.is_valid():
        problems = form.errors.get("credits") or [_("ไม่ถูกต้อง")]
        error = ValidationError(f"{form.fields['credits'].label}: {' '.join(str(p) for p in problems)}")
    else:
        try:
            services.programme_budget_set(
                actor=request.user, programme=programme, fiscal_year=year, credits=form.cleaned_data["credits"]
            )
        except DomainError as exc:
            error = exc
    row = _budget_rows(request, [programme])[0]
    response = render(
        request,
        "ledger/partials/budget_row.html",
        {**row, "error": error, "done": error is None, "typed": request.POST.get("credits", "") if error else ""},
    )
    if error:
        response.status_code = error.status
    return response


@login_required
@require_POST
def top_up(request: AuthedRequest, public_id: str) -> HttpResponse:
    org = organisation_get(public_id)
    if not can_top_up_allotment.test(request.user, org):
        raise NotFoundError()
    form = TopUpForm(request.POST)
    programme = Programme.objects.filter(public_id=parse_uuid(request.POST.get("programme")), is_active=True).first()  # type: ignore[misc]
    error: DomainError | None = None
    if not form.is_valid():
        field, problems = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else field
        error = ValidationError(f"{label}: {' '.join(str(p) for p in problems)}")
    elif programme is None:
        error = ProgrammeInactiveError()
    else:
        try:
            services.allotment_top_up(
                actor=request.user,
                organisation=org,
                programme=programme,
                amount=form.cleaned_data["amount"],
                memo=form.cleaned_data["memo"],
                idempotency_key=f"topup:{form.cleaned_data['token']}",
            )
        except DomainError as exc:
            error = exc
    org.allotment = selectors.account_balance(services.account_of_org(org, 5))  # type: ignore[attr-defined]
    # Refused: the row keeps what was typed and its token (nothing was posted with it); done: a fresh token.
    org.topup_token = request.POST.get("token", "") if error is not None and form.is_valid() else uuid.uuid4()  # type: ignore[attr-defined]
    response = render(
        request,
        "ledger/partials/allotment_row.html",
        {
            "org": org,
            "programmes": Programme.objects.filter(is_active=True),
            "chosen": programme.public_id if programme is not None else None,
            "amount": request.POST.get("amount", "") if error is not None else "",
            "error": error,
            "done": error is None,
        },
    )
    if error:
        response.status_code = error.status  # a form error 400, a refusal its own (over budget: 409, as the API)
    return response
