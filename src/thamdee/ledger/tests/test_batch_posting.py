"""Batch posting (``journal_post_batch``, ``award_post_batch``): all or nothing, the right refusal, replays, issuance
accounts, and, on PostgreSQL, the batch function's one ordered UPDATE (migration ``ledger/0008``): rows taken in
ascending order, a credit committed while the batch waits counted, planner settings restored.

Tests marked ``postgres`` exercise the PL/pgSQL function itself; the others run on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from tests.factories import member_of
from tests.races import Background
from thamdee.ledger import selectors, services
from thamdee.ledger.errors import (
    AllotmentExhaustedError,
    IdempotencyConflictError,
    InsufficientCreditsError,
)
from thamdee.ledger.models import Account, AccountKind, CauseKind, Journal, JournalKind, Posting
from thamdee.ledger.posting import key_uuid

from .conftest import assert_books_balance, give, key


def _transfer(src: Account, dst: Account, amount: int, k: str) -> services.BatchItem:
    return services.BatchItem(kind=JournalKind.TRANSFER, legs=[(src, -amount), (dst, amount)], idempotency_key=k)


def _wallet(user: Any) -> Account:
    return services.account_wallet(user)


def _balance(acc: Account) -> int | None:
    return Account.objects.values_list("balance", flat=True).get(pk=acc.pk)


# --- 1. A credit committed while the batch waits is ignored: a spurious refusal, and the wrong error --------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_batch_waiting_on_a_lower_account_sees_a_credit_committed_meanwhile(funded_org):
    """Y < X. Transaction B moves 10 from Y to X (X: 0 -> 10) and holds both rows. A batch moves 5 from X to Y:
    its UPDATE takes Y first and waits for B. B commits, so X holds 10 before the batch ever touches X: the batch
    must post (it did with the locking SELECT of 0002, whose UPDATE ran on a snapshot taken after the locks).

    With the one UPDATE of 0008, PostgreSQL evaluates the CHECK constraint on the new row computed from the
    version of X in the UPDATE's snapshot (taken before B committed: X = 0, so 0 - 5 < 0) before it tries to
    update it, so the check fails although X holds 10. The handler then reads X = 10, finds no account short,
    and re-raises the raw check_violation: the caller gets an IntegrityError, not even InsufficientCreditsError.
    """
    y_member, x_member = member_of(funded_org), member_of(funded_org)
    give(funded_org, y_member, 100)
    w_y = _wallet(y_member)
    w_x = _wallet(x_member)
    assert w_y.pk < w_x.pk and _balance(w_x) == 0

    batch = Background(lambda: services.journal_post_batch(items=[_transfer(w_x, w_y, 5, "stale:a")]))
    with transaction.atomic():
        services.journal_post(kind=JournalKind.TRANSFER, legs=[(w_y, -10), (w_x, 10)], idempotency_key="stale:b")
        batch.start().wait_blocked()
    outcome = batch.join()

    assert not isinstance(outcome, BaseException), repr(outcome)
    assert (_balance(w_y), _balance(w_x)) == (95, 5)
    assert_books_balance()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_award_batch_waiting_on_the_allotment_sees_a_gift_to_the_wallet_it_debits(funded_org):
    """The same with services the application uses: a batch that awards member M from the allotment (the lowest
    account) and moves 5 out of wallet W; a gift of 10 to W commits while the batch waits on the allotment (held
    by a concurrent award). W holds 10 when the batch reaches it: the batch must post."""
    allotment = services.account_of_org(funded_org, AccountKind.ALLOTMENT)
    rich, donor, holder, other = (member_of(funded_org) for _ in range(4))
    give(funded_org, donor, 50)
    w_donor, w_holder, w_other = _wallet(donor), _wallet(holder), _wallet(other)
    assert allotment.pk < min(w_donor.pk, w_holder.pk, w_other.pk)
    assert _balance(w_holder) == 0

    def the_batch() -> Any:
        return services.journal_post_batch(
            items=[
                services.BatchItem(
                    kind=JournalKind.AWARD,
                    legs=[(allotment, -1), (w_other, 1)],
                    idempotency_key="alloc:award",
                    cause=(CauseKind.DEED, 9001),
                ),
                _transfer(w_holder, w_other, 5, "alloc:move"),
            ]
        )

    batch = Background(the_batch)
    with transaction.atomic():
        # A concurrent award (to a fourth member) holds the allotment row; meanwhile a donor gives 10 to the
        # holder, committed.
        give(funded_org, rich, 1)
        batch.start().wait_blocked()
        gift = Background(
            lambda: services.journal_post(
                kind=JournalKind.TRANSFER, legs=[(w_donor, -10), (w_holder, 10)], idempotency_key="alloc:gift"
            )
        ).start()
        assert not isinstance(gift.join(), BaseException)
        assert _balance(w_holder) == 10  # committed before the batch touches the holder's wallet
    outcome = batch.join()

    assert not isinstance(outcome, BaseException), repr(outcome)
    assert _balance(w_holder) == 5
    assert_books_balance()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_batch_refused_while_waiting_raises_insufficient_credits_never_a_raw_integrity_error(funded_org):
    """Whatever the timing, a batch that is refused for want of credits is refused with InsufficientCreditsError
    (TD001), never a bare IntegrityError: here the wallet X is credited (committed) while the batch waits, but
    not by enough, so the refusal is right; the error must be the domain one."""
    y_member, x_member = member_of(funded_org), member_of(funded_org)
    give(funded_org, y_member, 100)
    w_y, w_x = _wallet(y_member), _wallet(x_member)
    assert w_y.pk < w_x.pk

    batch = Background(lambda: services.journal_post_batch(items=[_transfer(w_x, w_y, 50, "short:a")]))
    with transaction.atomic():
        services.journal_post(kind=JournalKind.TRANSFER, legs=[(w_y, -10), (w_x, 10)], idempotency_key="short:b")
        batch.start().wait_blocked()
    outcome = batch.join()
    assert isinstance(outcome, InsufficientCreditsError), repr(outcome)
    assert (_balance(w_y), _balance(w_x)) == (90, 10)
    assert not Journal.objects.filter(idempotency_key=key_uuid("short:a")).exists()
    assert_books_balance()


# --- 2. Locking order: ascending, whatever order the batch names its accounts in ----------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_batch_takes_rows_in_ascending_order_even_with_many_accounts_analyzed(funded_org):
    """Lock the middle account of a batch from another transaction: the batch must hold the lower accounts and
    none of the higher ones while it waits (with enough accounts and fresh statistics that a planner free to
    choose would scan or hash)."""
    members = [member_of(funded_org) for _ in range(30)]
    for m in members:
        give(funded_org, m, 10)
    wallets = sorted((_wallet(m) for m in members), key=lambda a: a.pk)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_account")
    low, mid, high = wallets[:10], wallets[10], wallets[11:]
    # Named highest first: each journal moves 1 from a higher wallet to a lower one.
    items = [_transfer(h, lo, 1, f"order:{i}") for i, (h, lo) in enumerate(zip(reversed(high), low, strict=False))]
    items.append(_transfer(mid, low[0], 1, "order:mid"))
    batch = Background(lambda: services.journal_post_batch(items=items))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM ledger_account WHERE id = %s FOR UPDATE", [mid.pk])
        batch.start().wait_blocked()
        with connection.cursor() as cursor:
            for acc in high:  # not taken yet: we can lock them without waiting
                cursor.execute("SELECT 1 FROM ledger_account WHERE id = %s FOR UPDATE NOWAIT", [acc.pk])
            sid = transaction.savepoint()
            with pytest.raises(Exception, match="could not obtain lock"):
                cursor.execute("SELECT 1 FROM ledger_account WHERE id = %s FOR UPDATE NOWAIT", [low[0].pk])
            transaction.savepoint_rollback(sid)
    outcome = batch.join()
    assert not isinstance(outcome, BaseException), repr(outcome)
    assert_books_balance()


# --- 3. Planner settings do not leak into the caller's transaction ------------------------------------------------


def _settings() -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('enable_hashjoin'), current_setting('enable_bitmapscan'), "
            "current_setting('enable_seqscan')"
        )
        return tuple(cursor.fetchone())  # type: ignore[return-value]


@pytest.mark.django_db
@pytest.mark.postgres
def test_planner_settings_restored_after_a_batch_that_posts(funded_org):
    a, b = member_of(funded_org), member_of(funded_org)
    give(funded_org, a, 10)
    assert _settings() == ("on", "on", "on")
    services.journal_post_batch(items=[_transfer(_wallet(a), _wallet(b), 3, key())])
    assert _settings() == ("on", "on", "on")
    # A caller's own transaction-local choice is kept as it was.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    services.journal_post_batch(items=[_transfer(_wallet(a), _wallet(b), 3, key())])
    assert _settings() == ("on", "on", "off")


@pytest.mark.django_db
@pytest.mark.postgres
def test_planner_settings_restored_after_a_refusal_caught_by_the_caller(funded_org):
    a, b = member_of(funded_org), member_of(funded_org)
    give(funded_org, a, 10)
    with pytest.raises(InsufficientCreditsError):
        services.journal_post_batch(items=[_transfer(_wallet(a), _wallet(b), 11, key())])
    assert _settings() == ("on", "on", "on")
    # The transaction is still usable, and an ordinary query is planned as before (a sequential scan allowed).
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN SELECT * FROM ledger_account")
        plan = " ".join(r[0] for r in cursor.fetchall())
    assert "Seq Scan" in plan
    assert selectors.balance_of(a) == 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_planner_settings_restored_in_an_explicit_transaction_after_a_caught_refusal(funded_org):
    a, b = member_of(funded_org), member_of(funded_org)
    give(funded_org, a, 10)
    with transaction.atomic():
        with pytest.raises(InsufficientCreditsError):
            services.journal_post_batch(items=[_transfer(_wallet(a), _wallet(b), 11, key())])
        assert _settings() == ("on", "on", "on")
        services.journal_post_batch(items=[_transfer(_wallet(a), _wallet(b), 4, key())])
        assert _settings() == ("on", "on", "on")
    assert (selectors.balance_of(a), selectors.balance_of(b)) == (6, 4)


# --- 4. All or nothing, replays, issuance and allotment accounts, earned totals (both databases) -----------------


@pytest.mark.django_db
def test_overdraw_posts_nothing_names_the_domain_error_and_keeps_earned_totals(funded_org, programme):
    a, b, c = member_of(funded_org), member_of(funded_org), member_of(funded_org)
    give(funded_org, a, 5)
    allotment = services.account_of_org(funded_org, AccountKind.ALLOTMENT)
    before = (_balance(allotment), _balance(_wallet(a)))
    items = [
        services.BatchItem(
            kind=JournalKind.AWARD,
            legs=[(allotment, -7), (_wallet(b), 7)],
            idempotency_key="od:award",
            cause=(CauseKind.DEED, 7001),
        ),
        _transfer(_wallet(a), _wallet(c), 6, "od:move"),  # a holds 5
    ]
    with pytest.raises(InsufficientCreditsError) as info:
        services.journal_post_batch(items=items)
    assert type(info.value) is InsufficientCreditsError
    assert (_balance(allotment), _balance(_wallet(a))) == before
    assert selectors.earned_total_of(b) == 0 and selectors.balance_of(b) == 0
    assert not Journal.objects.filter(idempotency_key__in=[key_uuid("od:award"), key_uuid("od:move")]).exists()
    # Within means: posted, the award counted toward b's earned total, the transfer not toward c's.
    items[1] = _transfer(_wallet(a), _wallet(c), 5, "od:move2")
    services.journal_post_batch(items=items)
    assert (selectors.balance_of(b), selectors.earned_total_of(b)) == (7, 7)
    assert (selectors.balance_of(c), selectors.earned_total_of(c)) == (5, 0)
    assert selectors.balance_of(a) == 0 and selectors.earned_total_of(a) == 5
    assert_books_balance()


@pytest.mark.django_db
def test_award_batch_that_overdraws_the_allotment_is_allotment_exhausted(funded_org):
    members = [member_of(funded_org) for _ in range(2)]
    items = [
        services.AwardItem(
            organisation=funded_org, member=m, amount=6000, idempotency_key=f"ae:{i}", cause=(CauseKind.DEED, 8000 + i)
        )
        for i, m in enumerate(members)
    ]
    with pytest.raises(AllotmentExhaustedError):
        services.award_post_batch(actor=None, items=items)
    assert [selectors.balance_of(m) for m in members] == [0, 0]
    assert _balance(services.account_of_org(funded_org, AccountKind.ALLOTMENT)) == 10_000


@pytest.mark.django_db
def test_batch_with_issuance_account_never_touches_its_null_balance(funded_org, org, programme):
    from thamdee.common import thaitime

    issuance = services.account_issuance(programme, thaitime.current_fiscal_year())
    allotment = services.account_of_org(org, AccountKind.ALLOTMENT)
    m = member_of(org)
    items = [
        services.BatchItem(
            kind=JournalKind.ALLOTMENT, legs=[(issuance, -500), (allotment, 500)], idempotency_key="is:1"
        ),
        services.BatchItem(
            kind=JournalKind.AWARD,
            legs=[(allotment, -10_400), (_wallet(m), 10_400)],
            idempotency_key="is:2",
            cause=(CauseKind.DEED, 6001),
        ),
    ]
    results = services.journal_post_batch(items=items)
    assert [r.replayed for r in results] == [False, False]
    assert _balance(issuance) is None
    assert _balance(allotment) == 100
    assert selectors.balance_of(m) == 10_400 and selectors.earned_total_of(m) == 10_400
    # An issuance account and an allotment short of credits: refused, nothing posted, issuance still NULL.
    short = [
        services.BatchItem(kind=JournalKind.ALLOTMENT, legs=[(issuance, -50), (allotment, 50)], idempotency_key="is:3"),
        services.BatchItem(
            kind=JournalKind.AWARD,
            legs=[(allotment, -151), (_wallet(m), 151)],
            idempotency_key="is:4",
            cause=(CauseKind.DEED, 6002),
        ),
    ]
    with pytest.raises(InsufficientCreditsError):
        services.journal_post_batch(items=short)
    assert _balance(issuance) is None and _balance(allotment) == 100
    assert not Journal.objects.filter(idempotency_key__in=[key_uuid("is:3"), key_uuid("is:4")]).exists()
    assert_books_balance()


@pytest.mark.django_db
def test_partly_replayed_batch_moves_only_the_new_journals_and_conflicts_post_nothing(funded_org):
    a, b = member_of(funded_org), member_of(funded_org)
    give(funded_org, a, 20)
    wa, wb = _wallet(a), _wallet(b)
    first = services.journal_post_batch(items=[_transfer(wa, wb, 3, "rp:1")])
    mixed = services.journal_post_batch(items=[_transfer(wa, wb, 3, "rp:1"), _transfer(wa, wb, 4, "rp:2")])
    assert [r.replayed for r in mixed] == [True, False]
    assert mixed[0].journal_id == first[0].journal_id
    assert (selectors.balance_of(a), selectors.balance_of(b)) == (13, 7)
    # A replay whose own legs would overdraw (it is not applied again) beside a new journal that fits.
    again = services.journal_post_batch(items=[_transfer(wa, wb, 4, "rp:2"), _transfer(wa, wb, 13, "rp:3")])
    assert [r.replayed for r in again] == [True, False]
    assert (selectors.balance_of(a), selectors.balance_of(b)) == (0, 20)
    # A key reused with other content: nothing at all is posted, the new journal beside it included.
    with pytest.raises(IdempotencyConflictError):
        services.journal_post_batch(items=[_transfer(wb, wa, 1, "rp:4"), _transfer(wa, wb, 1, "rp:1")])
    assert not Journal.objects.filter(idempotency_key=key_uuid("rp:4")).exists()
    assert (selectors.balance_of(a), selectors.balance_of(b)) == (0, 20)
    # Every journal in the batch a replay: nothing moves.
    replay = services.journal_post_batch(items=[_transfer(wa, wb, 13, "rp:3"), _transfer(wa, wb, 3, "rp:1")])
    assert all(r.replayed for r in replay)
    assert (selectors.balance_of(a), selectors.balance_of(b)) == (0, 20)
    assert_books_balance()


@pytest.mark.django_db
def test_earned_total_below_zero_in_a_batch_is_refused_and_posts_nothing(funded_org):
    """A reversal of an award that takes more earned credits than the wallet ever earned: refused (the earned
    constraint), with nothing posted; the wallet holds the credits, so it is not a shortage of credits."""
    a, b = member_of(funded_org), member_of(funded_org)
    give(funded_org, a, 5)
    wa, wb = _wallet(a), _wallet(b)
    services.journal_post_batch(items=[_transfer(wa, wb, 5, "earn:move")])  # b: balance 5, earned 0
    allotment = services.account_of_org(funded_org, AccountKind.ALLOTMENT)
    item = services.BatchItem(kind=JournalKind.REVERSAL, legs=[(wb, -5), (allotment, 5)], idempotency_key="earn:rev")
    with pytest.raises((IntegrityError, InsufficientCreditsError)), transaction.atomic():
        services.journal_post_batch(items=[item])
    assert (selectors.balance_of(b), selectors.earned_total_of(b)) == (5, 0)
    assert not Journal.objects.filter(idempotency_key=key_uuid("earn:rev")).exists()


@pytest.mark.django_db(transaction=True)
def test_batch_naming_an_account_that_does_not_exist_posts_nothing(funded_org):
    a = member_of(funded_org)
    give(funded_org, a, 10)
    wa = _wallet(a)
    ghost = services.AccountRef(10**12, AccountKind.MEMBER)
    for legs in ([(wa, -3), (ghost, 3)], [(ghost, -3), (wa, 3)]):
        k = key("ghost")
        with pytest.raises((IntegrityError, InsufficientCreditsError)):
            services.journal_post_batch(
                items=[services.BatchItem(kind=JournalKind.TRANSFER, legs=legs, idempotency_key=k)]
            )
        assert not Journal.objects.filter(idempotency_key=key_uuid(k)).exists()
    assert selectors.balance_of(a) == 10
    assert not Posting.objects.filter(account_id=10**12).exists()
    assert_books_balance()


def _post_staged_transfer(src: Account, dst: Account, amount: int, k: str) -> tuple[int, int]:
    """One transfer through the staged path (bulk ingest's posting), in its own transaction."""
    from thamdee.ledger import posting

    with transaction.atomic():
        posting.stage_create()
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO ledger_stage_journal (id, kind, key, created_at) "
                f"SELECT {posting.journal_id_sql()}, %s, %s, now() RETURNING id",
                [JournalKind.TRANSFER, key_uuid(k)],
            )
            (journal_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO ledger_stage_leg (journal_id, account_id, amount) VALUES (%s, %s, %s), (%s, %s, %s)",
                [journal_id, src.pk, -amount, journal_id, dst.pk, amount],
            )
        return posting.post_staged()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_staged_posting_waiting_on_a_lower_account_sees_a_credit_committed_meanwhile(funded_org):
    """The staged path (bulk ingest) in the same race as the first test: it must post, and refuse only what is
    really short (migration ledger/0009)."""
    y_member, x_member = member_of(funded_org), member_of(funded_org)
    give(funded_org, y_member, 100)
    w_y, w_x = _wallet(y_member), _wallet(x_member)
    assert w_y.pk < w_x.pk and _balance(w_x) == 0

    staged = Background(lambda: _post_staged_transfer(w_x, w_y, 5, "staged:a"))
    with transaction.atomic():
        services.journal_post(kind=JournalKind.TRANSFER, legs=[(w_y, -10), (w_x, 10)], idempotency_key="staged:b")
        staged.start().wait_blocked()
    outcome = staged.join()

    assert outcome == (1, 0), repr(outcome)
    assert (_balance(w_y), _balance(w_x)) == (95, 5)
    with pytest.raises(InsufficientCreditsError):
        _post_staged_transfer(w_x, w_y, 6, "staged:c")
    assert (_balance(w_y), _balance(w_x)) == (95, 5)
    assert_books_balance()
