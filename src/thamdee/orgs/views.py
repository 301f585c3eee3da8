from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from thamdee.common.errors import DomainError, NotFoundError
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import is_ascii_digits
from thamdee.orgs import selectors, services
from thamdee.orgs.forms import AddMemberForm, NewMemberForm, OrganisationForm, RolesForm
from thamdee.orgs.models import Membership, NetworkKind, OrgKind
from thamdee.orgs.permissions import (
    can_add_members,
    can_create_org_in_area,
    can_edit_catalogue,
    can_grant_roles,
    can_read_org_report,
    can_view_membership,
    can_view_org_members,
)
from thamdee.orgs.roles import roles_for
from thamdee.people.models import User
from thamdee.people.types import AuthedRequest
from thamdee.people.validators import mobile_normalise


def organisation_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    kind = request.GET.get("kind", "")
    province = request.GET.get("province", "")[:2]
    qs = selectors.organisation_list(
        q=q, kind=kind if kind in OrgKind.values else "", area_code=province if is_ascii_digits(province) else ""
    )
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    template = "orgs/partials/org_rows.html" if getattr(request, "htmx", False) else "orgs/list.html"
    return render(request, template, {"page": page, "q": q, "kind": kind, "kinds": OrgKind.choices})


def organisation_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    org = selectors.organisation_get(public_id)
    user = request.user
    return render(
        request,
        "orgs/detail.html",
        {
            "org": org,
            "member_count": selectors.organisation_member_count(org),
            "networks": org.networks.all(),
            "can_add_members": can_add_members.test(user, org),
            "can_edit_catalogue": can_edit_catalogue.test(user, org),
            "can_read_report": can_read_org_report.test(user, org),
            "roles": roles_for(user).orgs.get(org.pk, frozenset()),
        },
    )


@login_required
def my_organisations(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "orgs/mine.html",
        {
            "items": selectors.organisation_list_for_user(request.user),
            "invitations": selectors.invitations_for_user(request.user),
        },
    )


