"""Good deeds: catalogues of deed types, the deeds people record, their evidence, the decisions on them,
activities with check-in, and appeals."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, Q, When
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils.translation import gettext_lazy as _

from thamdee.common.i18n import localised
from thamdee.common.models import PublicIdModel


class Virtue(models.Model):
    """คุณธรรม: sufficiency, discipline, honesty, volunteering (phase 1), gratitude (phase 2). Configurable."""

    code = models.SlugField(_("รหัส"), max_length=30, unique=True)
    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=100)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=100)
    phase = models.PositiveSmallIntegerField(_("ระยะ"), default=1)
    ordering = models.PositiveSmallIntegerField(_("ลำดับ"), default=0)
    is_active = models.BooleanField(_("ใช้งานอยู่"), default=True)

    class Meta:
        verbose_name = _("คุณธรรม")
        verbose_name_plural = _("คุณธรรม")
        ordering = ["ordering", "code"]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        from django.utils import translation

        return self.name_en if (translation.get_language() or "th").startswith("en") else self.name_th


class Dimension(models.Model):
    """มิติ: health, economy, society, environment."""

    code = models.SlugField(_("รหัส"), max_length=30, unique=True)
    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=100)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=100)
    ordering = models.PositiveSmallIntegerField(_("ลำดับ"), default=0)

    class Meta:
        verbose_name = _("มิติ")
        verbose_name_plural = _("มิติ")
        ordering = ["ordering", "code"]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        from django.utils import translation

        return self.name_en if (translation.get_language() or "th").startswith("en") else self.name_th


class Unit(models.TextChoices):
    OCCURRENCE = "occurrence", _("ต่อครั้ง")
    HOUR = "hour", _("ต่อชั่วโมง")
    PERIOD = "period", _("ต่อรอบ (เช่น รายเดือน)")
    PERCENT = "percent", _("ร้อยละที่เปลี่ยน")


class Period(models.TextChoices):
    NONE = "", _("—")
    MONTHLY = "monthly", _("รายเดือน")
    YEARLY = "yearly", _("รายปี")


class Evidence(models.TextChoices):
    NONE = "none", _("ไม่ต้องมีหลักฐาน")
    PHOTO = "photo", _("ภาพถ่าย")
    DOCUMENT = "document", _("เอกสาร (เช่น สมุดบัญชี)")
    WITNESS = "witness", _("พยานบุคคล")


class VerifiedBy(models.TextChoices):
    ORGANISATION = "organisation", _("ผู้รับรองขององค์กร")
    AGENCY = "agency", _("ผู้รับรองของหน่วยงาน")


class DeedType(PublicIdModel):
    """One entry of a catalogue: a deed a community values, with a measurable criterion (Nong Sarai style).

    An organisation keeps its own catalogue; agencies keep national templates (no organisation) that
    organisations adopt as their own entries (``adopted_from``).
    """

    programme = models.ForeignKey(
        "ledger.Programme", on_delete=models.PROTECT, related_name="deed_types", verbose_name=_("โครงการ")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deed_types",
        verbose_name=_("องค์กรเจ้าของรายการ"),
    )
    adopted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="adoptions", verbose_name=_("ปรับจากแม่แบบ")
    )
    code = models.SlugField(_("รหัส"), max_length=50)
    name_th = models.CharField(_("ชื่อความดี (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อความดี (อังกฤษ)"), max_length=200, blank=True)
    description = models.TextField(_("คำอธิบาย"), blank=True)
    criterion = models.CharField(_("เกณฑ์ที่วัดได้"), max_length=300)
    virtues = models.ManyToManyField(Virtue, related_name="deed_types", verbose_name=_("คุณธรรม"))
    dimensions = models.ManyToManyField(Dimension, related_name="deed_types", verbose_name=_("มิติ"))
    # The one virtue and dimension the agencies' figures count the type's deeds under, so that an area's virtues add
    # up to its total (``reports.rollups``): chosen among its own when the type is added (by default the first in
    # the catalogue's order) and never changed, as its virtues are not; a virtue that is a type's main one cannot
    # be deleted. None: a type of none, counted as "no virtue".
    main_virtue = models.ForeignKey(
        Virtue, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("คุณธรรมหลัก")
    )
    main_dimension = models.ForeignKey(
        Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("มิติหลัก")
    )
    unit = models.CharField(_("หน่วย"), max_length=12, choices=Unit.choices, default=Unit.OCCURRENCE)
    period = models.CharField(_("รอบ"), max_length=10, choices=Period.choices, blank=True)
    evidence = models.CharField(_("หลักฐานที่ต้องมี"), max_length=10, choices=Evidence.choices, default=Evidence.NONE)
    verified_by = models.CharField(
        _("ผู้รับรอง"), max_length=15, choices=VerifiedBy.choices, default=VerifiedBy.ORGANISATION
    )
    max_backdate_days = models.PositiveSmallIntegerField(_("บันทึกย้อนหลังได้ไม่เกิน (วัน)"), default=30)
    is_sensitive = models.BooleanField(
        _("ข้อมูลอ่อนไหว"), default=False, help_text=_("เช่น การปฏิบัติศาสนกิจ: ไม่แสดงต่อสาธารณะ และบันทึกได้เมื่อสมาชิกให้ความยินยอม")
    )
    checkin_verified = models.BooleanField(_("เช็กอินกิจกรรมถือว่ารับรองแล้ว"), default=False)
    is_active = models.BooleanField(_("ใช้งานอยู่"), default=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("ประเภทความดี")
        verbose_name_plural = _("ประเภทความดี")
        ordering = ["name_th"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=Q(organisation__isnull=False),
                name="%(app_label)s_%(class)s_code_once_per_org",
            ),
            models.UniqueConstraint(
                fields=["programme", "code"],
                condition=Q(organisation__isnull=True),
                name="%(app_label)s_%(class)s_template_code_once",
            ),
            models.CheckConstraint(
                condition=Q(unit="period", period__in=["monthly", "yearly"]) | ~Q(unit="period"),
                name="%(app_label)s_%(class)s_period_unit_has_period",
            ),
            # Agencies verify only national templates' deeds: an organisation's own type never says "agency"
            # (services also ask that an adopted copy's template says so).
            models.CheckConstraint(
                condition=Q(verified_by="organisation") | Q(organisation__isnull=True) | Q(adopted_from__isnull=False),
                name="%(app_label)s_%(class)s_agency_verifies_templates",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)

    @property
    def agency_verifies(self) -> bool:
        """Whether the programme's agency, not the organisation, verifies this type's deeds: only an
        organisation's copy of a national template marked so (the constraint above keeps local types out)."""
        return self.verified_by == VerifiedBy.AGENCY and self.adopted_from_id is not None

    @property
    def is_template(self) -> bool:
        return self.organisation_id is None


