"""The area picker widget: its selects, options and chosen values."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from tests.factories import area
from thamdee.areas.forms import AreaPickerWidget
from thamdee.areas.models import Area, AreaLevel

pytestmark = pytest.mark.django_db


def _options(html: str, level: str) -> list[tuple[str, bool, str]]:
    select = re.search(rf'<select[^>]*name="place_{level}".*?</select>', html, re.S)
    assert select, level
    return [
        (value, bool(selected), label)
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[0])
        if value
    ]


def test_the_picker_opens_on_the_chosen_area_with_every_level_above_it_selected() -> None:
    village = area("71091102")
    area("10")  # another province
    html = AreaPickerWidget(deepest=AreaLevel.VILLAGE).render("place", village.code)
    provinces = _options(html, "province")
    assert [code for code, _, _ in provinces] == ["10", "71"]
    assert [code for code, chosen, _ in provinces if chosen] == ["71"]
    assert ("71", True, Area.objects.get(code="71").name_th) in provinces
    assert [(c, s) for c, s, _ in _options(html, "district")] == [("7109", True)]
    assert [(c, s) for c, s, _ in _options(html, "subdistrict")] == [("710911", True)]
    (only,) = _options(html, "village")
    assert only[:2] == ("71091102", True) and only[2].startswith("หมู่ที่ 2")
    assert 'value="71091102"' in html  # the hidden field carries the code


def test_the_picker_speaks_english_and_escapes_names() -> None:
    province = area("71")
    Area.objects.filter(pk=province.pk).update(name_th='ชื่อ <b>"แปลก"</b>')
    with translation.override("en"):
        html = AreaPickerWidget(deepest=AreaLevel.SUBDISTRICT).render("place", None)
    assert _options(html, "province") == [("71", False, "Kanchanaburi")]
    html = AreaPickerWidget(deepest=AreaLevel.SUBDISTRICT).render("place", None)
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert 'name="place_village"' not in html  # no deeper than asked


def test_the_options_kept_between_forms_follow_the_areas_as_they_are_now() -> None:
    """The drawn options are kept by their content, so a renamed or added province shows on the next form."""
    province = area("71")
    first = _options(AreaPickerWidget(deepest=AreaLevel.SUBDISTRICT).render("place", None), "province")
    assert first == [("71", False, province.name_th)]
    Area.objects.filter(pk=province.pk).update(name_th="ชื่อใหม่")
    area("10")
    again = _options(AreaPickerWidget(deepest=AreaLevel.SUBDISTRICT).render("place", None), "province")
    assert [(code, label) for code, _, label in again] == [("10", Area.objects.get(code="10").name_th), ("71", "ชื่อใหม่")]
    chosen = _options(AreaPickerWidget(deepest=AreaLevel.SUBDISTRICT).render("place", "10"), "province")
    assert [code for code, selected, _ in chosen if selected] == ["10"]
