from django.contrib import admin

from thamdee.common.admin import ReadOnlyAdmin
from thamdee.rewards.models import Offer, PartnerProfile, Settlement, Voucher


@admin.register(PartnerProfile)
class PartnerProfileAdmin(admin.ModelAdmin):
    """Read-mostly: approvals go through the agency's page, which applies the public-service rule."""

    list_display = ("organisation", "sector", "status", "applied_at", "decided_at")
    list_filter = ("status", "sector")
    search_fields = ("organisation__name_th", "organisation__name_en")
    raw_id_fields = ("organisation", "applied_by", "decided_by")
    readonly_fields = ("status", "decided_by", "decided_at")


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    list_display = (
        "title_th",
        "partner",
        "kind",
        "cost",
        "stock",
        "remaining",
        "valid_from",
        "valid_until",
        "is_active",
    )
    list_filter = ("kind", "is_active", "unlock")
    search_fields = ("title_th", "title_en", "partner__name_th")
    raw_id_fields = ("partner", "programme", "created_by", "areas")
    readonly_fields = ("remaining",)


@admin.register(Voucher)
class VoucherAdmin(ReadOnlyAdmin):
    """Vouchers change state only through the services (confirm, cancel, expire, refund): read-only here."""

    list_display = (
        "code",
        "offer",
        "partner",
        "member",
        "cost",
        "status",
        "created_at",
        "expires_at",
        "confirmed_at",
        "refunded_at",
    )
    list_filter = ("status",)
    search_fields = ("code",)
    raw_id_fields = ("offer", "partner", "member", "confirmed_by")


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    """Settlements are recorded and reversed only through the services (they post journals): read-only here."""

    list_display = (
        "partner",
        "year",
        "month",
        "credits",
        "vouchers",
        "reference",
        "settled_by",
        "settled_at",
        "reversed_at",
    )
    list_filter = ("year", "month")
    search_fields = ("reference", "partner__name_th")
    raw_id_fields = ("partner", "settled_by", "reversed_by")