class DeedStatus(models.TextChoices):
    PENDING = "pending", _("รอรับรอง")
    AWAITING_SECOND = "awaiting_second", _("รอผู้รับรองคนที่สอง")
    VERIFIED = "verified", _("รับรองแล้ว")
    REJECTED = "rejected", _("ไม่รับรอง")
    REVERSED = "reversed", _("กลับรายการแล้ว")


class DeedSource(models.TextChoices):
    SELF = "self", _("สมาชิกรายงานเอง")
    ORGANISER = "organiser", _("ผู้ประสานงานบันทึกแทน")
    ACTIVITY = "activity", _("เช็กอินกิจกรรม")
    IMPORT = "import", _("นำเข้าจากไฟล์")


def lines_text(lines: list[dict[str, Any]] | None, lang: str | None = None) -> list[str]:
    """An explanation's lines in one language (the active one unless ``lang`` is given)."""
    from django.utils import translation

    english = (lang or translation.get_language() or "th").startswith("en")
    return [line.get("en" if english else "th", "") for line in lines or []]


class Explanation(models.Model):
    """Why a deed earned its credits, line by line in Thai and English (each rule and the version it comes from),
    kept once per distinct text and shared by every deed it explains: the awards of a rulebook repeat, and a
    national ingest would otherwise write the same ~600 bytes for each of millions of deeds. Written once, never
    changed (``thamdee.deeds.explanations``); ``digest`` names the lines' canonical JSON."""

    digest = models.UUIDField(_("ลายนิ้วมือ"), unique=True, editable=False)
    lines = models.JSONField(_("คำอธิบายเครดิต"), default=list, editable=False)

    class Meta:
        verbose_name = _("คำอธิบายเครดิต")
        verbose_name_plural = _("คำอธิบายเครดิต")

    def __str__(self) -> str:
        return f"{self.pk}: {len(self.lines)} lines"


