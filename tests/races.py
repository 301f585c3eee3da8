"""Races on PostgreSQL with real threads and connections: the helpers the race tests share."""

from __future__ import annotations

import threading
import time
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


class Background:
    """Run ``call`` on its own connection in a thread; remember its backend pid, its result or its exception. With
    ``wait_blocked`` a test holds a lock in its own transaction, waits until the call is blocked on it, then commits:
    a race made deterministic (PostgreSQL)."""

    def __init__(self, call: Any) -> None:
        self.call = call
        self.pid: int | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self.ready.set()
            self.result = self.call()
        except BaseException as exc:
            self.error = exc
        finally:
            self.ready.set()
            connection.close()

    def start(self) -> Background:
        self.thread.start()
        self.ready.wait(10)
        return self

    def wait_blocked(self, timeout: float = 10.0) -> None:
        """Until the thread's backend waits for a lock held by another backend."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute("SELECT cardinality(pg_blocking_pids(%s))", [self.pid])
                if cursor.fetchone()[0] > 0:
                    return
            if not self.thread.is_alive():
                raise AssertionError(f"the background call ended without blocking: {self.error!r} {self.result!r}")
            time.sleep(0.01)
        raise AssertionError("the background call never blocked")

    def join(self) -> Any:
        self.thread.join(30)
        assert not self.thread.is_alive(), "the background call is still running"
        return self.error if self.error is not None else self.result
