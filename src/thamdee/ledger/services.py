"""Writes for the ledger. ``journal_post`` and ``journal_post_batch`` are the only ways credits move; every
other service here (awards, spends, gifts, donations, allotments, reversals) builds legs and calls them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.common.errors import NotFoundError
from thamdee.common.permissions import require
from thamdee.common.thaitime import fiscal_year_of
from thamdee.inbox.services import notify
from thamdee.ledger import hooks, posting, selectors
from thamdee.ledger.errors import (
    AccountKindNotAllowedError,
    AllotmentExhaustedError,
    AlreadyReversedError,
    BudgetBelowIssuedError,
    BudgetExceededError,
    DailyLimitError,
    DonationTargetError,
    FiscalYearOutOfRangeError,
    GiftRecipientError,
    GiftTooLargeError,
    GiftToSelfError,
    IdempotencyConflictError,
    InsufficientCreditsError,
    InvalidAmountError,
    NotReversibleError,
    ProgrammeInactiveError,
    TopUpYearNotAllowedError,
)
from thamdee.ledger.models import (
    ORG_KINDS,
    Account,
    AccountKind,
    CauseKind,
    Journal,
    JournalKind,
    JournalNote,
    Posting,
    Programme,
    ProgrammeBudget,
)
from thamdee.ledger.permissions import can_set_programme_budget, can_top_up_allotment
from thamdee.orgs.models import Membership, Organisation, OrgKind
from thamdee.people.models import User
from thamdee.people.selectors import are_family
from thamdee.people.services import users_lock
from thamdee.people.types import Actor

Result = posting.Result
Leg = posting.Leg


class AccountRef(NamedTuple):
    """An account known by its id and kind, without a model instance: what a leg needs. For callers that already
    hold the ids (a bulk job, an import) and would otherwise build thousands of ``Account`` instances, which cost
    more than the posting's own Python work."""

    pk: int
    kind: int


AccountLike = Account | AccountRef


def _limits() -> dict[str, int]:
    conf = getattr(settings, "THAMDEE", {})
    return {"daily": int(conf.get("GIFT_DAILY_LIMIT", 200)), "max_gift": int(conf.get("GIFT_MAX", 100))}


# --- accounts -------------------------------------------------------------------------------------------------


def _get_or_create(lookup: dict[str, Any], defaults: dict[str, Any]) -> Account:
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup, **defaults)
    except IntegrityError:  # created at the same moment by another request
        return Account.objects.get(**lookup)


def account_wallet(user: User) -> Account:
    """A member's wallet, opened on first use."""
    return _get_or_create({"kind": AccountKind.MEMBER, "user": user}, {"balance": 0})


def account_wallets(users: Sequence[User]) -> dict[int, Account]:
    """Many members' wallets at once (opened where missing): one query to read, one to create."""
    ids = {u.pk for u in users}
    found = {a.user_id: a for a in Account.objects.filter(kind=AccountKind.MEMBER, user_id__in=ids)}
    missing = ids - set(found)
    if missing:
        Account.objects.bulk_create(
            [Account(kind=AccountKind.MEMBER, user_id=uid, balance=0) for uid in missing], ignore_conflicts=True
        )
        found.update({a.user_id: a for a in Account.objects.filter(kind=AccountKind.MEMBER, user_id__in=missing)})
    return found  # type: ignore[return-value]


def account_of_org(organisation: Organisation, kind: int) -> Account:
    """An organisation's fund, partner clearing account, issuing allotment or settled credits, opened on first
    use."""
    if kind not in ORG_KINDS:
        raise ValueError(kind)
    return _get_or_create({"kind": kind, "organisation": organisation}, {"balance": 0})


def account_issuance(programme: Programme, fiscal_year: int) -> Account:
    """The append-only issuance account of a programme for a fiscal year (no cached balance)."""
    return _get_or_create(
        {"kind": AccountKind.ISSUANCE, "programme": programme, "fiscal_year": fiscal_year}, {"balance": None}
    )


# --- the posting service ----------------------------------------------------------------------------------------


