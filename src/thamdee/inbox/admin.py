from django.contrib import admin

from thamdee.inbox.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "title_th", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("user",)
