"""Aggregates for agencies, organisations and the public: rollups, plan KPIs, target areas, good-practice stories.

Rollups are figures per area cell, fiscal year, month (0 = the whole year) and virtue/dimension ('' = all),
kept current in the same transaction as the deeds and credits they count, and rebuilt from the raw tables by
``thamdee reports rebuild``. Cells are kept for the finest area a deed names (a village, or a subdistrict);
wider areas add their cells up. People and organisations are counted once per cell: a person active in two
villages in one month counts in each when the villages are added up (the rebuild counts the same way); the
small-cell thresholds count such a sum's people once (``selectors.Figures``).
Sensitive deed types (religious practice, say) never enter a rollup.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thamdee.common.models import PublicIdModel


class Rollup(models.Model):
    area_code = models.CharField(_("พื้นที่"), max_length=8)
    province_code = models.CharField(max_length=2)
    district_code = models.CharField(max_length=4)
    subdistrict_code = models.CharField(max_length=6)
    fiscal_year = models.PositiveSmallIntegerField(_("ปีงบประมาณ (ค.ศ. ที่สิ้นสุด)"))
    month = models.PositiveSmallIntegerField(_("เดือน (0 = ทั้งปี)"))
    virtue = models.CharField(_("คุณธรรม"), max_length=30, blank=True)
    dimension = models.CharField(_("มิติ"), max_length=30, blank=True)
    deeds = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    credits_issued = models.BigIntegerField(default=0)
    credits_spent = models.BigIntegerField(default=0)
    participants = models.PositiveIntegerField(default=0)
    organisations = models.PositiveIntegerField(default=0)
    # The members whose spending ``credits_spent`` is (by their home area, not among ``participants``, who are
    # counted by the deeds' area): the threshold of that figure (``selectors.Figures``). Each member has one home
    # area, so the spenders of a year's cells add up across areas without counting anyone twice.
    spenders = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        verbose_name = _("ตัวเลขสรุป")
        verbose_name_plural = _("ตัวเลขสรุป")
        constraints = [
            models.UniqueConstraint(
                fields=["area_code", "fiscal_year", "month", "virtue", "dimension"],
                name="%(app_label)s_%(class)s_one_cell",
            ),
            models.CheckConstraint(condition=Q(month__gte=0, month__lte=12), name="%(app_label)s_%(class)s_month"),
            # Virtue and dimension splits for whole years only (see ``rollups``).
            models.CheckConstraint(
                condition=Q(month=0) | Q(virtue="", dimension=""), name="%(app_label)s_%(class)s_split_by_year"
            ),
        ]
        indexes = [
            models.Index(fields=["fiscal_year", "month", "province_code"], name="reports_rollup_province"),
            models.Index(fields=["fiscal_year", "month", "district_code"], name="reports_rollup_district"),
            models.Index(fields=["fiscal_year", "month", "subdistrict_code"], name="reports_rollup_subdistrict"),
            # The whole year's cells without splits, one in ten of the table: an area's total and the lists of the
            # areas below it (and every list above it, ``selectors.hidden_above``) read only these.
            models.Index(
                fields=["fiscal_year", "province_code", "district_code", "subdistrict_code"],
                condition=Q(month=0, virtue="", dimension=""),
                name="reports_rollup_year_totals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} FY{self.fiscal_year + 543} m{self.month} {self.virtue}/{self.dimension}"


class OrgRollup(models.Model):
    """Figures per organisation, fiscal year and month (0 = the whole year): the most active organisations, and
    dashboards filtered by organisation kind or network (attributed to the organisation's own area)."""

    # No index of its own: the unique cell (organisation, fiscal year, month) leads with it.
    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+", db_index=False)
    area_code = models.CharField(max_length=8)
    province_code = models.CharField(max_length=2)
    fiscal_year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    deeds = models.PositiveIntegerField(default=0)
    hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    credits_issued = models.BigIntegerField(default=0)
    participants = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ตัวเลขสรุปรายองค์กร")
        verbose_name_plural = _("ตัวเลขสรุปรายองค์กร")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "fiscal_year", "month"], name="%(app_label)s_%(class)s_one_cell"
            ),
        ]
        indexes = [
            models.Index(
                fields=["fiscal_year", "month", "province_code", "-credits_issued", "-deeds"],
                name="reports_orgrollup_top",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} FY{self.fiscal_year + 543} m{self.month}"


class KpiKind(models.TextChoices):
    ORGS_RUNNING = "orgs_running", _("องค์กรและเครือข่ายที่ใช้ระบบเครดิตสังคม")
    NETWORKS_ACTIVE = "networks_active", _("เครือข่ายที่ร่วมกิจกรรมสาธารณะ")


class KpiBaseline(models.Model):
    """The national plan's baselines, entered by agencies: organisations and networks running a social credit
    system in FY2566 (target +10% by FY2570), networks active in public activities in FY2565 (+5% a year)."""

    kind = models.CharField(_("ตัวชี้วัด"), max_length=20, choices=KpiKind.choices, unique=True)
    fiscal_year = models.PositiveSmallIntegerField(_("ปีฐาน (ค.ศ. ที่สิ้นสุด)"))
    value = models.PositiveIntegerField(_("ค่าฐาน"))
    note = models.CharField(_("ที่มา"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ค่าฐานตัวชี้วัด")
        verbose_name_plural = _("ค่าฐานตัวชี้วัด")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} FY{self.fiscal_year + 543}: {self.value}"


class TargetArea(PublicIdModel):
    """An area an agency designates as a target area (พื้นที่เป้าหมาย) for a fiscal year and programme."""

    programme = models.ForeignKey("ledger.Programme", on_delete=models.PROTECT, related_name="target_areas")
    fiscal_year = models.PositiveSmallIntegerField(_("ปีงบประมาณ (ค.ศ. ที่สิ้นสุด)"))
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("พื้นที่"))
    agency = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("หมายเหตุ"), max_length=300, blank=True)
    designated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    designated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("พื้นที่เป้าหมาย")
        verbose_name_plural = _("พื้นที่เป้าหมาย")
        constraints = [
            models.UniqueConstraint(fields=["programme", "fiscal_year", "area"], name="%(app_label)s_%(class)s_once"),
        ]

    def __str__(self) -> str:
        return f"{self.area} FY{self.fiscal_year + 543}"


