from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from thamdee.recognition.services import results_sign


class Command(BaseCommand):
    help = (
        "Recognition: sign-results issues the Open Badges 3.0 credential of every assessment result confirmed at a "
        "level for an agency that has none yet (results confirmed before results were signed). Idempotent; "
        "--dry-run lists them and signs nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sign-results"])
        parser.add_argument("--dry-run", action="store_true", help="list the results that would be signed")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        items = results_sign(dry_run=dry_run)
        for assessment in items:
            self.stdout.write(f"{'would sign' if dry_run else 'signed'} {assessment.public_id} {assessment}")
        self.stdout.write(f"{len(items)} result(s) {'to sign' if dry_run else 'signed'}")
