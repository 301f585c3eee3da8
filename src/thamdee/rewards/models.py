"""Benefits: partners that an agency approved, their offers (spent with credits, or perks unlocked by goodness),
and the single-use vouchers members reserve and partners confirm.

Credits a voucher holds sit in the partner's clearing account from the moment of reservation (the ledger's
``spend_post``); a voucher that expires or is cancelled gets them back by a reversing journal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.common.models import PublicIdModel


class Sector(models.TextChoices):
    RETAIL = "retail", _("ร้านค้า")
    COOPERATIVE = "cooperative", _("สหกรณ์")
    COMMUNITY_FINANCE = "community_finance", _("กลุ่มออมทรัพย์หรือการเงินชุมชน")
    COMMUNITY_ENTERPRISE = "community_enterprise", _("วิสาหกิจชุมชน")
    BUSINESS = "business", _("บริษัทหรือผู้ประกอบการ")
    FINANCE = "finance", _("สถาบันการเงิน")
    OTHER = "other", _("อื่น ๆ")
    # Public services: never partners (credits must not gate rights or public services).
    HEALTH = "health", _("บริการสุขภาพหรือสถานพยาบาล")
    EDUCATION = "education", _("สถานศึกษา")
    WELFARE = "welfare", _("สวัสดิการสังคม")
    GOVERNMENT = "government", _("หน่วยงานรัฐหรือองค์กรปกครองส่วนท้องถิ่น")


PUBLIC_SERVICE_SECTORS = (Sector.HEALTH, Sector.EDUCATION, Sector.WELFARE, Sector.GOVERNMENT)

# Which organisations may offer benefits. Public-service providers never may: credits must not gate health care,
# schooling, welfare or anything the state provides (docs/benefits.md). Councils and religious places are not
# partners either.
PARTNER_KINDS = frozenset({"partner", "savings_group", "community", "other"})
PUBLIC_SERVICE_KINDS = frozenset({"agency", "school", "health_charter", "welfare_fund"})


class PartnerStatus(models.TextChoices):
    PENDING = "pending", _("รออนุมัติ")
    APPROVED = "approved", _("อนุมัติแล้ว")
    SUSPENDED = "suspended", _("ระงับชั่วคราว")
    REFUSED = "refused", _("ไม่อนุมัติ")


class PartnerProfile(PublicIdModel):
    """An organisation's standing as a benefit partner: what it is, and whether an agency approved it."""

    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="partner_profile", verbose_name=_("องค์กร")
    )
    sector = models.CharField(_("ประเภทกิจการ"), max_length=24, choices=Sector.choices)
    status = models.CharField(
        _("สถานะ"), max_length=10, choices=PartnerStatus.choices, default=PartnerStatus.PENDING, db_index=True
    )
    terms = models.TextField(_("ข้อตกลงการชำระบัญชีกับโครงการ"), blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้สมัคร"),
    )
    applied_at = models.DateTimeField(_("สมัครเมื่อ"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้พิจารณา"),
    )
    decided_at = models.DateTimeField(_("พิจารณาเมื่อ"), null=True, blank=True)
    decision_note = models.TextField(_("หมายเหตุการพิจารณา"), blank=True)

    class Meta:
        verbose_name = _("ภาคีสิทธิประโยชน์")
        verbose_name_plural = _("ภาคีสิทธิประโยชน์")
        constraints = [
            # The public-service exclusion, kept by the database as well as by the approval service.
            models.CheckConstraint(
                condition=~Q(status=PartnerStatus.APPROVED) | ~Q(sector__in=PUBLIC_SERVICE_SECTORS),
                name="%(app_label)s_%(class)s_no_public_service_partner",
            ),
            models.CheckConstraint(
                condition=Q(status=PartnerStatus.PENDING) | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="%(app_label)s_%(class)s_decision_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_status_display()})"

    @property
    def is_approved(self) -> bool:
        return self.status == PartnerStatus.APPROVED


class OfferKind(models.TextChoices):
    SPEND = "spend", _("แลกด้วยเครดิต")
    PERK = "perk", _("สิทธิพิเศษ (ไม่ใช้เครดิต)")


class Unlock(models.TextChoices):
    NONE = "", _("ไม่มีเงื่อนไข")
    LEVEL = "level", _("ถึงระดับที่กำหนด")
    EARNED = "earned", _("เครดิตสะสมจากความดีถึงเกณฑ์")
    DEED_TYPE = "deed_type", _("ทำความดีประเภทที่กำหนดครบตามเกณฑ์")


# Bounds that forms, the API and the offer services all check. Years: far enough for any real offer, near enough that
# the day after, or the same moment in another time zone, still exists (Python's dates end in 9999). Credits: far
# below the 32-bit column's limit.
OFFER_FIRST_YEAR, OFFER_LAST_YEAR = 2000, 2200
OFFER_MAX_UNLOCK_CREDITS = 1_000_000_000


class Offer(PublicIdModel):
    """A benefit a partner chose to offer: spent with credits, or a perk that a level, lifetime verified credits or
    a record of one kind of deed unlocks. Applies in its areas (DOPA prefixes; none means everywhere)."""

    partner = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="offers", verbose_name=_("ภาคี")
    )
    programme = models.ForeignKey(
        "ledger.Programme",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("โครงการ (สำหรับระดับ)"),
    )
    kind = models.CharField(_("ชนิด"), max_length=8, choices=OfferKind.choices)
    title_th = models.CharField(_("ชื่อสิทธิประโยชน์ (ไทย)"), max_length=200)
    title_en = models.CharField(_("ชื่อสิทธิประโยชน์ (อังกฤษ)"), max_length=200, blank=True)
    description = models.TextField(_("รายละเอียด"), blank=True)
    photo = models.ImageField(_("ภาพ"), upload_to="offers/%Y/%m/", blank=True)
    cost = models.PositiveIntegerField(_("ใช้เครดิต"), default=0)
    stock = models.PositiveIntegerField(
        _("จำนวนทั้งหมด"), null=True, blank=True, help_text=_("เว้นว่างได้เฉพาะสิทธิพิเศษ หมายถึงไม่จำกัดจำนวน")
    )
    remaining = models.PositiveIntegerField(_("คงเหลือ"), null=True, blank=True)
    per_member_limit = models.PositiveSmallIntegerField(_("แลกได้ต่อคน"), default=1)
    valid_from = models.DateTimeField(_("เริ่มแลกได้"))
    valid_until = models.DateTimeField(_("แลกได้ถึง"))
    voucher_hours = models.PositiveSmallIntegerField(_("คูปองใช้ได้ภายใน (ชั่วโมง)"), default=72)
    areas = models.ManyToManyField("areas.Area", blank=True, related_name="+", verbose_name=_("พื้นที่ที่ใช้ได้"))
    unlock = models.CharField(_("เงื่อนไขปลดล็อก"), max_length=10, choices=Unlock.choices, blank=True, default="")
    unlock_level = models.CharField(_("ระดับ (รหัส)"), max_length=40, blank=True)
    unlock_credits = models.PositiveIntegerField(_("เครดิตสะสมขั้นต่ำ"), default=0)
    unlock_deed_type = models.CharField(_("รหัสประเภทความดี"), max_length=50, blank=True)
    unlock_deed_count = models.PositiveSmallIntegerField(_("จำนวนครั้งขั้นต่ำ"), default=0)
    unlock_months = models.PositiveSmallIntegerField(_("ภายใน (เดือน)"), default=0)
    is_active = models.BooleanField(_("เปิดให้แลก"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("สร้างโดย"),
    )
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)
    updated_at = models.DateTimeField(_("แก้ไขเมื่อ"), auto_now=True)

    class Meta:
        verbose_name = _("สิทธิประโยชน์")
        verbose_name_plural = _("สิทธิประโยชน์")
        ordering = ["-valid_from", "title_th"]
        indexes = [models.Index(fields=["is_active", "valid_until"], name="rewards_offer_live")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=OfferKind.SPEND, cost__gt=0, stock__isnull=False)
                    | Q(kind=OfferKind.PERK, cost=0) & ~Q(unlock="")
                ),
                name="%(app_label)s_%(class)s_kind_fits_cost",
            ),
            models.CheckConstraint(
                condition=Q(stock__isnull=True, remaining__isnull=True)
                | Q(stock__isnull=False, remaining__isnull=False, remaining__gte=0, remaining__lte=models.F("stock")),
                name="%(app_label)s_%(class)s_remaining_within_stock",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gt=models.F("valid_from")), name="%(app_label)s_%(class)s_window_forward"
            ),
            models.CheckConstraint(
                condition=Q(per_member_limit__gte=1, voucher_hours__gte=1),
                name="%(app_label)s_%(class)s_limits_positive",
            ),
            models.CheckConstraint(
                condition=(
                    Q(unlock="")
                    | Q(unlock=Unlock.LEVEL, programme__isnull=False) & ~Q(unlock_level="")
                    | Q(unlock=Unlock.EARNED, unlock_credits__gt=0)
                    | Q(unlock=Unlock.DEED_TYPE, unlock_deed_count__gt=0, unlock_months__gt=0) & ~Q(unlock_deed_type="")
                ),
                name="%(app_label)s_%(class)s_unlock_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        from django.utils import translation

        if (translation.get_language() or "th").startswith("en") and self.title_en:
            return self.title_en
        return self.title_th

    @property
    def is_perk(self) -> bool:
        return self.kind == OfferKind.PERK

    @property
    def sold_out(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


class VoucherStatus(models.TextChoices):
    HELD = "held", _("รอใช้")
    CONFIRMED = "confirmed", _("ใช้แล้ว")
    CANCELLED = "cancelled", _("ยกเลิกแล้ว")
    EXPIRED = "expired", _("หมดอายุ")


CLOSED = (VoucherStatus.CANCELLED, VoucherStatus.EXPIRED)


def display_code(code: str) -> str:
    """A voucher's code as people read it out: ABCD-EFGH."""
    return f"{code[:4]}-{code[4:]}"


class Voucher(PublicIdModel):
    """One reservation of an offer by a member: a short code and a signed QR, used once, before it expires.

    ``held`` -> ``confirmed`` (partner staff confirm), or -> ``cancelled`` / ``expired``, after which the credits
    (and the stock) go back exactly once (``refunded_at``).
    """

    code = models.CharField(_("รหัสคูปอง"), max_length=8, unique=True)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("สิทธิประโยชน์"))
    partner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("ภาคี"))
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("สมาชิก")
    )
    cost = models.PositiveIntegerField(_("เครดิตที่ใช้"), default=0)
    status = models.CharField(_("สถานะ"), max_length=10, choices=VoucherStatus.choices, default=VoucherStatus.HELD)
    request_key = models.CharField(_("กุญแจกันรายการซ้ำ"), max_length=160, unique=True)
    created_at = models.DateTimeField(_("จองเมื่อ"), default=timezone.now)
    expires_at = models.DateTimeField(_("หมดอายุ"))
    confirmed_at = models.DateTimeField(_("ใช้เมื่อ"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้ยืนยัน"),
    )
    closed_at = models.DateTimeField(_("ยกเลิกหรือหมดอายุเมื่อ"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("คืนเครดิตเมื่อ"), null=True, blank=True)
    hold_journal_id = models.BigIntegerField(_("รายการบัญชีที่กันเครดิต"), null=True, blank=True)
    refund_journal_id = models.BigIntegerField(_("รายการบัญชีที่คืนเครดิต"), null=True, blank=True)
    # The settlement in force that covered this voucher's credits (cleared when that settlement is reversed).
    settlement = models.ForeignKey(
        "rewards.Settlement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="covered",
        verbose_name=_("การชำระบัญชี"),
    )

    class Meta:
        verbose_name = _("คูปอง")
        verbose_name_plural = _("คูปอง")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["offer", "member", "status"], name="rewards_voucher_member_limit"),
            models.Index(fields=["member", "created_at"], name="rewards_voucher_member"),
            models.Index(fields=["partner", "confirmed_at"], name="rewards_voucher_settlement"),
            models.Index(fields=["partner", "created_at"], name="rewards_voucher_partner"),
            models.Index(fields=["status", "expires_at"], name="rewards_voucher_sweep"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="%(app_label)s_%(class)s_expires_after_created"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=VoucherStatus.CONFIRMED, confirmed_at__isnull=False, confirmed_by__isnull=False)
                    | ~Q(status=VoucherStatus.CONFIRMED) & Q(confirmed_at__isnull=True)
                ),
                name="%(app_label)s_%(class)s_confirmation_recorded",
            ),
            models.CheckConstraint(
                condition=Q(status__in=CLOSED, closed_at__isnull=False)
                | ~Q(status__in=CLOSED) & Q(closed_at__isnull=True),
                name="%(app_label)s_%(class)s_closing_recorded",
            ),
            models.CheckConstraint(
                condition=Q(refunded_at__isnull=True) | Q(status__in=CLOSED),
                name="%(app_label)s_%(class)s_refund_only_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(refund_journal_id__isnull=True) | Q(refunded_at__isnull=False),
                name="%(app_label)s_%(class)s_refund_journal_recorded",
            ),
            models.UniqueConstraint(
                fields=["hold_journal_id"],
                condition=Q(hold_journal_id__isnull=False),
                name="%(app_label)s_%(class)s_one_hold_per_journal",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} · {self.offer}"

    @property
    def display_code(self) -> str:
        return display_code(self.code)

    @property
    def is_held(self) -> bool:
        return self.status == VoucherStatus.HELD

    @property
    def is_past_expiry(self) -> bool:
        return self.expires_at <= timezone.now()