def _leg(kind: int, account: AccountLike, amount: int, reversing: int | None = None) -> Leg:
    """Awards to a member wallet count toward lifetime earned credits; reversing an award takes them back. So does
    a reversal that names no original: the later part of a deed's take-back, collected from a voucher's refund
    after the award's own (one) reversal took what the wallet held (``journal_reverse`` always names one).

    Settled credits move only by settlements and their reversals (``AccountKindNotAllowedError`` otherwise)."""
    if account.kind == AccountKind.SETTLED and JournalKind.SETTLEMENT not in (kind, reversing):
        raise AccountKindNotAllowedError()
    counts = account.kind == AccountKind.MEMBER and (
        (kind == JournalKind.AWARD and amount > 0)
        or (kind == JournalKind.REVERSAL and reversing in (JournalKind.AWARD, None) and amount < 0)
    )
    return Leg(account.pk, amount, amount if counts else 0)


def journal_post(
    *,
    kind: int,
    legs: Sequence[tuple[AccountLike, int]],
    idempotency_key: str,
    actor: Actor | None = None,
    memo: str | None = None,
    cause: tuple[int, int] | None = None,
    reversal_of: Journal | None = None,
    at: dt.datetime | None = None,
) -> Result:
    """Post one journal: every credit movement in Thamdee goes through here. Each leg is an account (an
    ``Account`` or an ``AccountRef``) and the credits it adds to it.

    Guarantees: the legs sum to zero (at least two accounts); no cached balance goes below zero, even under
    concurrent requests (``InsufficientCreditsError`` otherwise); the idempotency key is honoured (a replay
    returns the first journal with ``replayed=True``; the same key with other content raises
    ``IdempotencyConflictError``); nothing is written unless everything is.
    """
    reversing = reversal_of.kind if reversal_of is not None else None
    req = posting.normalise(
        kind,
        idempotency_key,
        [_leg(kind, account, amount, reversing) for account, amount in legs],
        actor_id=getattr(actor, "pk", None),
        memo=memo or None,
        cause_kind=cause[0] if cause else None,
        cause_id=cause[1] if cause else None,
        reversal_of_id=reversal_of.pk if reversal_of is not None else None,
        at=at,
    )
    try:
        return posting.post(req)
    except IntegrityError as exc:
        if reversal_of is not None and "reversal" in str(exc):
            raise AlreadyReversedError() from None
        raise


@dataclass
class BatchItem:
    kind: int
    legs: Sequence[tuple[AccountLike, int]]
    idempotency_key: str
    memo: str | None = None
    cause: tuple[int, int] | None = None
    at: dt.datetime | None = None


def journal_post_batch(*, items: Sequence[BatchItem], actor: Actor | None = None) -> list[Result]:
    """Post many journals in one set-based statement batch (bulk verification, imports).

    Same guarantees as ``journal_post``, for the batch as a whole: if any balance would go below zero,
    nothing is posted.
    """
    reqs = [
        posting.normalise(
            item.kind,
            item.idempotency_key,
            [_leg(item.kind, a, m) for a, m in item.legs],
            memo=item.memo or None,
            cause_kind=item.cause[0] if item.cause else None,
            cause_id=item.cause[1] if item.cause else None,
            at=item.at,
        )
        for item in items
    ]
    return posting.post_batch(reqs, getattr(actor, "pk", None))


def journal_post_staged() -> tuple[int, int]:
    """Post every journal staged in the session's temporary tables (``posting.stage_create``), set-based, in
    one call: for imports of hundreds of thousands of journals (PostgreSQL only).

    Same guarantees as ``journal_post_batch`` for the whole set, checked by the database before it writes: every
    journal balances with two legs or more; accounts and actors exist; each balance moves once by its net change
    and never below zero (``InsufficientCreditsError`` otherwise, nothing posted); a key already used with the
    same content is a replay (its stage row is marked and points to the first journal), with other content an
    ``IdempotencyConflictError``. Returns (journals posted, replays).
    """
    return posting.post_staged()


