from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.ledger.forms import IdempotentForm
from thamdee.people.forms import BootstrapMixin
from thamdee.rewards.models import (
    OFFER_FIRST_YEAR,
    OFFER_LAST_YEAR,
    OFFER_MAX_UNLOCK_CREDITS,
    PUBLIC_SERVICE_SECTORS,
    OfferKind,
    Sector,
    Unlock,
)
from thamdee.rewards.services import UNLOCK_CREDITS_MESSAGE, WINDOW_MESSAGE


class RedeemForm(IdempotentForm):
    """Only the one-time token: a double tap reserves once."""


class ScanForm(BootstrapMixin, forms.Form):
    code = forms.CharField(
        label=_("รหัสคูปอง"),
        max_length=600,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "ABCD-EFGH",
                "data-scan-input": "",
                "data-testid": "scan-code",
            }
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class PartnerApplyForm(BootstrapMixin, forms.Form):
    sector = forms.ChoiceField(
        label=_("ประเภทกิจการ"),
        choices=[(value, label) for value, label in Sector.choices if value not in PUBLIC_SERVICE_SECTORS],
        help_text=_("ผู้ให้บริการสาธารณะ (สุขภาพ การศึกษา สวัสดิการ หน่วยงานรัฐ) เป็นภาคีไม่ได้"),
    )
    terms = forms.CharField(
        label=_("ข้อตกลงการชำระบัญชีกับโครงการ (ถ้ามี)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class PartnerDecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("approved", _("อนุมัติ")), ("suspended", _("ระงับ")), ("refused", _("ไม่อนุมัติ"))])
    note = forms.CharField(label=_("หมายเหตุ"), required=False, max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


_DAY_ATTRS = {"type": "date", "min": f"{OFFER_FIRST_YEAR}-01-01", "max": f"{OFFER_LAST_YEAR}-12-31"}


def _aware(day: dt.date, end: bool = False) -> dt.datetime:
    moment = dt.datetime.combine(day + dt.timedelta(days=1) if end else day, dt.time.min)
    return timezone.make_aware(moment)


class OfferForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("ชนิด"), choices=OfferKind.choices)
    title_th = forms.CharField(label=_("ชื่อสิทธิประโยชน์ (ไทย)"), max_length=200)
    title_en = forms.CharField(label=_("ชื่อสิทธิประโยชน์ (อังกฤษ)"), max_length=200, required=False)
    description = forms.CharField(label=_("รายละเอียด"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photo = forms.ImageField(label=_("ภาพ"), required=False)
    cost = forms.IntegerField(label=_("ใช้เครดิต"), min_value=0, max_value=1_000_000, initial=0)
    stock = forms.IntegerField(
        label=_("จำนวนทั้งหมด"),
        min_value=1,
        max_value=1_000_000,
        required=False,
        help_text=_("เว้นว่างได้เฉพาะสิทธิพิเศษ หมายถึงไม่จำกัดจำนวน"),
    )
    per_member_limit = forms.IntegerField(label=_("แลกได้ต่อคน"), min_value=1, max_value=1000, initial=1)
    valid_from = forms.DateField(label=_("เริ่มแลกได้ (ค.ศ.)"), widget=forms.DateInput(attrs=_DAY_ATTRS))
    valid_until = forms.DateField(label=_("แลกได้ถึง (ค.ศ.)"), widget=forms.DateInput(attrs=_DAY_ATTRS))
    voucher_hours = forms.IntegerField(label=_("คูปองใช้ได้ภายใน (ชั่วโมง)"), min_value=1, max_value=24 * 90, initial=72)
    area_codes = forms.CharField(
        label=_("รหัสพื้นที่ที่ใช้ได้"),
        required=False,
        max_length=500,
        help_text=_("รหัสจังหวัด อำเภอ ตำบล หรือหมู่บ้าน คั่นด้วยช่องว่าง เว้นว่างคือทุกพื้นที่"),
    )
    unlock = forms.ChoiceField(label=_("เงื่อนไขปลดล็อก"), choices=Unlock.choices, required=False)
    unlock_level = forms.CharField(label=_("ระดับ (รหัส)"), max_length=40, required=False)
    unlock_credits = forms.IntegerField(
        label=_("เครดิตสะสมขั้นต่ำ"),
        min_value=0,
        max_value=OFFER_MAX_UNLOCK_CREDITS,
        required=False,
        error_messages={"max_value": UNLOCK_CREDITS_MESSAGE},
    )
    unlock_deed_type = forms.CharField(label=_("รหัสประเภทความดี"), max_length=50, required=False)
    unlock_deed_count = forms.IntegerField(label=_("จำนวนครั้งขั้นต่ำ"), min_value=0, max_value=1000, required=False)
    unlock_months = forms.IntegerField(label=_("ภายใน (เดือน)"), min_value=0, max_value=120, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def _day_in_range(self, name: str) -> dt.date:
        # The window's last day ends at the next midnight, which 9999-12-31 does not have: bounded here (as the
        # settlement form bounds its years), not left to the service.
        day: dt.date = self.cleaned_data[name]
        if not OFFER_FIRST_YEAR <= day.year <= OFFER_LAST_YEAR:
            raise forms.ValidationError(WINDOW_MESSAGE, code="out_of_range")
        return day

    def clean_valid_from(self) -> dt.date:
        return self._day_in_range("valid_from")

    def clean_valid_until(self) -> dt.date:
        return self._day_in_range("valid_until")

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "title_th": data["title_th"],
            "title_en": data["title_en"],
            "description": data["description"],
            "cost": data["cost"] or 0,
            "stock": data["stock"],
            "per_member_limit": data["per_member_limit"],
            "valid_from": _aware(data["valid_from"]),
            "valid_until": _aware(data["valid_until"], end=True),
            "voucher_hours": data["voucher_hours"],
            "area_codes": re.findall(r"\d+", data["area_codes"] or ""),
            "unlock": data["unlock"] or "",
            "unlock_level": data["unlock_level"] or "",
            "unlock_credits": data["unlock_credits"] or 0,
            "unlock_deed_type": data["unlock_deed_type"] or "",
            "unlock_deed_count": data["unlock_deed_count"] or 0,
            "unlock_months": data["unlock_months"] or 0,
            "photo": data.get("photo"),
        }


class SettlementForm(BootstrapMixin, forms.Form):
    """Record that the programme settled a partner's month. ``credits`` is the figure the settler saw on the
    statement: the service refuses the settlement if the month's figure changed since."""

    year = forms.IntegerField(min_value=2000, max_value=2200, widget=forms.HiddenInput)
    month = forms.IntegerField(min_value=1, max_value=12, widget=forms.HiddenInput)
    credits = forms.IntegerField(min_value=1, max_value=10**12, widget=forms.HiddenInput)
    reference = forms.CharField(
        label=_("เลขที่อ้างอิงการชำระ"),
        max_length=100,
        help_text=_("เช่น เลขที่ใบโอนเงิน ใบสำคัญจ่าย หรือหนังสืออนุมัติ"),
        error_messages={"required": _("ต้องระบุเลขที่อ้างอิงการชำระ")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "settle-reference"}),
    )
    note = forms.CharField(
        label=_("หมายเหตุ (ถ้ามี)"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class SettlementReverseForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("เหตุผลที่กลับรายการ"),
        max_length=500,
        error_messages={"required": _("ต้องระบุเหตุผลที่กลับรายการ")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-testid": "reverse-reason"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
