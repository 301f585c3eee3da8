from django.contrib import admin

from thamdee.common.admin import ReadOnlyAdmin
from thamdee.privacy.models import DataRequestEvent, ErasureRequest


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "status", "requested_at", "due_on", "carried_out_at")
    list_filter = ("status",)


@admin.register(DataRequestEvent)
class DataRequestEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "kind", "channel", "subject_id", "actor_id")
    list_filter = ("kind", "channel")
