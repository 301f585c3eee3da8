"""Who may see and decide on a deed, as a table. Refusals of what one cannot see are 404."""

from __future__ import annotations

import pytest

from tests.factories import AgencyStaffFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError, PermissionDeniedError
from thamdee.deeds import selectors, services
from thamdee.deeds.permissions import can_verify_deed, can_view_deed

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
    "other_agency_verifier_province",
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
        # a verifier of the agency that runs the world's programme, and one of another agency, over the province
        "agency_verifier_province": AgencyStaffFactory(
            agency=world.programme.agency, scope_area=area("71"), is_verifier=True
        ).user,
        "other_agency_verifier_province": AgencyStaffFactory(scope_area=area("71"), is_verifier=True).user,
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
def test_who_sees_a_deed_of_a_national_template_the_agency_verifies(world, national, cast, actor):
    deed = report(world, deed_type=national.adopted)
    result = outcome(lambda: selectors.deed_get_visible_to(viewer=cast[actor], public_id=deed.public_id))
    assert result == ("ok" if actor in SEE | VERIFY_AGENCY_TYPE else "404")


@pytest.mark.parametrize("actor", ACTORS)
def test_who_verifies_a_deed_of_a_national_template_the_agency_verifies(world, national, cast, actor):
    deed = report(world, deed_type=national.adopted)
    result = outcome(lambda: services.deed_verify(actor=cast[actor], deed=deed))
    assert result == ("ok" if actor in VERIFY_AGENCY_TYPE else "404")


def _appeal_decision(deed, rejected_by, actor):  # type: ignore[no-untyped-def]
    services.deed_reject(actor=rejected_by, deed=deed, reason="ไม่มีพยาน")
    appeal = services.appeal_file(actor=deed.member, deed=deed, reason="มีพยาน")
    return outcome(lambda: services.appeal_decide(actor=actor, appeal=appeal, uphold=True, reason="มีพยานจริง"))


@pytest.mark.parametrize("actor", ACTORS)
def test_who_decides_an_appeal_on_an_organisation_verified_deed(world, cast, actor):
    # (rejected by another verifier: who took the decision is refused with its own error, tested in test_services)
    result = _appeal_decision(report(world), world.verifier2, cast[actor])
    assert result == ("ok" if actor in VERIFY | {"admin"} else "404")


@pytest.mark.parametrize("actor", ACTORS)
def test_who_decides_an_appeal_on_a_deed_of_a_national_template_the_agency_verifies(world, national, cast, actor):
    # Upholding verifies the deed: only those who may verify it, never the organisation's admins
    deed = report(world, deed_type=national.adopted)
    second = AgencyStaffFactory(agency=world.programme.agency, is_verifier=True).user  # national scope
    result = _appeal_decision(deed, second, cast[actor])
    assert result == ("ok" if actor in VERIFY_AGENCY_TYPE else "404")


@pytest.mark.parametrize("actor", ACTORS)
def test_who_reverses_a_deed_of_a_national_template_the_agency_verifies(world, national, cast, actor):
    # Verified by the agency, so reversed by it: the organisation's admins may not undo what they may not verify
    deed = report(world, deed_type=national.adopted)
    services.deed_verify(actor=national.verifier, deed=deed)
    result = outcome(lambda: services.deed_reverse(actor=cast[actor], deed=deed, reason="ไม่มีพยาน"))
    assert result == ("ok" if actor in VERIFY_AGENCY_TYPE else "404")


def test_agency_verifiers_elsewhere_get_not_found(world, national):
    deed = report(world, deed_type=national.adopted)
    assert outcome(lambda: selectors.deed_get_visible_to(viewer=national.elsewhere, public_id=deed.public_id)) == "404"
    assert outcome(lambda: services.deed_verify(actor=national.elsewhere, deed=deed)) == "404"


def test_a_local_type_marked_for_the_agency_stays_with_its_organisation(world, national):
    # given a deed of the organisation's own type, marked "verified by the agency" (as a type saved before the
    # setting was refused would be; the migration and the database now keep such types organisation-verified)
    deed = report(world)
    deed.deed_type.verified_by = "agency"
    # then no agency verifier over its area sees or verifies it, and its organisation's verifiers still do
    for agency_verifier in (national.verifier, national.other_agency):
        assert not can_view_deed.test(agency_verifier, deed)
        assert not can_verify_deed.test(agency_verifier, deed)
    assert can_verify_deed.test(world.verifier, deed)
    assert can_view_deed.test(world.verifier, deed)


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


def test_evidence_of_a_national_template_deed_is_served_to_its_agency_verifier_only(world, national, client):
    from django.urls import reverse

    from .test_services import jpeg_with_gps

    deed = report(world, deed_type=national.adopted, photos=[jpeg_with_gps()])
    url = reverse("deeds:evidence", args=[deed.evidence.get().public_id, "thumb"])
    for person, status in ((national.verifier, 200), (national.other_agency, 404), (national.elsewhere, 404)):
        client.force_login(person)
        assert client.get(url).status_code == status
