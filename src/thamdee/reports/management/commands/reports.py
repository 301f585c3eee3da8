from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandParser

from thamdee.reports import rollups


class Command(BaseCommand):
    help = "Reports. `rebuild`: recompute every rollup from the raw tables (deeds, postings)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild"])

    def handle(self, *args: object, **options: object) -> None:
        started = time.perf_counter()
        result = rollups.rebuild()
        self.stdout.write(
            f"rollups rebuilt: {result['cells']:,} area cells, {result['organisation_cells']:,} "
            f"organisation cells in {time.perf_counter() - started:.1f} s"
        )
