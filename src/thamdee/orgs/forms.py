from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from thamdee.areas.forms import AreaField
from thamdee.areas.models import AreaLevel
from thamdee.orgs.models import OrgKind, Role
from thamdee.people.forms import BootstrapMixin, RegisterMemberForm


class OrganisationForm(BootstrapMixin, forms.Form):
    name_th = forms.CharField(label=_("ชื่อ (ไทย)"), max_length=200)
    name_en = forms.CharField(label=_("ชื่อ (อังกฤษ)"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("ประเภท"), choices=OrgKind.choices)
    area = AreaField(label=_("พื้นที่"), min_level=AreaLevel.PROVINCE)
    description = forms.CharField(label=_("รายละเอียด"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class AddMemberForm(BootstrapMixin, forms.Form):
    mobile = forms.CharField(
        label=_("เบอร์มือถือของสมาชิกที่มีบัญชีแล้ว"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


ROLE_CHOICES = [(r.value, r.label) for r in Role]


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("บทบาท"), choices=ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


class NewMemberForm(RegisterMemberForm):
    pass
