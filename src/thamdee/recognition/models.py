"""Recognition: levels reached, badges earned, exemplars honoured, and the Open Badges 3.0 credentials behind them.

A level is never stored as a standing: it is read from lifetime verified credits each time. What is stored is the
moment a member first reached a level (``LevelAward``), because that is what a certificate and a credential record.
Private signing keys are never in these tables: ``IssuerKey`` holds only the public half and the name of the file
that holds the private half (see ``keys.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thamdee.common.i18n import localised
from thamdee.common.models import PublicIdModel

# --- badges -------------------------------------------------------------------------------------------------


class BadgeKind(models.TextChoices):
    FIRST_DEED = "first_deed", _("ความดีครั้งแรก")
    HOURS = "hours", _("ชั่วโมงทำความดี")
    VIRTUE = "virtue", _("ความดีตามคุณธรรม")
    DIMENSION = "dimension", _("ความดีตามมิติ")
    STREAK = "streak", _("ทำดีต่อเนื่องรายเดือน")


class BadgeDefinition(PublicIdModel):
    """A milestone. ``subject`` names the virtue or dimension (by code) for the kinds that count per subject."""

    code = models.SlugField(_("รหัส"), max_length=80, unique=True)
    kind = models.CharField(_("ชนิด"), max_length=12, choices=BadgeKind.choices)
    subject = models.SlugField(_("คุณธรรมหรือมิติ"), max_length=30, blank=True)
    threshold = models.PositiveIntegerField(_("เกณฑ์"))
    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=200, blank=True)
    criteria_th = models.CharField(_("เกณฑ์ (ไทย)"), max_length=300)
    criteria_en = models.CharField(_("เกณฑ์ (อังกฤษ)"), max_length=300, blank=True)
    ordering = models.PositiveSmallIntegerField(_("ลำดับ"), default=0)
    is_active = models.BooleanField(_("ใช้งานอยู่"), default=True)

    class Meta:
        verbose_name = _("เหรียญความดี")
        verbose_name_plural = _("เหรียญความดี")
        ordering = ["ordering", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(threshold__gte=1), name="%(app_label)s_%(class)s_threshold_positive"),
            models.CheckConstraint(
                condition=(Q(kind__in=["virtue", "dimension"]) & ~Q(subject=""))
                | (~Q(kind__in=["virtue", "dimension"]) & Q(subject="")),
                name="%(app_label)s_%(class)s_subject_when_needed",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)

    def criteria(self) -> str:
        from django.utils import translation

        if (translation.get_language() or "th").startswith("en") and self.criteria_en:
            return self.criteria_en
        return self.criteria_th


class OrganisationBadgeSetting(models.Model):
    """An organisation may turn badges off for its members: its deeds then count towards no badge."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, related_name="badge_setting", verbose_name=_("องค์กร")
    )
    badges_enabled = models.BooleanField(_("มอบเหรียญความดีให้สมาชิก"), default=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("เปลี่ยนเมื่อ"), auto_now=True)

    class Meta:
        verbose_name = _("การตั้งค่าเหรียญขององค์กร")
        verbose_name_plural = _("การตั้งค่าเหรียญขององค์กร")

    def __str__(self) -> str:
        return f"{self.organisation}: {'on' if self.badges_enabled else 'off'}"


# --- issuers, keys, status lists and credentials ------------------------------------------------------------


