from __future__ import annotations

import csv
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from thamdee.common.commands import int_between
from thamdee.deeds.errors import ImportFileError, IngestBusyError
from thamdee.deeds.ingest import deeds_ingest
from thamdee.people.models import User


class Command(BaseCommand):
    help = (
        "Deeds. `ingest FILE --actor USERNAME`: import a CSV or TSV of deeds already verified (columns ref, member, "
        "organisation, deed_type, done_on, verified_on, hours, quantity, beneficiaries, area, verifier, "
        "second_verifier, description; see docs/ingest.md) with their awards and rollups, all or nothing; a file "
        "ingested twice posts nothing twice. On PostgreSQL it is set-based (COPY into a staging table, checks and "
        "inserts in SQL); on SQLite it falls back to recording and verifying row by row through the ordinary "
        "services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["ingest"])
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--actor",
            required=True,
            help="username of who records the deeds (a site admin, or an "
            "organiser or admin of every organisation in the file)",
        )
        parser.add_argument("--check", action="store_true", help="check the whole file, write nothing")
        parser.add_argument("--errors", type=Path, help="write every problem to this CSV file")
        parser.add_argument("--show", type=int_between(0, 1_000_000), default=50, help="problems to print (default 50)")
        parser.add_argument(
            "--keep-triggers",
            action="store_true",
            help="keep per-row triggers on even where the database role may switch them off",
        )
        parser.add_argument(
            "--initial-load",
            action="store_true",
            help="PostgreSQL: drop the plain secondary indexes of the tables written and build them again at the "
            "end (faster for a first load of millions of deeds; every page reading deeds, ledger or dashboards "
            "waits until it ends, so only with the system to yourself)",
        )

    def handle(self, *args: object, **options: object) -> None:
        path = Path(str(options["file"]))
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = User.objects.filter(username=str(options["actor"])).first()
        if actor is None:
            raise CommandError(f"no user {options['actor']}")
        if options.get("errors"):  # checked before the ingest: a report that cannot be written loses every problem
            report_path = Path(str(options["errors"]))
            if report_path.resolve() == path.resolve():
                raise CommandError(f"--errors would overwrite the file ingested: {report_path}")
            if report_path.is_dir() or not report_path.parent.is_dir():
                raise CommandError(f"--errors: cannot write a file at {report_path}")
        verbosity = int(str(options.get("verbosity", 1)))
        started = time.perf_counter()
        try:
            report = deeds_ingest(
                actor=actor,
                path=path,
                check_only=bool(options["check"]),
                echo=self.stdout.write if verbosity > 1 else None,
                skip_triggers=not options["keep_triggers"],
                initial_load=bool(options["initial_load"]),
            )
        except IngestBusyError as exc:
            raise CommandError(f"{exc.message_th} / {exc.message_en}") from None
        except ImportFileError as exc:
            problems = list(exc.problems)
            errors_path = options.get("errors")
            if errors_path:
                with Path(str(errors_path)).open("w", encoding="utf-8", newline="") as handle:
                    writer = csv.writer(handle)
                    writer.writerow(["row", "column", "message_th", "message_en"])
                    for p in problems:
                        writer.writerow([p.row, p.column, p.message_th, p.message_en])
            shown = int(str(options["show"]))
            for p in problems[:shown]:
                self.stderr.write(f"row {p.row} [{p.column}]: {p.message_th} / {p.message_en}")
            if len(problems) > shown:
                hint = "" if errors_path else " (--errors FILE lists them all)"
                self.stderr.write(f"... and {len(problems) - shown:,} more{hint}")
            raise CommandError(
                f"{exc.message_en} ({len(problems):,} problem(s) on {len({p.row for p in problems}):,} row(s)); "
                "nothing was imported"
            ) from None
        seconds = time.perf_counter() - started
        verb = "checked" if report.checked_only else "ingested"
        self.stdout.write(
            f"{verb} {path.name}: {report.rows:,} rows, {report.ingested:,} deeds new, {report.skipped:,} already "
            f"ingested, {report.credits:,} credits in {report.journals:,} award journals, in {seconds:.1f} s "
            f"({report.rows / seconds:,.0f} rows/s; {report.path}"
            + (", per-row triggers off, checked set-based" if report.triggers_off else "")
            + (", initial load (indexes built again at the end)" if report.initial_load else "")
            + f"; {connection.vendor})"
        )
        if verbosity > 1:
            for name, took in report.phases.items():
                self.stdout.write(f"  {name:<34} {took:8.2f} s")
