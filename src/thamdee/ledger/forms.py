from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamdee.people.forms import BootstrapMixin


class IdempotentForm(BootstrapMixin, forms.Form):
    """Carries a one-time token so that a double tap or a resubmitted form posts once."""

    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4()
        self._style()


class GiftForm(IdempotentForm):
    recipient = forms.ChoiceField(label=_("ผู้รับ"))
    amount = forms.IntegerField(label=_("จำนวนเครดิต"), min_value=1, max_value=100000)
    message = forms.CharField(label=_("ข้อความถึงผู้รับ (ไม่บังคับ)"), required=False, max_length=300)

    def __init__(self, *args: Any, recipients: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = [("", _("— เลือกผู้รับ —")), *recipients]  # type: ignore[attr-defined]


class DonationForm(IdempotentForm):
    organisation = forms.ChoiceField(label=_("กองทุน/องค์กร"))
    amount = forms.IntegerField(label=_("จำนวนเครดิต"), min_value=1, max_value=100000)
    message = forms.CharField(label=_("ข้อความ (ไม่บังคับ)"), required=False, max_length=300)

    def __init__(self, *args: Any, targets: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", _("— เลือกกองทุน —")), *targets]  # type: ignore[attr-defined]


class TopUpForm(IdempotentForm):
    amount = forms.IntegerField(label=_("จำนวนเครดิต"), min_value=1, max_value=10_000_000)
    memo = forms.CharField(label=_("บันทึก"), required=False, max_length=200)


class BudgetForm(BootstrapMixin, forms.Form):
    credits = forms.IntegerField(label=_("งบเครดิตของปีงบประมาณ"), min_value=0, max_value=10_000_000_000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
