"""The yearly assessment of organisations and provinces (DOMAIN.md): a framework of activities or indicators,
each scored 0, 1 or 2 with its evidence; three levels, ส่งเสริมคุณธรรม (promoting), คุณธรรม (moral) and
คุณธรรมต้นแบบ (model). An organisation assesses itself once a fiscal year and the provincial culture office
(agency staff whose area covers it) confirms the result or returns it for correction; a province is assessed by
its provincial staff and confirmed by national staff. Results go up by area and fiscal year.

An assessment is about an organisation or a province, never a person: no individual is scored here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from thamdee.common.i18n import localised
from thamdee.common.models import PublicIdModel


class Subject(models.TextChoices):
    ORGANISATION = "organisation", pgettext_lazy("assessment subject", "องค์กร")
    PROVINCE = "province", pgettext_lazy("assessment subject", "จังหวัด")


class Level(models.IntegerChoices):
    NONE = 0, _("ยังไม่ผ่านระดับใด")
    PROMOTING = 1, _("ส่งเสริมคุณธรรม")
    MORAL = 2, pgettext_lazy("assessment level", "คุณธรรม")
    MODEL = 3, _("คุณธรรมต้นแบบ")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("กำลังประเมินตนเอง")
    SUBMITTED = "submitted", _("ส่งผลแล้ว รอรับรอง")
    RETURNED = "returned", _("ส่งกลับให้แก้ไข")
    CONFIRMED = "confirmed", _("รับรองผลแล้ว")


# Statuses in which the assessed side may still change its scores.
EDITABLE = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)
MAX_SCORE = 2


class Framework(models.Model):
    """A set of activities (organisations) or indicators (provinces), kept by the agency. One framework is in use
    per subject at a time; an assessment keeps the framework it was made with, so a new framework never changes a
    past result. ``pass_score``: the least score every activity of a level and of the levels below needs for the
    level to be reached."""

    code = models.SlugField(_("รหัส"), max_length=40, unique=True)
    subject = models.CharField(_("ผู้รับการประเมิน"), max_length=12, choices=Subject.choices)
    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=200, blank=True)
    pass_score = models.PositiveSmallIntegerField(_("คะแนนขั้นต่ำของแต่ละกิจกรรม"), default=1)
    is_active = models.BooleanField(_("ใช้อยู่"), default=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), default=timezone.now)

    class Meta:
        verbose_name = _("เกณฑ์การประเมิน")
        verbose_name_plural = _("เกณฑ์การประเมิน")
        ordering = ["subject", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject"], condition=Q(is_active=True), name="%(app_label)s_%(class)s_one_active_per_subject"
            ),
            models.CheckConstraint(
                condition=Q(pass_score__gte=1, pass_score__lte=MAX_SCORE), name="%(app_label)s_%(class)s_pass_score"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return localised(self.name_th, self.name_en)


class Indicator(models.Model):
    """One activity or indicator of a framework, at one of the three levels, with what earns 2, 1 and 0."""

    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("เกณฑ์การประเมิน")
    )
    number = models.PositiveSmallIntegerField(_("ลำดับ"))
    level = models.PositiveSmallIntegerField(_("ระดับ"), choices=Level.choices[1:])
    title_th = models.CharField(_("กิจกรรมหรือตัวชี้วัด (ไทย)"), max_length=300)
    title_en = models.CharField(_("กิจกรรมหรือตัวชี้วัด (อังกฤษ)"), max_length=300, blank=True)
    criteria_th = models.TextField(_("เกณฑ์การให้คะแนน"), max_length=2000, blank=True)
    criteria_en = models.TextField(_("เกณฑ์การให้คะแนน (อังกฤษ)"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("กิจกรรมหรือตัวชี้วัด")
        verbose_name_plural = _("กิจกรรมหรือตัวชี้วัด")
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="%(app_label)s_%(class)s_number"),
            models.CheckConstraint(
                condition=Q(level__gte=Level.PROMOTING, level__lte=Level.MODEL), name="%(app_label)s_%(class)s_level"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title_th}"

    @property
    def title(self) -> str:
        return localised(self.title_th, self.title_en)

    @property
    def criteria(self) -> str:
        return localised(self.criteria_th, self.criteria_en)


class Assessment(PublicIdModel):
    """One subject's assessment for one fiscal year: an organisation's, or a province's (``province``).

    ``level`` is what the scores reach, set when the assessment is submitted; ``confirmed_level`` is the result,
    set only by the confirmation of someone other than the person who submitted it."""

    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("เกณฑ์การประเมิน")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("องค์กร"),
    )
    province = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("จังหวัด")
    )
    fiscal_year = models.PositiveIntegerField(_("ปีงบประมาณ (ค.ศ. ที่สิ้นสุด)"))
    status = models.CharField(
        _("สถานะ"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    level = models.PositiveSmallIntegerField(_("ระดับตามคะแนน"), choices=Level.choices, null=True, blank=True)
    confirmed_level = models.PositiveSmallIntegerField(_("ระดับที่รับรอง"), choices=Level.choices, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้เริ่มประเมิน")
    )
    created_at = models.DateTimeField(_("เริ่มเมื่อ"), default=timezone.now)
    updated_at = models.DateTimeField(_("แก้ไขเมื่อ"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้ส่งผล"),
    )
    submitted_at = models.DateTimeField(_("ส่งผลเมื่อ"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้รับรองหรือส่งกลับ"),
    )
    reviewed_at = models.DateTimeField(_("รับรองหรือส่งกลับเมื่อ"), null=True, blank=True)
    review_note = models.TextField(_("ความเห็นของผู้รับรอง"), max_length=2000, blank=True)
    # The agency the confirmation was made for (the reviewer's post covering the subject), named on the
    # certificate; empty when a site admin with no post confirmed it.
    confirmed_by_agency = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("หน่วยงานที่รับรอง"),
    )

    class Meta:
        verbose_name = _("การประเมิน")
        verbose_name_plural = _("การประเมิน")
        ordering = ["-fiscal_year", "-updated_at"]
        indexes = [models.Index(fields=["status", "fiscal_year"], name="assessments_status_year")]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, province__isnull=True)
                | Q(organisation__isnull=True, province__isnull=False),
                name="%(app_label)s_%(class)s_one_subject",
            ),
            # Once a fiscal year for each organisation and each province.
            models.UniqueConstraint(
                fields=["organisation", "fiscal_year"],
                condition=Q(organisation__isnull=False),
                name="%(app_label)s_%(class)s_org_once_a_year",
            ),
            models.UniqueConstraint(
                fields=["province", "fiscal_year"],
                condition=Q(province__isnull=False),
                name="%(app_label)s_%(class)s_province_once_a_year",
            ),
            # Submitted and later: the scores' level and who submitted are kept.
            models.CheckConstraint(
                condition=Q(status__in=[AssessmentStatus.DRAFT])
                | Q(level__isnull=False, submitted_by__isnull=False, submitted_at__isnull=False),
                name="%(app_label)s_%(class)s_submission_recorded",
            ),
            # A confirmed result names its confirmer, who is not its submitter; only a confirmed one has a result.
            models.CheckConstraint(
                condition=Q(status=AssessmentStatus.CONFIRMED, confirmed_level__isnull=False, reviewed_by__isnull=False)
                & ~Q(reviewed_by=models.F("submitted_by"))
                | ~Q(status=AssessmentStatus.CONFIRMED) & Q(confirmed_level__isnull=True),
                name="%(app_label)s_%(class)s_confirmation_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status=AssessmentStatus.RETURNED) | ~Q(review_note=""),
                name="%(app_label)s_%(class)s_return_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_by_agency__isnull=True) | Q(status=AssessmentStatus.CONFIRMED),
                name="%(app_label)s_%(class)s_agency_only_when_confirmed",
            ),
            models.CheckConstraint(
                condition=(Q(level__isnull=True) | Q(level__lte=Level.MODEL))
                & (Q(confirmed_level__isnull=True) | Q(confirmed_level__lte=Level.MODEL)),
                name="%(app_label)s_%(class)s_levels_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_name} · {self.fiscal_year + 543}"

    @property
    def subject(self) -> str:
        return Subject.ORGANISATION if self.organisation_id else Subject.PROVINCE

    @property
    def subject_name(self) -> str:
        if self.organisation is not None:
            return self.organisation.display_name()
        return self.province.display_name() if self.province is not None else ""

    @property
    def area_code(self) -> str:
        """The code of the area the subject is in: the organisation's area, or the province."""
        if self.organisation is not None:
            area = self.organisation.area
            return area.code if area is not None else ""
        return self.province.code if self.province is not None else ""

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def has_certificate(self) -> bool:
        """A confirmed result at one of the three levels is honoured with a certificate (none for "no level")."""
        return self.status == AssessmentStatus.CONFIRMED and bool(self.confirmed_level)


