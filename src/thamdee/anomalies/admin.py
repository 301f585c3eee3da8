from django.contrib import admin

from thamdee.anomalies.models import Anomaly
from thamdee.common.admin import ReadOnlyAdmin


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    """Patterns are found by detection and closed through the review page (which keeps people in a pattern from
    reviewing it): read-only here."""

    list_display = ("kind", "organisation", "on_date", "status", "detected_at", "reviewed_at")
    list_filter = ("kind", "status")
    raw_id_fields = ("organisation", "person", "other", "reviewed_by")

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # The rule of the review page holds here too: nobody sees a pattern they are in.
        me = request.user.pk
        return super().get_queryset(request).exclude(person_id=me).exclude(other_id=me).exclude(involved=me)
