from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from thamdee.common.commands import int_between
from thamdee.rewards.services import vouchers_sweep


class Command(BaseCommand):
    help = (
        "Vouchers. `expire`: expire every held voucher past its expiry and refund every cancelled or expired "
        "voucher not yet refunded. Idempotent: run it from cron (every few minutes) where no task worker runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["expire"])
        parser.add_argument(
            "--limit", type=int_between(1, 1_000_000), default=5000, help="at most this many vouchers of each kind"
        )

    def handle(self, *args: object, **options: object) -> None:
        result = vouchers_sweep(limit=int(options["limit"]))  # type: ignore[call-overload]
        self.stdout.write(
            f"vouchers: {result.expired} expired and refunded, {result.refunded} owed refund(s) paid"
            + (f", {result.failed} failed" if result.failed else "")
        )
        if result.failed:
            raise CommandError(f"{result.failed} voucher(s) could not be expired or refunded: see the log")
