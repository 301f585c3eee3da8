"""Reads of the ledger: who is on the other side of each passbook line."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import OrganisationFactory, area, member_of
from thamdee.ledger import selectors, services
from thamdee.orgs.models import OrgKind

from .conftest import give, key

pytestmark = pytest.mark.django_db


def _counterparts(viewer, member) -> list[str]:  # type: ignore[no-untyped-def]
    return [line.counterpart for line in selectors.passbook_for(viewer=viewer, member=member).lines]


def test_each_passbook_line_names_the_other_side(funded_org, member):
    other = member_of(funded_org)
    fund = OrganisationFactory(area=area("710911"), kind=OrgKind.WELFARE_FUND, name_th="กองทุนสวัสดิการ", name_en="Fund")
    # An award from the organisation's allotment, a gift to another member and a donation to a fund
    give(funded_org, member, 20)
    services.gift_send(actor=member, recipient=other, amount=3, idempotency_key=key("gift"))
    services.donation_make(actor=member, organisation=fund, amount=2, idempotency_key=key("donation"))
    # Newest first: the fund, the other member (prefix, first and last name), the organisation
    assert _counterparts(member, member) == [fund.name_th, other.full_name, funded_org.name_th]
    assert other.full_name == f"{other.prefix}{other.first_name} {other.last_name}"
    # The other member's passbook names the giver
    assert _counterparts(other, other) == [member.full_name]
    # In English, organisations by their English names
    with translation.override("en"):
        assert _counterparts(member, member) == ["Fund", other.full_name, funded_org.name_en or funded_org.name_th]
