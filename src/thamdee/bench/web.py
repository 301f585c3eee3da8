"""The web under load: the demo pilot behind gunicorn on loopback, driven by Locust on the same two cores.

Set-up: a PostgreSQL database of the benchmark's own with the areas and the demo pilot (about 150 members with
their passbooks, deeds and badges); static files collected for WhiteNoise; gunicorn on 127.0.0.1 with the
production settings (DEBUG off, manifest static files, django-axes and CSP on; HTTPS off because loopback has no
TLS). Everyone signs in once through the real form; then three Locust runs against the same gunicorn reuse
those sessions:

1. the floor: a view that does nothing (``/healthz``), no pauses: what this stack can serve on this machine;
2. the goal run: members ask for about 5 % more than the goal's rate (home, passbook, the deed-report form,
   and a real deed report now and then), organisers open their verification queue, agency staff their
   dashboard; latencies and rates per group over the measurement window after warm-up and sign-in;
3. saturation: the same people without any pause, to find the ceiling for member pages.

The machine is shared: the figures carry the CPU each party used (gunicorn, Locust, PostgreSQL, everything else)
and the load average, so a run on a busy machine reads as such; gunicorn's CPU per request, beside the floor's,
says what a page costs whatever else the machine does.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil
from django.conf import settings
from django.core.management import call_command
from django.db import connections

from thamdee.bench.core import Figure

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MEMBER_GOAL_RPS = 500.0
P95_GOAL_MS = 30.0
P99_GOAL_MS = 60.0


@dataclass
class Options:
    seconds: int = 30  # measured seconds per run
    warmup: int = 10  # seconds before measuring: workers' first connections, caches
    member_rps: float = MEMBER_GOAL_RPS * 1.05  # the members' offered rate in the goal run
    members: int = 40  # simulated members
    organisers: int = 4
    agency: int = 2
    staff_rate: float = 1.0  # requests per second of each organiser and agency person
    floor_users: int = 8
    workers: int = 3  # gunicorn workers
    threads: int = 1  # gunicorn threads per worker (more than one: the gthread worker)
    processes: int = 1  # Locust processes
    port: int = 8765
    saturate: bool = True


def run(opts: Options) -> list[Figure]:
    database = str(settings.DATABASES["default"]["NAME"])
    accounts = _prepare()
    var = Path(settings.VAR_DIR)
    users_file = var / "bench-web-users.json"
    users_file.write_text(json.dumps(accounts, ensure_ascii=False))
    try:
        connections.close_all()
        env = _server_env(database)
        subprocess.run(
            [sys.executable, "-m", "thamdee", "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=Path.cwd()
        )
        figures: list[Figure] = []
        with _gunicorn(opts, env, var / "bench-web-gunicorn.log") as server:
            host = f"http://127.0.0.1:{opts.port}"
            sign_in_ms = _sign_in_all(host, accounts, opts)
            users_file.write_text(json.dumps(accounts, ensure_ascii=False))
            figures.append(
                Figure(
                    "web",
                    "sign-in through the form, median",
                    statistics.median(sign_in_ms),
                    "ms",
                    note=f"{len(sign_in_ms)} sign-ins before the runs, {opts.workers} at once (PBKDF2 is slow)",
                )
            )
            floor = _locust(opts, host, users_file, floor=True, rate=0, server=server)
            floor_rps = floor["groups"].get("floor", {}).get("rps", 0.0)
            figures.append(
                Figure(
                    "web",
                    f"floor: /healthz, {opts.floor_users} users, no pauses",
                    floor_rps,
                    "req/s",
                    note=f"p50 {floor['groups'].get('floor', {}).get('p50', 0):.1f} ms; " + floor["cpu_note"],
                )
            )
            goal = _locust(opts, host, users_file, floor=False, rate=opts.member_rps / opts.members, server=server)
            figures += _goal_figures(opts, goal, floor_rps, floor["cpu_ms_per_request"]["gunicorn"])
            if opts.saturate:
                top = _locust(opts, host, users_file, floor=False, rate=0, server=server)
                member = top["groups"].get("member", {})
                figures.append(
                    Figure(
                        "web",
                        f"members, saturated ({opts.members} users, no pauses)",
                        member.get("rps", 0.0),
                        "req/s",
                        floor=floor_rps,
                        note=(
                            f"p50 {member.get('p50', 0):.1f} / p95 {member.get('p95', 0):.1f} / p99 "
                            f"{member.get('p99', 0):.1f} ms; errors {top['errors']}; " + top["cpu_note"]
                        ),
                    )
                )
    finally:
        users_file.unlink(missing_ok=True)  # session cookies: of no use once the database is dropped, but secrets
    return figures


def _goal_figures(opts: Options, result: dict[str, Any], floor_rps: float, floor_cpu_ms: float) -> list[Figure]:
    groups = result["groups"]
    member = groups.get("member", {})
    pages = result["pages"]
    page_note = "; ".join(
        f"{name.split(':', 1)[1]} {p['rps']:.0f}/s p95 {p['p95']:.1f} ms"
        for name, p in sorted(pages.items())
        if name.startswith("member:")
    )
    figures = [
        Figure(
            "web",
            f"member pages, rate ({opts.member_rps:.0f}/s offered)",
            member.get("rps", 0.0),
            "req/s",
            goal=MEMBER_GOAL_RPS,
            floor=floor_rps,
            note=page_note,
        ),
        Figure("web", "member pages, p50", member.get("p50", 0.0), "ms"),
        Figure("web", "member pages, p95", member.get("p95", 0.0), "ms", goal=P95_GOAL_MS, direction="<="),
        Figure("web", "member pages, p99", member.get("p99", 0.0), "ms", goal=P99_GOAL_MS, direction="<="),
    ]
    for group, label in (("organiser", "organisers: verify queue"), ("agency", "agency staff: dashboard")):
        g = groups.get(group, {})
        figures.append(
            Figure(
                "web",
                f"{label}, p95",
                g.get("p95", 0.0),
                "ms",
                note=f"{g.get('rps', 0):.1f} req/s, p50 {g.get('p50', 0):.1f} ms, p99 {g.get('p99', 0):.1f} ms",
            )
        )
    figures.append(
        Figure(
            "web",
            "errors, every page and sign-in",
            float(result["errors"]),
            "",
            goal=0,
            direction="<=",
            note="; ".join(f"{g}: {s}" for g, s in result["error_samples"].items())[:200],
        )
    )
    figures.append(
        Figure("web", "CPU busy, whole machine, goal run", result["cpu"]["machine"], "%", note=result["cpu_note"])
    )
    per = result["cpu_ms_per_request"]
    figures.append(
        Figure(
            "web",
            "gunicorn CPU per request, goal run",
            per["gunicorn"],
            "ms",
            floor=floor_cpu_ms,
            note=(
                f"PostgreSQL {per['postgres']:.1f} ms per request; floor: /healthz; "
                f"{opts.workers} workers x {opts.threads} threads"
            ),
        )
    )
    figures.append(Figure("web", "load average (1 min) at the start", result["loadavg"], ""))
    return figures


# --- data ---------------------------------------------------------------------------------------------------


def _prepare() -> dict[str, Any]:
    """The demo pilot, and the accounts Locust signs in with (each member with a deed type that needs no photo)."""
    from thamdee.deeds.models import DeedType, Evidence, Unit
    from thamdee.orgs.models import Membership, OrgKind
    from thamdee.web.demo.base import DEMO_PASSWORD

    call_command("demo", verbosity=0, stdout=io.StringIO())
    report_types = {
        t.organisation_id: str(t.public_id)
        for t in DeedType.objects.filter(
            code="elder-care",
            organisation__kind=OrgKind.COUNCIL,
            is_active=True,
            unit=Unit.HOUR,
            is_sensitive=False,
        ).exclude(evidence=Evidence.PHOTO)
    }
    members = []
    seen = set()
    for m in (
        Membership.objects.filter(
            organisation_id__in=report_types, is_active=True, user__username__startswith="demo-", user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    ):
        if m.user.username in seen:
            continue
        seen.add(m.user.username)
        members.append({"username": m.user.username, "deed_type": report_types[m.organisation_id]})
    return {
        "password": DEMO_PASSWORD,
        "members": members,
        "organisers": [{"username": u} for u in ("demo-organiser", "demo-verifier", "demo-orgadmin")],
        "agency": [{"username": u} for u in ("demo-agency", "demo-national")],
    }


def _sign_in_all(host: str, accounts: dict[str, Any], opts: Options) -> list[float]:
    """Open one session per account through the real sign-in form; keep its cookies for Locust."""
    wanted = [
        *_spread(accounts["members"], opts.members),
        *accounts["organisers"][: opts.organisers],
        *accounts["agency"][: opts.agency],
    ]
    accounts["members"] = [a for a in accounts["members"] if a in wanted] or accounts["members"]

    def sign_in(account: dict[str, Any]) -> float:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        with opener.open(f"{host}/accounts/login/", timeout=60) as response:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1) if token else "",
                "username": account["username"],
                "password": accounts["password"],
            }
        ).encode()
        started = time.perf_counter()
        try:
            opener.open(urllib.request.Request(f"{host}/accounts/login/", data=body), timeout=60)  # noqa: S310
        except urllib.error.HTTPError as exc:
            if exc.code != 302:
                raise RuntimeError(f"sign-in of {account['username']} answered {exc.code}") from None
        else:
            raise RuntimeError(f"sign-in of {account['username']} did not redirect")
        elapsed = (time.perf_counter() - started) * 1000
        account["cookies"] = {c.name: c.value for c in jar if c.name in ("sessionid", "csrftoken")}
        if "sessionid" not in account["cookies"]:
            raise RuntimeError(f"sign-in of {account['username']} opened no session")
        return elapsed

    with ThreadPoolExecutor(max_workers=opts.workers) as pool:
        return list(pool.map(sign_in, wanted))


def _spread(items: list[Any], n: int) -> list[Any]:
    """``n`` items taken evenly across the list (members of every pilot subdistrict, not just the first)."""
    if n >= len(items):
        return list(items)
    step = len(items) / n
    return [items[int(i * step)] for i in range(n)]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# --- processes ------------------------------------------------------------------------------------------------


def _server_env(database: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = (
        f"postgres://{quote(str(db.get('USER') or ''))}:{quote(str(db.get('PASSWORD') or ''))}"
        f"@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{database}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "thamdee.settings",
        "DATABASE_URL": url,
        "DEBUG": "0",
        "HTTPS": "0",  # loopback has no TLS: Secure cookies would never come back
        "THAMDEE_DEV_KEYS": "1",  # a generated national-ID key under var/ (the demo pilot holds no real person)
        "STATIC_MANIFEST": "1",
        "LOG_LEVEL": "WARNING",
        "THAMDEE_VAR_DIR": str(settings.VAR_DIR),
    }


@contextlib.contextmanager
def _gunicorn(opts: Options, env: dict[str, str], log: Path) -> Iterator[psutil.Process]:
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "thamdee.wsgi:application",
        "--bind",
        f"127.0.0.1:{opts.port}",
        "--workers",
        str(opts.workers),
        "--worker-class",
        "gthread" if opts.threads > 1 else "sync",
        "--threads",
        str(opts.threads),
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    with socket.socket() as probe:  # a server left over from an earlier run would answer in this one's place
        if probe.connect_ex(("127.0.0.1", opts.port)) == 0:
            raise RuntimeError(f"port {opts.port} is in use: stop what listens there first")
    with open(log, "w") as handle:
        process = subprocess.Popen(args, env=env, stdout=handle, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped: see {log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{opts.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not answer: see {log}") from None
                time.sleep(0.3)
        yield psutil.Process(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _tree_cpu(process: psutil.Process) -> float:
    """User and system CPU seconds of a process and its live children."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        for p in [process, *process.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
    return total


