"""The database itself refuses to change or delete posted rows, and (on PostgreSQL) an unbalanced journal."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from .conftest import give

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_posting SET amount = amount + 1",
        "DELETE FROM ledger_posting",
        "UPDATE ledger_journal SET memo = 'changed'",
        "DELETE FROM ledger_journal",
    ],
)
def test_raw_sql_update_or_delete_of_posted_rows_is_refused(funded_org, member, sql):
    give(funded_org, member, 10)
    with pytest.raises(DatabaseError, match="append-only"):
        _raw(sql)
    from thamdee.ledger.selectors import balance_of

    assert balance_of(member) == 10


@pytest.mark.postgres
def test_a_journal_whose_postings_do_not_sum_to_zero_is_refused_at_commit(funded_org, member):
    from thamdee.ledger import services
    from thamdee.ledger.models import AccountKind

    wallet = services.account_wallet(member)
    fund = services.account_of_org(funded_org, AccountKind.ORG_FUND)
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journal (kind, idempotency_key, created_at) "
            "VALUES (8, gen_random_uuid(), now()) RETURNING id"
        )
        (journal_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ledger_posting (journal_id, account_id, amount) VALUES (%s, %s, 5), (%s, %s, -4)",
            [journal_id, wallet.pk, journal_id, fund.pk],
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # what COMMIT would do


@pytest.mark.postgres
def test_a_journal_with_one_leg_is_refused(funded_org, member):
    from thamdee.ledger import services

    services.account_wallet(member)
    with pytest.raises(DatabaseError, match="does not balance"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journal (kind, idempotency_key, created_at) "
            "VALUES (8, gen_random_uuid(), now()) RETURNING id"
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_negative_balance_is_refused_by_a_check_constraint(member):
    from thamdee.ledger import services

    wallet = services.account_wallet(member)
    with pytest.raises(DatabaseError):
        _raw("UPDATE ledger_account SET balance = -1 WHERE id = %s", [wallet.pk])


def test_the_reconciliation_command_fails_loudly_on_a_tampered_balance(funded_org, member, capsys):
    from django.core.management import CommandError, call_command

    give(funded_org, member, 10)
    call_command("ledger", "check")
    assert "the ledger reconciles" in capsys.readouterr().out
    from thamdee.ledger import services

    wallet = services.account_wallet(member)
    _raw("UPDATE ledger_account SET balance = balance + 1 WHERE id = %s", [wallet.pk])  # a cached row, not a posting
    with pytest.raises(CommandError):
        call_command("ledger", "check")
    out = capsys.readouterr().out
    assert "FAIL cached balances equal the sum of postings: 1 violation" in out


def _failed() -> dict[str, int]:
    from thamdee.ledger.reconcile import ledger_check

    return {c.name: c.violations for c in ledger_check().checks if not c.ok}


def test_the_reconciliation_finds_a_tampered_lifetime_total(funded_org, member):
    from thamdee.ledger import services

    give(funded_org, member, 10)
    assert _failed() == {}
    wallet = services.account_wallet(member)
    _raw("UPDATE ledger_account SET earned_total = earned_total + 1 WHERE id = %s", [wallet.pk])
    assert _failed() == {"lifetime earned credits equal awards less reversed awards": 1}


def test_the_reconciliation_counts_awards_less_reversed_awards_only(funded_org, org, member):
    """Gifts move the balance, not the lifetime total; reversing an award takes it back from both."""
    from tests.factories import member_of
    from thamdee.ledger import services

    other_member = member_of(org)
    first = give(funded_org, member, 10)
    give(funded_org, member, 4)
    services.gift_send(actor=member, recipient=other_member, amount=3, idempotency_key="gift:1")
    services.journal_reverse(actor=None, journal=first.journal, reason="test", idempotency_key="rev:1")
    assert _failed() == {}
    assert services.account_wallet(member).earned_total == 4
    assert services.account_wallet(other_member).earned_total == 0


def test_the_reconciliation_finds_an_unbalanced_journal_and_counts_every_posting(funded_org, member):
    from thamdee.ledger import services
    from thamdee.ledger.models import Posting
    from thamdee.ledger.reconcile import ledger_check

    give(funded_org, member, 10)
    wallet = services.account_wallet(member)
    key = "00000000000000000000000000abcdef"
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # past the commit-time trigger, as a careless bulk load would be
            cursor.execute("SELECT set_config('thamdee.verified_post', 'on', true)")
        cursor.execute(
            "INSERT INTO ledger_journal (kind, idempotency_key, created_at) VALUES (8, %s, CURRENT_TIMESTAMP)",
            [key],
        )
        cursor.execute("SELECT id FROM ledger_journal WHERE idempotency_key = %s", [key])
        (journal_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ledger_posting (journal_id, account_id, amount) VALUES (%s, %s, 5)", [journal_id, wallet.pk]
        )
    report = ledger_check()
    failed = {c.name: c.violations for c in report.checks if not c.ok}
    assert failed["every journal balances (sum 0, two legs or more)"] == 1
    assert failed["all postings sum to zero"] == 1
    assert report.postings == Posting.objects.count()
    # plain integers on both databases (PostgreSQL sums counts as numeric), so callers can do arithmetic with floats
    assert all(type(n) is int for n in (report.postings, report.journals, report.accounts))


def test_settled_credits_move_only_by_settlements_and_their_reversals(funded_org, org, member):
    from thamdee.ledger import services
    from thamdee.ledger.errors import AccountKindNotAllowedError
    from thamdee.ledger.models import AccountKind, JournalKind

    # Given 10 credits a member spent with a partner, settled into the partner's settled account
    give(funded_org, member, 10)
    services.spend_post(actor=None, member=member, partner=org, amount=10, idempotency_key="spend:1", cause=(2, 1))
    settled = services.settlement_post(actor=None, partner=org, amount=10, settlement_id=1)
    account = services.account_of_org(org, AccountKind.SETTLED)
    assert account.balance == 10 and _failed() == {}
    # The service refuses any other journal touching the settled account, single or batched
    fund = services.account_of_org(org, AccountKind.ORG_FUND)
    with pytest.raises(AccountKindNotAllowedError):
        services.journal_post(kind=JournalKind.TRANSFER, legs=[(account, -5), (fund, 5)], idempotency_key="out:1")
    with pytest.raises(AccountKindNotAllowedError):
        services.journal_post_batch(
            items=[services.BatchItem(kind=JournalKind.TRANSFER, legs=[(account, -5), (fund, 5)], idempotency_key="b")]
        )
    # The settlement's reversal is allowed and puts the credits back in clearing
    services.journal_reverse(actor=None, journal=settled.journal, reason="mistake")
    account.refresh_from_db()
    assert account.balance == 0 and _failed() == {}
    # And the reconciliation finds settled credits moved any other way (here by raw SQL past the service)
    key = "00000000000000000000000000fedcba"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journal (kind, idempotency_key, created_at) VALUES (8, %s, CURRENT_TIMESTAMP)", [key]
        )
        cursor.execute("SELECT id FROM ledger_journal WHERE idempotency_key = %s", [key])
        (journal_id,) = cursor.fetchone()
        clearing = services.account_of_org(org, AccountKind.PARTNER_CLEARING)
        cursor.execute(
            "INSERT INTO ledger_posting (journal_id, account_id, amount) VALUES (%s, %s, -3), (%s, %s, 3)",
            [journal_id, clearing.pk, journal_id, account.pk],
        )
        cursor.execute("UPDATE ledger_account SET balance = balance - 3 WHERE id = %s", [clearing.pk])
        cursor.execute("UPDATE ledger_account SET balance = balance + 3 WHERE id = %s", [account.pk])
    assert _failed() == {"settled credits move only by settlements and their reversals": 1}


def test_a_settlement_between_two_partners_accounts_is_found(funded_org, org, member):
    """Raw SQL past the service: a settlement journal taking one partner's clearing credits into another's settled
    account."""
    from tests.factories import OrganisationFactory
    from thamdee.ledger import services
    from thamdee.ledger.models import AccountKind

    give(funded_org, member, 10)
    services.spend_post(actor=None, member=member, partner=org, amount=10, idempotency_key="spend:2", cause=(2, 2))
    services.settlement_post(actor=None, partner=org, amount=4, settlement_id=7)
    assert _failed() == {}
    other = services.account_of_org(OrganisationFactory(), AccountKind.SETTLED)
    clearing = services.account_of_org(org, AccountKind.PARTNER_CLEARING)
    key = "00000000000000000000000000fedcbb"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journal (kind, idempotency_key, created_at) VALUES (9, %s, CURRENT_TIMESTAMP)", [key]
        )
        cursor.execute("SELECT id FROM ledger_journal WHERE idempotency_key = %s", [key])
        (journal_id,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO ledger_posting (journal_id, account_id, amount) VALUES (%s, %s, -2), (%s, %s, 2)",
            [journal_id, clearing.pk, journal_id, other.pk],
        )
        cursor.execute("UPDATE ledger_account SET balance = balance - 2 WHERE id = %s", [clearing.pk])
        cursor.execute("UPDATE ledger_account SET balance = balance + 2 WHERE id = %s", [other.pk])
    assert _failed() == {"settlements move a partner's clearing credits to its own settled account": 1}


def test_a_note_is_outside_the_append_only_guard_while_its_journal_stays_inside(funded_org, member):
    """Erasure must be able to delete a gift's message: its note can go, its journal cannot change."""
    from tests.factories import member_of
    from thamdee.ledger import services
    from thamdee.ledger.models import JournalNote

    give(funded_org, member, 10)
    gift = services.gift_send(
        actor=member, recipient=member_of(funded_org), amount=3, idempotency_key="gift:n", message="ขอบคุณ"
    )
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE ledger_journal SET memo = 'changed' WHERE id = %s", [gift.journal_id])
    _raw("DELETE FROM ledger_journalnote WHERE journal_id = %s", [gift.journal_id])
    assert not JournalNote.objects.exists()
    assert _failed() == {}


