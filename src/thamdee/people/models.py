from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NamePrefix(models.TextChoices):
    MR = "นาย", _("นาย")
    MRS = "นาง", _("นาง")
    MISS = "นางสาว", _("นางสาว")
    MASTER = "เด็กชาย", _("เด็กชาย")
    GIRL = "เด็กหญิง", _("เด็กหญิง")
    MONK = "พระ", _("พระ")
    OTHER = "", _("ไม่ระบุ")


def full_name(prefix: str, first_name: str, last_name: str) -> str:
    """A person's name as written in Thai: the prefix joined to the first name, then the last name."""
    return " ".join(p for p in (f"{prefix}{first_name}".strip(), last_name) if p).strip()


class User(AbstractUser):
    """A person who uses Thamdee: member, organiser, agency staff or partner staff.

    The name parts are Thai (``first_name``/``last_name`` from Django's user hold the Thai given and family
    names). The national ID is never stored: only its keyed HMAC, unique, so one person holds one account.
    """

    public_id = models.UUIDField(_("รหัสอ้างอิง"), default=uuid.uuid4, unique=True, editable=False)
    prefix = models.CharField(_("คำนำหน้า"), max_length=20, choices=NamePrefix.choices, blank=True)
    mobile = models.CharField(_("เบอร์มือถือ"), max_length=10, unique=True, null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField(_("ปีเกิด (ค.ศ.)"), null=True, blank=True)
    home_area = models.ForeignKey(
        "areas.Area",
        verbose_name=_("ที่อยู่ (ตำบลหรือหมู่บ้าน)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    national_id_hmac = models.CharField(
        _("ลายนิ้วมือเลขประจำตัวประชาชน (HMAC)"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    preferred_language = models.CharField(_("ภาษา"), max_length=5, default="th")

    class Meta:
        verbose_name = _("ผู้ใช้")
        verbose_name_plural = _("ผู้ใช้")
        constraints = [
            models.CheckConstraint(
                condition=Q(mobile__isnull=True) | Q(mobile__regex=r"^0[689][0-9]{8}$"),
                name="%(app_label)s_%(class)s_mobile_format",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900, birth_year__lte=2100),
                name="%(app_label)s_%(class)s_birth_year_range",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new password ends the API tokens given out under the old one, however it was set (the profile page,
        # the API, a site admin's form, `changepassword`): an app on a lost phone must sign in again, and a token
        # never expires by itself. (Web sessions elsewhere end by Django's session hash.) ``_password`` is what
        # set_password() leaves for save(); Django's own re-hashing at sign-in clears it first, so it ends nothing.
        new_password = self.pk is not None and (
            getattr(self, "_password", None) is not None or getattr(self, "_password_unusable", False)
        )
        super().save(*args, **kwargs)
        self._password_unusable = False
        if new_password:
            from rest_framework.authtoken.models import Token

            Token.objects.filter(user=self).delete()

    def set_unusable_password(self) -> None:
        # A password taken away (a site admin's "no usable password") ends the tokens as a new one does (save).
        super().set_unusable_password()
        self._password_unusable = True

    @property
    def full_name(self) -> str:
        return full_name(self.prefix, self.first_name, self.last_name)

    @property
    def short_name(self) -> str:
        return self.first_name or self.username

    @property
    def has_national_id(self) -> bool:
        return bool(self.national_id_hmac)

    def age_in(self, year: int | None = None) -> int | None:
        if not self.birth_year:
            return None
        return (year or timezone.localdate().year) - self.birth_year


class ConsentPurpose(models.TextChoices):
    PUBLISH_NAME = "publish_name", _("เผยแพร่ชื่อ")
    PUBLISH_PHOTO = "publish_photo", _("เผยแพร่ภาพถ่าย")
    SENSITIVE_DEEDS = "sensitive_deeds", _("บันทึกความดีที่เป็นข้อมูลอ่อนไหว (เช่น การปฏิบัติศาสนกิจ)")


class Consent(models.Model):
    """Consent for one optional purpose (PDPA). Core processing rests on public task and needs none.

    Given separately and withdrawn as easily: withdrawing sets ``withdrawn_at``; a new grant is a new row, so
    the history is kept. A child under 10 needs a guardian, recorded in ``guardian_name``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="consents", verbose_name=_("ผู้ใช้"))
    purpose = models.CharField(_("วัตถุประสงค์"), max_length=40, choices=ConsentPurpose.choices)
    granted_at = models.DateTimeField(_("ให้ความยินยอมเมื่อ"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("ถอนความยินยอมเมื่อ"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("บันทึกโดย")
    )
    guardian_name = models.CharField(_("ชื่อผู้ปกครองที่ให้ความยินยอม"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("ความยินยอม")
        verbose_name_plural = _("ความยินยอม")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="%(app_label)s_%(class)s_one_active_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_purpose_display()}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class FamilyRelation(models.TextChoices):
    PARENT = "parent", _("พ่อหรือแม่")
    CHILD = "child", _("ลูก")
    SPOUSE = "spouse", _("คู่สมรส")
    SIBLING = "sibling", _("พี่น้อง")
    GRANDPARENT = "grandparent", _("ปู่ ย่า ตา ยาย")
    GRANDCHILD = "grandchild", _("หลาน")
    OTHER = "other", _("ญาติอื่น")


class FamilyLink(models.Model):
    """A person names a family member (as the Thai time bank lets units go to family); the person named confirms."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="family_links", verbose_name=_("ผู้ใช้"))
    relative = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("ญาติ"))
    relation = models.CharField(_("ความสัมพันธ์"), max_length=20, choices=FamilyRelation.choices)
    created_at = models.DateTimeField(_("เพิ่มเมื่อ"), auto_now_add=True)
    # A link counts (gifts to family, names shown) once the person named confirms it, or named the other too.
    confirmed_at = models.DateTimeField(_("ยืนยันเมื่อ"), null=True, blank=True)

    class Meta:
        verbose_name = _("ครอบครัว")
        verbose_name_plural = _("ครอบครัว")
        constraints = [
            models.UniqueConstraint(fields=["user", "relative"], name="%(app_label)s_%(class)s_once"),
            models.CheckConstraint(condition=~Q(user=models.F("relative")), name="%(app_label)s_%(class)s_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.relative} ({self.get_relation_display()})"


class SignUpAttempt(models.Model):
    """One try at the public sign-up, one signed-in lookup of a mobile number or national ID, or one wrong current
    password, kept for an hour to limit tries (``services.user_sign_up``, ``services._lookup_take``,
    ``services._current_password_check``).

    ``key`` is a keyed digest of the client's address, the mobile number, the national ID or the signed-in
    person, never the value.
    """

    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"], name="people_signupattempt_key")]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.created_at:%Y-%m-%d %H:%M}"
