from django.contrib import admin

from thamdee.assessments.models import Framework, Indicator


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin):
    """Frameworks and their activities are kept by the agency through the admin; assessments are written only
    through the services (the web pages and the API)."""

    list_display = ["code", "name_th", "subject", "pass_score", "is_active"]
    list_filter = ["subject", "is_active"]
    inlines = [IndicatorInline]
