"""The credit book: an append-only, double-entry ledger.

Credits are whole numbers. A journal is one business event; its postings sum to zero. A posting's amount is
what it adds to its account (negative takes away). Posted rows are never changed or deleted: the database
refuses it (triggers installed by migration 0002), and corrections are reversing journals. The messages people
write with gifts and donations are not part of a journal: they are personal data that erasure must be able to
clear, so they are kept beside it, in ``JournalNote``, which the triggers do not cover.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from thamdee.common.i18n import localised
from thamdee.common.models import PublicIdModel


class Programme(PublicIdModel):
    """A credit programme run by an agency; credits are issued per programme and fiscal year."""

    code = models.SlugField(_("รหัสโครงการ"), max_length=40, unique=True)
    name_th = models.CharField(_("ชื่อโครงการ (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อโครงการ (อังกฤษ)"), max_length=200, blank=True)
    agency = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="programmes", verbose_name=_("หน่วยงานเจ้าของโครงการ")
    )
    is_active = models.BooleanField(_("ใช้งานอยู่"), default=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("โครงการ")
        verbose_name_plural = _("โครงการ")

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self) -> str:
        return localised(self.name_th, self.name_en)


class ProgrammeBudget(models.Model):
    """The credits a programme may issue in a fiscal year: allotment top-ups from its issuance account stop there.

    Set by the programme's agency (its national staff or admins) or a site admin; never below what was already
    issued that year. A programme year without a budget is not capped (shown as such on the allotments page).
    """

    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("โครงการ")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("ปีงบประมาณ (ค.ศ. ที่สิ้นสุด)"))
    credits = models.PositiveBigIntegerField(_("งบเครดิต"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("กำหนดโดย"),
    )
    set_at = models.DateTimeField(_("กำหนดเมื่อ"), auto_now=True)

    class Meta:
        verbose_name = _("งบเครดิตของโครงการ")
        verbose_name_plural = _("งบเครดิตของโครงการ")
        constraints = [
            models.UniqueConstraint(fields=["programme", "fiscal_year"], name="%(app_label)s_%(class)s_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.fiscal_year}: {self.credits}"


class AccountKind(models.IntegerChoices):
    MEMBER = 1, _("กระเป๋าเครดิตสมาชิก")
    ORG_FUND = 2, _("กองทุนขององค์กร")
    PARTNER_CLEARING = 3, _("บัญชีพักของภาคี")
    ISSUANCE = 4, _("บัญชีออกเครดิตของโครงการ")
    ALLOTMENT = 5, _("โควตาการให้เครดิตขององค์กร")
    # Credits a partner took for benefits and the programme has since settled with it: out of circulation, kept
    # apart from issuance so that settling never frees a programme's budget.
    SETTLED = 6, _("เครดิตที่ชำระกับภาคีแล้ว")


# Accounts that belong to an organisation (one of each kind per organisation).
ORG_KINDS = [AccountKind.ORG_FUND, AccountKind.PARTNER_CLEARING, AccountKind.ALLOTMENT, AccountKind.SETTLED]


class Account(models.Model):
    """One account. Every kind but issuance keeps a cached balance that may never go below zero.

    Issuance accounts (one per programme and fiscal year) are append-only: no cached balance row to update,
    so they are never a hot row; their balance is the sum of their postings.
    """

    id = models.BigAutoField(primary_key=True)
    kind = models.PositiveSmallIntegerField(_("ชนิดบัญชี"), choices=AccountKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("สมาชิก"),
    )
    organisation = models.ForeignKey(
        "orgs.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
        verbose_name=_("องค์กร"),
    )
    programme = models.ForeignKey(
        Programme, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts", verbose_name=_("โครงการ")
    )
    fiscal_year = models.PositiveSmallIntegerField(_("ปีงบประมาณ (ค.ศ. ที่สิ้นสุด)"), null=True, blank=True)
    balance = models.BigIntegerField(_("ยอดคงเหลือ"), null=True, blank=True)
    # Lifetime credits earned from verified deeds (awards less their reversals): a member's level comes from
    # this, never from the spendable balance, so spending never lowers it.
    earned_total = models.BigIntegerField(_("เครดิตสะสมจากความดี"), default=0)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("บัญชีเครดิต")
        verbose_name_plural = _("บัญชีเครดิต")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        kind=AccountKind.ISSUANCE,
                        balance__isnull=True,
                        programme__isnull=False,
                        fiscal_year__isnull=False,
                    )
                    | (~Q(kind=AccountKind.ISSUANCE) & Q(balance__isnull=False, balance__gte=0))
                ),
                name="%(app_label)s_%(class)s_balance_never_negative",
            ),
            models.CheckConstraint(
                condition=Q(earned_total__gte=0), name="%(app_label)s_%(class)s_earned_never_negative"
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=AccountKind.MEMBER, user__isnull=False, organisation__isnull=True)
                    | Q(
                        kind__in=ORG_KINDS,
                        organisation__isnull=False,
                        user__isnull=True,
                    )
                    | Q(kind=AccountKind.ISSUANCE, user__isnull=True, organisation__isnull=True)
                ),
                name="%(app_label)s_%(class)s_owner_fits_kind",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(kind=AccountKind.MEMBER),
                name="%(app_label)s_%(class)s_one_wallet_per_member",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                condition=Q(kind__in=ORG_KINDS),
                name="%(app_label)s_%(class)s_one_per_org_and_kind",
            ),
            models.UniqueConstraint(
                fields=["programme", "fiscal_year"],
                condition=Q(kind=AccountKind.ISSUANCE),
                name="%(app_label)s_%(class)s_one_issuance_per_programme_year",
            ),
        ]

    def __str__(self) -> str:
        owner = self.user or self.organisation or self.programme
        return f"{self.get_kind_display()} · {owner}" + (f" · FY{self.fiscal_year + 543}" if self.fiscal_year else "")

    @property
    def is_append_only(self) -> bool:
        return self.kind == AccountKind.ISSUANCE


class JournalKind(models.IntegerChoices):
    AWARD = 1, _("ได้รับเครดิตจากความดี")
    REDEMPTION = 2, _("ใช้เครดิตแลกสิทธิประโยชน์")
    REFUND = 3, _("คืนเครดิต")
    REVERSAL = 4, _("รายการกลับ")
    GIFT = 5, _("มอบเครดิต")
    DONATION = 6, _("บริจาคเครดิตให้กองทุน")
    ALLOTMENT = 7, _("เติมโควตาให้องค์กร")
    TRANSFER = 8, _("โอนเครดิต")
    SETTLEMENT = 9, _("ชำระบัญชีกับภาคี")


class CauseKind(models.IntegerChoices):
    """What a journal points back to (kept as kind + id so the ledger depends on no higher app)."""

    NONE = 0, _("ไม่มี")
    DEED = 1, _("ความดี")
    VOUCHER = 2, _("คูปองสิทธิประโยชน์")
    GIFT = 3, _("การมอบเครดิต")
    DONATION = 4, _("การบริจาค")
    TOP_UP = 5, _("การเติมโควตา")
    SETTLEMENT = 6, _("การชำระบัญชีกับภาคี")


# How the memo of an award posted when an appeal was upheld ends (the ledger's text, written in Thai as every
# system memo is); passbooks show the award as an appeal's, in the reader's language.
APPEAL_MEMO_MARK = " (อุทธรณ์)"


class Journal(models.Model):
    """One business event. Written only by ``thamdee.ledger.services`` through one posting function."""

    id = models.BigAutoField(primary_key=True)
    kind = models.PositiveSmallIntegerField(_("ชนิดรายการ"), choices=JournalKind.choices)
    # The caller's idempotency key, hashed to a UUID: a replay returns the first journal.
    idempotency_key = models.UUIDField(_("กุญแจกันรายการซ้ำ"), unique=True)
    created_at = models.DateTimeField(_("เวลา"), db_default=Now())
    # Audit only: no index (nothing reads journals by actor on a hot path), which keeps a transfer small.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ผู้ทำรายการ"),
        db_index=False,
    )
    # A reason or reference written by the system or by staff in their role (a reversal's reason, a top-up's
    # note). Never a member's own message: a gift's or donation's is a JournalNote, which erasure can clear.
    memo = models.TextField(_("บันทึก"), null=True, blank=True)
    cause_kind = models.PositiveSmallIntegerField(_("ที่มา"), choices=CauseKind.choices, null=True, blank=True)
    cause_id = models.BigIntegerField(_("รหัสที่มา"), null=True, blank=True)
    reversal_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,
        related_name="reversals",
        verbose_name=_("กลับรายการของ"),
    )

    class Meta:
        verbose_name = _("รายการบัญชี")
        verbose_name_plural = _("รายการบัญชี")
        indexes = [
            models.Index(
                fields=["cause_kind", "cause_id"], name="ledger_journal_cause", condition=Q(cause_id__isnull=False)
            )
        ]
        constraints = [
            # At most one reversal per original; partial, so ordinary journals carry no index entry for it.
            models.UniqueConstraint(
                fields=["reversal_of"],
                condition=Q(reversal_of__isnull=False),
                name="%(app_label)s_%(class)s_reversed_once",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def message(self) -> str | None:
        """What is shown with this journal: the note its giver wrote (a gift or a donation), else its memo. Read
        the journal with ``select_related("note")``, or this costs a query."""
        try:
            return self.note.text
        except JournalNote.DoesNotExist:
            return self.memo


class JournalNote(models.Model):
    """The message a person typed when giving or donating credits, kept beside its journal rather than in it.

    Journals are append-only (the database refuses any change), but a message is the writer's personal data, which
    they may have erased (PDPA): so it lives here, in a table the append-only triggers do not cover, and erasure
    deletes the notes its person wrote. Only passbooks show it: balances, reconciliation and the idempotency check
    never look at a note. Written by ``gift_send`` and ``donation_make`` after posting, once per journal.
    """

    journal = models.OneToOneField(
        Journal, on_delete=models.CASCADE, primary_key=True, related_name="note", verbose_name=_("รายการบัญชี")
    )
    text = models.CharField(_("ข้อความ"), max_length=300)
    # Who wrote it, so that erasure finds their notes (indexed: that is how it looks them up).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้เขียน")
    )

    class Meta:
        verbose_name = _("ข้อความประกอบรายการ")
        verbose_name_plural = _("ข้อความประกอบรายการ")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="%(app_label)s_%(class)s_text_not_empty"),
        ]

    def __str__(self) -> str:
        return f"#{self.journal_id}: {self.text}"


class Posting(models.Model):
    """One leg of a journal: what it adds to one account. Its key is (journal, account): a journal touches an
    account once, and the key doubles as the index for reading a journal's legs."""

    pk = models.CompositePrimaryKey("journal_id", "account_id")
    journal = models.ForeignKey(Journal, on_delete=models.PROTECT, related_name="postings", db_index=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings")
    amount = models.IntegerField(_("จำนวนเครดิต"))

    class Meta:
        verbose_name = _("รายการย่อย")
        verbose_name_plural = _("รายการย่อย")
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="%(app_label)s_%(class)s_amount_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.journal_id}:{self.account_id} {self.amount:+d}"
