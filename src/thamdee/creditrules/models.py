"""Rulebooks: a programme's, set by its agency, and local ones set by organisations.

A rulebook has versions. A version is drafted, then published with an effective date; once published it
never changes (the database refuses it) and it never applies to deeds done before its effective date.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from thamdee.common.i18n import localised
from thamdee.common.models import PublicIdModel


class Rulebook(PublicIdModel):
    programme = models.ForeignKey(
        "ledger.Programme", on_delete=models.PROTECT, related_name="rulebooks", verbose_name=_("โครงการ")
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rulebooks",
        verbose_name=_("องค์กร (กติกาท้องถิ่น)"),
    )
    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("สมุดกติกา")
        verbose_name_plural = _("สมุดกติกา")
        constraints = [
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(organisation__isnull=True),
                name="%(app_label)s_%(class)s_one_programme_rulebook",
            ),
            models.UniqueConstraint(
                fields=["programme", "organisation"],
                condition=Q(organisation__isnull=False),
                name="%(app_label)s_%(class)s_one_local_per_org",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)

    @property
    def is_local(self) -> bool:
        return self.organisation_id is not None


class RulebookVersion(PublicIdModel):
    rulebook = models.ForeignKey(Rulebook, on_delete=models.PROTECT, related_name="versions", verbose_name=_("สมุดกติกา"))
    number = models.PositiveIntegerField(_("ฉบับที่"))
    rules = models.JSONField(_("กติกา"))
    notes = models.TextField(_("สิ่งที่เปลี่ยน"), blank=True)
    effective_from = models.DateField(_("มีผลตั้งแต่"), null=True, blank=True)
    published_at = models.DateTimeField(_("ประกาศเมื่อ"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ประกาศโดย"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ร่างโดย"),
    )
    created_at = models.DateTimeField(_("ร่างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("กติกาฉบับ")
        verbose_name_plural = _("กติกาฉบับ")
        ordering = ["rulebook", "number"]
        constraints = [
            models.UniqueConstraint(fields=["rulebook", "number"], name="%(app_label)s_%(class)s_number_once"),
            models.UniqueConstraint(
                fields=["rulebook", "effective_from"],
                condition=Q(published_at__isnull=False),
                name="%(app_label)s_%(class)s_one_per_effective_date",
            ),
            models.CheckConstraint(
                condition=Q(published_at__isnull=True) | Q(effective_from__isnull=False),
                name="%(app_label)s_%(class)s_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rulebook} · {self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def label(self, lang: str = "th") -> str:
        if lang.startswith("en"):
            return f"{self.rulebook.name_en or self.rulebook.name_th}, version {self.number}"
        return f"{self.rulebook.name_th} ฉบับที่ {self.number}"