class Deed(PublicIdModel):
    # Indexes: only those a read or a foreign key needs; every one costs each deed written (a national ingest
    # writes millions). Member, organisation and area lead composite indexes below; status is always read with
    # an organisation or a member; activity and first approver are mostly empty (partial indexes).
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deeds",
        verbose_name=_("ผู้ทำความดี"),
        db_index=False,
    )
    deed_type = models.ForeignKey(
        DeedType, on_delete=models.PROTECT, related_name="deeds", verbose_name=_("ประเภทความดี")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        on_delete=models.PROTECT,
        related_name="deeds",
        verbose_name=_("องค์กรที่รับรอง"),
        db_index=False,
    )
    area = models.ForeignKey(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("พื้นที่"), db_index=False
    )
    done_on = models.DateField(_("วันที่ทำ"))
    quantity = models.DecimalField(_("จำนวน (ชั่วโมง ครั้ง หรือร้อยละ)"), max_digits=7, decimal_places=2, default=1)
    hours = models.DecimalField(_("ชั่วโมง"), max_digits=6, decimal_places=2, default=0)
    beneficiaries = models.PositiveIntegerField(_("จำนวนผู้ได้รับประโยชน์"), default=0)
    description = models.TextField(_("รายละเอียด"), blank=True)
    status = models.CharField(_("สถานะ"), max_length=16, choices=DeedStatus.choices, default=DeedStatus.PENDING)
    source = models.CharField(_("ที่มา"), max_length=10, choices=DeedSource.choices, default=DeedSource.SELF)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("บันทึกโดย")
    )
    activity = models.ForeignKey(
        "Activity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deeds",
        verbose_name=_("กิจกรรม"),
        db_index=False,
    )
    submitted_at = models.DateTimeField(_("ส่งเมื่อ"), auto_now_add=True)
    decided_at = models.DateTimeField(_("ตัดสินเมื่อ"), null=True, blank=True)
    # The one-time token of the member's report form: sent twice, it is one deed (deeds_deed_reported_once).
    request_key = models.UUIDField(null=True, blank=True, editable=False)
    credits = models.PositiveIntegerField(_("เครดิตที่ได้"), default=0)
    # Why these credits: none until the deed is decided (a refusal keeps none).
    explanation = models.ForeignKey(
        Explanation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("คำอธิบายเครดิต"),
        db_index=False,
    )
    rule_versions = models.ManyToManyField(
        "creditrules.RulebookVersion", blank=True, related_name="deeds", verbose_name=_("กติกาที่ใช้")
    )
    journal_id = models.BigIntegerField(_("รายการบัญชีที่ให้เครดิต"), null=True, blank=True)
    # The Thai fiscal year (CE year in which it ends) and the month of ``done_on``, kept by the database, so
    # that rollups and reports group by them without computing dates row by row.
    fiscal_year = models.GeneratedField(
        expression=Case(
            When(done_on__month__gte=10, then=ExtractYear("done_on") + 1),
            default=ExtractYear("done_on"),
        ),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    month = models.GeneratedField(
        expression=ExtractMonth("done_on"), output_field=models.PositiveSmallIntegerField(), db_persist=True
    )
    first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้รับรองคนแรก"),
        db_index=False,
    )

    class Meta:
        verbose_name = _("ความดี")
        verbose_name_plural = _("ความดี")
        indexes = [
            models.Index(fields=["organisation", "status", "done_on"], name="deeds_deed_queue"),
            models.Index(fields=["member", "done_on"], name="deeds_deed_member_day"),
            models.Index(fields=["area", "fiscal_year", "month"], name="deeds_deed_area_period"),
            models.Index(fields=["organisation", "fiscal_year", "month"], name="deeds_deed_org_period"),
            models.Index(
                fields=["first_approver"], condition=Q(first_approver__isnull=False), name="deeds_deed_first_approver"
            ),
        ]
        constraints = [
            # One check-in per member and activity, whoever records it (the member's QR scan, the organiser's
            # roster) and however often it is sent. Its index also serves "the deeds of an activity".
            models.UniqueConstraint(
                fields=["activity", "member"], condition=Q(activity__isnull=False), name="deeds_deed_checked_in_once"
            ),
            # A member's report sent twice is one deed. Partial: deeds recorded any other way carry no entry.
            models.UniqueConstraint(
                fields=["member", "request_key"],
                condition=Q(request_key__isnull=False),
                name="deeds_deed_reported_once",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(hours__gte=0) & Q(hours__lte=24 * 31),
                name="%(app_label)s_%(class)s_amounts_sane",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["verified", "reversed"]) | Q(journal_id__isnull=True),
                name="%(app_label)s_%(class)s_only_verified_have_awards",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deed_type} · {self.member} · {self.done_on}"

    def explanation_text(self, lang: str | None = None) -> list[str]:
        return lines_text(self.explanation.lines if self.explanation is not None else None, lang)


