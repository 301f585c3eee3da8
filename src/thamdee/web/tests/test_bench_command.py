"""``thamdee bench``'s arguments: no name runs every benchmark (the README's ``./dev bench``), an unknown name is a
clear error. (The benchmarks themselves run in ``bench/tests/test_command.py``, on PostgreSQL.)"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from thamdee.bench import core


class _Reached(Exception):
    pass


def test_no_name_means_every_benchmark(monkeypatch: pytest.MonkeyPatch) -> None:
    def reached() -> None:
        raise _Reached

    monkeypatch.setattr(core, "require_postgres", reached)
    with pytest.raises(_Reached):  # past the arguments (argparse refused an empty list before: SystemExit)
        call_command("bench")


def test_an_unknown_benchmark_is_named_in_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(core, "require_postgres", lambda: None)
    with pytest.raises(CommandError, match="no such benchmark: nope"):
        call_command("bench", "ledger", "nope")
