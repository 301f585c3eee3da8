from __future__ import annotations

import datetime as dt

import pytest

from tests.worlds import RULES, build_world  # noqa: F401  (RULES re-exported for tests)
from thamdee.deeds import services


@pytest.fixture
def world(db):
    """An organisation with a published programme rulebook, a local catalogue, a verifier and members."""
    return build_world()


def report(w, *, deed_type=None, hours=2, days_ago=1, member=None, **kwargs):  # type: ignore[no-untyped-def]
    return services.deed_report(
        actor=member or w.member,
        deed_type=deed_type or w.care,
        done_on=w.today - dt.timedelta(days=days_ago),
        hours=hours,
        **kwargs,
    )


@pytest.fixture
def national(world):
    """A national template of the world's programme that its agency verifies, adopted into the world's catalogue;
    a verifier of that agency over the world's province, one of another agency there, and one of the programme's
    agency in another province."""
    from types import SimpleNamespace

    from tests.factories import AgencyStaffFactory, area

    template = services.deed_type_create(
        actor=world.admin,
        programme=world.programme,
        organisation=None,
        code="plant-trees",
        name_th="ปลูกต้นไม้",
        criterion="ปลูกแล้วดูแลจนรอด",
        unit="occurrence",
        verified_by="agency",
        virtues=["volunteering"],
        dimensions=["environment"],
    )
    adopted = services.deed_type_adopt(actor=world.admin, template=template, organisation=world.org)
    agency = world.programme.agency
    return SimpleNamespace(
        template=template,
        adopted=adopted,
        verifier=AgencyStaffFactory(agency=agency, scope_area=area("71"), is_verifier=True).user,
        other_agency=AgencyStaffFactory(scope_area=area("71"), is_verifier=True).user,
        elsewhere=AgencyStaffFactory(agency=agency, scope_area=area("40"), is_verifier=True).user,
    )