def journal_reverse(
    *, actor: Actor | None, journal: Journal, reason: str, amount: int | None = None, idempotency_key: str | None = None
) -> Result:
    """Correct a journal with a reversing journal that points to it (at most once per original).

    With ``amount`` (two-leg journals only), reverse only part, for example what is left of an award that the
    member already spent: credits are never taken below zero, and no debt is created.
    """
    if journal.kind == JournalKind.REVERSAL:
        raise NotReversibleError()
    if Journal.objects.filter(reversal_of=journal).exists():
        raise AlreadyReversedError()
    legs = list(Posting.objects.filter(journal_id=journal.pk).select_related("account"))
    if amount is not None:
        if len(legs) != 2 or amount <= 0 or amount > abs(legs[0].amount):
            raise InvalidAmountError()
        scale = [(p.account, -amount if p.amount > 0 else amount) for p in legs]
    else:
        scale = [(p.account, -p.amount) for p in legs]
    result = journal_post(
        kind=JournalKind.REVERSAL,
        legs=scale,
        idempotency_key=idempotency_key or f"reversal:{journal.pk}",
        actor=actor,
        memo=reason,
        cause=(journal.cause_kind, journal.cause_id) if journal.cause_kind and journal.cause_id is not None else None,
        reversal_of=journal,
    )
    if journal.kind == JournalKind.REDEMPTION and not result.replayed:
        members = [p.account.user_id for p in legs if p.account.kind == AccountKind.MEMBER and p.account.user_id]
        hooks.spent_changed(members, [journal.created_at, result.created_at or timezone.now()])
    return result


@transaction.atomic
def award_take_back(*, actor: Actor | None, journal: Journal, member: User, reason: str, idempotency_key: str) -> int:
    """Reverse what is left of an award in the member's wallet: what it gave them, or their balance if they have
    already spent some of it (credits are never taken below zero, and no debt is created). Returns the credits
    taken back.

    The journal's accounts are locked first, in ascending order (the posting order), and the balance read under
    that lock: a spend at the same moment waits instead of making the reversal fail for want of credits.
    """
    legs = list(Posting.objects.filter(journal_id=journal.pk).select_related("account"))
    _lock(*(p.account for p in legs))
    given = sum(p.amount for p in legs if p.account.kind == AccountKind.MEMBER and p.account.user_id == member.pk)
    balance = (
        Account.objects.filter(kind=AccountKind.MEMBER, user=member).values_list("balance", flat=True).first() or 0
    )
    amount = min(given, int(balance))
    if amount <= 0:
        return 0
    journal_reverse(
        actor=actor,
        journal=journal,
        reason=reason,
        amount=None if amount == given else amount,
        idempotency_key=idempotency_key,
    )
    return amount


# --- allotments and awards ---------------------------------------------------------------------------------------

# The fiscal years a budget or a top-up may name (CE years in which they end), as the top-up API has always said.
FISCAL_YEAR_MIN, FISCAL_YEAR_MAX = 2000, 2200


def _top_up_year_allowed(programme: Programme, year: int, at: dt.datetime | None) -> bool:
    """A top-up names the fiscal year of its date (today, unless an import or the demo records an earlier one), or
    the next year once that year's budget is set, to prepare allotments ahead. Never another: a year without a
    budget is not capped, and the credits land in the same allotment, awardable at once, so naming a far year
    would go round this year's budget."""
    this_year = fiscal_year_of(at or timezone.now())
    if year == this_year:
        return True
    return year == this_year + 1 and ProgrammeBudget.objects.filter(programme=programme, fiscal_year=year).exists()


