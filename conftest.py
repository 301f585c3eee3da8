"""Suite-wide rules and fixtures.

Under CI=true nothing may be skipped and something must run: the run fails otherwise. Tests marked
``postgres`` need PostgreSQL; on an SQLite run they are deselected (not skipped), and the PostgreSQL run
executes them.
"""

from __future__ import annotations

import os

import pytest

CI = os.environ.get("CI", "").lower() == "true"


def _allow_flush_of_append_only_tables() -> None:
    """Between transactional tests Django empties every table. On SQLite that is a DELETE, which the ledger's
    append-only triggers refuse unless ``ledger_unlock`` holds a row: only the test suite's flush writes one.
    (On PostgreSQL the flush is a TRUNCATE, which fires no row trigger.)"""
    from django.db.backends.sqlite3.base import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        statements = original(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if any(t.startswith(("ledger_", "creditrules_")) for t in tables):
            return ["INSERT OR IGNORE INTO ledger_unlock (id) VALUES (1)", *statements, "DELETE FROM ledger_unlock"]
        return statements

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


_allow_flush_of_append_only_tables()
_counts = {"passed": 0, "skipped": 0, "failed": 0}


def _on_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _on_postgres():
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("postgres") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed:
        _counts["passed"] += 1
    if report.skipped:
        _counts["skipped"] += 1
    if report.failed:
        _counts["failed"] += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not CI or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    problems = []
    if _counts["skipped"]:
        problems.append(f"{_counts['skipped']} test(s) skipped")
    if _counts["passed"] == 0:
        problems.append("no test ran")
    if problems:
        if reporter:
            reporter.write_line(f"CI=true: {', '.join(problems)}: failing the run", red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(autouse=True)
def _thai_after_each_test():  # type: ignore[no-untyped-def]
    """Each test starts in the site's language (Thai). Django's locale middleware activates the language of each
    request in the thread and leaves it there; a server's next request activates its own, but the next test in the
    same worker would otherwise run in whatever the last request of the test before asked for (English)."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
