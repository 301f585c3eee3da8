from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from thamdee.common.models import PublicIdModel


class Notification(PublicIdModel):
    """An in-app message, kept in both languages as written when it was sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("ผู้รับ")
    )
    kind = models.CharField(_("ชนิด"), max_length=40)
    title_th = models.CharField(_("หัวเรื่อง (ไทย)"), max_length=200)
    title_en = models.CharField(_("หัวเรื่อง (อังกฤษ)"), max_length=200)
    body_th = models.TextField(_("ข้อความ (ไทย)"), blank=True)
    body_en = models.TextField(_("ข้อความ (อังกฤษ)"), blank=True)
    url = models.CharField(_("ลิงก์"), max_length=300, blank=True)
    # The other person a notice names ("X gave you credits"), so that erasing X can find and clear it.
    about = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("บุคคลที่กล่าวถึง"),
    )
    created_at = models.DateTimeField(_("ส่งเมื่อ"), auto_now_add=True)
    read_at = models.DateTimeField(_("อ่านเมื่อ"), null=True, blank=True)

    class Meta:
        verbose_name = _("การแจ้งเตือน")
        verbose_name_plural = _("การแจ้งเตือน")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="inbox_notification_user_recent"),
            # few notices name someone: a partial index, so the many others cost nothing more to write
            models.Index(fields=["about"], condition=models.Q(about__isnull=False), name="inbox_notification_about"),
        ]

    def __str__(self) -> str:
        return self.title_th

    def title(self) -> str:
        from django.utils import translation

        return self.title_en if (translation.get_language() or "th").startswith("en") else self.title_th

    def body(self) -> str:
        from django.utils import translation

        return self.body_en if (translation.get_language() or "th").startswith("en") else self.body_th
