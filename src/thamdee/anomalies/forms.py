from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamdee.anomalies.models import REVIEW_OUTCOMES
from thamdee.people.forms import BootstrapMixin

OUTCOMES = [(s.value, s.label) for s in REVIEW_OUTCOMES]


class AnomalyReviewForm(BootstrapMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("ผลการตรวจทาน"),
        choices=OUTCOMES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("โปรดเลือกผลการตรวจทาน")},
    )
    note = forms.CharField(
        label=_("บันทึกเหตุผล"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "data-testid": "review-note"}),
        help_text=_("สิ่งที่ตรวจและเหตุผลที่ตัดสินเช่นนั้น เก็บไว้เป็นหลักฐานการตรวจทาน"),
        error_messages={"required": _("ต้องบันทึกเหตุผล")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
