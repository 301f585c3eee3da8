from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamdee.areas.forms import AreaField
from thamdee.areas.models import AreaLevel
from thamdee.common import thaitime
from thamdee.common.parsing import ascii_int
from thamdee.people.forms import BootstrapMixin
from thamdee.recognition.models import ExemplarCategory, HonourLevel


class VerifyForm(BootstrapMixin, forms.Form):
    """Paste a credential, or upload it (a .jwt or .json file, or a badge image with the credential baked in)."""

    credential = forms.CharField(
        label=_("วางใบรับรอง (VC-JWT)"),
        required=False,
        max_length=64_000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "autocomplete": "off"}),
    )
    file = forms.FileField(
        label=_("หรืออัปโหลดไฟล์ใบรับรอง (.jwt, .json) หรือภาพเหรียญ (.svg, .png)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".jwt,.txt,.json,.svg,.png,image/svg+xml,image/png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError(_("ไฟล์ใหญ่เกินไป (ไม่เกิน 2 MB)"))
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("credential") and not data.get("file"):
            raise forms.ValidationError(_("โปรดวางใบรับรองหรือเลือกไฟล์"))
        return data


class ConsentForm(BootstrapMixin, forms.Form):
    """Nothing is ticked in advance: consent is given box by box."""

    show_name = forms.BooleanField(label=_("แสดงชื่อและนามสกุลของฉัน"), required=False)
    show_story = forms.BooleanField(label=_("แสดงเรื่องราวความดีของฉัน (ตามข้อความด้านบน)"), required=False)
    show_photo = forms.BooleanField(label=_("แสดงภาพถ่ายของฉัน"), required=False)
    photo = forms.FileField(
        label=_("ภาพถ่ายที่ยินยอมให้เผยแพร่ (ถ้าเลือกแสดงภาพ)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,image/heif"}),
    )
    guardian_name = forms.CharField(
        label=_("ชื่อผู้ปกครองที่ให้ความยินยอม (เฉพาะผู้ที่อายุต่ำกว่า 10 ปี)"), required=False, max_length=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class RoundForm(BootstrapMixin, forms.Form):
    agency: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("หน่วยงาน"),
        queryset=None,
        empty_label=None,  # type: ignore[arg-type]
    )
    title_th = forms.CharField(label=_("ชื่อรอบคัดเลือก"), max_length=200)
    fiscal_year = forms.IntegerField(label=_("ปีงบประมาณ (พ.ศ.)"), min_value=2543, max_value=2743)
    level = forms.ChoiceField(label=_("ระดับ"), choices=HonourLevel.choices)
    area = AreaField(label=_("พื้นที่ (เว้นว่างสำหรับระดับประเทศ)"), required=False, max_level=AreaLevel.SUBDISTRICT)
    criteria = forms.CharField(
        label=_("เกณฑ์การพิจารณา บรรทัดละหนึ่งข้อ: ข้อความ | คะแนนเต็ม"),
        # The criteria are kept in Thai (``ExemplarCriterion.text_th``), the language of the panel and the
        # nominations, whatever the language of the page: the example stays Thai and the help says so.
        help_text=_("เขียนเป็นภาษาไทย"),
        widget=forms.Textarea(attrs={"rows": 4}),
        initial="ทำความดีต่อเนื่องและสม่ำเสมอ | 10\nเป็นแบบอย่างและสร้างแรงบันดาลใจแก่ผู้อื่น | 10\nประโยชน์ที่เกิดกับชุมชน | 10",
    )

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["fiscal_year"].initial = thaitime.be_year(thaitime.current_fiscal_year())
        self._style()

    def clean_criteria(self) -> list[tuple[str, int]]:
        out = []
        for line in self.cleaned_data["criteria"].splitlines():
            if not line.strip():
                continue
            text, _sep, score = line.rpartition("|")
            if not text.strip() or ascii_int(score.strip(), max_digits=3) is None or not 1 <= int(score) <= 100:
                raise forms.ValidationError(_("แต่ละบรรทัดต้องเป็น “ข้อความ | คะแนนเต็ม 1-100”"))
            out.append((text.strip(), int(score)))
        if not out:
            raise forms.ValidationError(_("โปรดระบุเกณฑ์อย่างน้อยหนึ่งข้อ"))
        return out

    def clean_fiscal_year(self) -> int:
        return int(self.cleaned_data["fiscal_year"]) - thaitime.BE_OFFSET


class PanelForm(BootstrapMixin, forms.Form):
    members = forms.CharField(
        label=_("กรรมการ: เบอร์มือถือหรือชื่อผู้ใช้ บรรทัดละคน (อย่างน้อย 3 คน)"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()

    def clean_members(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["members"].splitlines() if line.strip()][:30]


class NominationForm(BootstrapMixin, forms.Form):
    nominee: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("ผู้ได้รับการเสนอชื่อ"),
        queryset=None,  # type: ignore[arg-type]
    )
    category = forms.ChoiceField(label=_("ประเภท"), choices=ExemplarCategory.choices)
    reasons = forms.CharField(
        label=_("เหตุผลที่เสนอชื่อ (สำหรับคณะกรรมการ)"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    evidence = forms.CharField(
        label=_("หลักฐานประกอบ (สำหรับคณะกรรมการ)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    public_story = forms.CharField(
        label=_("เรื่องราวที่จะเผยแพร่ หากเจ้าตัวยินยอม"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
    )

    def __init__(self, *args: Any, members: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["nominee"].queryset = members  # type: ignore[attr-defined]
        self.fields["nominee"].label_from_instance = lambda u: u.full_name  # type: ignore[attr-defined]
        self._style()


class ScoreForm(BootstrapMixin, forms.Form):
    comment = forms.CharField(label=_("ความเห็น"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, criteria: Any = (), initial_scores: dict[str, int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        fields = {}
        for criterion in criteria:
            fields[f"score_{criterion.code}"] = forms.IntegerField(
                label=f"{criterion.text_th} (0-{criterion.max_score})",
                min_value=0,
                max_value=criterion.max_score,
                initial=(initial_scores or {}).get(criterion.code),
            )
        self.fields = {**fields, **self.fields}
        self.criteria = list(criteria)
        self._style()

    def scores(self) -> dict[str, int]:
        return {c.code: self.cleaned_data[f"score_{c.code}"] for c in self.criteria}


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("เหตุผลที่เพิกถอน"), max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
