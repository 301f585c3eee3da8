"""Small helpers for vendor-specific SQL."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

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


class TablesBusyError(Exception):
    """A table's exclusive lock was not free within the time allowed (``SecondaryIndexes.drop``)."""


class SecondaryIndexes:
    """Inside the caller's transaction (PostgreSQL), ``drop()`` the plain secondary indexes of ``tables`` (neither
    unique nor a constraint's, so every uniqueness rule and every ``ON CONFLICT`` target stays) and ``rebuild()``
    them before the transaction commits: for an initial bulk load, where inserting millions of rows and then
    building each index in one sorted pass (in parallel where the server allows) costs less than adding the rows'
    entries one by one.

    DROP INDEX holds an ACCESS EXCLUSIVE lock on each table until the transaction ends: every reader and writer
    of those tables waits, so this is for a load that has the system to itself. If a lock is not free within
    ``lock_timeout`` seconds (someone is using a table), ``drop()`` raises ``TablesBusyError`` and the caller's
    transaction must roll back. If the caller fails between the two, its transaction rolls back and the indexes
    come back with it (DDL is transactional in PostgreSQL). ``dropped`` lists the indexes (name, definition),
    ``rebuild_seconds`` the time their builds took.
    """

    def __init__(self, tables: Sequence[str], lock_timeout: float = 10.0) -> None:
        self.tables = list(tables)
        self.lock_timeout = lock_timeout
        self.dropped: list[tuple[str, str]] = []
        self.rebuild_seconds = 0.0

    def drop(self) -> None:
        from django.db import OperationalError

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisunique AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) "
                "ORDER BY i.indrelid, 1",
                [self.tables],
            )
            self.dropped = [(name, definition) for name, definition in cursor.fetchall()]
            cursor.execute("SELECT current_setting('lock_timeout')")
            (before,) = cursor.fetchone()
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{int(self.lock_timeout * 1000)}ms"])
            try:
                if self.dropped:
                    cursor.execute(f"DROP INDEX {', '.join(name for name, _ in self.dropped)}")
            except OperationalError as exc:
                if getattr(exc.__cause__, "sqlstate", None) == "55P03":  # lock_not_available
                    raise TablesBusyError(", ".join(self.tables)) from exc
                raise
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])

    def rebuild(self) -> None:
        started = time.monotonic()
        with connection.cursor() as cursor:
            # PostgreSQL builds no index on a table with deferred checks pending (foreign keys, balanced
            # journals): they run now instead of at commit, then are deferred again (every deferrable
            # constraint and trigger of this schema is initially deferred).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            for _name, definition in self.dropped:
                cursor.execute(definition)
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self.rebuild_seconds = time.monotonic() - started


@contextlib.contextmanager
def prepared(sql: str, params: Sequence[object]) -> Iterator[Any]:
    """Run one statement on the connection's own psycopg cursor with server-side binding and a prepared statement
    (planned once per connection), and yield that cursor for its rows. For hot statements whose planning and
    Python-side formatting through Django's cursor cost more than the database's work (a ledger transfer, the top
    organisations of a province). Placeholders are ``%s``; psycopg's errors pass through for the caller to turn
    into its own. The statement goes into Django's query log when that is on (DEBUG, assertNumQueries)."""
    import psycopg

    connection.ensure_connection()
    started = time.monotonic()
    try:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=True)
            yield cursor
    finally:
        if connection.queries_logged:
            connection.queries_log.append({"sql": f"{sql} -- {params!r}", "time": f"{time.monotonic() - started:.3f}"})


def prepared_rows(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    """All rows of a hot read on PostgreSQL (see ``prepared``); errors come out as Django's."""
    import psycopg
    from django.db import DatabaseError

    try:
        with prepared(sql, params) as cursor:
            return list(cursor.fetchall())
    except psycopg.Error as exc:
        raise DatabaseError(*exc.args) from exc


def nextval_sql(table: str, column: str = "id") -> str:
    """``nextval('<sequence>'::regclass)`` for the sequence behind ``table.column`` (PostgreSQL), to draw ids in a
    set-based statement. The sequence is looked up once here: ``nextval(pg_get_serial_sequence(...))`` in the
    statement itself would search the catalog (pg_depend) once per row, seconds per million rows."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        (sequence,) = cursor.fetchone()
    if sequence is None:
        raise LookupError(f"{table}.{column} has no sequence")
    return "nextval('{}'::regclass)".format(sequence.replace("'", "''"))


def sqlite_triggers_dropped(prefix: str):
    """A migration operation body that drops, on SQLite, every trigger whose name starts with ``prefix``.

    SQLite alters a table by making a new one and renaming it (Django's ``_remake_table``), and the rename fails
    while a trigger on another table names the old one; triggers on the table itself are lost with it. A migration
    that changes such a table drops the app's triggers first and runs their SQL again after
    (``run_sql_for_vendor(<the migration that made them>, vendors=("sqlite",))``)."""

    def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND substr(name, 1, %s) = %s",
                [len(prefix), prefix],
            )
            names = [row[0] for row in cursor.fetchall()]
        for name in names:
            schema_editor.execute(f'DROP TRIGGER IF EXISTS "{name}"', params=None)

    return forwards
