"""Small helpers for vendor-specific SQL."""

from __future__ import annotations

from pathlib import Path

from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def read_sql(app_file: str, name: str) -> str:
    """The text of a ``.sql`` file kept in the ``sql/`` folder beside an app's migrations."""
    return (Path(app_file).resolve().parent / "sql" / name).read_text(encoding="utf-8")


def run_sql_for_vendor(app_file: str, files: dict[str, str]):
    """A migration operation body that runs the SQL file for the current vendor (none for others)."""

    def forwards(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
        name = files.get(schema_editor.connection.vendor)
        if not name:
            return
        sql = read_sql(app_file, name)
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.connection.connection.executescript(sql)
        else:
            schema_editor.execute(sql)

    return forwards
