from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from thamdee.assessments.frameworks import install_examples


class Command(BaseCommand):
    help = "Assessments of organisations and provinces: install-examples puts in the example frameworks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["install-examples"])

    def handle(self, *args: Any, **options: Any) -> None:
        installed = install_examples()
        if installed:
            for framework in installed:
                self.stdout.write(f"installed {framework.code} ({framework.indicators.count()} indicators)")
        else:
            self.stdout.write("nothing installed: every subject already has a framework in use")
