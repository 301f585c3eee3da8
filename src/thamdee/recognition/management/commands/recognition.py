from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from thamdee.recognition.services import recognition_recompute, results_sign

CHUNK = 1000  # members a transaction


class Command(BaseCommand):
    help = (
        "Recognition: sign-results issues the Open Badges 3.0 credential of every assessment result confirmed at a "
        "level for an agency that has none yet (results confirmed before results were signed). Idempotent; "
        "--dry-run lists them and signs nothing. recompute awards the badges and levels members have reached and "
        "not received (after a bulk ingest of verified deeds, which awards none); idempotent; --organisation "
        "PUBLIC_ID for its members only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sign-results", "recompute"])
        parser.add_argument("--dry-run", action="store_true", help="sign-results: list the results to be signed")
        parser.add_argument("--organisation", help="recompute: only the members with verified deeds there")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "recompute":
            self._recompute(options.get("organisation"))
            return
        dry_run = options["dry_run"]
        items = results_sign(dry_run=dry_run)
        for assessment in items:
            self.stdout.write(f"{'would sign' if dry_run else 'signed'} {assessment.public_id} {assessment}")
        self.stdout.write(f"{len(items)} result(s) {'to sign' if dry_run else 'signed'}")

    def _recompute(self, organisation: str | None) -> None:
        from thamdee.common.ids import parse_uuid
        from thamdee.deeds.models import Deed, DeedStatus

        deeds = Deed.objects.filter(status=DeedStatus.VERIFIED)
        if organisation:
            public_id = parse_uuid(organisation)
            if public_id is None:
                raise CommandError(f"no organisation {organisation}")
            deeds = deeds.filter(organisation__public_id=public_id)
        members = sorted(set(deeds.values_list("member_id", flat=True)))
        issued = 0
        for i in range(0, len(members), CHUNK):
            with transaction.atomic():
                issued += recognition_recompute(member_ids=members[i : i + CHUNK])
        self.stdout.write(f"{len(members):,} member(s) looked at, {issued:,} credential(s) issued")
