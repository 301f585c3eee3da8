"""Races on PostgreSQL with real threads and connections: the helpers the race tests share."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import connection

from thamdee.common.errors import DomainError

WORKERS = 24  # below PostgreSQL's connection limit, enough to pile requests onto the same rows


def race(calls: list[Callable[[], Any]], workers: int = WORKERS) -> list[Any]:
    """Run the calls at once from a pool of threads (the first ``workers`` start together, past a barrier); return
    each result or the exception it raised. Each thread closes its own connection."""
    start = threading.Barrier(min(workers, len(calls)))

    def run(call: Callable[[], Any], index: int) -> Any:
        try:
            if index < workers:
                start.wait(timeout=30)
            return call()
        except Exception as exc:
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, calls, range(len(calls))))


def outcome(value: Any) -> str:
    """A race's result in a word: the error's code, the exception, or "ok"."""
    if isinstance(value, DomainError):
        return value.code
    if isinstance(value, Exception):
        return f"{type(value).__name__}: {value}"
    return "ok"
