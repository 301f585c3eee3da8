"""Data-subject rights under the PDPA: a person's requests to erase their data, and the audit of every request
(exports included).

The audit holds ids and kinds only: who asked, who acted, when, what. Never a name, a number or the data itself,
so it can be kept after an erasure as the evidence that the request was met.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.common.models import PublicIdModel

# PDPA: an erasure is carried out within 90 days of the request.
ERASURE_DAYS = 90


class ErasureStatus(models.TextChoices):
    REQUESTED = "requested", _("รอดำเนินการ")
    CANCELLED = "cancelled", _("ยกเลิกแล้ว")
    CARRIED_OUT = "carried_out", _("ลบข้อมูลแล้ว")


class ErasureRequest(PublicIdModel):
    """A person asks for their data to be erased. A site admin carries it out (``privacy.services``) by the due
    date; until then the person may cancel it. One open request per person."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="erasure_requests", verbose_name=_("ผู้ขอ")
    )
    status = models.CharField(_("สถานะ"), max_length=12, choices=ErasureStatus.choices, default=ErasureStatus.REQUESTED)
    requested_at = models.DateTimeField(_("ขอเมื่อ"), default=timezone.now)
    due_on = models.DateField(_("ต้องดำเนินการภายใน"))
    cancelled_at = models.DateTimeField(_("ยกเลิกเมื่อ"), null=True, blank=True)
    carried_out_at = models.DateTimeField(_("ลบข้อมูลเมื่อ"), null=True, blank=True)
    carried_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ดำเนินการโดย"),
    )

    class Meta:
        verbose_name = _("คำขอลบข้อมูล")
        verbose_name_plural = _("คำขอลบข้อมูล")
        ordering = ["due_on", "requested_at"]
        indexes = [models.Index(fields=["status", "due_on"], name="privacy_erasure_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="requested"),
                name="%(app_label)s_%(class)s_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="requested", cancelled_at__isnull=True, carried_out_at__isnull=True)
                    | Q(status="cancelled", cancelled_at__isnull=False, carried_out_at__isnull=True)
                    | Q(
                        status="carried_out",
                        cancelled_at__isnull=True,
                        carried_out_at__isnull=False,
                        carried_out_by__isnull=False,
                    )
                ),
                name="%(app_label)s_%(class)s_state_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == ErasureStatus.REQUESTED

    def days_left(self, today: object = None) -> int:
        return (self.due_on - (today or timezone.localdate())).days  # type: ignore[operator]


class RequestKind(models.TextChoices):
    EXPORT = "export", _("ดาวน์โหลดข้อมูลของตน")
    ERASURE_REQUESTED = "erasure_requested", _("ขอลบข้อมูล")
    ERASURE_CANCELLED = "erasure_cancelled", _("ยกเลิกคำขอลบข้อมูล")
    ERASURE_CARRIED_OUT = "erasure_carried_out", _("ลบข้อมูลตามคำขอแล้ว")


class Channel(models.TextChoices):
    WEB = "web", _("เว็บไซต์")
    API = "api", _("API")


class DataRequestEvent(models.Model):
    """One data-subject request or step of one: who it concerns, who acted, when, what. Only ever added; no
    personal data (ids and kinds only)."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("เจ้าของข้อมูล")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้ทำรายการ")
    )
    kind = models.CharField(_("รายการ"), max_length=20, choices=RequestKind.choices)
    channel = models.CharField(_("ช่องทาง"), max_length=3, choices=Channel.choices, default=Channel.WEB)
    erasure = models.ForeignKey(ErasureRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("เวลา"), default=timezone.now)

    class Meta:
        verbose_name = _("บันทึกคำขอของเจ้าของข้อมูล")
        verbose_name_plural = _("บันทึกคำขอของเจ้าของข้อมูล")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["subject", "at"], name="privacy_event_subject")]

    def __str__(self) -> str:
        return f"{self.subject_id} {self.kind} {self.at:%Y-%m-%d}"
