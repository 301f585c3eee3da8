"""Write the README's performance table from the latest saved benchmark results.

    .venv/bin/python scripts/bench_readme.py [bench-results]

Reads ``latest-<bench>.json`` for each benchmark (ledger, deeds, ingest, dashboards, web, in that order; a
benchmark never run is listed as such) and replaces the text between the two markers in README.md.
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
    text = markdown(runs)
    if missing:
        text += "\n- not run yet: " + ", ".join(missing)
    readme = ROOT / "README.md"
    body = readme.read_text()
    if START not in body or END not in body:
        raise SystemExit(f"README.md has no {START} ... {END} markers")
    head, rest = body.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}")
    print(f"README.md: {sum(len(r['figures']) for r in runs)} figures from {len(runs)} benchmark(s)")


if __name__ == "__main__":
    main()
