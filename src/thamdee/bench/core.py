"""What every benchmark shares: the machine, a database of its own, figures, the table and the JSON."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection, connections

PG_SETTINGS = [
    "server_version",
    "fsync",
    "synchronous_commit",
    "wal_level",
    "shared_buffers",
    "work_mem",
    "max_wal_size",
    "checkpoint_timeout",
    "wal_compression",
    "commit_delay",
    "max_connections",
    "effective_io_concurrency",
    "random_page_cost",
    "jit",
]


@dataclass
class Figure:
    bench: str
    name: str
    value: float
    unit: str
    goal: float | None = None
    direction: str = ">="  # the goal is met when value >= goal (or <=)
    floor: float | None = None  # the machine's limit measured in the same run, where there is one
    note: str = ""

    @property
    def met(self) -> bool | None:
        if self.goal is None:
            return None
        return self.value >= self.goal if self.direction == ">=" else self.value <= self.goal

    @property
    def ratio(self) -> float | None:
        return self.value / self.floor if self.floor else None


@dataclass
class Run:
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    machine: dict[str, Any] = field(default_factory=dict)
    postgres: dict[str, str] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    seconds: float = 0.0


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
    with contextlib.suppress(OSError):
        info["load_at_start"] = [round(x, 2) for x in os.getloadavg()]
    import django

    info["django"] = django.get_version()
    return info


def postgres_settings() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s)", [PG_SETTINGS])
        out = {}
        for name, value, unit in cursor.fetchall():
            if unit == "8kB":
                value = f"{int(value) * 8 // 1024} MB"
            elif unit == "MB":
                value = f"{value} MB"
            elif unit in ("s", "ms", "kB"):
                value = f"{value} {unit}"
            out[name] = value
        return out


def require_postgres() -> None:
    if connection.vendor != "postgresql":
        raise SystemExit("benchmarks run on PostgreSQL: set DATABASE_URL=postgres://... (./dev bench does)")


@contextlib.contextmanager
def bench_database(suffix: str = "bench", *, keep: bool = False, reuse: bool = False) -> Iterator[str]:
    """Point the default connection at a fresh database of the benchmark's own, migrated; drop it after.

    ``reuse``: keep using the database if an earlier run kept it (``keep``), instead of starting afresh."""
    require_postgres()
    base = dict(settings.DATABASES["default"])
    name = f"{base['NAME']}_{suffix}"
    if not (reuse and _exists(name)):
        _admin(f'DROP DATABASE IF EXISTS "{name}"')
        _admin(f'CREATE DATABASE "{name}"')
    connections.close_all()
    original = connections.settings["default"]["NAME"]
    connections.settings["default"]["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield name
    finally:
        connections.close_all()
        connections.settings["default"]["NAME"] = original
        settings.DATABASES["default"]["NAME"] = original
        if not keep:
            _admin(f'DROP DATABASE IF EXISTS "{name}"')


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _admin(sql: str) -> None:
    """Run a statement that cannot run in a transaction (CREATE/DROP DATABASE) on a fresh connection, closed after."""
    connections.close_all()
    try:
        autocommit_sql(sql)
    finally:
        connections["default"].close()


def autocommit_sql(sql: str) -> None:
    """VACUUM and friends, on the current database."""
    conn = connections["default"]
    conn.ensure_connection()
    raw = conn.connection
    previous = raw.autocommit
    raw.autocommit = True
    try:
        with raw.cursor() as cursor:
            cursor.execute(sql)
    finally:
        raw.autocommit = previous


def checkpoint() -> bool:
    """A CHECKPOINT before a timed phase, so that no phase pays for the checkpoint that the WAL of an earlier
    phase (or the set-up) would start in the middle of it, and every phase starts alike: each page it writes
    first costs a full-page image in the WAL. Needs the pg_checkpoint role (``./dev bench`` grants it);
    without it, returns False and the phases run as they come."""
    import psycopg

    try:
        autocommit_sql("CHECKPOINT")
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


def relation_bytes(*tables: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) t", [list(tables)])
        return int(cursor.fetchone()[0] or 0)


def _client_args(db: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the PostgreSQL command-line clients (pgbench, psql)."""
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    args = ["-h", str(db.get("HOST") or "127.0.0.1"), "-p", str(db.get("PORT") or 5432)]
    args += ["-U", str(db.get("USER") or "postgres")]
    return args, env


def psql_file(path: Path, variables: dict[str, Any] | None = None) -> None:
    """Run an SQL file with psql against the current database (autocommit, stop at the first error), with
    ``variables`` as psql variables (``:name`` in the file)."""
    db = settings.DATABASES["default"]
    conn_args, env = _client_args(db)
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *conn_args, "-f", str(path)]
    for key, value in (variables or {}).items():
        args += ["-v", f"{key}={value}"]
    args.append(str(db["NAME"]))
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"psql -f {path} failed: {result.stderr.strip()}")


def pgbench(
    script: str, *, clients: int, seconds: int, threads: int = 2, variables: dict[str, Any] | None = None
) -> float:
    """Transactions per second of a pgbench script against the current database (the machine's floor).

    Statements go as prepared statements (``-M prepared``), as the posting service sends its own: a floor that
    parsed and planned every call would be lower than the machine's limit, and flatter the service."""
    db = settings.DATABASES["default"]
    # One file per call: two runs at once (two test workers, two benches) must not read each other's script.
    with tempfile.NamedTemporaryFile("w", suffix=".sql", prefix="bench-script-", dir=settings.VAR_DIR) as handle:
        handle.write(script)
        handle.flush()
        return _run_pgbench(
            Path(handle.name), db, clients=clients, seconds=seconds, threads=threads, variables=variables
        )


