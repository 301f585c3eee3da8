from django.contrib import admin

from thamdee.common.admin import ReadOnlyAdmin
from thamdee.recognition.models import (
    BadgeAward,
    BadgeDefinition,
    Credential,
    ExemplarRound,
    Honour,
    Issuer,
    IssuerKey,
    LevelAward,
    Nomination,
    OrganisationBadgeSetting,
)


@admin.register(BadgeDefinition)
class BadgeDefinitionAdmin(admin.ModelAdmin):
    """Milestones may be renamed or turned off; the rule (kind, subject, threshold) of one already awarded should
    not change, so it is read-only here."""

    list_display = ("code", "name_th", "kind", "subject", "threshold", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name_th", "name_en")

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return ("code", "kind", "subject", "threshold") if obj is not None else ()


@admin.register(OrganisationBadgeSetting)
class OrganisationBadgeSettingAdmin(admin.ModelAdmin):
    list_display = ("organisation", "badges_enabled", "changed_by", "changed_at")
    raw_id_fields = ("organisation", "changed_by")


@admin.register(Credential)
class CredentialAdmin(ReadOnlyAdmin):
    list_display = ("name_th", "recipient_name", "kind", "issuer", "issued_at", "revoked_at", "certificate_status")
    list_filter = ("kind", "certificate_status")
    search_fields = ("name_th", "recipient_name", "public_id")
    exclude = ("token",)


@admin.register(Issuer)
class IssuerAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "did", "created_at")


@admin.register(IssuerKey)
class IssuerKeyAdmin(ReadOnlyAdmin):
    list_display = ("issuer", "kid", "created_at", "retired_at", "compromised_at")
    exclude = ("file_id",)


@admin.register(BadgeAward)
class BadgeAwardAdmin(ReadOnlyAdmin):
    list_display = ("definition", "member", "organisation", "awarded_at")


@admin.register(LevelAward)
class LevelAwardAdmin(ReadOnlyAdmin):
    list_display = ("name_th", "member", "programme", "awarded_at")


@admin.register(ExemplarRound)
class ExemplarRoundAdmin(ReadOnlyAdmin):
    list_display = ("title_th", "agency", "fiscal_year", "level", "status")


@admin.register(Nomination)
class NominationAdmin(ReadOnlyAdmin):
    list_display = ("nominee", "round", "category", "organisation", "status")


@admin.register(Honour)
class HonourAdmin(ReadOnlyAdmin):
    list_display = ("member", "fiscal_year", "level", "category", "consent")
    exclude = ("photo",)