@login_required
@require_POST
def invitation_answer(request: AuthedRequest, public_id: str) -> HttpResponse:
    """The invited person accepts or declines (only their own invitations; 404 otherwise)."""
    membership = Membership.objects.filter(public_id=parse_uuid(public_id)).first()  # type: ignore[misc]
    if membership is None:
        raise NotFoundError()
    try:
        if request.POST.get("answer") == "accept":
            services.membership_accept(actor=request.user, membership=membership)
            messages.success(request, _("เข้าร่วมองค์กรแล้ว"))
        else:
            services.membership_decline(actor=request.user, membership=membership)
            messages.success(request, _("ปฏิเสธคำเชิญแล้ว"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("orgs:mine")


@login_required
@sensitive_post_parameters("national_id")
def members(request: AuthedRequest, public_id: str) -> HttpResponse:
    org = selectors.organisation_get(public_id)
    q = request.GET.get("q", "")[:60]
    qs = selectors.membership_list_visible_to(viewer=request.user, organisation=org, q=q)
    add_form = AddMemberForm(prefix="a")
    new_form = NewMemberForm(prefix="n")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add":
                add_form = AddMemberForm(request.POST, prefix="a")
                if add_form.is_valid():
                    person = User.objects.filter(mobile=mobile_normalise(add_form.cleaned_data["mobile"])).first()
                    if person is None:
                        add_form.add_error("mobile", _("ไม่พบบัญชีที่ใช้เบอร์นี้ ลงทะเบียนสมาชิกใหม่ด้านล่าง"))
                    else:
                        services.membership_add(actor=request.user, organisation=org, user=person)
                        # The name is not shown: a mobile number alone must not tell who holds it.
                        messages.success(request, _("ส่งคำเชิญแล้ว เจ้าของเบอร์นี้จะเป็นสมาชิกเมื่อตอบรับ"))
                        return redirect("orgs:members", public_id=org.public_id)
            elif action == "register":
                new_form = NewMemberForm(request.POST, prefix="n")
                if new_form.is_valid():
                    data = new_form.cleaned_data
                    membership = services.member_register(
                        actor=request.user,
                        organisation=org,
                        prefix=data["name_prefix"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        mobile=data["mobile"],
                        birth_year=data["birth_year"],
                        home_area=data["home_area"],
                        national_id=data["national_id"] or None,
                    )
                    messages.success(request, _("ลงทะเบียน %(name)s แล้ว") % {"name": membership.user.full_name})
                    return redirect("orgs:members", public_id=org.public_id)
        except DomainError as exc:
            form = add_form if action == "add" else new_form
            field = "mobile" if "mobile" in exc.code else ("national_id" if "national_id" in exc.code else None)
            form.add_error(field, str(exc))
        status = 400
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    invitations, invitations_count = selectors.invitations_waiting(viewer=request.user, organisation=org)
    return render(
        request,
        "orgs/members.html",
        {
            "org": org,
            "page": page,
            "invitations": invitations,
            "invitations_count": invitations_count,
            "q": q,
            "add_form": add_form,
            "new_form": new_form,
            # Role boxes only for those who hand out roles (agency staff over the organisation only take them away).
            "can_set_roles": can_grant_roles.test(request.user, org),
            "can_add_members": can_add_members.test(request.user, org),
        },
        status=status,
    )


@login_required
@require_POST
def membership_roles(request: AuthedRequest, public_id: str) -> HttpResponse:
    membership = selectors.membership_get_to_change(viewer=request.user, public_id=public_id)
    form = RolesForm(request.POST)
    error = None
    if form.is_valid():
        try:
            membership = services.membership_set_roles(
                actor=request.user, membership=membership, roles=form.cleaned_data["roles"]
            )
        except DomainError as exc:
            error = exc
    if not can_view_membership.test(request.user, membership):
        # Agency staff over the organisation take roles away without seeing its members: no row, no name.
        if error is None:
            return HttpResponse(status=204)
        return HttpResponse(escape(str(error)), status=error.status)
    response = render(
        request, "orgs/partials/member_row.html", {"m": membership, "can_set_roles": True, "error": error}
    )
    if error is not None:
        response.status_code = error.status
    return response


@login_required
@require_POST
def membership_end(request: AuthedRequest, public_id: str) -> HttpResponse:
    """End a membership, or withdraw an invitation that waits (those who invite may; the answer names no one)."""
    membership = selectors.membership_get_to_end(viewer=request.user, public_id=public_id)
    invitation = membership.is_invitation
    try:
        services.membership_end(actor=request.user, membership=membership)
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("ถอนคำเชิญแล้ว") if invitation else _("สิ้นสุดการเป็นสมาชิกแล้ว"))
    org = membership.organisation
    if membership.user_id == request.user.pk:
        return redirect("orgs:mine")
    if can_view_org_members.test(request.user, org):
        return redirect("orgs:members", public_id=org.public_id)
    return redirect("orgs:detail", public_id=org.public_id)  # agency staff do not see the member list


@login_required
def organisation_create(request: AuthedRequest) -> HttpResponse:
    form = OrganisationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            if not can_create_org_in_area.test(request.user, data["area"]):
                form.add_error("area", _("พื้นที่นี้อยู่นอกความรับผิดชอบของคุณ"))
            else:
                org = services.organisation_create(actor=request.user, **data)
                messages.success(request, _("สร้างองค์กรแล้ว"))
                return redirect("orgs:detail", public_id=org.public_id)
        status = 400
    return render(request, "orgs/create.html", {"form": form}, status=status)


def network_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    return render(
        request,
        "orgs/networks.html",
        {
            "networks": selectors.network_list(
                q=request.GET.get("q", "")[:100], kind=kind if kind in NetworkKind.values else ""
            ),
            "kinds": NetworkKind.choices,
        },
    )


def network_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    network = selectors.network_get(public_id)
    return render(
        request,
        "orgs/network_detail.html",
        {
            "network": network,
            "orgs": selectors.organisation_list(network=network),
        },
    )
