"""Write the README's performance table from the latest saved benchmark results.

    .venv/bin/python scripts/bench_readme.py [bench-results]

Reads ``latest-<bench>.json`` for each benchmark (ledger, deeds, ingest, dashboards, web, in that order) and
replaces the text between the two markers in README.md. A benchmark with no saved result here keeps the rows and
the run line it has in the README now (an earlier run, on the machine that line names); one that has neither is
listed as not run yet.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from thamdee.bench.core import markdown  # noqa: E402

ORDER = ["ledger", "deeds", "ingest", "dashboards", "web"]
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench-results"
    runs, missing = [], []
    for bench in ORDER:
        path = folder / f"latest-{bench}.json"
        if path.exists():
            runs.append(json.loads(path.read_text()))
        else:
            missing.append(bench)
    readme = ROOT / "README.md"
    body = readme.read_text()
    if START not in body or END not in body:
        raise SystemExit(f"README.md has no {START} ... {END} markers")
    head, rest = body.split(START, 1)
    old, tail = rest.split(END, 1)
    text = _merge(markdown(runs), old, missing)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}")
    print(f"README.md: {sum(len(r['figures']) for r in runs)} figures from {len(runs)} benchmark(s)")


def _benches_of(run_line: str) -> list[str]:
    return run_line[2:].split(": run ", 1)[0].split(", ")


def _merge(text: str, old: str, missing: list[str]) -> str:
    """The new table with the old rows and run lines of the benchmarks that have no saved result, in ORDER."""
    old_lines = old.strip().splitlines()
    kept_rows = {b: [line for line in old_lines if line.startswith(f"| {b} |")] for b in missing}
    # An old run line that names a benchmark still shown from it, narrowed to those benchmarks.
    kept_runs = [
        "- " + ", ".join(b for b in _benches_of(line) if b in missing) + line[line.index(": run ") :]
        for line in old_lines
        if line.startswith("- ") and ": run " in line and set(_benches_of(line)) & set(missing)
    ]
    lines = text.splitlines()
    header, body = lines[:2], lines[2:]
    rows = [line for line in body if line.startswith("| ")]
    runs = [line for line in body if line.startswith("- ")]
    table = []
    for bench in ORDER:
        table += [line for line in rows if line.startswith(f"| {bench} |")] + kept_rows.get(bench, [])
    never = [b for b in missing if not kept_rows[b]]
    out = header + table + [""] + runs + kept_runs
    if never:
        out.append("- not run yet: " + ", ".join(never))
    return "\n".join(out)


if __name__ == "__main__":
    main()
