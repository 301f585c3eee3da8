from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamdee.assessments.frameworks import install_examples
from thamdee.assessments.services import evidence_sweep
from thamdee.common.commands import float_between
from thamdee.common.errors import DomainError


class Command(BaseCommand):
    help = (
        "Assessments of organisations and provinces: install-examples puts in the example frameworks; sweep-files "
        "deletes stored evidence files that no row names (left by an upload rolled back), older than --hours."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["install-examples", "sweep-files"])
        parser.add_argument(
            "--hours",
            type=float_between(0, 24 * 3650),
            default=1.0,
            help="sweep-files: only files older than this (at least 0.25)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "sweep-files":
            try:
                deleted = evidence_sweep(older_than=dt.timedelta(hours=options["hours"]))
            except DomainError as exc:
                raise CommandError(f"{exc.message_th} / {exc.message_en}") from exc
            for name in deleted:
                self.stdout.write(f"deleted {name}")
            self.stdout.write(f"{len(deleted)} file(s) deleted")
            return
        installed = install_examples()
        if installed:
            for framework in installed:
                self.stdout.write(f"installed {framework.code} ({framework.indicators.count()} indicators)")
        else:
            self.stdout.write("nothing installed: every subject already has a framework in use")
