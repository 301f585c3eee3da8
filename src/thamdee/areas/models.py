from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AreaLevel(models.IntegerChoices):
    PROVINCE = 1, _("จังหวัด")
    DISTRICT = 2, _("อำเภอ/เขต")
    SUBDISTRICT = 3, _("ตำบล/แขวง")
    VILLAGE = 4, _("หมู่บ้าน")


CODE_LENGTH = {AreaLevel.PROVINCE: 2, AreaLevel.DISTRICT: 4, AreaLevel.SUBDISTRICT: 6, AreaLevel.VILLAGE: 8}


class Area(models.Model):
    """One administrative area, keyed by its DOPA code.

    Codes nest: a district's code starts with its province's, a subdistrict's with its district's, and a
    village's (8 digits) is its subdistrict's code plus the two-digit หมู่ที่ number. So "is area A inside area
    B" is a prefix test, and the three ancestor codes are kept on every row for fast filters.
    """

    id = models.AutoField(primary_key=True)
    code = models.CharField(_("รหัสพื้นที่"), max_length=8, unique=True)
    level = models.PositiveSmallIntegerField(_("ระดับ"), choices=AreaLevel.choices)
    name_th = models.CharField(_("ชื่อภาษาไทย"), max_length=150, blank=True)
    name_en = models.CharField(_("ชื่อภาษาอังกฤษ"), max_length=150, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("พื้นที่แม่"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    province_code = models.CharField(_("รหัสจังหวัด"), max_length=2, db_index=True)
    district_code = models.CharField(_("รหัสอำเภอ"), max_length=4, blank=True, db_index=True)
    subdistrict_code = models.CharField(_("รหัสตำบล"), max_length=6, blank=True)
    postal_codes = models.CharField(_("รหัสไปรษณีย์"), max_length=60, blank=True)
    village_no = models.PositiveSmallIntegerField(_("หมู่ที่"), null=True, blank=True)
    community_code = models.CharField(
        _("รหัสชุมชน (เทศบาล)"),
        max_length=20,
        null=True,
        blank=True,
        unique=True,
        help_text=_("รหัสชุมชนของเทศบาล ถ้ามี"),
    )

    class Meta:
        verbose_name = _("พื้นที่")
        verbose_name_plural = _("พื้นที่")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(level=AreaLevel.PROVINCE, code__regex=r"^[0-9]{2}$", parent__isnull=True)
                    | Q(level=AreaLevel.DISTRICT, code__regex=r"^[0-9]{4}$", parent__isnull=False)
                    | Q(level=AreaLevel.SUBDISTRICT, code__regex=r"^[0-9]{6}$", parent__isnull=False)
                    | Q(
                        level=AreaLevel.VILLAGE,
                        code__regex=r"^[0-9]{8}$",
                        parent__isnull=False,
                        village_no__gte=1,
                        village_no__lte=99,
                    )
                ),
                name="%(app_label)s_%(class)s_code_fits_level",
            ),
        ]
        indexes = [models.Index(fields=["level", "name_th"], name="areas_area_level_name_th")]

    def __str__(self) -> str:
        return self.display_name()

    @property
    def is_village(self) -> bool:
        return self.level == AreaLevel.VILLAGE

    def display_name(self, lang: str | None = None) -> str:
        from django.utils import translation

        english = (lang or translation.get_language() or "th").startswith("en")
        if self.level == AreaLevel.VILLAGE:
            name = self.name_th or ""
            label = f"Moo {self.village_no}" if english else f"หมู่ที่ {self.village_no}"
            return f"{label} {name}".strip()
        if english and self.name_en:
            return self.name_en
        return self.name_th

    def contains(self, other: Area) -> bool:
        return other.code.startswith(self.code)

    def ancestor_codes(self) -> list[str]:
        """This area's code and its ancestors', widest first."""
        return [self.code[:n] for n in (2, 4, 6, 8) if n <= len(self.code)]
