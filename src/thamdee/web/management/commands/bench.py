from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamdee.bench import core

BENCHES = ["ledger", "deeds", "dashboards", "web", "ingest"]


def _int(value: object) -> int:
    return int(str(value))


class Command(BaseCommand):
    help = (
        "Run the benchmarks (all, or the ones named) against PostgreSQL in a database of their own; print the "
        "figures beside their goals and the floor measured in the same run; write JSON to bench-results/."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Checked in handle(), not by ``choices``: Python 3.11's argparse checks an empty list against the choices
        # of a positional with nargs="*", so ``thamdee bench`` with no name (every benchmark) was refused.
        parser.add_argument("names", nargs="*", help=f"benchmarks to run (default: all of {', '.join(BENCHES)})")
        parser.add_argument("--accounts", type=int, default=1_000_000, help="member wallets for the ledger bench")
        parser.add_argument("--seconds", type=int, default=20, help="seconds per throughput measurement")
        parser.add_argument("--threads", type=int, default=8, help="client threads for single transfers")
        parser.add_argument("--postings", type=int, default=7_000_000, help="postings before reconciliation")
        parser.add_argument(
            "--peer-sql", type=Path, help="ledger: a peer ledger's SQL set-up, run with psql (:accounts accounts)"
        )
        parser.add_argument(
            "--peer-script", type=Path, help="ledger: the peer's pgbench script for one transfer (:n accounts)"
        )
        parser.add_argument("--web-workers", type=int, default=3, help="gunicorn workers for the web bench")
        parser.add_argument("--web-threads", type=int, default=1, help="gunicorn threads per worker (>1: gthread)")
        parser.add_argument("--web-processes", type=int, default=1, help="Locust processes for the web bench")
        parser.add_argument("--web-members", type=int, default=40, help="simulated members for the web bench")
        parser.add_argument("--members", type=int, default=2_000_000, help="members in the national data set")
        parser.add_argument("--deeds", type=int, default=10_000_000, help="deeds in the national data set")
        parser.add_argument(
            "--reuse", action="store_true", help="dashboards: use the national data set kept (--keep) by a former run"
        )
        parser.add_argument("--keep", action="store_true", help="keep the benchmark database afterwards")
        parser.add_argument("--out", default="bench-results", help="folder for the JSON results")

    def handle(self, *args: object, **options: object) -> None:
        core.require_postgres()
        if bool(options["peer_sql"]) != bool(options["peer_script"]):
            raise CommandError("--peer-sql and --peer-script go together")
        for key in ("peer_sql", "peer_script"):
            if options[key] and not Path(str(options[key])).is_file():
                raise CommandError(f"no such file: {options[key]}")
        names = list(options["names"] or []) or BENCHES  # type: ignore[call-overload]
        unknown = [name for name in names if name not in BENCHES]
        if unknown:
            raise CommandError(f"no such benchmark: {', '.join(unknown)} (choose from {', '.join(BENCHES)})")
        run = core.Run(machine=core.machine_info(), postgres=core.postgres_settings())
        started = time.perf_counter()
        for name in names:
            self.stdout.write(f"== {name}")
            if name == "ledger":
                from thamdee.bench import ledger

                opts = ledger.Options(
                    accounts=_int(options["accounts"]),
                    seconds=_int(options["seconds"]),
                    warmup=min(10, _int(options["seconds"])),
                    threads=_int(options["threads"]),
                    postings_target=_int(options["postings"]),
                    peer_sql=options["peer_sql"],  # type: ignore[arg-type]
                    peer_script=options["peer_script"],  # type: ignore[arg-type]
                )
                with core.bench_database("bench_ledger", keep=bool(options["keep"])):
                    run.figures += ledger.run(opts)
            elif name == "deeds":
                from thamdee.bench import deeds

                with core.bench_database("bench_deeds", keep=bool(options["keep"])):
                    run.figures += deeds.run()
            elif name == "dashboards":
                from thamdee.bench import dashboards

                dash = dashboards.Options(members=_int(options["members"]), deeds=_int(options["deeds"]))
                with core.bench_database("bench_national", keep=bool(options["keep"]), reuse=bool(options["reuse"])):
                    if not dashboards.has_data():
                        dashboards.generate(dash)
                    run.figures += dashboards.run(dash)
            elif name == "web":
                from thamdee.bench import web

                web_opts = web.Options(
                    seconds=_int(options["seconds"]),
                    workers=_int(options["web_workers"]),
                    threads=_int(options["web_threads"]),
                    processes=_int(options["web_processes"]),
                    members=_int(options["web_members"]),
                )
                with core.bench_database("bench_web", keep=bool(options["keep"])):
                    run.figures += web.run(web_opts)
            elif name == "ingest":
                from thamdee.bench import ingest

                with core.bench_database("bench_ingest", keep=bool(options["keep"])):
                    run.figures += ingest.run()
        run.seconds = time.perf_counter() - started
        self.stdout.write("")
        self.stdout.write(core.table(run))
        path = core.write_json(run, Path(str(options["out"])))
        self.stdout.write(f"results: {path}")
