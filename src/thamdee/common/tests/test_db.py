"""Database helpers (thamdee.common.db)."""

from __future__ import annotations

import pytest
from django.db import connection

from thamdee.common.db import nextval_sql

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
