"""The benchmark suite's shared parts: goals, floors, the table, the JSON files and the README's section."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from thamdee.bench import core


def _run() -> core.Run:
    return core.Run(
        started="2026-11-25T00:00:00+00:00",
        machine={"cpu": "Test CPU", "cpus": 2, "memory_gib": 23.5, "load_at_start": [0.5, 0.4, 0.3]},
        postgres={"server_version": "15", "shared_buffers": "128 MB", "fsync": "on", "synchronous_commit": "on"},
        figures=[
            core.Figure("ledger", "single", 1200.0, "/s", goal=3100, floor=3000.0, note="a | b"),
            core.Figure("ledger", "bytes", 325.0, "B", goal=350, direction="<="),
            core.Figure("dashboards", "raw headline", 900.0, "ms"),
        ],
        seconds=12.0,
    )


def test_goal_direction_and_ratio() -> None:
    single, size, raw = _run().figures
    assert single.met is False and single.ratio == 0.4
    assert size.met is True and size.ratio is None
    assert raw.met is None


def test_json_keeps_one_file_per_benchmark(tmp_path: Path) -> None:
    core.write_json(_run(), tmp_path)
    ledger = json.loads((tmp_path / "latest-ledger.json").read_text())
    dashboards = json.loads((tmp_path / "latest-dashboards.json").read_text())
    assert [f["name"] for f in ledger["figures"]] == ["single", "bytes"]
    assert [f["met"] for f in ledger["figures"]] == [False, True]
    assert [f["name"] for f in dashboards["figures"]] == ["raw headline"]
    assert len(json.loads((tmp_path / "latest.json").read_text())["figures"]) == 3


def test_markdown_names_unmet_goals_and_the_machine(tmp_path: Path) -> None:
    core.write_json(_run(), tmp_path)
    text = core.markdown([json.loads((tmp_path / "latest-ledger.json").read_text())])
    rows = [line for line in text.splitlines() if line.startswith("| ledger")]
    assert rows[0].split(" | ")[1:6] == ["single", "1,200 /s", ">= 3,100 /s", "3,000 /s (0.40x)", "**not met**"]
    assert rows[0].endswith("| a / b |")  # a pipe in a note would break the table
    assert rows[1].split(" | ")[5] == "yes"
    assert "Test CPU, 2 CPUs, 23.5 GiB, load average at start 0.50" in text
    assert "shared_buffers 128 MB, fsync on" in text


def test_pgbench_calls_at_once_each_read_their_own_script(monkeypatch) -> None:
    """Two pgbench runs at once (two test workers, two benches) once shared one script file, so one run read the
    other's script and failed on its variables. Here the first run starts a second while it is "running"."""
    seen: list[tuple[str, str]] = []

    def fake_run(args, **kwargs):
        script = Path(args[args.index("-f") + 1])
        if not seen:
            seen.append(("inner", ""))
            core.pgbench("SELECT :b;", clients=1, seconds=1, variables={"b": 2})
        seen.append((script.read_text(), args[args.index("-D") + 1]))
        return subprocess.CompletedProcess(args, 0, stdout="tps = 10.0 (without initial connection time)\n")

    monkeypatch.setattr(core.subprocess, "run", fake_run)
    assert core.pgbench("SELECT :a;", clients=1, seconds=1, variables={"a": 1}) == 10.0
    assert seen[1:] == [("SELECT :b;", "b=2"), ("SELECT :a;", "a=1")]
