"""Small worlds of data for tests that need a working scheme (used by app tests and browser tests)."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

from django.utils import timezone

from tests.factories import AgencyFactory, AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.creditrules import services as rules
from thamdee.deeds import services
from thamdee.deeds.seed import ensure_virtues_and_dimensions
from thamdee.ledger import services as ledger
from thamdee.ledger.models import Programme
from thamdee.orgs.models import OrgKind

_worlds = itertools.count()

RULES = {
    "schema": 1,
    "rates": [
        {"id": "care", "deed_type": "elder-care", "per": "hour", "credits": 5},
        {"id": "save", "deed_type": "savings-20", "per": "period", "credits": 10},
    ],
    "default_rates": {"occurrence": 3},
    "caps": {"member_day": 50, "member_month": 300},
    "two_approvers_above": 40,
    "appeal_days": 30,
    "levels": [{"code": "seed", "name_th": "ต้นกล้า", "name_en": "Seedling", "min_credits": 0}],
}


def build_world() -> SimpleNamespace:
    """An organisation with a published programme rulebook, a local catalogue, a verifier and members."""
    ensure_virtues_and_dimensions()
    admin = UserFactory(is_superuser=True)
    programme = Programme.objects.create(
        code=f"p{next(_worlds)}", name_th="โครงการ", name_en="Programme", agency=AgencyFactory()
    )
    org = OrganisationFactory(area=area("710911"), kind=OrgKind.COUNCIL)
    other = OrganisationFactory(area=area("400114"), kind=OrgKind.COUNCIL)
    book = rules.rulebook_get_or_create(programme=programme)
    draft = rules.rulebook_version_draft(actor=admin, rulebook=book, rules=RULES)
    rules.rulebook_version_publish(actor=admin, version=draft, effective_from=dt.date(2020, 1, 1), allow_past=True)
    staff = AgencyStaffFactory(scope_area=area("71")).user
    ledger.allotment_top_up(
        actor=staff, organisation=org, programme=programme, amount=100_000, idempotency_key=f"world:topup:{org.pk}"
    )
    care = services.deed_type_create(
        actor=admin,
        programme=programme,
        organisation=org,
        code="elder-care",
        name_th="ดูแลผู้สูงอายุ",
        criterion="นับชั่วโมง",
        unit="hour",
        virtues=["volunteering"],
        dimensions=["health"],
    )
    save = services.deed_type_create(
        actor=admin,
        programme=programme,
        organisation=org,
        code="savings-20",
        name_th="ออมเงิน",
        criterion="เดือนละ 20 บาท",
        unit="period",
        period="monthly",
        virtues=["sufficiency"],
        dimensions=["economy"],
    )
    lost = services.deed_type_create(
        actor=admin,
        programme=programme,
        organisation=org,
        code="return-lost",
        name_th="ส่งคืนของ",
        criterion="มีพยาน",
        unit="occurrence",
        virtues=["honesty"],
        dimensions=["society"],
    )
    w = SimpleNamespace(
        admin=admin, programme=programme, org=org, other=other, book=book, care=care, save=save, lost=lost, staff=staff
    )
    w.verifier = member_of(org, is_verifier=True)
    w.verifier2 = member_of(org, is_verifier=True)
    w.organiser = member_of(org, is_organiser=True)
    w.member = member_of(org)
    w.member.home_area = area("71091101")
    w.member.save()
    w.foreign_verifier = member_of(other, is_verifier=True)
    w.today = timezone.localdate()
    return w


def verified_deeds(w, people: int, *, village: str = "71091101"):  # type: ignore[no-untyped-def]
    """``people`` members each with one verified deed in a village."""
    members = [member_of(w.org) for _ in range(people)]
    entries = [
        services.DeedInput(
            member=m, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=1, area=area(village)
        )
        for m in members
    ]
    deeds = services.deed_record_for(actor=w.organiser, entries=entries)
    services.deed_verify_bulk(actor=w.verifier, deeds=deeds)
    return deeds
