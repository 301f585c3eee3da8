"""Bulk ingest: 1,000,000 verified deeds from one file, with their awards, postings, balances and rollups, on
PostgreSQL (``thamdee deeds ingest``), beside the raw COPY of the same file into a plain table (the floor).

Set-up: the synthetic national world (``bench.national.build_world``: areas, the national catalogue and
rulebook, organisations in every subdistrict, members where people live) without deeds, then one CSV file of
N deeds over two fiscal years and allotments that cover them. Then, in the same run: the file is COPYed into a
plain table of text columns (the floor: what reading the rows into PostgreSQL costs); ingested as an initial
load (``initial_load``: the secondary indexes of the tables written dropped and built again at the end) in a
transaction that is then rolled back; and, after VACUUM and a CHECKPOINT, ingested the ordinary way (the mode a
live system uses) end to end (checks, awards, journals, deeds, rollups, commit).

Sizes: ``THAMDEE_BENCH_INGEST_DEEDS`` (default 1,000,000) and ``THAMDEE_BENCH_INGEST_MEMBERS`` (default
200,000) in the environment, for a quicker run.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from django.db import connection, transaction

from thamdee.bench.core import Figure, autocommit_sql, checkpoint

DEEDS = 1_000_000
MEMBERS = 200_000
GOAL_SECONDS = 30.0


def _copy_floor(path: Path) -> float:
    """Seconds to COPY the file into a plain table with one text column per field (then dropped)."""
    header = path.open(encoding="utf-8").readline().strip().split(",")
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_ingest_floor")
        cursor.execute(f"CREATE TABLE bench_ingest_floor ({', '.join(f'{c} text' for c in header)})")
    connection.ensure_connection()
    started = time.perf_counter()
    with (
        transaction.atomic(),
        connection.connection.cursor() as cursor,
        cursor.copy("COPY bench_ingest_floor FROM STDIN (FORMAT csv, HEADER true)") as copy,
        path.open("rb") as handle,
    ):
        while chunk := handle.read(1 << 20):
            copy.write(chunk)
    took = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_ingest_floor")
    return took


def run(deeds: int | None = None, members: int | None = None) -> list[Figure]:
    from thamdee.bench import national
    from thamdee.deeds.ingest import INITIAL_LOAD_TABLES, deeds_ingest
    from thamdee.people.models import User

    deeds = deeds or int(os.environ.get("THAMDEE_BENCH_INGEST_DEEDS", DEEDS))
    members = members or int(os.environ.get("THAMDEE_BENCH_INGEST_MEMBERS", MEMBERS))
    with tempfile.TemporaryDirectory(prefix="thamdee-ingest-") as workdir:
        opts = national.Options(
            members=members, deeds=deeds, chunk=deeds + members, workdir=Path(workdir), echo=lambda _: None
        )
        world = national.build_world(opts)
        (path,) = national.write_deed_files(opts, world)
        national.fund_allotments(world)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        floor = _copy_floor(path)
        admin = User.objects.get(pk=world.admin_id)
        checkpoint()
        with transaction.atomic():
            started = time.perf_counter()
            initial = deeds_ingest(actor=admin, path=path, initial_load=True)
            initial_seconds = time.perf_counter() - started
            transaction.set_rollback(True)
        for table in INITIAL_LOAD_TABLES:  # the rolled-back rows, and statistics as before
            autocommit_sql(f"VACUUM ANALYZE {table}")
        checkpoint()
        started = time.perf_counter()
        report = deeds_ingest(actor=admin, path=path)
        seconds = time.perf_counter() - started
    phases = _slowest(report.phases)
    triggers = "per-row triggers off, checked set-based" if report.triggers_off else "per-row triggers on"
    return [
        Figure(
            "ingest",
            f"ingest of {report.ingested:,} verified deeds from a file",
            seconds,
            "s",
            goal=GOAL_SECONDS * deeds / DEEDS,
            direction="<=",
            floor=floor,
            note=f"floor: raw COPY of the same file; {members:,} members; {triggers}; slowest: {phases}",
        ),
        Figure(
            "ingest",
            "the same file as an initial load (indexes rebuilt at the end)",
            initial_seconds,
            "s",
            goal=GOAL_SECONDS * deeds / DEEDS,
            direction="<=",
            floor=floor,
            note=f"run first and rolled back; slowest: {_slowest(initial.phases)}",
        ),
        Figure(
            "ingest",
            "ingest rate",
            report.ingested / seconds,
            "deeds/s",
            goal=DEEDS / GOAL_SECONDS,
            direction=">=",
            floor=deeds / floor,
            note=f"floor: raw COPY rows/s; {report.credits:,} credits in {report.journals:,} award journals",
        ),
    ]


def _slowest(phases: dict[str, float]) -> str:
    return ", ".join(f"{name} {took:.1f} s" for name, took in sorted(phases.items(), key=lambda kv: -kv[1])[:4])
