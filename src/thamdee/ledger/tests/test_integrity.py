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
