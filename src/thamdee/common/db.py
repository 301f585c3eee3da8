"""Small helpers for vendor-specific SQL."""

from __future__ import annotations

import time
from pathlib import Path

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def read_sql(migration_file: str, vendor: str) -> str:
    """The SQL kept beside a migration: ``0002_name.py`` has ``0002_name.postgresql.sql`` and friends."""
    path = Path(migration_file).resolve()
    return path.with_name(f"{path.stem}.{vendor}.sql").read_text(encoding="utf-8")


def split_sqlite_script(script: str) -> list[str]:
    """Split an SQLite script into complete statements (trigger bodies contain semicolons)."""
    import sqlite3

    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements


def run_sql_for_vendor(migration_file: str, vendors: tuple[str, ...] = ("postgresql", "sqlite")):
    """A migration operation body that runs the SQL file for the current vendor, if the migration has one."""

    def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        vendor = schema_editor.connection.vendor
        if vendor not in vendors:
            return
        sql = read_sql(migration_file, vendor)
        if vendor == "sqlite":
            for statement in split_sqlite_script(sql):
                schema_editor.execute(statement, params=None)
        else:
            schema_editor.execute(sql, params=None)

    return forwards


def may_skip_row_triggers() -> bool:
    """Whether this PostgreSQL role may set ``session_replication_role`` (granted once by a superuser:
    ``GRANT SET ON PARAMETER session_replication_role TO <role>``, PostgreSQL 15 or later)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper OR has_parameter_privilege(current_user, 'session_replication_role', 'SET') "
            "FROM pg_roles WHERE rolname = current_user"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


class row_triggers_off:  # a context manager, named like contextlib's
    """Inside the caller's transaction, skip per-row triggers (foreign-key checks included) for a bulk insert,
    where the role may: ``SET LOCAL session_replication_role = replica``, set back on leaving.

    Only for code that checks, set-based and in the same transaction, everything those triggers would have
    checked (the bulk ingest of deeds does, and says how). ``active`` tells whether triggers are in fact off.
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.active = False

    def __enter__(self) -> row_triggers_off:
        if self.enabled and may_skip_row_triggers():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
            self.active = True
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if self.active and exc_type is None:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")
        # On an error the transaction (or savepoint) rolls back, and the setting with it.


def prepared_rows(sql: str, params: list[object]) -> list[tuple[object, ...]]:
    """Rows of a hot read on PostgreSQL, through the connection's own psycopg cursor with server-side binding and
    a prepared statement (planned once per connection). For reads whose planning and Python-side formatting
    cost more than the database's work (the top organisations of a province: 0.3 ms to execute). Placeholders
    are ``%s``; errors come out as Django's."""
    import psycopg
    from django.db import DatabaseError

    connection.ensure_connection()
    started = time.monotonic()
    try:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)  # type: ignore[arg-type]
            return cursor.fetchall()
    except psycopg.Error as exc:
        raise DatabaseError(*exc.args) from exc
    finally:
        if connection.queries_logged:  # counted like any other query (DEBUG, assertNumQueries, the debug toolbar)
            connection.queries_log.append({"sql": f"{sql} -- {params!r}", "time": f"{time.monotonic() - started:.3f}"})
