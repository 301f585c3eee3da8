from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from thamdee.common.errors import DomainError
from thamdee.people import selectors, services
from thamdee.people.errors import SignUpNotPossibleError, SignUpRateLimitedError
from thamdee.people.forms import NationalIdForm, PasswordForm, ProfileForm, SignInForm, SignUpForm
from thamdee.people.lockout import client_address
from thamdee.people.models import ConsentPurpose, User
from thamdee.people.types import AuthedRequest


class SignInView(auth_views.LoginView):
    template_name = "people/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    pass


def _form_error(form, exc: DomainError, fields: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Show a service's error on the field it concerns, or on the form."""
    for code_part, field in fields.items():
        if code_part in exc.code:
            form.add_error(field, str(exc))
            return
    form.add_error(None, str(exc))


FIELD_FOR_CODE = {
    "mobile": "mobile",
    "national_id": "national_id",
    "birth_year": "birth_year",
    "home_area": "home_area",
    "password": "password1",
    "username": "mobile",
}


@method_decorator(sensitive_post_parameters("national_id", "password1", "password2"), name="dispatch")
class SignUpView(View):
    template_name = "people/signup.html"

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("web:home")
        return render(request, self.template_name, {"form": SignUpForm()})

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        form = SignUpForm(request.POST)
        error: DomainError | None = None
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.user_sign_up(
                    client_address=client_address(request),
                    prefix=data["name_prefix"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    mobile=data["mobile"],
                    birth_year=data["birth_year"],
                    home_area=data["home_area"],
                    national_id=data["national_id"] or None,
                    password=data["password1"],
                    language=request.LANGUAGE_CODE,
                )
            except (SignUpNotPossibleError, SignUpRateLimitedError) as exc:
                error = exc  # about no one field: shown above the form, with its code
            except DomainError as exc:
                _form_error(form, exc, FIELD_FOR_CODE)
            else:
                login(request, user, backend="thamdee.people.backends.MobileOrUsernameBackend")
                messages.success(request, _("ยินดีต้อนรับสู่ทำดี"))
                return redirect("web:home")
        response = render(
            request, self.template_name, {"form": form, "error": error}, status=error.status if error else 400
        )
        if isinstance(error, SignUpRateLimitedError):
            response.headers["Retry-After"] = str(int(services.SIGN_UP_WINDOW.total_seconds()))
        return response


@login_required
@sensitive_post_parameters("n-national_id", "w-current_password", "w-password1", "w-password2", "p-current_password")
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    # A member an organiser registered has no password to give (services._current_password_check)
    has_password = user.has_usable_password()
    profile_form = ProfileForm(
        has_password=has_password,
        initial={
            "name_prefix": user.prefix,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "mobile": user.mobile,
            "birth_year": user.birth_year,
            "home_area": user.home_area,
            "preferred_language": user.preferred_language,
        },
        prefix="p",
    )
    id_form = NationalIdForm(prefix="n")
    password_form = PasswordForm(prefix="w", has_password=has_password)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "profile":
                profile_form = ProfileForm(request.POST, prefix="p", has_password=has_password)
                if profile_form.is_valid():
                    data = dict(profile_form.cleaned_data)
                    data["prefix"] = data.pop("name_prefix")
                    current_password = data.pop("current_password", None)
                    services.user_update_profile(actor=user, user=user, current_password=current_password, **data)
                    messages.success(request, _("บันทึกข้อมูลแล้ว"))
                    return redirect("people:profile")
            elif action == "national_id":
                id_form = NationalIdForm(request.POST, prefix="n")
                if id_form.is_valid():
                    services.user_set_national_id(
                        actor=user, user=user, national_id=id_form.cleaned_data["national_id"] or None
                    )
                    messages.success(request, _("บันทึกแล้ว ระบบไม่เก็บเลขประจำตัวประชาชนของคุณ เก็บเพียงค่าแฮช"))
                    return redirect("people:profile")
            elif action == "password":
                password_form = PasswordForm(request.POST, prefix="w", has_password=has_password)
                if password_form.is_valid():
                    services.user_set_password(
                        actor=user,
                        user=user,
                        password=password_form.cleaned_data["password1"],
                        current_password=password_form.cleaned_data.get("current_password"),
                    )
                    login(request, user, backend="thamdee.people.backends.MobileOrUsernameBackend")
                    messages.success(request, _("เปลี่ยนรหัสผ่านแล้ว"))
                    return redirect("people:profile")
        except DomainError as exc:
            target = {"profile": profile_form, "national_id": id_form, "password": password_form}[action or "profile"]
            _form_error(
                target,
                exc,
                {
                    "current_password": "current_password",  # before "password", which its code contains
                    "mobile": "mobile",
                    "national_id": "national_id",
                    "password": "password1",
                    "birth_year": "birth_year",
                    "home_area": "home_area",
                },
            )
            status = 429 if exc.status == 429 else 400
        else:
            status = 400
    return render(
        request,
        "people/profile.html",
        {
            "profile_form": profile_form,
            "id_form": id_form,
            "password_form": password_form,
            "consents": selectors.consent_list_for(user),
            "active_purposes": selectors.consent_purposes_active(user),
            "purposes": ConsentPurpose.choices,
            "needs_guardian": services.needs_guardian_consent(user),
        },
        status=status,
    )


@login_required
@require_POST
def consent_toggle(request: AuthedRequest) -> HttpResponse:
    """Give or withdraw consent for one purpose: one click either way."""
    purpose = request.POST.get("purpose", "")
    user = request.user
    try:
        if request.POST.get("grant") == "1":
            services.consent_grant(
                actor=user, user=user, purpose=purpose, guardian_name=request.POST.get("guardian_name", "")
            )
        else:
            services.consent_withdraw(actor=user, user=user, purpose=purpose)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("people:profile")


@login_required
def family(request: AuthedRequest) -> HttpResponse:
    """Name family members (by mobile number) so that credits can be given to them."""
    from thamdee.people.models import FamilyLink, FamilyRelation

    error, status = None, 200
    typed = {"mobile": "", "relation": ""}  # what the add form held, written back when it is refused
    if request.method == "POST":
        try:
            if request.POST.get("remove"):
                services.family_link_remove(actor=request.user, link_id=int(request.POST["remove"]))
            elif request.POST.get("confirm"):
                services.family_link_confirm(actor=request.user, link_id=int(request.POST["confirm"]))
                messages.success(request, _("ยืนยันเป็นครอบครัวแล้ว"))
            elif request.POST.get("decline"):
                services.family_link_decline(actor=request.user, link_id=int(request.POST["decline"]))
            else:
                typed = {"mobile": request.POST.get("mobile", "")[:20], "relation": request.POST.get("relation", "")}
                link = services.family_link_add(
                    actor=request.user,
                    relative_mobile=request.POST.get("mobile", ""),
                    relation=request.POST.get("relation", ""),
                )
                messages.success(
                    request,
                    _("เพิ่มรายชื่อครอบครัวแล้ว") if link.confirmed_at else _("ส่งคำขอแล้ว เป็นครอบครัวเมื่อเจ้าของเบอร์ยืนยัน"),
                )
            return redirect("people:family")
        except (DomainError, ValueError) as exc:
            error = str(exc) if isinstance(exc, DomainError) else _("ข้อมูลไม่ถูกต้อง")
            status = exc.status if isinstance(exc, DomainError) and exc.status == 429 else 400
    links = FamilyLink.objects.filter(user=request.user).select_related("relative")
    requests = FamilyLink.objects.filter(relative=request.user, confirmed_at__isnull=True).select_related("user")
    # Links others made naming this person, once confirmed: the person named may end them too
    named_me_links = FamilyLink.objects.filter(relative=request.user, confirmed_at__isnull=False).select_related("user")
    family, children = _family_and_children(request.user)
    return render(
        request,
        "people/family.html",
        {
            "links": links,
            "requests": requests,
            "named_me_links": named_me_links,
            "typed": typed,
            "relations": FamilyRelation.choices,
            "error": error,
            "named_me": family,
            "children": children,
            "purposes": ConsentPurpose.choices,
        },
        status=status,
    )


def _family_and_children(user: User) -> tuple[list[User], list[tuple[User, set[str], set[str]]]]:
    """The user's confirmed family, and the children they answer for as guardian with those children's consents
    (``selectors.guardian_consents``): the family page lists them, and only those may be acted on from it."""
    family = selectors.family_of(user)
    return family, selectors.guardian_consents(user, [u for u in family if services.needs_guardian_consent(u)])


@login_required
@require_POST
def family_consent(request: AuthedRequest) -> HttpResponse:
    """A guardian gives or withdraws the consent of a child listed on their family page, one purpose at a time.
    Anyone not listed there is not there (404); the services decide the rest."""
    from thamdee.common.errors import NotFoundError

    _family, children = _family_and_children(request.user)
    child = next((c for c, _a, _m in children if str(c.public_id) == request.POST.get("child", "")), None)
    if child is None:
        raise NotFoundError()
    purpose = request.POST.get("purpose", "")
    try:
        if request.POST.get("grant") == "1":
            services.consent_grant(
                actor=request.user, user=child, purpose=purpose, guardian_name=request.POST.get("guardian_name", "")
            )
            messages.success(request, _("บันทึกความยินยอมในฐานะผู้ปกครองแล้ว"))
        else:
            services.consent_withdraw(actor=request.user, user=child, purpose=purpose)
            messages.success(request, _("ถอนความยินยอมแล้ว"))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect("people:family")
