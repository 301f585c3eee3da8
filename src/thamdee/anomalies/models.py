"""Patterns in recorded deeds that a person should look at: gaming is expected (DOMAIN.md), so the system looks
for its traces and puts them before a human reviewer. A pattern found is never a finding against anyone: it
changes no deed, no credit and no status, and the people in it are not told of it. The reviewer decides, and acts
(if at all) through the ordinary, appealable paths: rejecting or reversing a deed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.common.models import PublicIdModel


class AnomalyKind(models.TextChoices):
    RECIPROCAL = "reciprocal", _("รับรองความดีให้กันและกัน")
    DUPLICATE = "duplicate", _("ความดีซ้ำกันในวันเดียวกัน")
    LONG_DAY = "long_day", _("ชั่วโมงรวมในวันเดียวมากผิดปกติ")
    BURST = "burst", _("จำนวนความดีในวันเดียวมากผิดปกติ")


class AnomalyStatus(models.TextChoices):
    OPEN = "open", _("รอตรวจทาน")
    DISMISSED = "dismissed", _("ตรวจแล้ว ไม่มีปัญหา")
    ACTIONED = "actioned", _("ตรวจแล้ว ดำเนินการตามขั้นตอน")


# The kinds found across organisations too (a pattern with no organisation, for site admins).
CROSS_ORGANISATION_KINDS = [AnomalyKind.RECIPROCAL, AnomalyKind.LONG_DAY]

# What a reviewer may close a pattern as.
REVIEW_OUTCOMES = (AnomalyStatus.DISMISSED, AnomalyStatus.ACTIONED)


class Anomaly(PublicIdModel):
    """One pattern found in an organisation's deeds, for its admins (or a site admin) to review.

    ``key`` names what the pattern is about (two people of an organisation who verified each other's deeds; a
    member's day in an organisation, or over several): detection run again updates the open pattern of that key
    with what it finds now, and opens a new one only for deeds that no reviewed pattern of the key has covered.

    ``involved`` are everyone the pattern's deeds concern: the people it is about, whoever recorded the deeds and
    whoever decided on them. None of them may review it.
    """

    kind = models.CharField(_("รูปแบบ"), max_length=12, choices=AnomalyKind.choices)
    key = models.CharField(_("กุญแจ"), max_length=200, editable=False)
    # None: a pattern across organisations (a reciprocal pair, a long day over several organisations), which only
    # site admins review (no organisation's admins may read the other organisation's deeds).
    organisation = models.ForeignKey(
        "orgs.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("องค์กร")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("บุคคล")
    )
    other = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("บุคคลที่เกี่ยวข้อง"),
    )
    on_date = models.DateField(_("วันที่"), null=True, blank=True)
    figures = models.JSONField(_("ตัวเลข"), default=dict)
    deed_ids = models.JSONField(_("ความดีที่เกี่ยวข้อง"), default=list)
    detected_at = models.DateTimeField(_("พบเมื่อ"), default=timezone.now)
    updated_at = models.DateTimeField(_("ปรับปรุงเมื่อ"), default=timezone.now)
    status = models.CharField(_("สถานะ"), max_length=10, choices=AnomalyStatus.choices, default=AnomalyStatus.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้ตรวจทาน"),
    )
    reviewed_at = models.DateTimeField(_("ตรวจทานเมื่อ"), null=True, blank=True)
    review_note = models.TextField(_("บันทึกการตรวจทาน"), max_length=2000, blank=True)
    involved = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("ผู้เกี่ยวข้องกับความดีเหล่านี้")
    )

    class Meta:
        verbose_name = _("รูปแบบที่ผิดปกติ")
        verbose_name_plural = _("รูปแบบที่ผิดปกติ")
        ordering = ["-detected_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status"], name="anomalies_anomaly_queue"),
            models.Index(fields=["key"], name="anomalies_anomaly_key"),
        ]
        constraints = [
            # One open pattern per key: two detection runs at once open it once.
            models.UniqueConstraint(
                fields=["key"], condition=Q(status=AnomalyStatus.OPEN), name="%(app_label)s_%(class)s_one_open_per_key"
            ),
            models.CheckConstraint(
                condition=Q(status=AnomalyStatus.OPEN, reviewed_by__isnull=True, reviewed_at__isnull=True)
                | ~Q(status=AnomalyStatus.OPEN)
                & Q(reviewed_by__isnull=False, reviewed_at__isnull=False)
                & ~Q(review_note=""),
                name="%(app_label)s_%(class)s_review_recorded",
            ),
            # Only the patterns that detection looks for across organisations may have none.
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(kind__in=CROSS_ORGANISATION_KINDS),
                name="%(app_label)s_%(class)s_kinds_across_organisations",
            ),
            models.CheckConstraint(
                condition=Q(other__isnull=True) | ~Q(other=models.F("person")),
                name="%(app_label)s_%(class)s_two_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.organisation or '-'} · {self.key}"

    def involved_ids(self) -> set[int]:
        """Everyone the pattern's deeds concern (one query, kept on the instance)."""
        cached = getattr(self, "_involved_ids", None)
        if cached is None:
            cached = {self.person_id, *([self.other_id] if self.other_id else [])}
            if self.pk:
                cached |= set(self.involved.values_list("pk", flat=True))
            self._involved_ids = cached
        return cached
