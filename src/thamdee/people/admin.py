from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from thamdee.people.models import Consent, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "prefix", "first_name", "last_name", "mobile", "is_active", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "mobile")
    readonly_fields = ("public_id", "has_national_id", "last_login", "date_joined")
    raw_id_fields = ("home_area",)
    fieldsets = (
        (None, {"fields": ("username", "password", "public_id")}),
        (
            _("ข้อมูลบุคคล"),
            {
                "fields": (
                    "prefix",
                    "first_name",
                    "last_name",
                    "mobile",
                    "birth_year",
                    "home_area",
                    "preferred_language",
                    "has_national_id",
                )
            },
        ),
        (_("สิทธิ์"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("วันสำคัญ"), {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(boolean=True, description=_("มีเลขประจำตัวประชาชน"))
    def has_national_id(self, obj: User) -> bool:
        return obj.has_national_id


@admin.register(Consent)
class ConsentAdmin(admin.ModelAdmin):
    list_display = ("user", "purpose", "granted_at", "withdrawn_at", "guardian_name")
    list_filter = ("purpose",)
    raw_id_fields = ("user", "recorded_by")
