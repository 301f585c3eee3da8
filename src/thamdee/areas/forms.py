"""A form field for choosing an area: province -> district -> subdistrict -> village, loaded with htmx."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from thamdee.areas.models import Area, AreaLevel
from thamdee.common.i18n import localised
from thamdee.common.parsing import is_ascii_digits

LEVEL_KEYS = ("province", "district", "subdistrict", "village")


def _province_options() -> list[tuple[str, str]]:
    """Every province as (code, name): the picker's first select, on every form that has one."""
    rows = Area.objects.filter(level=AreaLevel.PROVINCE).order_by("code").values_list("code", "name_th", "name_en")
    return [(code, localised(name_th, name_en)) for code, name_th, name_en in rows]


_SELECTED = mark_safe(" selected")  # a constant


def _options_html(options: list[tuple[str, str]], selected: str) -> str:
    """The <option>s of one select, built in Python: a template loop over 77 provinces cost more than the rest of
    the widget."""
    return _options_html_of(tuple(options), selected)


@functools.lru_cache(maxsize=512)
def _options_html_of(options: tuple[tuple[str, str], ...], selected: str) -> str:
    """Kept by the options themselves (as read from the database on each request, so never stale) and the value
    chosen: every deed-report form draws the same 77 provinces, and escaping them was a fifth of that page."""
    return format_html_join(
        "", '<option value="{}"{}>{}</option>', ((c, _SELECTED if c == selected else "", n) for c, n in options)
    )


class AreaPickerWidget(forms.Widget):
    template_name = "areas/widgets/area_picker.html"

    def __init__(self, *, deepest: int = AreaLevel.VILLAGE, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.deepest = deepest

    def value_from_datadict(self, data: Any, files: Any, name: str) -> str | None:
        # The deepest select that has a value wins; the hidden field carries a pick from the name search.
        for key in reversed(LEVEL_KEYS[: self.deepest]):
            value = data.get(f"{name}_{key}")
            if value:
                return str(value)
        return data.get(name) or None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        code = value.code if isinstance(value, Area) else (str(value) if value else "")
        if code and not is_ascii_digits(code):
            # A model instance id coming back from initial data.
            area = Area.objects.filter(pk=value).first() if is_ascii_digits(str(value)) else None
            code = area.code if area else ""
        elif code and isinstance(value, int):
            area = Area.objects.filter(pk=value).first()
            code = area.code if area else ""
        chosen = {len(c): c for c in ([code[:n] for n in (2, 4, 6, 8) if n <= len(code)] if code else [])}
        levels = []
        parent: str | None = None
        for index, key in enumerate(LEVEL_KEYS[: self.deepest], start=1):
            length = index * 2
            selected = chosen.get(length, "")
            if index == 1:
                options = _province_options()
            elif parent:
                options = [
                    (a.code, a.display_name()) for a in Area.objects.filter(parent__code=parent).order_by("code")
                ]
            else:
                options = []
            levels.append(
                {
                    "key": key,
                    "name": f"{name}_{key}",
                    "options_html": _options_html(options, selected),
                    "selected": selected,
                    "next": LEVEL_KEYS[index] if index < self.deepest else "",
                }
            )
            parent = selected or None
        context["widget"].update({"levels": levels, "code": code})
        return context


class AreaField(forms.Field):
    widget = AreaPickerWidget
    default_error_messages = {
        "invalid": _("ไม่พบพื้นที่นี้"),
        "too_wide": _("โปรดเลือกให้ถึงระดับ%(level)s"),
    }

    def __init__(
        self, *, min_level: int = AreaLevel.PROVINCE, max_level: int = AreaLevel.VILLAGE, **kwargs: Any
    ) -> None:
        kwargs.setdefault("widget", AreaPickerWidget(deepest=max_level))
        super().__init__(**kwargs)
        self.min_level = min_level

    def prepare_value(self, value: Any) -> Any:
        return value.code if isinstance(value, Area) else value

    def to_python(self, value: Any) -> Area | None:
        if value in (None, ""):
            return None
        if isinstance(value, Area):
            return value
        area = Area.objects.filter(code=str(value).strip()).first()
        if area is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if area.level < self.min_level:
            raise ValidationError(
                self.error_messages["too_wide"],
                code="too_wide",
                params={"level": AreaLevel(self.min_level).label},
            )
        return area
