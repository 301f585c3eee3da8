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


PEER_SQL = """
CREATE TABLE peer_account (id bigint PRIMARY KEY, balance bigint NOT NULL);
INSERT INTO peer_account SELECT g, 100 FROM generate_series(1, :accounts) g;
CREATE TABLE peer_transfer (from_id bigint REFERENCES peer_account, to_id bigint REFERENCES peer_account);
CREATE FUNCTION peer_transfer(a bigint, b bigint) RETURNS void LANGUAGE sql AS $$
  INSERT INTO peer_transfer VALUES (a, b);
$$;
"""
PEER_SCRIPT = """\\set a random(1, :n)
\\set b random(1, :n)
SELECT peer_transfer(:a, :b);
"""


def test_ledger_bench_measures_a_peer_in_the_same_run(tmp_path: Path) -> None:
    sql = tmp_path / "tinyledger.sql"
    sql.write_text(PEER_SQL)
    script = tmp_path / "tinyledger.pgbench"
    script.write_text(PEER_SCRIPT)
    out = io.StringIO()
    call_command(
        "bench",
        "ledger",
        "--accounts",
        "500",
        "--seconds",
        "1",
        "--postings",
        "3000",
        "--peer-sql",
        str(sql),
        "--peer-script",
        str(script),
        "--out",
        str(tmp_path),
        stdout=out,
    )
    figures = {f["name"]: f for f in json.loads((tmp_path / "latest-ledger.json").read_text())["figures"]}
    for clients in (8, 16):
        peer = figures[f"peer tinyledger: transfers/s, pgbench ({clients} clients)"]
        assert peer["value"] > 0 and peer["floor"] > 0
    single = next(f for name, f in figures.items() if name.startswith("single transfers/s via service"))
    ratio = figures["single transfers via service / peer tinyledger"]
    peer8 = figures["peer tinyledger: transfers/s, pgbench (8 clients)"]["value"]
    assert ratio["goal"] == 1.0
    assert ratio["value"] == pytest.approx(single["value"] / peer8)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--peer-sql", "x.sql"], "go together"),
        (["--peer-sql", "missing.sql", "--peer-script", "missing.pgbench"], "no such file"),
    ],
)
def test_ledger_bench_refuses_an_incomplete_peer(args: list[str], message: str) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("bench", "ledger", *args)