class Issuer(PublicIdModel):
    """An issuing body (an agency or an organisation) with a did:web identity under this site."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="credential_issuer", verbose_name=_("องค์กร")
    )
    did = models.CharField(_("DID"), max_length=300, unique=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("ผู้ออกใบรับรอง")
        verbose_name_plural = _("ผู้ออกใบรับรอง")

    def __str__(self) -> str:
        return self.did


class IssuerKey(models.Model):
    """The public half of an issuer's Ed25519 key. The private half lives in a file (mode 0600) named by
    ``file_id`` under the key directory, never in the database. Retired keys stay published so that what they
    signed still verifies; a compromised key is published no more."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="keys", verbose_name=_("ผู้ออก"))
    kid = models.SlugField(_("รหัสกุญแจ"), max_length=40)
    file_id = models.CharField(max_length=40, unique=True, editable=False)
    public_key_pem = models.TextField(_("กุญแจสาธารณะ (PEM)"))
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)
    retired_at = models.DateTimeField(_("เลิกใช้เมื่อ"), null=True, blank=True)
    # A key whose private half may be in other hands (services.issuer_key_compromised): no longer published, and
    # nothing it signed verifies; what this site truly issued with it was signed again with the next key.
    compromised_at = models.DateTimeField(_("แจ้งว่าไม่ปลอดภัยเมื่อ"), null=True, blank=True)
    compromise_note = models.CharField(_("เหตุที่แจ้งว่าไม่ปลอดภัย"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("กุญแจของผู้ออก")
        verbose_name_plural = _("กุญแจของผู้ออก")
        ordering = ["issuer_id", "-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kid"], name="%(app_label)s_%(class)s_kid_once"),
            models.UniqueConstraint(
                fields=["issuer"], condition=Q(retired_at__isnull=True), name="%(app_label)s_%(class)s_one_active"
            ),
            # A compromised key signs nothing more: it is retired, and the reason is written down.
            models.CheckConstraint(
                condition=Q(compromised_at__isnull=True) | Q(retired_at__isnull=False) & ~Q(compromise_note=""),
                name="%(app_label)s_%(class)s_compromised_is_retired",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer.did}#{self.kid}"

    @property
    def key_id(self) -> str:
        """The verification method id, as the JWT ``kid`` header and the DID document name it."""
        return f"{self.issuer.did}#{self.kid}"


class StatusList(models.Model):
    """A Bitstring Status List (revocation) of one issuer; ``token`` is the signed list as published."""

    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="status_lists")
    purpose = models.CharField(max_length=12, default="revocation")
    url = models.CharField(max_length=400, unique=True)
    size_bits = models.PositiveIntegerField(default=131072)
    next_index = models.PositiveIntegerField(default=0)
    token = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("รายการสถานะใบรับรอง")
        verbose_name_plural = _("รายการสถานะใบรับรอง")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "purpose"], name="%(app_label)s_%(class)s_one_per_purpose"),
            models.CheckConstraint(
                condition=Q(next_index__lte=models.F("size_bits")), name="%(app_label)s_%(class)s_index_in_range"
            ),
        ]

    def __str__(self) -> str:
        return self.url


class CredentialKind(models.TextChoices):
    BADGE = "badge", _("เหรียญความดี")
    LEVEL = "level", _("ระดับ")
    HONOUR = "honour", _("แบบอย่างความดี")
    RESULT = "result", _("ผลการประเมินองค์กร/จังหวัดคุณธรรม")


class CertificateStatus(models.TextChoices):
    NONE = "none", _("ยังไม่ได้ขอ")
    PENDING = "pending", _("กำลังจัดทำ")
    READY = "ready", _("พร้อมดาวน์โหลด")
    FAILED = "failed", _("จัดทำไม่สำเร็จ")