class Score(models.Model):
    """The score (0 to 2) the subject gives itself on one activity, with its evidence. Evidence may be kept before a
    score is decided (``score`` empty): such an activity counts as unscored."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="scores", verbose_name=_("การประเมิน")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("กิจกรรมหรือตัวชี้วัด")
    )
    score = models.PositiveSmallIntegerField(_("คะแนน"), null=True, blank=True)
    evidence = models.TextField(_("หลักฐาน"), max_length=2000, blank=True)
    # Whoever last wrote it: a person who wrote any score of an assessment does not confirm it.
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้ให้คะแนน")
    )

    class Meta:
        verbose_name = _("คะแนน")
        verbose_name_plural = _("คะแนน")
        ordering = ["assessment", "indicator__number"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(condition=Q(score__lte=MAX_SCORE), name="%(app_label)s_%(class)s_range"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.score}"


class EventAction(models.TextChoices):
    SUBMITTED = "submitted", _("ส่งผล")
    RETURNED = "returned", _("ส่งกลับให้แก้ไข")
    CONFIRMED = "confirmed", _("รับรองผล")
    REVOKED = "revoked", _("เพิกถอนผลที่รับรอง")


class AssessmentEvent(models.Model):
    """The history of an assessment, written only by the services and never changed: each submission (with the
    level its scores reached and the scores themselves), each return (with its reason), the confirmation, and the
    revocation of the signed result by its agency (with its reason), by whom and when. A return followed by a new
    submission keeps both here, though the assessment shows only the latest."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="events", verbose_name=_("การประเมิน")
    )
    action = models.CharField(_("การดำเนินการ"), max_length=10, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้ดำเนินการ")
    )
    at = models.DateTimeField(_("เมื่อ"), default=timezone.now)
    level = models.PositiveSmallIntegerField(_("ระดับ"), choices=Level.choices, null=True, blank=True)
    note = models.TextField(_("ความเห็น"), max_length=2000, blank=True)
    scores = models.JSONField(_("คะแนนที่ส่ง"), default=dict, blank=True)  # activity number -> score, at submission
    # activity number -> [[sha256, content type], ...]: the evidence files the submission was made with
    files = models.JSONField(_("ไฟล์หลักฐานที่ส่ง"), default=dict, blank=True)

    class Meta:
        verbose_name = _("ประวัติการประเมิน")
        verbose_name_plural = _("ประวัติการประเมิน")
        ordering = ["assessment", "at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(action__in=[EventAction.RETURNED, EventAction.REVOKED]) | ~Q(note=""),
                name="%(app_label)s_%(class)s_return_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.action} {self.at:%Y-%m-%d}"

    @property
    def file_count(self) -> int:
        return sum(len(names) for names in (self.files or {}).values())


MAX_FILES_PER_ACTIVITY = 10


class EvidenceFile(PublicIdModel):
    """A file kept as evidence of one activity: a photo (re-encoded as a JPEG without metadata, with a thumbnail)
    or a PDF document (redrawn as pictures of its pages, ``deeds.evidence.redraw_pdf``). Stored outside the code
    tree and served only to those who may see the assessment. Added and removed only while the assessment may be
    edited."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="files", verbose_name=_("การประเมิน")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("กิจกรรมหรือตัวชี้วัด")
    )
    file = models.FileField(_("ไฟล์"), upload_to="assessments/%Y/%m/", max_length=200)
    thumbnail = models.FileField(_("ภาพย่อ"), upload_to="assessments/%Y/%m/thumbs/", max_length=200, blank=True)
    name = models.CharField(_("ชื่อไฟล์"), max_length=120)
    content_type = models.CharField(_("ชนิด"), max_length=40)
    size = models.PositiveIntegerField(_("ขนาด (ไบต์)"))
    pages = models.PositiveIntegerField(_("จำนวนหน้า"), null=True, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้แนบ")
    )
    uploaded_at = models.DateTimeField(_("แนบเมื่อ"), default=timezone.now)

    class Meta:
        verbose_name = _("ไฟล์หลักฐาน")
        verbose_name_plural = _("ไฟล์หลักฐาน")
        ordering = ["assessment", "indicator", "uploaded_at", "pk"]
        constraints = [
            # The same file once per activity (sent again, it is the one kept).
            models.UniqueConstraint(
                fields=["assessment", "indicator", "sha256"], name="%(app_label)s_%(class)s_once_per_activity"
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "application/pdf"]),
                name="%(app_label)s_%(class)s_kind",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="%(app_label)s_%(class)s_not_empty"),
            # A PDF knows its pages (and has its first page's thumbnail, but not if kept before 0005); a photo has
            # no pages and always a thumbnail. (The pages are "not null" in words: a NULL would make the check
            # unknown, which a CHECK lets through.)
            models.CheckConstraint(
                condition=Q(content_type="application/pdf", pages__isnull=False, pages__gte=1)
                | Q(content_type="image/jpeg", pages__isnull=True) & ~Q(thumbnail=""),
                name="%(app_label)s_%(class)s_shape",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.indicator_id}:{self.name}"

    @property
    def is_image(self) -> bool:
        return self.content_type == "image/jpeg"
