from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import AgencyFactory, AgencyStaffFactory, OrganisationFactory, PartnerFactory, area, member_of
from thamdee.ledger import services as ledger
from thamdee.ledger.models import CauseKind, Programme
from thamdee.ledger.reconcile import ledger_check
from thamdee.rewards import services
from thamdee.rewards.models import OfferKind, PartnerStatus, Sector

_keys = itertools.count(1)


def key(prefix: str = "test") -> str:
    return f"{prefix}:{next(_keys)}"


def assert_books_balance() -> None:
    report = ledger_check()
    failed = [(c.name, c.violations, c.examples) for c in report.checks if not c.ok]
    assert not failed, failed


@pytest.fixture
def programme(db):
    return Programme.objects.create(code="pilot", name_th="โครงการนำร่อง", agency=AgencyFactory())


@pytest.fixture
def agency_staff(db):
    """Agency staff for Kanchanaburi (province 71)."""
    return AgencyStaffFactory(scope_area=area("71")).user


@pytest.fixture
def funded_org(db, programme, agency_staff):
    org = OrganisationFactory(area=area("710911"))
    ledger.allotment_top_up(
        actor=agency_staff,
        organisation=org,
        programme=programme,
        amount=1_000_000,
        idempotency_key=key("topup"),
    )
    return org


def give(org, member, amount: int) -> Any:
    """Award a member ``amount`` verified credits from the organisation's allotment."""
    return ledger.award_post(
        actor=None,
        organisation=org,
        member=member,
        amount=amount,
        idempotency_key=key("award"),
        cause=(CauseKind.DEED, next(_keys)),
    )


def approved_partner(agency_staff, *, code: str = "710911", kind: str = "partner", sector: str = Sector.RETAIL):
    """A partner organisation, approved by the agency, with one member of staff; returns (partner, staff)."""
    partner = PartnerFactory(area=area(code), kind=kind)
    admin = member_of(partner, is_admin=True, is_member=False)
    services.partner_apply(actor=admin, organisation=partner, sector=sector)
    services.partner_decide(actor=agency_staff, organisation=partner, status=PartnerStatus.APPROVED)
    staff = member_of(partner, is_partner_staff=True, is_member=False) if kind == "partner" else admin
    return partner, staff


@pytest.fixture
def shop(agency_staff):
    return approved_partner(agency_staff)


@pytest.fixture
def partner(shop):
    return shop[0]


@pytest.fixture
def staff(shop):
    return shop[1]


def resident(org, code: str = "71091101"):
    """A member of ``org`` who lives in the village with this code."""
    person = member_of(org)
    person.home_area = area(code)
    person.save(update_fields=["home_area"])
    return person


@pytest.fixture
def member(funded_org):
    person = resident(funded_org)
    give(funded_org, person, 100)
    return person


def make_offer(staff, partner, **overrides: Any):
    now = timezone.now()
    values: dict[str, Any] = {
        "kind": OfferKind.SPEND,
        "title_th": "กาแฟสด 1 แก้ว",
        "cost": 10,
        "stock": 50,
        "per_member_limit": 5,
        "valid_from": now - dt.timedelta(days=1),
        "valid_until": now + dt.timedelta(days=30),
        "area_codes": ["71"],
    }
    values.update(overrides)
    return services.offer_create(actor=staff, partner=partner, **values)


@pytest.fixture
def offer(staff, partner):
    return make_offer(staff, partner)


def redeem(member, offer, k: str | None = None):
    return services.redemption_create(actor=member, offer=offer, idempotency_key=k or key("redeem"))


def publish_levels(programme, levels: list[dict[str, Any]]) -> None:
    """Give the programme a published national rulebook with these levels, in force since yesterday."""
    from thamdee.creditrules.models import Rulebook, RulebookVersion

    book, _ = Rulebook.objects.get_or_create(programme=programme, organisation=None, defaults={"name_th": "กติกาทดสอบ"})
    RulebookVersion.objects.create(
        rulebook=book,
        number=book.versions.count() + 1,
        rules={"schema": 1, "levels": levels},
        effective_from=timezone.localdate() - dt.timedelta(days=1),
        published_at=timezone.now(),
    )
