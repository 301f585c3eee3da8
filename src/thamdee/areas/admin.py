from django.contrib import admin

from thamdee.areas.models import Area


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name_th", "name_en", "level", "postal_codes")
    list_filter = ("level",)
    search_fields = ("code", "name_th", "name_en")
    raw_id_fields = ("parent",)
    ordering = ("code",)
