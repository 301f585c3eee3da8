from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.areas.forms import AreaField
from thamdee.areas.models import AreaLevel
from thamdee.deeds.models import DeedType, Dimension, VerifiedBy, Virtue
from thamdee.deeds.services import CATALOGUE_FIELDS
from thamdee.people.forms import BootstrapMixin


class ThaiDateField(forms.DateField):
    """A date typed in the Buddhist or the Common Era (dd/mm/yyyy), or picked from a date input."""

    input_formats = ["%Y-%m-%d", "%d/%m/%Y"]

    def to_python(self, value: Any) -> Any:
        day = super().to_python(value)
        if day is not None and day.year > 2400:
            day = day.replace(year=day.year - 543)
        return day


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={
                    "accept": "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif",
                    "capture": "environment",
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class ReportForm(BootstrapMixin, forms.Form):
    deed_type = forms.ModelChoiceField(label=_("ความดีที่ทำ"), queryset=DeedType.objects.none(), to_field_name="public_id")
    done_on = ThaiDateField(label=_("วันที่ทำ"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    area = AreaField(label=_("สถานที่ (หมู่บ้านหรือตำบล)"), required=False, min_level=AreaLevel.SUBDISTRICT)
    hours = forms.DecimalField(label=_("จำนวนชั่วโมง"), required=False, min_value=0, max_value=24, decimal_places=2)
    quantity = forms.DecimalField(
        label=_("จำนวนครั้ง หรือร้อยละที่ลดได้"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    beneficiaries = forms.IntegerField(label=_("จำนวนผู้ได้รับประโยชน์"), required=False, min_value=0, max_value=100000)
    description = forms.CharField(
        label=_("รายละเอียด"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    photos = MultipleFileField(label=_("ภาพถ่าย (JPEG PNG WEBP HEIC)"), required=False)
    # A one-time token: the same form sent twice (a double tap, a retry on a slow network) reports one deed.
    token = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, catalogue: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from thamdee.deeds.evidence import MAX_BYTES, MAX_PHOTOS_PER_DEED

        self.fields["photos"].help_text = _("ไม่เกิน %(count)s รูป รูปละไม่เกิน %(mb)s MB") % {
            "count": MAX_PHOTOS_PER_DEED,
            "mb": MAX_BYTES // 2**20,
        }
        if not self.is_bound:
            self.initial["token"] = uuid.uuid4()
        if catalogue is not None:
            self.fields["deed_type"].queryset = catalogue  # type: ignore[attr-defined]
            self.fields["deed_type"].label_from_instance = lambda t: f"{t.display_name()} · {t.organisation}"  # type: ignore[attr-defined]
        self.fields["done_on"].initial = timezone.localdate()
        self._style()


class RejectForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("เหตุผล"), max_length=500)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


# An organisation's own type offers only its own verifiers. (The unit, period and evidence choices are the
# model's own: a ModelForm offers them as they are, with no blank entry added.)
ORGANISATION_VERIFIES = ((VerifiedBy.ORGANISATION, VerifiedBy.ORGANISATION.label),)


class DeedTypeForm(BootstrapMixin, forms.ModelForm):
    virtues = forms.ModelMultipleChoiceField(
        label=_("คุณธรรม"),
        queryset=Virtue.objects.filter(is_active=True),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
    )
    main_virtue = forms.ModelChoiceField(
        label=_("คุณธรรมหลัก"),
        queryset=Virtue.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label=_("ข้อแรกที่เลือกไว้ตามลำดับ"),
        help_text=_("รายงานของหน่วยงานนับความดีแต่ละครั้งในคุณธรรมหลักเพียงข้อเดียว และเปลี่ยนภายหลังไม่ได้"),
    )
    dimensions = forms.ModelMultipleChoiceField(
        label=_("มิติ"), queryset=Dimension.objects.all(), to_field_name="code", widget=forms.CheckboxSelectMultiple
    )
    main_dimension = forms.ModelChoiceField(
        label=_("มิติหลัก"),
        queryset=Dimension.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("มิติแรกที่เลือกไว้ตามลำดับ"),
        help_text=_("รายงานของหน่วยงานนับความดีแต่ละครั้งในมิติหลักเพียงมิติเดียว และเปลี่ยนภายหลังไม่ได้"),
    )

    class Meta:
        model = DeedType
        fields = [
            "code",
            "name_th",
            "name_en",
            "description",
            "criterion",
            "virtues",
            "main_virtue",
            "dimensions",
            "main_dimension",
            "unit",
            "period",
            "evidence",
            "verified_by",
            "max_backdate_days",
            "is_sensitive",
            "checkin_verified",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, template: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # An organisation's own types are its verifiers' work: agencies verify only national templates (``template``:
        # the form adds one, for national staff) and the copies adopted from them.
        if not template:
            self.fields["verified_by"].choices = ORGANISATION_VERIFIES  # type: ignore[attr-defined]
        self._style()
        for name in ("virtues", "dimensions"):
            self.fields[name].widget.attrs.pop("class", None)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for main, chosen in (("main_virtue", "virtues"), ("main_dimension", "dimensions")):
            if data.get(main) is not None and data.get(chosen) is not None and data[main] not in data[chosen]:
                self.add_error(main, _("ต้องเป็นข้อที่เลือกไว้ข้างบน"))
        return data


class DeedTypeEditForm(BootstrapMixin, forms.ModelForm):
    """Change a catalogue entry or a national template. Its code (rules name types by it), virtues and dimensions
    (the figures counted its deeds under them) stay; services refuse a new unit, period or sensitivity once deeds
    were recorded with it."""

    class Meta:
        model = DeedType
        fields = list(CATALOGUE_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        deed_type = self.instance
        # A template chooses freely; a copy may go back to its organisation's verifiers, or stay with (return to)
        # the agency while its template says so; an organisation's own type stays with the organisation.
        template = deed_type.adopted_from
        if deed_type.organisation_id is not None and not (template and template.verified_by == VerifiedBy.AGENCY):
            self.fields["verified_by"].choices = ORGANISATION_VERIFIES  # type: ignore[attr-defined]
        self._style()

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data}


class ActivityForm(BootstrapMixin, forms.Form):
    deed_type = forms.ModelChoiceField(
        label=_("ประเภทความดี"), queryset=DeedType.objects.none(), to_field_name="public_id"
    )
    title = forms.CharField(label=_("ชื่อกิจกรรม"), max_length=200)
    area = AreaField(label=_("สถานที่"), min_level=AreaLevel.SUBDISTRICT)
    starts_at = forms.DateTimeField(
        label=_("เริ่ม"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    ends_at = forms.DateTimeField(
        label=_("สิ้นสุด"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    hours = forms.DecimalField(label=_("ชั่วโมงต่อผู้เข้าร่วม"), min_value=0, max_value=24, decimal_places=2, initial=2)

    def __init__(self, *args: Any, catalogue: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if catalogue is not None:
            self.fields["deed_type"].queryset = catalogue  # type: ignore[attr-defined]
        self._style()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("เวลาสิ้นสุดต้องหลังเวลาเริ่ม"))
        return data


class ImportForm(BootstrapMixin, forms.Form):
    file = forms.FileField(label=_("ไฟล์ CSV หรือ XLSX"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
