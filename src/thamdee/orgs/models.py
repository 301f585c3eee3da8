from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thamdee.common.i18n import localised
from thamdee.common.models import PublicIdModel


class OrgKind(models.TextChoices):
    COUNCIL = "council", _("สภาองค์กรชุมชนตำบล")
    COMMUNITY = "community", _("องค์กรชุมชน")
    SAVINGS_GROUP = "savings_group", _("กลุ่มออมทรัพย์")
    WELFARE_FUND = "welfare_fund", _("กองทุนสวัสดิการชุมชน")
    SCHOOL = "school", _("โรงเรียน")
    RELIGIOUS_PLACE = "religious_place", _("ศาสนสถาน")
    HEALTH_CHARTER = "health_charter", _("คณะกรรมการธรรมนูญสุขภาพ")
    AGENCY = "agency", _("หน่วยงาน")
    PARTNER = "partner", _("ภาคีธุรกิจ")
    OTHER = "other", _("อื่น ๆ")


class Organisation(PublicIdModel):
    """A community organisation, council, group, fund, school, temple, committee, agency or partner."""

    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=200, blank=True)
    short_name = models.CharField(_("ชื่อย่อ"), max_length=40, blank=True)
    kind = models.CharField(_("ประเภท"), max_length=30, choices=OrgKind.choices, db_index=True)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("พื้นที่"), on_delete=models.PROTECT, related_name="organisations"
    )
    description = models.TextField(_("รายละเอียด"), blank=True)
    contact_phone = models.CharField(_("โทรศัพท์ติดต่อ"), max_length=20, blank=True)
    is_active = models.BooleanField(_("ใช้งานอยู่"), default=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("องค์กร")
        verbose_name_plural = _("องค์กร")
        ordering = ["name_th"]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)

    @property
    def is_agency(self) -> bool:
        return self.kind == OrgKind.AGENCY

    @property
    def is_partner(self) -> bool:
        return self.kind == OrgKind.PARTNER


class NetworkKind(models.TextChoices):
    AREA = "area", _("เครือข่ายเชิงพื้นที่")
    ISSUE = "issue", _("เครือข่ายเชิงประเด็น")


class Network(PublicIdModel):
    """An area-based or issue-based grouping of organisations; an organisation may belong to several."""

    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=200, blank=True)
    kind = models.CharField(_("ประเภท"), max_length=10, choices=NetworkKind.choices)
    area = models.ForeignKey(
        "areas.Area", verbose_name=_("พื้นที่"), null=True, blank=True, on_delete=models.PROTECT, related_name="networks"
    )
    issue = models.CharField(_("ประเด็น"), max_length=200, blank=True)
    description = models.TextField(_("รายละเอียด"), blank=True)
    organisations: models.ManyToManyField[Organisation, NetworkMembership] = models.ManyToManyField(
        Organisation, through="NetworkMembership", related_name="networks", verbose_name=_("องค์กรสมาชิก")
    )
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("เครือข่าย")
        verbose_name_plural = _("เครือข่าย")
        ordering = ["name_th"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=NetworkKind.AREA, area__isnull=False) | Q(kind=NetworkKind.ISSUE),
                name="%(app_label)s_%(class)s_area_network_has_area",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)


class NetworkMembership(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="network_memberships")
    joined_at = models.DateTimeField(_("เข้าร่วมเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("สมาชิกเครือข่าย")
        verbose_name_plural = _("สมาชิกเครือข่าย")
        constraints = [
            models.UniqueConstraint(
                fields=["network", "organisation"], name="%(app_label)s_%(class)s_once_per_network"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ∈ {self.network}"


class Role(models.TextChoices):
    MEMBER = "member", _("สมาชิก")
    ORGANISER = "organiser", _("ผู้ประสานงาน")
    VERIFIER = "verifier", _("ผู้รับรอง")
    ADMIN = "admin", _("ผู้ดูแลองค์กร")
    PARTNER_STAFF = "partner_staff", _("พนักงานภาคี")


class Membership(PublicIdModel):
    """A person's place in an organisation, with the roles they hold there."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("ผู้ใช้")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("องค์กร")
    )
    is_member = models.BooleanField(_("สมาชิก"), default=True)
    is_organiser = models.BooleanField(_("ผู้ประสานงาน"), default=False)
    is_verifier = models.BooleanField(_("ผู้รับรอง"), default=False)
    is_admin = models.BooleanField(_("ผู้ดูแลองค์กร"), default=False)
    is_partner_staff = models.BooleanField(_("พนักงานภาคี"), default=False)
    is_active = models.BooleanField(_("ใช้งานอยู่"), default=True)
    joined_at = models.DateTimeField(_("เข้าร่วมเมื่อ"), auto_now_add=True)
    ended_at = models.DateTimeField(_("สิ้นสุดเมื่อ"), null=True, blank=True)
    # An invitation waiting for the person's answer: inactive until they accept it (orgs.services.membership_accept).
    invited_at = models.DateTimeField(_("เชิญเมื่อ"), null=True, blank=True)

    class Meta:
        verbose_name = _("การเป็นสมาชิก")
        verbose_name_plural = _("การเป็นสมาชิก")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="%(app_label)s_%(class)s_once_per_org"),
        ]
        indexes = [models.Index(fields=["organisation", "is_active"], name="orgs_membership_org_active")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    @property
    def roles(self) -> list[str]:
        return [role for role in Role.values if getattr(self, f"is_{role}")]

    @property
    def is_invitation(self) -> bool:
        """Waiting for the person to accept: not active, not ended, invited."""
        return not self.is_active and self.ended_at is None and self.invited_at is not None


class AgencyStaff(PublicIdModel):
    """Staff of an agency, with the area they look after (no area means the whole country)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="agency_posts", verbose_name=_("ผู้ใช้")
    )
    agency = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="staff",
        limit_choices_to={"kind": OrgKind.AGENCY},
        verbose_name=_("หน่วยงาน"),
    )
    scope_area = models.ForeignKey(
        "areas.Area",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("พื้นที่รับผิดชอบ"),
        help_text=_("เว้นว่างหมายถึงทั้งประเทศ"),
    )
    is_verifier = models.BooleanField(_("ผู้รับรองระดับหน่วยงาน"), default=False)
    is_active = models.BooleanField(_("ใช้งานอยู่"), default=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("เจ้าหน้าที่หน่วยงาน")
        verbose_name_plural = _("เจ้าหน้าที่หน่วยงาน")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="%(app_label)s_%(class)s_once_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency}"

    @property
    def scope_code(self) -> str:
        return self.scope_area.code if self.scope_area is not None else ""
