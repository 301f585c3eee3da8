from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from thamdee.assessments.models import Framework, Indicator


def _in_use(framework: Framework | None) -> bool:
    return framework is not None and framework.pk is not None and framework.assessments.exists()


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not _in_use(obj) and super().has_delete_permission(request, obj)


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    """Frameworks and their activities are kept by the agency here; assessments are written only through the
    services (the web pages and the API). Once an assessment uses a framework its activities and pass score are
    fixed, so that no past result changes meaning: a new framework is added instead (and made the one in use)."""

    list_display = ["code", "name_th", "subject", "pass_score", "is_active"]
    list_filter = ["subject", "is_active"]
    inlines = [IndicatorInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if _in_use(obj):
            return ["code", "subject", "pass_score"]
        return []