class DeedEvidence(PublicIdModel):
    """A photo (re-encoded, without EXIF) stored outside the code tree and served only to those who may see
    the deed."""

    deed = models.ForeignKey(Deed, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("ความดี"))
    image = models.FileField(_("ภาพ"), upload_to="evidence/%Y/%m/")
    thumbnail = models.FileField(_("ภาพย่อ"), upload_to="evidence/%Y/%m/thumbs/")
    content_type = models.CharField(max_length=40, default="image/jpeg")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    original_format = models.CharField(max_length=10, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("หลักฐาน")
        verbose_name_plural = _("หลักฐาน")

    def __str__(self) -> str:
        return f"{self.deed_id}:{self.sha256[:8]}"


class Decision(models.Model):
    """Every decision on a deed: who, when, what, why. Rows are only ever added."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("รับรอง")
        FIRST_APPROVAL = "first_approval", _("รับรองคนที่หนึ่ง")
        REJECT = "reject", _("ไม่รับรอง")
        REVERSE = "reverse", _("กลับรายการ")
        APPEAL_UPHELD = "appeal_upheld", _("อุทธรณ์สำเร็จ")
        APPEAL_DISMISSED = "appeal_dismissed", _("ยกอุทธรณ์")

    deed = models.ForeignKey(Deed, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("ความดี"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้ตัดสิน")
    )
    action = models.CharField(_("การตัดสิน"), max_length=20, choices=Action.choices)
    reason = models.TextField(_("เหตุผล"), blank=True)
    credits = models.IntegerField(_("เครดิต"), default=0)
    at = models.DateTimeField(_("เวลา"), auto_now_add=True)

    class Meta:
        verbose_name = _("การตัดสิน")
        verbose_name_plural = _("การตัดสิน")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.deed_id} {self.action} by {self.actor_id}"


class Activity(PublicIdModel):
    """An activity (กิจกรรม): members check in with a signed, time-limited QR code, or from a roster."""

    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="activities", verbose_name=_("องค์กร")
    )
    deed_type = models.ForeignKey(
        DeedType, on_delete=models.PROTECT, related_name="activities", verbose_name=_("ประเภทความดี")
    )
    title = models.CharField(_("ชื่อกิจกรรม"), max_length=200)
    area = models.ForeignKey("areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("สถานที่"))
    starts_at = models.DateTimeField(_("เริ่ม"))
    ends_at = models.DateTimeField(_("สิ้นสุด"))
    hours = models.DecimalField(_("ชั่วโมงต่อผู้เข้าร่วม"), max_digits=5, decimal_places=2, default=1)
    secret = models.CharField(max_length=64, default=secrets.token_hex, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    is_closed = models.BooleanField(_("ปิดแล้ว"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("กิจกรรม")
        verbose_name_plural = _("กิจกรรม")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="%(app_label)s_%(class)s_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Appeal(PublicIdModel):
    class Status(models.TextChoices):
        OPEN = "open", _("รอพิจารณา")
        UPHELD = "upheld", _("อุทธรณ์สำเร็จ")
        DISMISSED = "dismissed", _("ยกอุทธรณ์")

    deed = models.ForeignKey(Deed, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("ความดี"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("ผู้อุทธรณ์")
    )
    against = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("อุทธรณ์คำตัดสิน")
    )
    reason = models.TextField(_("เหตุผลที่อุทธรณ์"))
    status = models.CharField(_("สถานะ"), max_length=10, choices=Status.choices, default=Status.OPEN)
    filed_at = models.DateTimeField(_("ยื่นเมื่อ"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้พิจารณา"),
    )
    decided_at = models.DateTimeField(_("พิจารณาเมื่อ"), null=True, blank=True)
    decision_reason = models.TextField(_("เหตุผลการพิจารณา"), blank=True)

    class Meta:
        verbose_name = _("อุทธรณ์")
        verbose_name_plural = _("อุทธรณ์")
        constraints = [
            models.UniqueConstraint(fields=["against"], name="%(app_label)s_%(class)s_once_per_decision"),
        ]

    def __str__(self) -> str:
        return f"{self.deed} · {self.get_status_display()}"
