from __future__ import annotations

import itertools

import pytest

from tests.factories import AgencyFactory, AgencyStaffFactory, OrganisationFactory, area, member_of
from thamdee.ledger import services
from thamdee.ledger.models import Programme
from thamdee.ledger.reconcile import ledger_check

_keys = itertools.count()


def key(prefix: str = "test") -> str:
    return f"{prefix}:{next(_keys)}"


def assert_books_balance() -> None:
    """The trial balance is zero and every reconciliation check passes."""
    report = ledger_check()
    failed = [(c.name, c.violations, c.examples) for c in report.checks if not c.ok]
    assert not failed, failed


@pytest.fixture
def programme(db):
    return Programme.objects.create(code="pilot", name_th="โครงการนำร่อง", agency=AgencyFactory())


@pytest.fixture
def staff(db):
    return AgencyStaffFactory(scope_area=area("71")).user


@pytest.fixture
def org(db):
    return OrganisationFactory(area=area("710911"))


@pytest.fixture
def funded_org(org, programme, staff):
    services.allotment_top_up(
        actor=staff,
        organisation=org,
        programme=programme,
        amount=10_000,
        idempotency_key=key("topup"),
    )
    return org


def give(org, member, amount: int):
    """Award ``amount`` to a member from the organisation's allotment."""
    from thamdee.ledger.models import CauseKind

    return services.award_post(
        actor=None,
        organisation=org,
        member=member,
        amount=amount,
        idempotency_key=key("award"),
        cause=(CauseKind.DEED, next(_keys)),
    )


@pytest.fixture
def member(org):
    return member_of(org)