class Credential(PublicIdModel):
    """An Open Badges 3.0 credential (VC-JWT signed with the issuer's Ed25519 key) and its Thai PDF certificate.

    ``public_id`` is the credential's id (``urn:uuid:...``). ``token`` is exactly what was signed and handed out.
    Its subject is a member (a badge, a level, an honour) or an assessment's result (the organisation or province
    assessed, ``assessment``): exactly one of the two. A result has at most one credential in force: revoking it
    returns the result for correction, and confirming it again signs a new one (the revoked ones stay, revoked).
    """

    kind = models.CharField(_("ชนิด"), max_length=10, choices=CredentialKind.choices)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credentials",
        verbose_name=_("ผู้ได้รับ"),
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credentials",
        verbose_name=_("ผลการประเมิน"),
    )
    issuer = models.ForeignKey(Issuer, on_delete=models.PROTECT, related_name="credentials", verbose_name=_("ผู้ออก"))
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="credentials")
    status_index = models.PositiveIntegerField()
    achievement_id = models.CharField(max_length=400)
    name_th = models.CharField(_("ชื่อ"), max_length=300)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=300, blank=True)
    recipient_name = models.CharField(_("ชื่อผู้ได้รับ"), max_length=300)
    token = models.TextField(_("ใบรับรองที่ลงนามแล้ว (JWT)"))
    issued_at = models.DateTimeField(_("ออกเมื่อ"))
    valid_until = models.DateTimeField(_("ใช้ได้ถึง"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("เพิกถอนเมื่อ"), null=True, blank=True)
    revoked_reason = models.CharField(_("เหตุผลที่เพิกถอน"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    certificate = models.FileField(_("เกียรติบัตร (PDF)"), upload_to="certificates/%Y/%m/", blank=True)
    certificate_status = models.CharField(
        _("สถานะเกียรติบัตร"), max_length=10, choices=CertificateStatus.choices, default=CertificateStatus.NONE
    )
    certificate_requested_at = models.DateTimeField(null=True, blank=True)
    certificate_ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ใบรับรองดิจิทัล")
        verbose_name_plural = _("ใบรับรองดิจิทัล")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["member", "issued_at"], name="recognition_credential_member")]
        constraints = [
            models.UniqueConstraint(fields=["status_list", "status_index"], name="%(app_label)s_%(class)s_bit_once"),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | ~Q(revoked_reason=""),
                name="%(app_label)s_%(class)s_revocation_has_reason",
            ),
            # A member's credential or a result's, never both nor neither; a result's is of its own kind.
            models.CheckConstraint(
                condition=Q(member__isnull=False, assessment__isnull=True) & ~Q(kind=CredentialKind.RESULT)
                | Q(member__isnull=True, assessment__isnull=False, kind=CredentialKind.RESULT),
                name="%(app_label)s_%(class)s_one_subject",
            ),
            # One credential in force per result (the revoked ones of earlier confirmations stay beside it).
            models.UniqueConstraint(
                fields=["assessment"],
                condition=Q(assessment__isnull=False, revoked_at__isnull=True),
                name="%(app_label)s_%(class)s_one_in_force_per_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_th} · {self.recipient_name}"

    @property
    def urn(self) -> str:
        return f"urn:uuid:{self.public_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)


class BadgeAward(PublicIdModel):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="badge_awards", verbose_name=_("สมาชิก")
    )
    definition = models.ForeignKey(
        BadgeDefinition, on_delete=models.PROTECT, related_name="awards", verbose_name=_("เหรียญ")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("องค์กรที่มอบ")
    )
    awarded_at = models.DateTimeField(_("ได้รับเมื่อ"))
    credential = models.OneToOneField(
        Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="badge_award"
    )

    class Meta:
        verbose_name = _("เหรียญที่ได้รับ")
        verbose_name_plural = _("เหรียญที่ได้รับ")
        ordering = ["-awarded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "definition"], name="%(app_label)s_%(class)s_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.definition} · {self.member}"


class LevelAward(PublicIdModel):
    """The moment a member first reached a level of a programme (levels never go down: spending does not touch
    lifetime credits)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="level_awards", verbose_name=_("สมาชิก")
    )
    programme = models.ForeignKey(
        "ledger.Programme", on_delete=models.PROTECT, related_name="+", verbose_name=_("โครงการ")
    )
    level_code = models.SlugField(_("รหัสระดับ"), max_length=40)
    name_th = models.CharField(_("ชื่อระดับ"), max_length=200)
    name_en = models.CharField(_("ชื่อระดับ (อังกฤษ)"), max_length=200, blank=True)
    min_credits = models.PositiveIntegerField(_("เกณฑ์เครดิตสะสม"))
    credits_when_reached = models.PositiveIntegerField(_("เครดิตสะสมเมื่อถึงระดับ"))
    awarded_at = models.DateTimeField(_("ถึงระดับเมื่อ"))
    credential = models.OneToOneField(
        Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="level_award"
    )

    class Meta:
        verbose_name = _("ระดับที่ได้รับ")
        verbose_name_plural = _("ระดับที่ได้รับ")
        ordering = ["-awarded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "programme", "level_code"], name="%(app_label)s_%(class)s_once_per_member"
            ),
            models.CheckConstraint(
                condition=Q(credits_when_reached__gte=models.F("min_credits")),
                name="%(app_label)s_%(class)s_reached_threshold",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name_th} · {self.member}"


# --- exemplars (แบบอย่างความดี) ---------------------------------------------------------------------------------


class HonourLevel(models.TextChoices):
    COMMUNITY = "community", _("ระดับชุมชน")
    DISTRICT = "district", _("ระดับอำเภอ")
    PROVINCE = "province", _("ระดับจังหวัด")
    NATIONAL = "national", _("ระดับประเทศ")


class ExemplarCategory(models.TextChoices):
    VOLUNTEERING = "volunteering", _("ด้านจิตอาสา")
    SUFFICIENCY = "sufficiency", _("ด้านความพอเพียง")
    HONESTY = "honesty", _("ด้านความสุจริต")
    DISCIPLINE = "discipline", _("ด้านวินัย")
    GRATITUDE = "gratitude", _("ด้านความกตัญญู")
    COMMUNITY_LEADER = "community_leader", _("ผู้นำชุมชนต้นแบบ")


class RoundStatus(models.TextChoices):
    OPEN = "open", _("เปิดรับการเสนอชื่อ")
    SCORING = "scoring", _("คณะกรรมการกำลังพิจารณา")
    DECIDED = "decided", _("ประกาศผลแล้ว")


class ExemplarRound(PublicIdModel):
    """A selection of exemplars run by an agency for a fiscal year, at one level, over an area (none: national)."""

    agency = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="exemplar_rounds", verbose_name=_("หน่วยงาน")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("ปีงบประมาณ (ค.ศ. ที่สิ้นสุด)"))
    level = models.CharField(_("ระดับ"), max_length=10, choices=HonourLevel.choices)
    area = models.ForeignKey(
        "areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("พื้นที่")
    )
    title_th = models.CharField(_("ชื่อรอบ"), max_length=200)
    title_en = models.CharField(_("ชื่อรอบ (อังกฤษ)"), max_length=200, blank=True)
    status = models.CharField(_("สถานะ"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("รอบคัดเลือกแบบอย่างความดี")
        verbose_name_plural = _("รอบคัดเลือกแบบอย่างความดี")
        ordering = ["-fiscal_year", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="national") & Q(area__isnull=True)) | (~Q(level="national") & Q(area__isnull=False)),
                name="%(app_label)s_%(class)s_area_matches_level",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year__gte=2000, fiscal_year__lte=2200), name="%(app_label)s_%(class)s_fiscal_year"
            ),
        ]

    def __str__(self) -> str:
        return self.title_th

    def display_title(self) -> str:
        from django.utils import translation

        if (translation.get_language() or "th").startswith("en") and self.title_en:
            return self.title_en
        return self.title_th


class ExemplarCriterion(models.Model):
    """One written criterion the panel scores on, from 0 to ``max_score``."""

    round = models.ForeignKey(ExemplarRound, on_delete=models.CASCADE, related_name="criteria")
    code = models.SlugField(_("รหัส"), max_length=30)
    text_th = models.CharField(_("เกณฑ์"), max_length=300)
    text_en = models.CharField(_("เกณฑ์ (อังกฤษ)"), max_length=300, blank=True)
    max_score = models.PositiveSmallIntegerField(_("คะแนนเต็ม"))
    ordering = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("เกณฑ์การพิจารณา")
        verbose_name_plural = _("เกณฑ์การพิจารณา")
        ordering = ["ordering", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="%(app_label)s_%(class)s_code_once"),
            models.CheckConstraint(
                condition=Q(max_score__gte=1, max_score__lte=100), name="%(app_label)s_%(class)s_max_score_range"
            ),
        ]

    def __str__(self) -> str:
        return self.text_th


class PanelMember(models.Model):
    round = models.ForeignKey(ExemplarRound, on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats")
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    appointed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("กรรมการ")
        verbose_name_plural = _("คณะกรรมการ")
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="%(app_label)s_%(class)s_once_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.round}"


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("เสนอชื่อแล้ว")
    SELECTED = "selected", _("ได้รับคัดเลือก")
    NOT_SELECTED = "not_selected", _("ไม่ได้รับคัดเลือก")


class Nomination(PublicIdModel):
    """An organisation puts a person forward. ``reasons`` and ``evidence`` are for the panel only; ``public_story``
    is what could be published, and only if the person consents."""

    round = models.ForeignKey(ExemplarRound, on_delete=models.PROTECT, related_name="nominations")
    category = models.CharField(_("ประเภท"), max_length=20, choices=ExemplarCategory.choices)
    nominee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("ผู้ได้รับการเสนอชื่อ")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="nominations", verbose_name=_("องค์กรที่เสนอชื่อ")
    )
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reasons = models.TextField(_("เหตุผลที่เสนอชื่อ"))
    evidence = models.TextField(_("หลักฐานประกอบ"), blank=True)
    public_story = models.TextField(_("เรื่องราวที่จะเผยแพร่ (ถ้าเจ้าตัวยินยอม)"), blank=True)
    status = models.CharField(
        _("สถานะ"), max_length=15, choices=NominationStatus.choices, default=NominationStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("เสนอชื่อเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("การเสนอชื่อ")
        verbose_name_plural = _("การเสนอชื่อ")
        ordering = ["category", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "category", "nominee"], name="%(app_label)s_%(class)s_once_per_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nominee} · {self.get_category_display()}"


class Score(models.Model):
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="scores")
    panel_member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(ExemplarCriterion, on_delete=models.PROTECT, related_name="scores")
    score = models.PositiveSmallIntegerField(_("คะแนน"))
    comment = models.TextField(_("ความเห็น"), blank=True)
    at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("คะแนน")
        verbose_name_plural = _("คะแนน")
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "panel_member", "criterion"], name="%(app_label)s_%(class)s_once"
            ),
            models.CheckConstraint(condition=Q(score__lte=100), name="%(app_label)s_%(class)s_range"),
        ]

    def __str__(self) -> str:
        return f"{self.nomination_id}/{self.criterion_id}: {self.score}"


class ConsentState(models.TextChoices):
    PENDING = "pending", _("รอความยินยอม")
    CONSENTED = "consented", _("ยินยอมให้เผยแพร่")
    DECLINED = "declined", _("ไม่ยินยอมให้เผยแพร่")
    WITHDRAWN = "withdrawn", _("ถอนความยินยอมแล้ว")


class Honour(PublicIdModel):
    """An exemplar honour, recorded per fiscal year and level. Nothing of it is public unless ``consent`` is
    ``consented``, and then only what the person chose to show."""

    nomination = models.OneToOneField(Nomination, on_delete=models.PROTECT, related_name="honour")
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="honours", verbose_name=_("ผู้ได้รับการยกย่อง")
    )
    agency = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+")
    fiscal_year = models.PositiveSmallIntegerField(_("ปีงบประมาณ"))
    level = models.CharField(_("ระดับ"), max_length=10, choices=HonourLevel.choices)
    category = models.CharField(_("ประเภท"), max_length=20, choices=ExemplarCategory.choices)
    area = models.ForeignKey("areas.Area", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("ได้รับคัดเลือกเมื่อ"))
    consent = models.CharField(
        _("ความยินยอมเผยแพร่"), max_length=10, choices=ConsentState.choices, default=ConsentState.PENDING
    )
    consented_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    show_name = models.BooleanField(_("แสดงชื่อ"), default=False)
    show_photo = models.BooleanField(_("แสดงภาพถ่าย"), default=False)
    show_story = models.BooleanField(_("แสดงเรื่องราว"), default=False)
    photo = models.FileField(_("ภาพถ่าย"), upload_to="honours/%Y/", blank=True)
    credential = models.OneToOneField(
        Credential, null=True, blank=True, on_delete=models.PROTECT, related_name="honour"
    )

    class Meta:
        verbose_name = _("แบบอย่างความดี")
        verbose_name_plural = _("แบบอย่างความดี")
        ordering = ["-fiscal_year", "level", "category", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "fiscal_year", "level", "category"], name="%(app_label)s_%(class)s_once_per_year"
            ),
            models.CheckConstraint(
                condition=~Q(consent="consented") | Q(consented_at__isnull=False),
                name="%(app_label)s_%(class)s_consent_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(consent="declined") | Q(declined_at__isnull=False),
                name="%(app_label)s_%(class)s_decline_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(consent="withdrawn") | Q(withdrawn_at__isnull=False),
                name="%(app_label)s_%(class)s_withdrawal_has_time",
            ),
            models.CheckConstraint(
                condition=Q(consent="consented") | Q(show_name=False, show_photo=False, show_story=False),
                name="%(app_label)s_%(class)s_nothing_shown_without_consent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} · {self.get_category_display()} · {self.fiscal_year}"

    @property
    def is_public(self) -> bool:
        return self.consent == ConsentState.CONSENTED


class HonourConsentEvent(models.Model):
    """Every consent, decline and withdrawal, with what was agreed: only ever added."""

    class Action(models.TextChoices):
        CONSENT = "consent", _("ยินยอม")
        DECLINE = "decline", _("ไม่ยินยอม")
        WITHDRAW = "withdraw", _("ถอนความยินยอม")

    honour = models.ForeignKey(Honour, on_delete=models.CASCADE, related_name="consent_events")
    action = models.CharField(max_length=10, choices=Action.choices)
    show_name = models.BooleanField(default=False)
    show_photo = models.BooleanField(default=False)
    show_story = models.BooleanField(default=False)
    guardian_name = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("บันทึกความยินยอม")
        verbose_name_plural = _("บันทึกความยินยอม")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.honour_id} {self.action}"
