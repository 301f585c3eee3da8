"""Step: pattern review. The Nong Sarai council's organiser recorded one member's afternoon of elder care twice
(a slip that happens with paper passbooks); detection finds it, and the council's admin (demo-orgadmin) has it in
the review queue. Idempotent: the slip is recorded once, and detection never makes a pattern twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from thamdee.anomalies.models import Anomaly
from thamdee.anomalies.services import anomalies_detect
from thamdee.deeds import services as deeds
from thamdee.deeds.models import DeedType, Unit
from thamdee.web.demo.base import Demo


@transaction.atomic
def run(demo: Demo) -> None:
    council = demo.orgs["710911:council"]
    organiser = demo.logins.get("organiser / ผู้ประสานงาน")
    people = demo.members.get("710911:council", [])
    hourly = DeedType.objects.filter(organisation=council, unit=Unit.HOUR, is_active=True).order_by("pk").first()
    if not Anomaly.objects.filter(organisation=council).exists() and organiser and len(people) > 3 and hourly:
        entry = deeds.DeedInput(
            member=people[3],
            deed_type=hourly,
            done_on=timezone.localdate() - dt.timedelta(days=2),
            hours=3,
            description="บันทึกจากสมุดบัญชีความดี",
        )
        deeds.deed_record_for(actor=organiser, entries=[entry, entry])
    anomalies_detect()