def _migration(name: str):  # type: ignore[no-untyped-def]
    import importlib

    return importlib.import_module(f"thamdee.ledger.migrations.{name}")


def test_the_migration_moves_past_gift_and_donation_memos_into_notes(funded_org, member):
    """Migration 0007 on journals written the old way (the message in the memo): gift and donation memos become
    notes by their writers and leave the journals, under the append-only guard lifted for that one statement;
    other memos stay; the books reconcile; the guard is back afterwards; and the reverse puts them back."""
    from tests.factories import member_of
    from thamdee.ledger import selectors, services
    from thamdee.ledger.models import AccountKind, CauseKind, Journal, JournalKind, JournalNote

    move = _migration("0007_journal_memos_to_notes")
    friend = member_of(funded_org)
    award = give(funded_org, member, 20)
    wallet, theirs = services.account_wallet(member), services.account_wallet(friend)
    fund = services.account_of_org(funded_org, AccountKind.ORG_FUND)

    def old_style(kind: int, to, cause: tuple[int, int], memo: str, actor=member) -> int:  # type: ignore[no-untyped-def]
        return services.journal_post(
            kind=kind, legs=[(wallet, -1), (to, 1)], idempotency_key=f"old:{memo}", actor=actor, memo=memo, cause=cause
        ).journal_id

    gift = old_style(JournalKind.GIFT, theirs, (CauseKind.GIFT, member.pk), "ของขวัญ")
    donation = old_style(JournalKind.DONATION, fund, (CauseKind.DONATION, funded_org.pk), "สมทบ")
    # a gift posted without an actor: its giver is in its cause
    unsigned = old_style(JournalKind.GIFT, theirs, (CauseKind.GIFT, member.pk), "ไม่ระบุผู้ทำรายการ", actor=None)
    transfer = old_style(JournalKind.TRANSFER, fund, (CauseKind.DONATION, funded_org.pk), "โอนตามระเบียบ")
    memos = dict(Journal.objects.values_list("id", "memo"))

    assert move.memos_to_notes(connection) == 3

    notes = {n.journal_id: (n.text, n.author_id) for n in JournalNote.objects.all()}
    assert notes == {
        gift: ("ของขวัญ", member.pk),
        donation: ("สมทบ", member.pk),
        unsigned: ("ไม่ระบุผู้ทำรายการ", member.pk),
    }
    after = dict(Journal.objects.values_list("id", "memo"))
    assert after == {**memos, gift: None, donation: None, unsigned: None}
    assert after[transfer] == "โอนตามระเบียบ" and after[award.journal_id] == memos[award.journal_id]
    # The passbook reads the notes; the books reconcile; the guard is back; a second run moves nothing
    book = selectors.passbook_for(viewer=friend, member=friend)
    assert sorted(line.memo for line in book.lines) == ["ของขวัญ", "ไม่ระบุผู้ทำรายการ"]
    assert _failed() == {}
    for sql in ("UPDATE ledger_journal SET memo = 'changed'", "DELETE FROM ledger_journal"):
        with pytest.raises(DatabaseError, match="append-only"):
            _raw(sql)
    assert move.memos_to_notes(connection) == 0

    move.notes_to_memos(connection)
    assert dict(Journal.objects.values_list("id", "memo")) == memos and not JournalNote.objects.exists()
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE ledger_journal SET memo = 'changed'")
