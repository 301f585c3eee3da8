"""``thamdee bench`` end to end at a tiny size: it runs, reconciles, prints the table and writes the JSON.

This asserts behaviour only (the figures are whatever the machine gives); benchmarks proper are run by hand.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ledger_bench_runs_small(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "bench",
        "ledger",
        "--accounts",
        "2000",
        "--seconds",
        "1",
        "--postings",
        "12000",
        "--out",
        str(tmp_path),
        stdout=out,
    )
    text = out.getvalue()
    assert "| ledger" in text and "PostgreSQL" in text
    data = json.loads((tmp_path / "latest-ledger.json").read_text())
    names = [f["name"] for f in data["figures"]]
    assert any(n.startswith("single transfers/s via service") for n in names)
    assert any(n.startswith("batched transfers/s") for n in names)
    reconciliation = next(f for f in data["figures"] if f["name"].startswith("reconciliation"))
    postings = int(reconciliation["note"].split(" postings")[0].split(", ")[-1].replace(",", ""))
    assert postings >= 12000  # the set-based fill reached its target before the check
    assert all(f["floor"] is None or f["floor"] > 0 for f in data["figures"])
