"""Through the API, a membership names its person only to the person and, once they have joined, to those who
see the member list; and nobody who is not an admin of the organisation changes their own roles."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError
from thamdee.orgs import services
from thamdee.orgs.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():  # type: ignore[no-untyped-def]
    return OrganisationFactory(area=area("710911"))


def test_an_invitation_by_mobile_number_never_names_the_person_to_the_organisation(org):
    organiser = member_of(org, is_organiser=True)
    admin = member_of(org, is_admin=True)
    stranger = UserFactory(mobile="0899990001", first_name="ซ่อนเร้น", last_name="นิรนามยิ่ง")
    api = APIClient()
    api.force_authenticate(organiser)
    created = api.post(f"/api/v1/organisations/{org.public_id}/memberships/", {"mobile": "0899990001"}, format="json")
    assert created.status_code == 201
    assert "นิรนามยิ่ง" not in created.content.decode()
    invitation_url = f"/api/v1/memberships/{created.json()['id']}/"
    for viewer in (organiser, admin, UserFactory(is_superuser=True)):
        api.force_authenticate(viewer)
        for response in (
            api.get(invitation_url),
            api.patch(invitation_url, {"roles": ["member", "verifier"]}, format="json"),
        ):
            assert response.status_code == 404
            assert (
                "นิรนามยิ่ง" not in response.content.decode() and str(stranger.public_id) not in response.content.decode()
            )
    # The web's role partial answers the same.
    web = Client()
    web.force_login(admin)
    membership = Membership.objects.get(user=stranger, organisation=org)
    response = web.post(reverse("orgs:membership_roles", args=[membership.public_id]), {"roles": ["member"]})
    assert response.status_code == 404 and "นิรนามยิ่ง" not in response.content.decode()
    membership.refresh_from_db()
    assert membership.is_invitation
    # The person sees their own invitation; once they accept, so does the organiser.
    api.force_authenticate(stranger)
    assert api.get(invitation_url).status_code == 200
    services.membership_accept(actor=stranger, membership=membership)
    api.force_authenticate(organiser)
    joined = api.get(invitation_url)
    assert joined.status_code == 200 and joined.json()["person"]["name"] == stranger.full_name


def test_those_who_invite_may_withdraw_an_invitation_that_waits_and_learn_no_name(org):
    organiser = member_of(org, is_organiser=True)
    plain = member_of(org)
    stranger = UserFactory(mobile="0899990002", first_name="ถอนคืน")
    api = APIClient()
    api.force_authenticate(organiser)
    created = api.post(f"/api/v1/organisations/{org.public_id}/memberships/", {"mobile": "0899990002"}, format="json")
    url = f"/api/v1/memberships/{created.json()['id']}/"
    api.force_authenticate(plain)  # a plain member does not invite, so does not withdraw
    assert api.delete(url).status_code == 404
    api.force_authenticate(organiser)
    withdrawn = api.delete(url)
    assert withdrawn.status_code == 204 and "ถอนคืน" not in withdrawn.content.decode()
    membership = Membership.objects.get(user=stranger, organisation=org)
    assert not membership.is_invitation and membership.ended_at is not None and not membership.is_active
    assert api.delete(url).status_code == 404  # once withdrawn it is gone to them
    # The person no longer has it to accept.
    with pytest.raises(NotFoundError):
        services.membership_accept(actor=stranger, membership=membership)


def test_a_declined_invitation_names_nobody_either(org):
    admin = member_of(org, is_admin=True)
    person = UserFactory(first_name="ปฏิเสธ")
    invitation = services.membership_add(actor=admin, organisation=org, user=person)
    services.membership_decline(actor=person, membership=invitation)
    api = APIClient()
    api.force_authenticate(admin)
    response = api.get(f"/api/v1/memberships/{invitation.public_id}/")
    assert response.status_code == 404 and "ปฏิเสธ" not in response.content.decode()


def test_agency_staff_who_are_plain_members_cannot_make_themselves_admin(org):
    member_of(org, is_admin=True)
    other = member_of(org)
    staff = AgencyStaffFactory(scope_area=area("71")).user
    mine = Membership.objects.create(user=staff, organisation=org, is_member=True)
    api = APIClient()
    api.force_authenticate(staff)
    members_url = f"/api/v1/organisations/{org.public_id}/memberships/"
    assert api.get(members_url).status_code == 404
    response = api.patch(f"/api/v1/memberships/{mine.public_id}/", {"roles": ["member", "admin"]}, format="json")
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.roles == ["member"]
    again = APIClient()
    again.force_authenticate(type(staff).objects.get(pk=staff.pk))  # roles read afresh
    assert again.get(members_url).status_code == 404
    other_membership = Membership.objects.get(user=other, organisation=org)
    assert again.get(f"/api/v1/memberships/{other_membership.public_id}/passbook/").status_code == 404


def test_an_admin_still_changes_roles_once_the_person_has_joined(org):
    admin = member_of(org, is_admin=True)
    person = UserFactory()
    membership = services.membership_add(actor=admin, organisation=org, user=person)
    services.membership_accept(actor=person, membership=membership)
    api = APIClient()
    api.force_authenticate(admin)
    url = f"/api/v1/memberships/{membership.public_id}/"
    changed = api.patch(url, {"roles": ["member", "verifier"]}, format="json")
    assert changed.status_code == 200 and changed.json()["roles"] == ["member", "verifier"]
    assert api.delete(url).status_code == 204
