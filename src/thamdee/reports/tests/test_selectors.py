"""Reads of the rollups: the most active organisations, by every path (on PostgreSQL a prepared statement, on
SQLite and for a network the ORM), give the same rows in the same order."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import NetworkFactory, OrganisationFactory, area
from thamdee.orgs.models import NetworkMembership, OrgKind
from thamdee.reports import selectors
from thamdee.reports.models import OrgRollup

pytestmark = pytest.mark.django_db

FY = 2026


def _world():
    """Organisations in two provinces, of two kinds, with rollups for two fiscal years and a month cell."""
    plan = [
        ("71010101", OrgKind.SAVINGS_GROUP, 50, 7),
        ("71010101", OrgKind.COUNCIL, 80, 9),
        ("71010201", OrgKind.SAVINGS_GROUP, 80, 12),  # same credits as the council above: more deeds first
        ("71020101", OrgKind.COUNCIL, 10, 1),
        ("40010101", OrgKind.COUNCIL, 500, 40),
        ("40010101", OrgKind.SAVINGS_GROUP, 5, 2),
    ]
    orgs = []
    for code, kind, credits, deeds in plan:
        org = OrganisationFactory(kind=kind, area=area(code))
        orgs.append(org)
        common = {"organisation": org, "area_code": code, "province_code": code[:2]}
        OrgRollup.objects.create(
            **common,
            fiscal_year=FY,
            month=0,
            deeds=deeds,
            hours=Decimal("1.50"),
            credits_issued=credits,
            participants=deeds // 2,
        )
        OrgRollup.objects.create(**common, fiscal_year=FY, month=3, deeds=1, credits_issued=10_000)
        OrgRollup.objects.create(**common, fiscal_year=FY - 1, month=0, deeds=1, credits_issued=credits * 3 + 1)
    return orgs


def _names(rows):
    return [row["organisation__name_th"] for row in rows]


def test_top_organisations_by_scope_kind_and_limit():
    orgs = _world()
    name = [o.name_th for o in orgs]
    assert _names(selectors.top_organisations("71", FY)) == [name[2], name[1], name[0], name[3]]
    assert _names(selectors.top_organisations("", FY, limit=2)) == [name[4], name[2]]
    assert _names(selectors.top_organisations("7101", FY)) == [name[2], name[1], name[0]]
    assert _names(selectors.top_organisations("710101", FY)) == [name[1], name[0]]
    assert _names(selectors.top_organisations("71", FY, kind=OrgKind.COUNCIL)) == [name[1], name[3]]
    assert _names(selectors.top_organisations("71", FY - 1)) == [name[1], name[2], name[0], name[3]]
    assert selectors.top_organisations("10", FY) == []
    row = selectors.top_organisations("40", FY, limit=1)[0]
    assert row == {
        "organisation__public_id": orgs[4].public_id,
        "organisation__name_th": orgs[4].name_th,
        "organisation__name_en": orgs[4].name_en,
        "organisation__kind": OrgKind.COUNCIL,
        "area_code": "40010101",
        "deeds": 40,
        "hours": Decimal("1.50"),
        "credits_issued": 500,
        "participants": 20,
        "suppressed": False,
        "below": 0,
    }


def test_top_organisations_of_a_network_match_the_plain_read():
    orgs = _world()
    network = NetworkFactory()
    for org in orgs:
        NetworkMembership.objects.create(network=network, organisation=org)
    for code in ("", "71", "7101", "40"):
        assert selectors.top_organisations(code, FY, network=network) == selectors.top_organisations(code, FY)
