from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from thamdee.areas.forms import AreaField
from thamdee.areas.models import AreaLevel
from thamdee.common.errors import DomainError
from thamdee.people.models import NamePrefix
from thamdee.people.validators import mobile_normalise, national_id_normalise


class BootstrapMixin:
    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            elif not hasattr(widget, "template_name") or "area_picker" not in getattr(widget, "template_name", ""):
                widget.attrs.setdefault("class", "form-control")


class SignInForm(BootstrapMixin, AuthenticationForm):
    username = forms.CharField(
        label=_("เบอร์มือถือหรือชื่อผู้ใช้"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True, "inputmode": "text"}),
    )
    password = forms.CharField(
        label=_("รหัสผ่าน"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": _("เบอร์มือถือ/ชื่อผู้ใช้ หรือรหัสผ่านไม่ถูกต้อง"),
        "inactive": _("บัญชีนี้ถูกระงับการใช้งาน"),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


def _domain_clean(func: Any, value: Any) -> Any:
    try:
        return func(value)
    except DomainError as exc:
        raise forms.ValidationError(str(exc), code=exc.code) from None


class PersonFields(BootstrapMixin, forms.Form):
    name_prefix = forms.ChoiceField(label=_("คำนำหน้า"), choices=NamePrefix.choices, required=False)
    first_name = forms.CharField(label=_("ชื่อ"), max_length=150)
    last_name = forms.CharField(label=_("นามสกุล"), max_length=150)
    mobile = forms.CharField(
        label=_("เบอร์มือถือ"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    birth_year = forms.IntegerField(label=_("ปีเกิด (พ.ศ. หรือ ค.ศ.)"), required=False, min_value=1900, max_value=2700)
    home_area = AreaField(label=_("ที่อยู่ (ตำบลหรือหมู่บ้าน)"), required=False, min_level=AreaLevel.SUBDISTRICT)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean_mobile(self) -> str | None:
        value = self.cleaned_data.get("mobile")
        return _domain_clean(mobile_normalise, value) if value else None


class NationalIdInput(forms.TextInput):
    """A text box that never writes its value into the page, not even after a refused form (as ``PasswordInput``
    with ``render_value=False``): a national ID is typed again rather than sent back (PDPA, docs/privacy.md)."""

    def format_value(self, value: Any) -> str | None:
        return None


class NationalIdField(forms.CharField):
    """Checked here, hashed by the service, never echoed back into the page."""

    widget = NationalIdInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 17})

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value:
            _domain_clean(national_id_normalise, value)
        return value


class SignUpForm(PersonFields):
    national_id = NationalIdField(
        label=_("เลขประจำตัวประชาชน (ไม่บังคับ)"),
        required=False,
        help_text=_("ใช้เพื่อกันการมีบัญชีซ้ำเท่านั้น ระบบเก็บเพียงค่าแฮชที่ย้อนกลับไม่ได้"),
    )
    password1 = forms.CharField(
        label=_("รหัสผ่าน (อย่างน้อย 8 ตัว)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("ยืนยันรหัสผ่าน"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mobile"].required = True
        self.fields["national_id"].widget.attrs["class"] = "form-control"
        for name in ("password1", "password2"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))
        return data


class RegisterMemberForm(PersonFields):
    """An organiser registers a member, for example from a paper passbook."""

    national_id = NationalIdField(label=_("เลขประจำตัวประชาชน (ไม่บังคับ)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["national_id"].widget.attrs["class"] = "form-control"


def _current_password_field(help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=_("รหัสผ่านปัจจุบัน"),
        required=False,  # the service decides when it is needed (services._current_password_check)
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class ProfileForm(PersonFields):
    """A person's own details. ``has_password``: whether the account has a password to give; without one (a member
    an organiser registered) the form does not ask for it."""

    preferred_language = forms.ChoiceField(label=_("ภาษา"), choices=[("th", "ไทย"), ("en", "English")])
    current_password = _current_password_field(_("ต้องใส่เมื่อเปลี่ยนเบอร์มือถือ ซึ่งใช้เข้าสู่ระบบ"))

    def __init__(self, *args: Any, has_password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].widget.attrs["class"] = "form-select"
        if not has_password:
            del self.fields["current_password"]


class NationalIdForm(BootstrapMixin, forms.Form):
    national_id = NationalIdField(label=_("เลขประจำตัวประชาชน"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class PasswordForm(BootstrapMixin, forms.Form):
    """A new password, with the current one as Django's ``PasswordChangeForm`` asks (checked by the service); an
    account without one yet (``has_password`` false) sets its first."""

    current_password = _current_password_field()
    password1 = forms.CharField(
        label=_("รหัสผ่านใหม่"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("ยืนยันรหัสผ่านใหม่"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, has_password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not has_password:
            del self.fields["current_password"]
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("รหัสผ่านทั้งสองช่องไม่ตรงกัน"))
        return data