@transaction.atomic
def allotment_top_up(
    *,
    actor: Actor,
    organisation: Organisation,
    programme: Programme,
    amount: int,
    idempotency_key: str,
    fiscal_year: int | None = None,
    memo: str = "",
    at: dt.datetime | None = None,
) -> Result:
    """Agency staff whose scope covers the organisation give it credits to award, from the programme's
    issuance for the fiscal year: the year of the top-up's date (the default), or the next once its budget is set
    (``TopUpYearNotAllowedError`` otherwise); never beyond that year's budget (``BudgetExceededError``)."""
    require(can_top_up_allotment, actor, organisation)
    if not isinstance(amount, int) or amount <= 0:
        raise InvalidAmountError()
    if not programme.is_active:
        raise ProgrammeInactiveError()
    year = fiscal_year or fiscal_year_of(at or timezone.now())
    # The programme's row is locked for the rest of the transaction: top-ups of one programme and changes to its
    # budget take turns, so two top-ups at once cannot both fit in what is left of the budget. Top-ups are rare
    # (agency staff), so the wait costs nothing that matters. A retry of a top-up already posted is answered
    # with the first result even when the budget is now spent (asked again under the lock, as gifts do).
    Programme.objects.select_for_update(no_key=True).filter(pk=programme.pk).exists()
    if not _already_posted(idempotency_key):
        if not _top_up_year_allowed(programme, year, at):
            raise TopUpYearNotAllowedError(fiscal_year=year)
        budget = ProgrammeBudget.objects.filter(programme=programme, fiscal_year=year).first()
        if budget is not None:
            issued = selectors.issued_in(programme, year)
            if issued + amount > budget.credits:
                raise BudgetExceededError(remaining=max(budget.credits - issued, 0))
    result = journal_post(
        kind=JournalKind.ALLOTMENT,
        legs=[
            (account_issuance(programme, year), -amount),
            (account_of_org(organisation, AccountKind.ALLOTMENT), amount),
        ],
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo or None,
        cause=(CauseKind.TOP_UP, organisation.pk),
        at=at,
    )
    # The memo is what the officer typed (the budget line it is for): a retry saying something else is another
    # top-up, refused as any other difference is, not answered as the first. (Journals whose memo the system
    # writes from names that may change, a deed type's, an offer's, are not compared by it.)
    if result.replayed and (result.journal.memo or None) != (memo or None):
        raise IdempotencyConflictError()
    return result


@transaction.atomic
def programme_budget_set(*, actor: Actor, programme: Programme, fiscal_year: int, credits: int) -> ProgrammeBudget:
    """Set what a programme may issue in a fiscal year from 2000 to 2200 (``FiscalYearOutOfRangeError``
    otherwise; allotment top-ups stop there); never below what it has already issued that year."""
    require(can_set_programme_budget, actor, programme)
    if not isinstance(credits, int) or isinstance(credits, bool) or credits < 0:
        raise InvalidAmountError()
    if not FISCAL_YEAR_MIN <= fiscal_year <= FISCAL_YEAR_MAX:
        raise FiscalYearOutOfRangeError(minimum=FISCAL_YEAR_MIN, maximum=FISCAL_YEAR_MAX)
    Programme.objects.select_for_update(no_key=True).filter(pk=programme.pk).exists()
    issued = selectors.issued_in(programme, fiscal_year)
    if credits < issued:
        raise BudgetBelowIssuedError(issued=issued)
    budget, _created = ProgrammeBudget.objects.update_or_create(
        programme=programme,
        fiscal_year=fiscal_year,
        defaults={"credits": credits, "set_by": actor if getattr(actor, "pk", None) else None},
    )
    return budget


def award_post(
    *,
    actor: Actor | None,
    organisation: Organisation,
    member: User,
    amount: int,
    idempotency_key: str,
    cause: tuple[int, int],
    memo: str | None = None,
    at: dt.datetime | None = None,
) -> Result:
    """Credit a member for a verified deed, from the awarding organisation's allotment.

    Used by the deeds app; the organisation can award only what its allotment holds.
    """
    if amount <= 0:
        raise InvalidAmountError()
    try:
        return journal_post(
            kind=JournalKind.AWARD,
            legs=[(account_of_org(organisation, AccountKind.ALLOTMENT), -amount), (account_wallet(member), amount)],
            idempotency_key=idempotency_key,
            actor=actor,
            memo=memo,
            cause=cause,
            at=at,
        )
    except InsufficientCreditsError:
        raise AllotmentExhaustedError() from None


@dataclass
class AwardItem:
    organisation: Organisation
    member: User
    amount: int
    idempotency_key: str
    cause: tuple[int, int]
    memo: str | None = None
    at: dt.datetime | None = None


def award_post_batch(*, actor: Actor | None, items: Sequence[AwardItem]) -> list[Result]:
    """Many awards in one batch (bulk verification): all or nothing."""
    allotments: dict[int, Account] = {}
    wallets = account_wallets([item.member for item in items])
    batch = []
    for item in items:
        if item.amount <= 0:
            raise InvalidAmountError()
        org_acc = allotments.get(item.organisation.pk) or account_of_org(item.organisation, AccountKind.ALLOTMENT)
        allotments[item.organisation.pk] = org_acc
        wallet = wallets[item.member.pk]
        batch.append(
            BatchItem(
                kind=JournalKind.AWARD,
                legs=[(org_acc, -item.amount), (wallet, item.amount)],
                idempotency_key=item.idempotency_key,
                memo=item.memo,
                cause=item.cause,
                at=item.at,
            )
        )
    try:
        return journal_post_batch(items=batch, actor=actor)
    except InsufficientCreditsError:
        raise AllotmentExhaustedError() from None