def _run_pgbench(
    path: Path, db: Mapping[str, Any], *, clients: int, seconds: int, threads: int, variables: dict[str, Any] | None
) -> float:
    conn_args, env = _client_args(db)
    args = [
        "pgbench",
        "-n",
        "-M",
        "prepared",
        *conn_args,
        "-c",
        str(clients),
        "-j",
        str(threads),
        "-T",
        str(seconds),
        "-f",
        str(path),
    ]
    for key, value in (variables or {}).items():
        args += ["-D", f"{key}={value}"]
    args.append(str(db["NAME"]))
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"pgbench failed: {(result.stderr or result.stdout).strip()[-2000:]}")
    for line in result.stdout.splitlines():
        if line.startswith("tps ="):
            return float(line.split("=")[1].split()[0])
    raise RuntimeError(result.stdout + result.stderr)


class Timer:
    def __enter__(self) -> Timer:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.started


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:,.1f}"
    else:
        text = f"{value:,.2f}"
    return f"{text} {unit}".strip()


def table(run: Run) -> str:
    lines = []
    m = run.machine
    lines.append(
        f"Machine: {m.get('cpu', '?')}, {m.get('cpus')} CPUs, {m.get('memory_gib')} GiB, "
        f"Python {m.get('python')}, Django {m.get('django')}"
    )
    pg = run.postgres
    if pg:
        lines.append("PostgreSQL " + ", ".join(f"{k}={v}" for k, v in pg.items()))
    lines.append("")
    header = (
        f"| {'benchmark':<11} | {'figure':<46} | {'measured':>16} | {'goal':>16} | {'floor (same run)':>18} | met |"
    )
    lines.append(header)
    lines.append("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for f in run.figures:
        goal = "—" if f.goal is None else f"{f.direction} {fmt(f.goal, f.unit)}"
        floor = "—" if f.floor is None else f"{fmt(f.floor, f.unit)} ({f.ratio:.2f}x)"
        met = "—" if f.met is None else ("yes" if f.met else "NO")
        lines.append(
            f"| {f.bench:<11} | {f.name:<46} | {fmt(f.value, f.unit):>16} | {goal:>16} | {floor:>18} | {met:<3} |"
        )
        if f.note:
            lines.append(f"|             |   {f.note[:120]:<44}")
    lines.append("")
    lines.append(f"total {run.seconds:.0f} s")
    return "\n".join(lines)


def write_json(run: Run, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = run.started.replace(":", "").replace("-", "")
    path = directory / f"bench-{stamp}.json"
    data = asdict(run)
    for figure, raw in zip(run.figures, data["figures"], strict=True):
        raw["met"] = figure.met
        raw["ratio_to_floor"] = figure.ratio
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    (directory / "latest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    # One file per benchmark as well, so that benchmarks run on their own still add up to one table.
    for bench in dict.fromkeys(f["bench"] for f in data["figures"]):
        one = {**data, "figures": [f for f in data["figures"] if f["bench"] == bench]}
        (directory / f"latest-{bench}.json").write_text(json.dumps(one, indent=2, ensure_ascii=False))
    return path


def _md_figure(f: dict[str, Any]) -> str:
    unit = f["unit"]
    goal = "—" if f["goal"] is None else f"{f['direction']} {fmt(f['goal'], unit)}"
    floor = "—" if f["floor"] is None else f"{fmt(f['floor'], unit)} ({f['value'] / f['floor']:.2f}x)"
    met = "—" if f.get("met") is None else ("yes" if f["met"] else "**not met**")
    note = str(f.get("note") or "").replace("|", "/")
    return f"| {f['bench']} | {f['name']} | {fmt(f['value'], unit)} | {goal} | {floor} | {met} | {note} |"


def markdown(runs: list[dict[str, Any]]) -> str:
    """The README's performance table from saved results (one or more runs, in the order given)."""
    lines = [
        "| benchmark | figure | measured | goal | floor, same run | met | notes |",
        "|---|---|---:|---:|---:|---|---|",
    ]
    for data in runs:
        lines += [_md_figure(f) for f in data["figures"]]
    lines.append("")
    by_run: dict[str, list[dict[str, Any]]] = {}
    for data in runs:  # benchmarks run together share one line
        by_run.setdefault(data["started"], []).append(data)
    for started, same in by_run.items():
        data = same[0]
        m, pg = data["machine"], data.get("postgres") or {}
        benches = ", ".join(dict.fromkeys(f["bench"] for d in same for f in d["figures"]))
        load = m.get("load_at_start")
        lines.append(
            f"- {benches}: run {started} in {data['seconds']:.0f} s on {m.get('cpu', '?')}, "
            f"{m.get('cpus')} CPUs, {m.get('memory_gib')} GiB"
            + (f", load average at start {load[0]:.2f}" if load else "")
            + f"; PostgreSQL {pg.get('server_version', '?')}, shared_buffers {pg.get('shared_buffers', '?')}, "
            f"fsync {pg.get('fsync', '?')}, synchronous_commit {pg.get('synchronous_commit', '?')}"
            + (f", wal_compression {pg['wal_compression']}" if "wal_compression" in pg else "")
        )
    return "\n".join(lines)
