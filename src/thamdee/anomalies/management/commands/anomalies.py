from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from thamdee.anomalies.services import anomalies_detect
from thamdee.common.commands import int_between


class Command(BaseCommand):
    help = (
        "Patterns in recorded deeds for a person to review. `detect`: look at the deeds of the last DAYS days "
        "(reciprocal verification, duplicates, long days, bursts) and put new patterns before each "
        "organisation's admins. Changes no deed or credit. Idempotent: run it nightly from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["detect"])
        parser.add_argument(
            "--days", type=int_between(1, 3650), default=None, help="how far back to look (default: settings)"
        )

    def handle(self, *args: object, **options: object) -> None:
        days = options["days"]
        result = anomalies_detect(days=int(days) if days is not None else None)  # type: ignore[call-overload]
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.by_kind.items())) or "none"
        self.stdout.write(
            f"patterns found: {kinds}; new {result.created}, updated {result.updated}, already reviewed {result.kept}"
        )
