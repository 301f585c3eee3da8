from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamdee.ledger.reconcile import ledger_check


class Command(BaseCommand):
    help = "The credit book. `check`: reconcile every journal, posting and balance; exit 1 on any violation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["check"])

    def handle(self, *args: object, **options: object) -> None:
        report = ledger_check()
        self.stdout.write(
            f"ledger check: {report.journals:,} journals, {report.postings:,} postings, "
            f"{report.accounts:,} accounts in {report.seconds:.2f} s"
        )
        for check in report.checks:
            mark = "ok  " if check.ok else "FAIL"
            self.stdout.write(f"  {mark} {check.name}" + ("" if check.ok else f": {check.violations} violation(s)"))
            for example in check.examples:
                self.stdout.write(f"         {example}")
        if not report.ok:
            raise CommandError("the ledger does not reconcile")
        self.stdout.write("the ledger reconciles")
