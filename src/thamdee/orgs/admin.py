from django.contrib import admin

from thamdee.orgs.models import AgencyStaff, Membership, Network, NetworkMembership, Organisation


class MembershipInline(admin.TabularInline):
    model = Membership
    raw_id_fields = ("user",)
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name_th", "kind", "area", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name_th", "name_en", "short_name")
    raw_id_fields = ("area",)
    inlines = [MembershipInline]


class NetworkMembershipInline(admin.TabularInline):
    model = NetworkMembership
    raw_id_fields = ("organisation",)
    extra = 0


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name_th", "kind", "area", "issue")
    list_filter = ("kind",)
    raw_id_fields = ("area",)
    inlines = [NetworkMembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "organisation",
        "is_member",
        "is_organiser",
        "is_verifier",
        "is_admin",
        "is_partner_staff",
        "is_active",
    )
    list_filter = ("is_organiser", "is_verifier", "is_admin", "is_partner_staff", "is_active")
    raw_id_fields = ("user", "organisation")


@admin.register(AgencyStaff)
class AgencyStaffAdmin(admin.ModelAdmin):
    list_display = ("user", "agency", "scope_area", "is_verifier", "is_active")
    raw_id_fields = ("user", "agency", "scope_area")
