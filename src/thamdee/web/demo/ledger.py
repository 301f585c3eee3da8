# mypy: disable-error-code="arg-type,attr-defined,misc,union-attr,assignment"
"""Step 2: the programme and its issuance, and allotments for the pilot organisations."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from thamdee.common.thaitime import current_fiscal_year
from thamdee.ledger import services
from thamdee.ledger.models import Programme
from thamdee.orgs.models import OrgKind
from thamdee.web.demo.base import Demo

PROGRAMME_CODE = "community-social-credit"


def programme(demo: Demo) -> Programme:
    found = Programme.objects.filter(code=PROGRAMME_CODE).first()
    if found:
        return found
    return Programme.objects.create(
        code=PROGRAMME_CODE,
        name_th="ระบบเครดิตสังคมเครือข่ายชุมชน",
        name_en="Community Network Social Credit",
        agency=demo.agencies["ศูนย์คุณธรรม"],
    )


def run(demo: Demo) -> None:
    prog = programme(demo)
    demo.programme = prog  # type: ignore[attr-defined]
    year = current_fiscal_year()
    awarding = {
        key: org
        for key, org in demo.orgs.items()
        if org.kind
        in (
            OrgKind.COUNCIL,
            OrgKind.SAVINGS_GROUP,
            OrgKind.SCHOOL,
            OrgKind.HEALTH_CHARTER,
            OrgKind.RELIGIOUS_PLACE,
            OrgKind.WELFARE_FUND,
        )
    }
    yearly = ((year - 1, 6000), (year, 8000))
    # The Moral Center set the programme's credit budget for each year, in round figures with room left for
    # top-ups later in the year (the deeds step tops the councils up by 60,000 each this year); every top-up
    # comes out of it.
    councils = sum(org.kind == OrgKind.COUNCIL for org in awarding.values())
    for fy, amount in yearly:
        planned = len(awarding) * amount + (councils * 60_000 if fy == year else 0)
        credits = -(-(planned + 50_000) // 100_000) * 100_000
        services.programme_budget_set(actor=demo.admin, programme=prog, fiscal_year=fy, credits=credits)
    # Allotments were set at the start of the previous and the current fiscal year.
    for key, org in awarding.items():
        for fy, amount in yearly:
            at = timezone.make_aware(dt.datetime(fy - 1, 10, 3, 9, 0))
            services.allotment_top_up(
                actor=demo.admin,
                organisation=org,
                programme=prog,
                amount=amount,
                fiscal_year=fy,
                idempotency_key=f"demo:topup:{key}:{fy}",
                memo="จัดสรรโควตาต้นปีงบประมาณ",
                at=min(at, timezone.now()),
            )