class StoryStatus(models.TextChoices):
    DRAFT = "draft", _("ฉบับร่าง")
    SUBMITTED = "submitted", _("รอหน่วยงานอนุมัติ")
    APPROVED = "approved", _("อนุมัติแล้ว")
    RETURNED = "returned", _("ส่งกลับให้แก้ไข")


class Story(PublicIdModel):
    """A good-practice story (การจัดการความรู้): what worked, with photos and lessons. Published when an agency
    approves it and every person shown in it has consented."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="stories")
    title = models.CharField(_("ชื่อเรื่อง"), max_length=200)
    summary = models.CharField(_("สรุปสั้น"), max_length=400)
    body = models.TextField(_("เรื่องเล่า"))
    lessons = models.TextField(_("บทเรียนที่ได้"), blank=True)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("พื้นที่"))
    virtues = models.ManyToManyField("deeds.Virtue", blank=True, related_name="+", verbose_name=_("คุณธรรม"))
    dimensions = models.ManyToManyField("deeds.Dimension", blank=True, related_name="+", verbose_name=_("มิติ"))
    people_shown = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("บุคคลที่ปรากฏในเรื่อง")
    )
    status = models.CharField(_("สถานะ"), max_length=10, choices=StoryStatus.choices, default=StoryStatus.DRAFT)
    # Title, summary, story and lessons in one column for searching: a trigram index on PostgreSQL finds Thai
    # words inside text that has no spaces between words; SQLite scans it.
    search_text = models.TextField(editable=False, default="")
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.CharField(_("ความเห็นผู้อนุมัติ"), max_length=400, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("เรื่องเล่าการปฏิบัติที่ดี")
        verbose_name_plural = _("เรื่องเล่าการปฏิบัติที่ดี")
        ordering = ["-approved_at", "-created_at"]

    def __str__(self) -> str:
        return self.title


class StoryPhoto(PublicIdModel):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="stories/%Y/")
    thumbnail = models.FileField(upload_to="stories/%Y/thumbs/")
    caption = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("ภาพประกอบเรื่องเล่า")
        verbose_name_plural = _("ภาพประกอบเรื่องเล่า")

    def __str__(self) -> str:
        return self.caption or str(self.public_id)
