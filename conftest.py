"""Suite-wide rules and fixtures.

Under CI=true nothing may be skipped and something must run: the run fails otherwise. Tests marked
``postgres`` need PostgreSQL; on an SQLite run they are deselected (not skipped), and the PostgreSQL run
executes them.
"""

from __future__ import annotations

import os

import pytest

CI = os.environ.get("CI", "").lower() == "true"
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
