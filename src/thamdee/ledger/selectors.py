"""Reads of the ledger: balances and passbooks, scoped to who is asking."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import NotFoundError
from thamdee.common.i18n import localised
from thamdee.common.thaitime import fiscal_year_bounds
from thamdee.ledger.causes import CauseInfo, describe, describe_journal
from thamdee.ledger.models import APPEAL_MEMO_MARK, Account, AccountKind, CauseKind, JournalKind, Posting
from thamdee.ledger.permissions import can_view_passbook
from thamdee.people.models import User, full_name
from thamdee.people.types import Actor

_WALLET_SQL = "SELECT * FROM ledger_account WHERE kind = %s AND user_id = %s"


def wallet_of(user: User) -> Account | None:
    """A member's wallet, if opened (one at most: a constraint). Plain SQL: the home page and the passbook ask it
    on every visit."""
    found = list(Account.objects.raw(_WALLET_SQL, [AccountKind.MEMBER, user.pk]))
    return found[0] if found else None


def balance_of(user: User) -> int:
    wallet = wallet_of(user)
    return int(wallet.balance or 0) if wallet else 0


def earned_total_of(user: User) -> int:
    """Lifetime credits from verified deeds (what levels are measured on)."""
    wallet = wallet_of(user)
    return int(wallet.earned_total) if wallet else 0


def member_share_of(cause: tuple[int, int], member_id: int) -> int:
    """What the journals of one cause (a deed's awards and their reversals) left in a member's wallet: what the
    awards gave, less what reversals took back."""
    return member_shares_of(cause[0], [cause[1]], member_id).get(cause[1], 0)


def member_shares_of(cause_kind: int, cause_ids: Sequence[int], member_id: int) -> dict[int, int]:
    """``member_share_of`` for many causes of one kind at once (one query): cause id -> credits left in the
    member's wallet (causes with no posting to the wallet are absent)."""
    if not cause_ids:
        return {}
    rows = (
        Posting.objects.filter(
            journal__cause_kind=cause_kind,
            journal__cause_id__in=list(cause_ids),
            account__kind=AccountKind.MEMBER,
            account__user_id=member_id,
        )
        .values("journal__cause_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {row["journal__cause_id"]: int(row["total"] or 0) for row in rows}


def account_balance(account: Account) -> int:
    """Any account's balance: cached where kept, the sum of postings for append-only issuance accounts."""
    if account.balance is not None:
        return int(account.balance)
    from django.db.models import Sum

    return int(account.postings.aggregate(s=Sum("amount"))["s"] or 0)


@dataclass
class PassbookLine:
    ref: str
    at: dt.datetime
    kind: int
    amount: int
    running: int
    # The journal's memo (a reason, a reference), or for a gift or donation the message its giver wrote (its note:
    # empty once the giver's data is erased).
    memo: str
    counterpart: str = ""
    cause: CauseInfo | None = None
    reversed: bool = False
    is_reversal: bool = False
    explanation: list[str] = field(default_factory=list)
    # An award posted when an appeal was upheld (its memo, written by the system, says so).
    appeal: bool = False

    @property
    def kind_label(self) -> str:
        return str(JournalKind(self.kind).label)


@dataclass
class Passbook:
    member: User
    balance: int
    earned_total: int
    lines: list[PassbookLine]
    fiscal_year: int | None
    total_in: int
    total_out: int
    has_more: bool
    wallet_id: int | None = None


def _owner_name(account_kind: int, user_name: str | None, org_name: str | None, prog_name: str | None) -> str:
    return user_name or org_name or prog_name or ""


# The totals in and out of the period ride on every row (window sums are taken before LIMIT and OFFSET). A gift's
# or donation's message is its note (ledger_journalnote), read like reversed_by: only for the lines of the page.
PASSBOOK_SQL = """
SELECT t.journal_id, t.created_at, t.kind, t.amount, t.running, t.memo, t.cause_kind, t.cause_id,
       t.reversal_of_id, t.idempotency_key,
       (SELECT r.id FROM ledger_journal r WHERE r.reversal_of_id = t.journal_id) AS reversed_by,
       (SELECT n.text FROM ledger_journalnote n WHERE n.journal_id = t.journal_id) AS note,
       SUM(CASE WHEN t.amount > 0 THEN t.amount ELSE 0 END) OVER () AS total_in,
       SUM(CASE WHEN t.amount < 0 THEN t.amount ELSE 0 END) OVER () AS total_out
  FROM (
    SELECT p.journal_id, j.created_at, j.kind, p.amount, j.memo, j.cause_kind, j.cause_id, j.reversal_of_id,
           j.idempotency_key, SUM(p.amount) OVER (ORDER BY p.journal_id) AS running
      FROM ledger_posting p JOIN ledger_journal j ON j.id = p.journal_id
     WHERE p.account_id = %s
  ) t
 WHERE t.created_at >= %s AND t.created_at < %s
 ORDER BY t.journal_id DESC
 LIMIT %s OFFSET %s
"""


_COUNTERPARTS_SQL = """
SELECT p.journal_id, u.prefix, u.first_name, u.last_name, o.name_th, o.name_en, g.name_th, g.name_en
  FROM ledger_posting p
  JOIN ledger_account a ON a.id = p.account_id
  LEFT JOIN people_user u ON u.id = a.user_id
  LEFT JOIN orgs_organisation o ON o.id = a.organisation_id
  LEFT JOIN ledger_programme g ON g.id = a.programme_id
 WHERE p.journal_id IN ({ids}) AND p.account_id <> %s
 ORDER BY p.journal_id, p.account_id
"""


def _counterparts(account_id: int, journal_ids: list[int]) -> dict[int, str]:
    """For each journal, who was on the other side (a person, an organisation or a programme): the first other
    leg's owner. One plain statement with the names only (a passbook page has up to fifty lines)."""
    if not journal_ids:
        return {}
    out: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(_COUNTERPARTS_SQL.format(ids=", ".join(["%s"] * len(journal_ids))), [*journal_ids, account_id])
        for journal_id, prefix, first, last, org_th, org_en, prog_th, prog_en in cursor.fetchall():
            if journal_id in out:
                continue
            person = full_name(prefix or "", first or "", last or "") if first is not None else ""
            out[journal_id] = (
                person
                or (localised(org_th, org_en) if org_th is not None else "")
                or (localised(prog_th, prog_en) if prog_th is not None else "")
            )
    return out


def _organised_by(viewer: Actor) -> set[int]:
    """The organisations the viewer organises, verifies or administers (their roles, read once a request)."""
    from thamdee.orgs.roles import roles_for

    return roles_for(viewer).org_ids_with("organiser", "verifier", "admin")


def _withheld_title(cause: CauseInfo | None, organised: set[int]) -> str | None:
    """What someone other than the member (an organiser) reads instead of a cause's name, or None if they may
    read it: a deed recorded with an organisation they do not organise, or of a sensitive kind, is not named."""
    if cause is None or cause.organisation_id is None:
        return None
    if cause.sensitive:
        return str(_("ความดีที่เป็นข้อมูลอ่อนไหว"))
    if cause.organisation_id not in organised:
        return str(_("ความดีที่บันทึกกับองค์กรอื่น"))
    return None


def cause_as_seen_by(
    viewer: Actor, owners: set[int], journal_kind: int, cause: CauseInfo | None
) -> tuple[CauseInfo | None, bool]:
    """One journal's cause as ``viewer`` may read it, and whether its memo (and the names on its legs) are
    withheld: everything for the member it belongs to (``owners``); for an organiser, no deed of another
    organisation or of a sensitive kind, and no gift or donation message."""
    if viewer.pk in owners:
        return cause, False
    title = _withheld_title(cause, _organised_by(viewer))
    if title is not None:
        return CauseInfo(title=title), True
    if cause is not None and cause.owner_only:
        cause = CauseInfo(title=cause.title)
    return cause, journal_kind in (JournalKind.GIFT, JournalKind.DONATION)


@dataclass
class EntryView:
    """One journal as a viewer may read it: its cause (withheld or not), whether its message and the names of
    others on its legs are withheld, its legs and the people whose passbooks it is in."""

    cause: CauseInfo | None
    withheld: bool
    legs: list[Posting]
    owners: set[int]


def entry_as_seen_by(viewer: Actor, journal: Any) -> EntryView:
    """What the entry page and the entry API show of ``journal`` (already found visible to ``viewer``,
    ``services.journal_get_for``): its legs with their accounts in one query, and ``cause_as_seen_by``."""
    legs = list(
        Posting.objects.filter(journal=journal).select_related(
            "account__user", "account__organisation", "account__programme"
        )
    )
    owners = {leg.account.user_id for leg in legs if leg.account.user_id}
    cause, withheld = cause_as_seen_by(viewer, owners, journal.kind, describe_journal(journal))
    return EntryView(cause=cause, withheld=withheld, legs=legs, owners=owners)


def _as_seen_by_an_organiser(viewer: Actor, lines: list[PassbookLine]) -> list[PassbookLine]:
    """A member's passbook read by an organiser: every movement and balance, but a deed recorded with another
    organisation, or of a sensitive kind, is not named (nor its reasons, memo or payer), the messages of gifts
    and donations are the member's own, and so are a voucher's code and link (``CauseInfo.owner_only``)."""
    organised = _organised_by(viewer)
    out = []
    for line in lines:
        title = _withheld_title(line.cause, organised)
        if title is not None:
            line = replace(line, cause=CauseInfo(title=title), memo="", counterpart="", explanation=[], appeal=False)
        elif line.cause is not None and line.cause.owner_only:
            line = replace(line, cause=CauseInfo(title=line.cause.title), explanation=[])
        elif line.kind in (JournalKind.GIFT, JournalKind.DONATION):
            line = replace(line, memo="")
        out.append(line)
    return out


def shown_memo(kind: int, cause_kind: int | None, memo: str, *, named: bool) -> tuple[str, bool]:
    """What a journal's memo shows a reader, and whether it is an appeal's award. The system's memo of a deed's
    award (its type's Thai name and the day, as the ledger keeps it) says nothing the cause's title does not, in the
    reader's language and era, so a deed's award whose cause is ``named`` shows none; an award posted when an appeal
    was upheld is told by its memo's mark. Every other memo (a reversal's reason, a top-up's) shows as written."""
    if kind == JournalKind.AWARD and cause_kind == CauseKind.DEED and named:
        return "", memo.endswith(APPEAL_MEMO_MARK)
    return memo, False


def passbook_for(
    *, viewer: Actor, member: User, fiscal_year: int | None = None, limit: int = 50, offset: int = 0
) -> Passbook:
    """A member's passbook (สมุดบัญชีความดี): every movement with its running balance and its reason.

    The member sees their own; organisers see their members'; agencies never see individual passbooks
    (to them, and to anyone else, it is not found).
    """
    if not can_view_passbook.test(viewer, member):
        raise NotFoundError()
    wallet = wallet_of(member)
    if wallet is None:
        return Passbook(member, 0, 0, [], fiscal_year, 0, 0, False)
    if fiscal_year:
        start, end = fiscal_year_bounds(fiscal_year)
        lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
        hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    else:
        lo = timezone.make_aware(dt.datetime(1970, 1, 1))
        hi = timezone.make_aware(dt.datetime(2999, 1, 1))
    with connection.cursor() as cursor:
        cursor.execute(PASSBOOK_SQL, [wallet.pk, lo, hi, limit + 1, offset])
        rows = cursor.fetchall()
    has_more = len(rows) > limit
    # An empty page (past the end, or a quiet year) carries no totals: ask for them alone.
    totals = (int(rows[0][12] or 0), -int(rows[0][13] or 0)) if rows else _totals(wallet.pk, lo, hi)
    rows = [r[:12] for r in rows[:limit]]
    journal_ids = [r[0] for r in rows]
    counterparts = _counterparts(wallet.pk, journal_ids)
    causes = describe((r[6], r[7]) for r in rows)
    lines = []
    for jid, at, kind, amount, running, memo, cause_kind, cause_id, reversal_of, key, reversed_by, note in rows:
        if isinstance(at, str):  # SQLite returns text from raw SQL
            at = dt.datetime.fromisoformat(at)
        if timezone.is_naive(at):
            at = timezone.make_aware(at, dt.UTC)
        cause = causes.get((cause_kind, cause_id)) if cause_kind else None
        memo, appeal = shown_memo(kind, cause_kind, (note if note is not None else memo) or "", named=cause is not None)
        lines.append(
            PassbookLine(
                ref=str(uuid.UUID(str(key))),
                at=at,
                kind=kind,
                amount=int(amount),
                running=int(running),
                memo=memo,
                appeal=appeal,
                counterpart=counterparts.get(jid, ""),
                cause=cause,
                reversed=reversed_by is not None,
                is_reversal=reversal_of is not None,
                explanation=cause.explanation if cause else [],
            )
        )
    if viewer.pk != member.pk:
        lines = _as_seen_by_an_organiser(viewer, lines)
    return Passbook(
        member=member,
        balance=int(wallet.balance or 0),
        earned_total=int(wallet.earned_total),
        lines=lines,
        fiscal_year=fiscal_year,
        total_in=totals[0],
        total_out=totals[1],
        has_more=has_more,
        wallet_id=wallet.pk,
    )


def _totals(account_id: int, lo: dt.datetime, hi: dt.datetime) -> tuple[int, int]:
    from django.db.models import Sum

    from thamdee.ledger.models import Posting

    agg = Posting.objects.filter(
        account_id=account_id, journal__created_at__gte=lo, journal__created_at__lt=hi
    ).aggregate(i=Sum("amount", filter=Q(amount__gt=0)), o=Sum("amount", filter=Q(amount__lt=0)))
    return int(agg["i"] or 0), -int(agg["o"] or 0)


def passbook_fiscal_years(member: User, *, wallet_id: int | None = None) -> list[int]:
    """The fiscal years in which the member's wallet moved, newest first (``wallet_id`` when already known)."""
    from django.db.models.functions import TruncMonth

    from thamdee.common.thaitime import fiscal_year_of
    from thamdee.ledger.models import Posting

    if wallet_id is None:
        wallet = wallet_of(member)
        if wallet is None:
            return []
        wallet_id = wallet.pk
    # Months, not every posting: a fiscal year starts on the first of a month (local time).
    months = (
        Posting.objects.filter(account_id=wallet_id)
        .annotate(month=TruncMonth("journal__created_at"))
        .order_by()
        .values_list("month", flat=True)
        .distinct()
    )
    return sorted({fiscal_year_of(m) for m in months}, reverse=True)


def allotments_in_scope(*, viewer: Actor, area_codes: list[str]) -> list[Any]:
    """Organisations in the viewer's areas with their allotment balances (for agency top-ups)."""
    from django.db.models import OuterRef, Subquery

    from thamdee.orgs.models import Organisation

    if not area_codes:
        return []
    query = Q()
    for code in area_codes:
        query |= Q(area__code__startswith=code)
    balance = Account.objects.filter(kind=AccountKind.ALLOTMENT, organisation=OuterRef("pk")).values("balance")[:1]
    return list(
        Organisation.objects.filter(query, is_active=True)
        .exclude(kind__in=["agency", "partner"])
        .select_related("area")
        .annotate(allotment=Subquery(balance))
        .order_by("area__code", "name_th")
    )


# --- programme budgets --------------------------------------------------------------------------------------------


def issued_in(programme: Any, fiscal_year: int) -> int:
    """What a programme has issued in a fiscal year: minus the sum of its issuance account's postings (top-ups
    take from it; a reversed top-up gives back)."""
    total = Posting.objects.filter(
        account__kind=AccountKind.ISSUANCE, account__programme=programme, account__fiscal_year=fiscal_year
    ).aggregate(s=Sum("amount"))["s"]
    return -int(total or 0)


@dataclass(frozen=True)
class BudgetLine:
    programme: Any
    fiscal_year: int
    budget: int | None  # None: no budget set, top-ups not capped
    issued: int

    @property
    def remaining(self) -> int | None:
        return None if self.budget is None else max(self.budget - self.issued, 0)


def budget_lines(programmes: list[Any], fiscal_year: int) -> list[BudgetLine]:
    """Each programme's budget for the year beside what it has issued (two queries for any number)."""
    from thamdee.ledger.models import ProgrammeBudget

    ids = [p.pk for p in programmes]
    budgets = dict(
        ProgrammeBudget.objects.filter(programme_id__in=ids, fiscal_year=fiscal_year).values_list(
            "programme_id", "credits"
        )
    )
    issued = dict(
        Posting.objects.filter(
            account__kind=AccountKind.ISSUANCE, account__programme_id__in=ids, account__fiscal_year=fiscal_year
        )
        .values_list("account__programme_id")
        .annotate(s=Sum("amount"))
        .values_list("account__programme_id", "s")
    )
    return [BudgetLine(p, fiscal_year, budgets.get(p.pk), -int(issued.get(p.pk) or 0)) for p in programmes]


def passbook_opening_balance(*, book: Passbook) -> int:
    """The balance a passbook of one fiscal year brings forward (ยอดยกมา): the sum of the wallet's postings in
    journals created before the year began, whatever the page holds (a quiet year has no lines; a long one more
    than a page). ``book`` comes from ``passbook_for``, which checked who may read it. The whole passbook, and a
    member without a wallet, start from nothing."""
    if book.wallet_id is None or not book.fiscal_year:
        return 0
    start, _end = fiscal_year_bounds(book.fiscal_year)
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    total = Posting.objects.filter(account_id=book.wallet_id, journal__created_at__lt=lo).aggregate(s=Sum("amount"))
    return int(total["s"] or 0)