def spend_post(
    *,
    actor: Actor | None,
    member: User,
    partner: Organisation,
    amount: int,
    idempotency_key: str,
    cause: tuple[int, int],
    memo: str | None = None,
) -> Result:
    """Hold a member's credits with a partner (a redemption): wallet -> the partner's clearing account."""
    if amount <= 0:
        raise InvalidAmountError()
    result = journal_post(
        kind=JournalKind.REDEMPTION,
        legs=[(account_wallet(member), -amount), (account_of_org(partner, AccountKind.PARTNER_CLEARING), amount)],
        idempotency_key=idempotency_key,
        actor=actor,
        memo=memo,
        cause=cause,
    )
    if not result.replayed:
        hooks.spent_changed([member.pk], [result.created_at or timezone.now()])
    return result


def settlement_post(
    *, actor: Actor | None, partner: Organisation, amount: int, settlement_id: int, memo: str | None = None
) -> Result:
    """Retire credits a partner took for benefits once the programme has settled with it: the partner's clearing
    account -> its settled account (out of circulation; issuance and budgets untouched). Refused, and nothing
    moved, if the clearing account holds less (``InsufficientCreditsError``). One journal per settlement
    (its idempotency key); undone only by ``journal_reverse``."""
    if amount <= 0:
        raise InvalidAmountError()
    return journal_post(
        kind=JournalKind.SETTLEMENT,
        legs=[
            (account_of_org(partner, AccountKind.PARTNER_CLEARING), -amount),
            (account_of_org(partner, AccountKind.SETTLED), amount),
        ],
        idempotency_key=f"settlement:{settlement_id}",
        actor=actor,
        memo=memo,
        cause=(CauseKind.SETTLEMENT, settlement_id),
    )


# --- gifts and donations -----------------------------------------------------------------------------------------


def _today_start() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


def given_today(user: User) -> int:
    """Credits this member gave away (gifts and donations) since midnight, Bangkok time."""
    wallet = Account.objects.filter(kind=AccountKind.MEMBER, user=user).first()
    if wallet is None:
        return 0
    total = Posting.objects.filter(
        account=wallet,
        amount__lt=0,
        journal__kind__in=[JournalKind.GIFT, JournalKind.DONATION],
        journal__created_at__gte=_today_start(),
    ).aggregate(s=Sum("amount"))["s"]
    return -(total or 0)


def _check_amount_and_limit(giver: User, amount: int) -> None:
    limits = _limits()
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidAmountError()
    if amount > limits["max_gift"]:
        raise GiftTooLargeError(maximum=limits["max_gift"])
    remaining = limits["daily"] - given_today(giver)
    if amount > remaining:
        raise DailyLimitError(remaining=max(remaining, 0))


def accounts_lock(account_ids: Iterable[int]) -> None:
    """Lock balance rows until the transaction ends, in ascending id order, the order the posting function takes
    them in: what is read before posting (a daily limit, a balance, what a take-back still owes) cannot race, and
    two writers never deadlock."""
    ids = sorted(set(account_ids))
    if ids:
        list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def _lock(*accounts: Account) -> None:
    accounts_lock(a.pk for a in accounts)


def _already_posted(idempotency_key: str) -> bool:
    """A retry of a gift or donation already posted goes straight to the posting function, which returns the
    first result (or refuses other content under the same key). The checks made before posting answered the
    first time: asked again, the daily limit would count the first gift against its own retry."""
    return Journal.objects.filter(idempotency_key=posting.key_uuid(idempotency_key)).exists()


def may_gift_to(giver: User, recipient: User) -> bool:
    """Family (either named the other), or members of the same organisation."""
    if are_family(giver, recipient):
        return True
    mine = Membership.objects.filter(user=giver, is_active=True).values("organisation_id")
    return Membership.objects.filter(user=recipient, is_active=True, organisation_id__in=mine).exists()


