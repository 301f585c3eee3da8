"""The form renderer: Django's own widget and form templates through Jinja2, everything else through Django's.

Rendering a form's widgets through the Django template engine is most of the CPU of a page with a form (the
deed report: a select of deed types and the area picker's provinces, one template per option). Django ships the
same built-in templates for Jinja2, which compiles them to Python and renders them several times faster. Other
widget templates (the admin's, the area picker) use Django's template language, so they stay with Django's
renderer.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2

BUILT_IN = "django/forms/"


class FormRenderer(BaseRenderer):
    @cached_property
    def _jinja2(self) -> Jinja2:
        return Jinja2()

    @cached_property
    def _django(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        if template_name.startswith(BUILT_IN):
            return self._jinja2.get_template(template_name)
        return self._django.get_template(template_name)
