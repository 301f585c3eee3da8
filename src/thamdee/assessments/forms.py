from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamdee.assessments.models import MAX_SCORE, Indicator
from thamdee.assessments.services import MAX_EVIDENCE
from thamdee.people.forms import BootstrapMixin

SCORE_CHOICES = [("", _("ยังไม่ให้คะแนน")), *((str(n), str(n)) for n in range(MAX_SCORE, -1, -1))]


class ScoresForm(BootstrapMixin, forms.Form):
    """A score (2, 1, 0 or none yet) and the evidence for each activity of the framework."""

    def __init__(
        self, *args: Any, indicators: list[Indicator], evidence_files: dict[int, list[Any]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        self.evidence_files = evidence_files or {}  # activity number -> its files kept now
        for indicator in indicators:
            self.fields[f"score_{indicator.number}"] = forms.ChoiceField(
                label=indicator.title,
                choices=SCORE_CHOICES,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                show_hidden_initial=True,  # what the page showed, posted back: see scores()
            )
            self.fields[f"evidence_{indicator.number}"] = forms.CharField(
                label=_("หลักฐาน"),
                required=False,
                max_length=MAX_EVIDENCE,
                widget=forms.Textarea(attrs={"rows": 2}),
                show_hidden_initial=True,
                help_text=_("เอกสาร ภาพ หรือบันทึกที่แสดงผลการปฏิบัติ และที่เก็บไว้ เขียนถึงงานขององค์กร ไม่ใส่ข้อมูลส่วนบุคคล"),
            )
        self._style()

    def scores(self) -> dict[int, tuple[int | None, str]]:
        """The activities whose score or evidence differ from what the page showed when it was drawn (each field
        posts back its drawn value, ``show_hidden_initial``): saving only these keeps what someone else saved
        meanwhile on the other activities."""
        data, changed = self.cleaned_data, set(self.changed_data)
        return {
            i.number: (
                int(data[f"score_{i.number}"]) if data.get(f"score_{i.number}") not in (None, "") else None,
                data.get(f"evidence_{i.number}", ""),
            )
            for i in self.indicators
            if f"score_{i.number}" in changed or f"evidence_{i.number}" in changed
        }

    def rows(self) -> list[tuple[Indicator, Any, Any, list[Any]]]:
        return [
            (i, self[f"score_{i.number}"], self[f"evidence_{i.number}"], self.evidence_files.get(i.number, []))
            for i in self.indicators
        ]


class ReviewForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("ผลการพิจารณา"),
        choices=[("confirm", _("รับรองผล")), ("return", _("ส่งกลับให้แก้ไข"))],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": _("โปรดเลือกผลการพิจารณา")},
    )
    note = forms.CharField(
        label=_("ความเห็น"),
        required=False,
        max_length=MAX_EVIDENCE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("ต้องบอกเหตุผลเมื่อส่งกลับ"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
