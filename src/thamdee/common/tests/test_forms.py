"""The form renderer (thamdee.common.forms): Django's built-in widget templates through Jinja2, the rest through
Django's template engine."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.django import Template as DjangoTemplate
from django.template.backends.jinja2 import Template as Jinja2Template

from thamdee.areas.forms import AreaField
from thamdee.common.forms import FormRenderer


class _Everything(forms.Form):
    choice = forms.ChoiceField(choices=[("", "—"), ("a", "ก & ข"), ("b", "<b>")], initial="a")
    group = forms.ChoiceField(choices=[("ภาค", [("1", "หนึ่ง"), ("2", "สอง")]), ("3", "สาม")])
    many = forms.MultipleChoiceField(choices=[("x", "x"), ("y", "y")], widget=forms.CheckboxSelectMultiple)
    flag = forms.BooleanField(required=False)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}))
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), initial='"quoted" <tag>')
    number = forms.DecimalField(min_value=0, max_value=24)
    upload = forms.FileField(required=False)
    hidden = forms.CharField(widget=forms.HiddenInput, initial="h")


def _normalised(html: str) -> str:
    """Whitespace between tags collapsed; the two ways of escaping a quote (Jinja2's &#34;, Django's &quot;)
    made one."""
    text = str(html).replace("&#34;", "&quot;").replace("&#39;", "&#x27;")
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", text)).strip()


def test_built_in_widget_templates_render_through_jinja2_and_others_through_django() -> None:
    renderer = get_default_renderer()  # the FORM_RENDERER setting
    assert isinstance(renderer, FormRenderer)
    assert isinstance(renderer.get_template("django/forms/widgets/select.html"), Jinja2Template)
    assert isinstance(renderer.get_template("areas/widgets/area_picker.html"), DjangoTemplate)
    assert isinstance(renderer.get_template("admin/widgets/related_widget_wrapper.html"), DjangoTemplate)


@pytest.mark.parametrize("bound", [False, True])
def test_every_built_in_widget_renders_the_same_html_as_with_djangos_renderer(bound: bool) -> None:
    data = {"choice": "b", "group": "2", "many": ["y"], "day": "not a date", "text": "<x>", "number": "-1"}
    ours = _Everything(data if bound else None, renderer=FormRenderer())
    theirs = _Everything(data if bound else None, renderer=DjangoTemplates())
    for name in ours.fields:
        assert _normalised(ours[name]) == _normalised(theirs[name]), name
    assert _normalised(ours.as_div()) == _normalised(theirs.as_div())
    if bound:
        assert ours.errors and _normalised(ours.errors) == _normalised(theirs.errors)


@pytest.mark.django_db
def test_the_area_picker_still_renders_with_djangos_template_language() -> None:
    class WithArea(forms.Form):
        area = AreaField(required=False)

    html = str(WithArea(renderer=FormRenderer())["area"])
    assert "data-area-picker" in html
    assert "{%" not in html and "{{" not in html


@pytest.mark.django_db
def test_the_admins_forms_still_render(admin_client) -> None:
    # The admin's own widget templates (the raw-id look-up, which includes a built-in one) are Django templates
    response = admin_client.get("/admin/orgs/organisation/add/")
    assert response.status_code == 200
    assert b"vForeignKeyRawIdAdminField" in response.content  # admin/widgets/foreign_key_raw_id.html
    assert b'<select name="kind"' in response.content  # a built-in widget, through Jinja2
