from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from thamdee.bench import national
from thamdee.common.commands import int_between


class Command(BaseCommand):
    help = (
        "Generate synthetic data. `national`: members where Thailand's people live (registered population by "
        "province), organisations in every subdistrict with the national catalogue, and two fiscal years of "
        "verified deeds through `deeds ingest`, deterministic for a seed. Default 2,000,000 members and "
        "10,000,000 deeds (PostgreSQL; run it on an empty, migrated database). `thamdee ledger check` passes "
        "afterwards and the rollups equal `thamdee reports rebuild`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["national"])
        parser.add_argument("--members", type=int_between(1, 100_000_000), default=2_000_000)
        parser.add_argument("--deeds", type=int_between(0, 2_000_000_000), default=10_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--chunk", type=int_between(1, 100_000_000), default=1_000_000, help="deeds per file and per ingest"
        )
        parser.add_argument("--workdir", type=Path, default=Path("var") / "national", help="where the files go")

    def handle(self, *args: object, **options: object) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("the national data set needs PostgreSQL (set DATABASE_URL)")
        opts = national.Options(
            members=int(str(options["members"])),
            deeds=int(str(options["deeds"])),
            seed=int(str(options["seed"])),
            chunk=int(str(options["chunk"])),
            workdir=Path(str(options["workdir"])),
            echo=self.stdout.write,
        )
        started = time.perf_counter()
        world = national.generate(opts)
        self.stdout.write(
            f"national data set: {world.members:,} members, {world.organisations:,} organisations, "
            f"{opts.deeds:,} deeds in {len(world.files)} file(s), fiscal years "
            f"{world.fiscal_years[0] + 543}-{world.fiscal_years[1] + 543}, in {time.perf_counter() - started:.0f} s"
        )
