"""Who may see and decide on a deed, as a table. Refusals of what one cannot see are 404."""

from __future__ import annotations

import pytest

from tests.factories import AgencyStaffFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError, PermissionDeniedError
from thamdee.deeds import selectors, services

from .conftest import report

pytestmark = pytest.mark.django_db

ACTORS = [
    "doer",
    "fellow_member",
    "organiser",
    "verifier",
    "admin",
    "foreign_verifier",
    "agency_province",
    "agency_verifier_province",
    "outsider",
    "site_admin",
]


@pytest.fixture
def cast(world):
    people = {
        "doer": world.member,
        "fellow_member": member_of(world.org),
        "organiser": world.organiser,
        "verifier": world.verifier,
        "admin": member_of(world.org, is_admin=True),
        "foreign_verifier": world.foreign_verifier,
        "agency_province": AgencyStaffFactory(scope_area=area("71")).user,
        "agency_verifier_province": AgencyStaffFactory(scope_area=area("71"), is_verifier=True).user,
        "outsider": UserFactory(),
        "site_admin": UserFactory(is_superuser=True),
    }
    return people


SEE = {"doer", "organiser", "verifier", "admin", "site_admin"}
VERIFY = {"verifier"}
VERIFY_AGENCY_TYPE = {"agency_verifier_province"}


def outcome(call) -> str:  # type: ignore[no-untyped-def]
    try:
        call()
    except NotFoundError:
        return "404"
    except PermissionDeniedError as exc:
        return exc.code
    return "ok"


@pytest.mark.parametrize("actor", ACTORS)
def test_who_sees_a_deed(world, cast, actor):
    deed = report(world)
    result = outcome(lambda: selectors.deed_get_visible_to(viewer=cast[actor], public_id=deed.public_id))
    assert result == ("ok" if actor in SEE else "404")


@pytest.mark.parametrize("actor", ACTORS)
def test_who_verifies_an_organisation_verified_deed(world, cast, actor):
    deed = report(world)
    result = outcome(lambda: services.deed_verify(actor=cast[actor], deed=deed))
    # (a plain member may not verify at all; a verifier who did the deed is refused as self-verification, tested
    # in test_services)
    assert result == ("ok" if actor in VERIFY else "404")


@pytest.mark.parametrize("actor", ACTORS)
def test_who_verifies_an_agency_verified_deed(world, cast, actor):
    world.care.verified_by = "agency"
    world.care.save()
    deed = report(world)
    result = outcome(lambda: services.deed_verify(actor=cast[actor], deed=deed))
    assert result == ("ok" if actor in VERIFY_AGENCY_TYPE else "404")


def test_agency_verifiers_elsewhere_get_not_found(world):
    world.care.verified_by = "agency"
    world.care.save()
    deed = report(world)
    far = AgencyStaffFactory(scope_area=area("40"), is_verifier=True).user
    assert outcome(lambda: services.deed_verify(actor=far, deed=deed)) == "404"


@pytest.mark.parametrize("actor", ACTORS)
def test_who_sees_the_queue(world, cast, actor):
    result = outcome(lambda: list(selectors.deed_queue_for(viewer=cast[actor], organisation=world.org)))
    assert result == ("ok" if actor in {"organiser", "verifier", "admin", "site_admin"} else "404")


def test_evidence_is_served_only_to_those_who_see_the_deed(world, cast, client):
    from django.urls import reverse

    from .test_services import jpeg_with_gps

    deed = report(world, photos=[jpeg_with_gps()])
    item = deed.evidence.get()
    url = reverse("deeds:evidence", args=[item.public_id, "thumb"])
    for actor in ACTORS:
        client.force_login(cast[actor])
        response = client.get(url)
        assert response.status_code == (200 if actor in SEE else 404), actor
        if response.status_code == 200:
            assert response["Content-Type"] == "image/jpeg"
