"""Small helpers for vendor-specific SQL."""

from __future__ import annotations

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
