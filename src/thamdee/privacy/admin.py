from typing import Any

from django.contrib import admin

from thamdee.privacy.models import DataRequestEvent, ErasureRequest


class ReadOnly(admin.ModelAdmin):
    """Requests change only through ``privacy.services`` (the erasure queue), never by hand."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnly):
    list_display = ("public_id", "status", "requested_at", "due_on", "carried_out_at")
    list_filter = ("status",)


@admin.register(DataRequestEvent)
class DataRequestEventAdmin(ReadOnly):
    list_display = ("at", "kind", "channel", "subject_id", "actor_id")
    list_filter = ("kind", "channel")