def _note_add(result: Result, *, author: User, message: str) -> None:
    """Keep the message typed with a gift or donation beside its journal, not in it: the journal is append-only, and
    the message is its writer's to have erased (``JournalNote``). A replay keeps the note of the first posting (if
    it had one) and adds none, whatever it typed; so the idempotency check, which never compares messages, holds."""
    text = message.strip()[:300]
    if text and not result.replayed:
        JournalNote.objects.create(journal_id=result.journal_id, text=text, author=author)


@transaction.atomic
def gift_send(
    *, actor: User, recipient: User, amount: int, idempotency_key: str, message: str = "", at: dt.datetime | None = None
) -> Result:
    """Give credits to a family member or a member of the same organisation; the recipient is notified.

    Limits: at most GIFT_MAX per gift and GIFT_DAILY_LIMIT a day (gifts and donations together); never to
    oneself; never more than one has. The message (up to 300 characters) is kept as the journal's note, which the
    giver's erasure deletes; the journal itself carries no memo.
    """
    if recipient.pk == actor.pk:
        raise GiftToSelfError()
    # The recipient's account row first (before the wallets, as verification takes its member): an erasure of the
    # recipient under way holds it, and the gift then reads the account and the memberships as the erasure left
    # them, instead of giving credits to an erased account.
    active = users_lock([recipient.pk], active=True)
    if not _already_posted(idempotency_key) and (not active or not may_gift_to(actor, recipient)):
        raise GiftRecipientError()
    wallet, theirs = account_wallet(actor), account_wallet(recipient)
    _lock(wallet, theirs)
    # Asked again under the lock: a copy sent at the same moment as the first waits here until it commits.
    if not _already_posted(idempotency_key):
        _check_amount_and_limit(actor, amount)
    result = journal_post(
        kind=JournalKind.GIFT,
        legs=[(wallet, -amount), (theirs, amount)],
        idempotency_key=idempotency_key,
        actor=actor,
        cause=(CauseKind.GIFT, actor.pk),
        at=at,
    )
    _note_add(result, author=actor, message=message)
    if not result.replayed:
        notify(
            user=recipient,
            kind="gift_received",
            title=_("คุณได้รับ {amount} เครดิตจาก {name}"),
            body=message.strip()[:300],
            url="/passbook/",
            amount=amount,
            name=actor.full_name,
            about=actor,
        )
    return result


DONATION_KINDS = {
    OrgKind.WELFARE_FUND,
    OrgKind.COUNCIL,
    OrgKind.COMMUNITY,
    OrgKind.SAVINGS_GROUP,
    OrgKind.SCHOOL,
    OrgKind.HEALTH_CHARTER,
    OrgKind.RELIGIOUS_PLACE,
    OrgKind.OTHER,
}


@transaction.atomic
def donation_make(
    *,
    actor: User,
    organisation: Organisation,
    amount: int,
    idempotency_key: str,
    message: str = "",
    at: dt.datetime | None = None,
) -> Result:
    """Donate credits to an organisation's fund (a community welfare fund, for example). Same limits as a gift; the
    message is kept as the journal's note, as for a gift."""
    if not organisation.is_active or organisation.kind not in DONATION_KINDS:
        raise DonationTargetError()
    wallet, fund = account_wallet(actor), account_of_org(organisation, AccountKind.ORG_FUND)
    _lock(wallet, fund)
    if not _already_posted(idempotency_key):
        _check_amount_and_limit(actor, amount)
    result = journal_post(
        kind=JournalKind.DONATION,
        legs=[(wallet, -amount), (fund, amount)],
        idempotency_key=idempotency_key,
        actor=actor,
        cause=(CauseKind.DONATION, organisation.pk),
        at=at,
    )
    _note_add(result, author=actor, message=message)
    return result


def journal_get_for(*, viewer: Actor, ref: str) -> Journal:
    """A journal by its public reference, if the viewer may see one of its accounts' passbooks."""
    from thamdee.ledger.permissions import can_view_passbook

    try:
        journal = Journal.objects.select_related("note").get(idempotency_key=ref)
    except (Journal.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    owners = User.objects.filter(accounts__postings__journal=journal).distinct()
    if not any(can_view_passbook.test(viewer, owner) for owner in owners):
        raise NotFoundError()
    return journal
