"""Database helpers (thamdee.common.db)."""

from __future__ import annotations

import pytest
from django.db import connection

from thamdee.common.db import SecondaryIndexes, nextval_sql

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_nextval_sql_draws_from_the_tables_own_sequence() -> None:
    expression = nextval_sql("ledger_journal")
    assert "pg_get_serial_sequence" not in expression  # looked up once, not once per row
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {expression}, {expression}")
        first, second = cursor.fetchone()
        cursor.execute("SELECT last_value FROM ledger_journal_id_seq")
        (last,) = cursor.fetchone()
    assert second == first + 1
    assert last == second


def test_nextval_sql_refuses_a_column_without_a_sequence() -> None:
    with pytest.raises(LookupError):
        nextval_sql("ledger_journal", "memo")


def _indexes(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1", [table])
        return cursor.fetchall()


def test_secondary_indexes_drops_only_plain_ones_and_builds_them_again() -> None:
    before = _indexes("deeds_deed")
    indexes = SecondaryIndexes(["deeds_deed"])
    indexes.drop()
    left = {name for name, _ in _indexes("deeds_deed")}
    # the primary key and every unique index stay; the plain ones are gone
    assert left == {
        "deeds_deed_pkey",
        "deeds_deed_public_id_key",
        "deeds_deed_checked_in_once",
        "deeds_deed_reported_once",
    }
    assert {name for name, _ in indexes.dropped} == {name for name, _ in before} - left
    indexes.rebuild()
    assert _indexes("deeds_deed") == before


def test_every_deferrable_check_is_initially_deferred() -> None:
    # SecondaryIndexes.rebuild runs pending checks with SET CONSTRAINTS ALL IMMEDIATE and then sets ALL DEFERRED
    # again, which restores the initial modes only while no deferrable constraint or trigger starts immediate
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE condeferrable AND NOT condeferred "
            "UNION ALL SELECT tgname FROM pg_trigger WHERE tgdeferrable AND NOT tginitdeferred"
        )
        assert cursor.fetchall() == []
