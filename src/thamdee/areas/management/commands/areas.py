from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from thamdee.areas import selectors, services
from thamdee.areas.models import AreaLevel


class Command(BaseCommand):
    help = "Thai areas: `load` loads every province, district and subdistrict offline; `counts` prints counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["load", "counts"])

    def handle(self, *args: object, **options: object) -> None:
        if options["action"] == "load":
            started = time.perf_counter()
            result = services.areas_load()
            self.stdout.write(
                f"areas: {result.created} created, {result.updated} updated "
                f"(geothai data {result.data_version}) in {time.perf_counter() - started:.1f} s"
            )
        counts = selectors.area_counts()
        self.stdout.write(
            " / ".join(f"{AreaLevel(level).name.lower()} {counts.get(level, 0):,}" for level in AreaLevel)
        )