class Settlement(PublicIdModel):
    """The programme settled a partner's month: the credits of the vouchers confirmed that month (the monthly
    statement's figure) leave the partner's clearing account for its settled account, by one journal.

    At most one settlement in force per partner and month; one that was recorded by mistake is reversed (a
    reversing journal moves the credits back to clearing) and the month can be settled again.
    """

    partner = models.ForeignKey("orgs.Organisation", on_delete=models.PROTECT, related_name="+", verbose_name=_("ภาคี"))
    year = models.PositiveSmallIntegerField(_("ปี (ค.ศ.)"))
    month = models.PositiveSmallIntegerField(_("เดือน"))
    credits = models.PositiveBigIntegerField(_("เครดิตที่ชำระ"))
    vouchers = models.PositiveIntegerField(_("จำนวนคูปอง"))
    reference = models.CharField(_("เลขที่อ้างอิงการชำระ"), max_length=100)
    note = models.TextField(_("หมายเหตุ"), max_length=1000, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้บันทึกการชำระ")
    )
    settled_at = models.DateTimeField(_("บันทึกเมื่อ"), default=timezone.now)
    journal_id = models.BigIntegerField(_("รายการบัญชี"), null=True, blank=True, unique=True)
    reversed_at = models.DateTimeField(_("กลับรายการเมื่อ"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้กลับรายการ"),
    )
    reversal_reason = models.CharField(_("เหตุผลที่กลับรายการ"), max_length=500, blank=True)
    reversal_journal_id = models.BigIntegerField(_("รายการบัญชีที่กลับรายการ"), null=True, blank=True, unique=True)

    class Meta:
        verbose_name = _("การชำระบัญชีกับภาคี")
        verbose_name_plural = _("การชำระบัญชีกับภาคี")
        ordering = ["-year", "-month", "-settled_at"]
        indexes = [models.Index(fields=["partner", "year", "month"], name="rewards_settlement_month")]
        constraints = [
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="%(app_label)s_%(class)s_month"),
            models.CheckConstraint(condition=Q(credits__gt=0), name="%(app_label)s_%(class)s_credits_positive"),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True, reversed_by__isnull=True, reversal_journal_id__isnull=True)
                | Q(reversed_at__isnull=False, reversed_by__isnull=False) & ~Q(reversal_reason=""),
                name="%(app_label)s_%(class)s_reversal_recorded",
            ),
            models.UniqueConstraint(
                fields=["partner", "year", "month"],
                condition=Q(reversed_at__isnull=True),
                name="%(app_label)s_%(class)s_one_per_partner_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} · {self.year}-{self.month:02d} · {self.credits}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None
