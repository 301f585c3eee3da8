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
        "PUBLIC_ID for its members only. rotate-key --issuer ID --actor USERNAME retires an issuer's signing key "
        "and makes a new one (what the old one signed keeps verifying). key-compromised --issuer ID --note TEXT "
        "--actor USERNAME [--kid key-N] declares a key compromised: it is published no more, nothing it signed "
        "verifies, and every credential this site issued with it is signed again with a new key. ID is the "
        "issuer's public id or its organisation's; USERNAME a site admin."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["sign-results", "recompute", "rotate-key", "key-compromised"])
        parser.add_argument("--dry-run", action="store_true", help="sign-results: list the results to be signed")
        parser.add_argument("--organisation", help="recompute: only the members with verified deeds there")
        parser.add_argument("--issuer", help="rotate-key, key-compromised: the issuer's or its organisation's id")
        parser.add_argument("--actor", help="rotate-key, key-compromised: the site admin doing it (username)")
        parser.add_argument("--kid", default="", help="key-compromised: the key (key-N); the signing key if left out")
        parser.add_argument("--note", default="", help="key-compromised: why (required, up to 300 characters)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "recompute":
            self._recompute(options.get("organisation"))
            return
        if options["action"] in ("rotate-key", "key-compromised"):
            self._keys(options)
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

    def _keys(self, options: dict[str, Any]) -> None:
        from django.db.models import Q

        from thamdee.common.errors import DomainError
        from thamdee.common.ids import parse_uuid
        from thamdee.people.models import User
        from thamdee.recognition.models import Issuer
        from thamdee.recognition.services import issuer_key_compromised, issuer_key_rotate

        actor = User.objects.filter(username=str(options.get("actor") or ""), is_superuser=True).first()
        if actor is None:
            raise CommandError("--actor must name a site admin (a superuser) by username")
        public_id = parse_uuid(options.get("issuer") or "")
        issuer = (
            Issuer.objects.select_related("organisation")
            .filter(Q(public_id=public_id) | Q(organisation__public_id=public_id))
            .first()
            if public_id
            else None
        )
        if issuer is None:
            raise CommandError(f"no issuer {options.get('issuer') or '(give --issuer)'}")
        try:
            if options["action"] == "rotate-key":
                key = issuer_key_rotate(actor=actor, organisation=issuer.organisation)
                self.stdout.write(f"{issuer.did}: signing with {key.kid} now")
                return
            key, resigned = issuer_key_compromised(
                actor=actor, issuer=issuer, note=options.get("note") or "", kid=options.get("kid") or ""
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(
            f"{issuer.did}: key {options.get('kid') or '(the signing key)'} compromised and published no more; "
            f"signing with {key.kid} now; {resigned:,} credential(s) signed again"
        )