def _postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving this database (gunicorn's connections), by process id."""
    out: dict[int, float] = {}
    for p in psutil.process_iter(["cmdline"]):
        line = " ".join(p.info["cmdline"] or [])
        if line.startswith("postgres:") and f" {database} " in line:
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                out[p.pid] = times.user + times.system
    return out


def _postgres_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the backends used between two samples. A backend that ended in between (a worker's connection
    reaching CONN_MAX_AGE) takes its last moments with it: a slight undercount, never a negative one."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _machine_busy() -> tuple[float, float]:
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    return sum(times) - idle, sum(times)


def _locust(
    opts: Options, host: str, users_file: Path, *, floor: bool, rate: float, server: psutil.Process
) -> dict[str, Any]:
    var = Path(settings.VAR_DIR)
    prefix = var / ("bench-web-floor" if floor else f"bench-web-{'goal' if rate else 'saturated'}")
    out = Path(f"{prefix}-window.json")
    users = opts.floor_users if floor else opts.members + opts.organisers + opts.agency
    started = time.time()
    measure_from = started + opts.warmup
    measure_until = measure_from + opts.seconds
    env = {
        **os.environ,
        "THAMDEE_BENCH_USERS": str(users_file),
        "THAMDEE_BENCH_RATE": str(rate),
        "THAMDEE_BENCH_STAFF_RATE": str(opts.staff_rate),
        "THAMDEE_BENCH_ORGANISERS": str(opts.organisers),
        "THAMDEE_BENCH_AGENCY": str(opts.agency),
        "THAMDEE_BENCH_FLOOR": "1" if floor else "0",
        "THAMDEE_BENCH_FROM": str(measure_from),
        "THAMDEE_BENCH_UNTIL": str(measure_until),
        "THAMDEE_BENCH_OUT": str(out),
    }
    args = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users // 4, 1)),
        "--run-time",
        f"{opts.warmup + opts.seconds + 1}s",
        "--stop-timeout",
        "5",
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    if opts.processes > 1:
        args += ["--processes", str(opts.processes)]
    out.unlink(missing_ok=True)
    loadavg = os.getloadavg()[0]
    log = Path(f"{prefix}-locust.log")  # a file, not a pipe: nobody reads a pipe while the run lasts
    with open(log, "w") as handle:
        locust = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=handle)
    generator = psutil.Process(locust.pid)
    # CPU is sampled over the measurement window only.
    time.sleep(max(measure_from - time.time(), 0))
    database = str(settings.DATABASES["default"]["NAME"])
    cpu0, pg0 = (_tree_cpu(server), _tree_cpu(generator), *_machine_busy()), _postgres_cpu(database)
    time.sleep(max(measure_until - time.time(), 0))
    cpu1, pg1 = (_tree_cpu(server), _tree_cpu(generator), *_machine_busy()), _postgres_cpu(database)
    locust.wait(timeout=120)
    if not out.exists():
        raise RuntimeError(f"Locust wrote no results: {log.read_text()[-2000:]}")
    window = json.loads(out.read_text())
    wall = cpu1[3] - cpu0[3]  # CPU-seconds of every core together
    cores = psutil.cpu_count() or 1
    seconds = wall / cores if wall else float(opts.seconds)
    cpu = {
        "machine": 100.0 * (cpu1[2] - cpu0[2]) / wall if wall else 0.0,
        "gunicorn": 100.0 * (cpu1[0] - cpu0[0]) / seconds / cores,
        "locust": 100.0 * (cpu1[1] - cpu0[1]) / seconds / cores,
    }
    cpu["postgres"] = 100.0 * _postgres_delta(pg0, pg1) / seconds / cores
    cpu["other"] = max(cpu["machine"] - cpu["gunicorn"] - cpu["locust"] - cpu["postgres"], 0.0)
    served = sum(sum(buckets.values()) for buckets in window["times"].values())
    groups: dict[str, dict[str, int]] = {}
    for name, buckets in window["times"].items():
        merged = groups.setdefault(name.split(":", 1)[0], {})
        for bucket, n in buckets.items():
            merged[bucket] = merged.get(bucket, 0) + n
    return {
        "groups": {g: _summary(b, opts.seconds) for g, b in groups.items()},
        "pages": {name: _summary(b, opts.seconds) for name, b in window["times"].items()},
        "errors": sum(window["errors"].values()),
        "error_samples": window["error_samples"],
        "cpu": cpu,
        "cpu_note": (
            f"CPU of {cores} cores: gunicorn {cpu['gunicorn']:.0f} %, Locust {cpu['locust']:.0f} %, "
            f"PostgreSQL {cpu['postgres']:.0f} %, other work on the machine {cpu['other']:.0f} %"
        ),
        "loadavg": loadavg,
        # CPU milliseconds per request served in the window: what sets the ceiling on a machine of this size
        "cpu_ms_per_request": {
            "gunicorn": 1000.0 * (cpu1[0] - cpu0[0]) / served if served else 0.0,
            "postgres": 1000.0 * _postgres_delta(pg0, pg1) / served if served else 0.0,
        },
    }


def _summary(buckets: dict[str, int], seconds: int) -> dict[str, float]:
    """Count, rate and exact percentiles of one group's 0.1 ms histogram."""
    items = sorted((int(k), v) for k, v in buckets.items())
    count = sum(v for _, v in items)

    def pct(q: float) -> float:
        if not count:
            return 0.0
        rank = q * count
        seen = 0
        for bucket, n in items:
            seen += n
            if seen >= rank:
                return bucket / 10
        return items[-1][0] / 10

    return {"count": count, "rps": count / seconds, "p50": pct(0.5), "p95": pct(0.95), "p99": pct(0.99)}
