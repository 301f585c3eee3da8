"""Memberships through the API and the web follow the authorisation matrix of docs/authorisation.md: agency staff
over an organisation take roles away and end memberships they are given the id of, without learning who holds
them; a person changing their own roles is told 403; and no organisation is named by its primary key."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgencyStaffFactory, MembershipFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.orgs.models import Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():  # type: ignore[no-untyped-def]
    org = OrganisationFactory(area=area("710101"))
    member_of(org, is_admin=True)
    return org


def test_me_names_organisations_by_public_id_not_primary_key(client):
    # Given a person who organises in one organisation and is a plain member of another
    org = OrganisationFactory()
    m = MembershipFactory(organisation=org, is_organiser=True)
    other = OrganisationFactory()
    MembershipFactory(user=m.user, organisation=other)
    client.force_login(m.user)
    # When they read their own account, then each organisation is named by its public id, with its roles
    organisations = client.get("/api/v1/me/").json()["roles"]["organisations"]
    assert organisations == {str(org.public_id): ["member", "organiser"], str(other.public_id): ["member"]}


def test_agency_staff_over_the_organisation_can_take_roles_away_through_the_api(client, org):
    organiser = MembershipFactory(organisation=org, is_organiser=True)
    staff = AgencyStaffFactory(scope_area=area("71")).user
    client.force_login(staff)
    url = f"/api/v1/memberships/{organiser.public_id}/"
    response = client.patch(url, {"roles": ["member"]}, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert Membership.objects.get(pk=organiser.pk).roles == [Role.MEMBER]
    # The answer names no one: agencies never see individual members.
    body = response.json()
    assert body == {"id": str(organiser.public_id), "organisation": str(org.public_id), "roles": ["member"]}
    assert organiser.user.first_name not in response.content.decode()
    # They still give no role ...
    refused = client.patch(url, {"roles": ["member", "verifier"]}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "role_not_allowed"
    assert not Membership.objects.get(pk=organiser.pk).is_verifier
    # ... nor read the membership.
    assert client.get(url).status_code == 404


def test_agency_staff_of_another_area_find_no_membership_to_change_or_end(client, org):
    verifier = MembershipFactory(organisation=org, is_verifier=True)
    client.force_login(AgencyStaffFactory(scope_area=area("40")).user)
    url = f"/api/v1/memberships/{verifier.public_id}/"
    assert client.patch(url, {"roles": ["member"]}, content_type="application/json").status_code == 404
    assert client.delete(url).status_code == 404
    verifier.refresh_from_db()
    assert verifier.is_active and verifier.is_verifier


def test_a_plain_member_changing_their_own_roles_gets_403(client):
    org = OrganisationFactory()
    m = MembershipFactory(organisation=org)
    client.force_login(m.user)
    response = client.patch(
        f"/api/v1/memberships/{m.public_id}/", {"roles": ["admin"]}, content_type="application/json"
    )
    assert response.status_code == 403, response.json()
    assert response.json()["code"] == "permission_denied"
    assert not Membership.objects.get(pk=m.pk).is_admin


def test_a_plain_member_finds_no_one_else_s_membership_to_change(client, org):
    other = MembershipFactory(organisation=org)
    client.force_login(member_of(org))
    url = f"/api/v1/memberships/{other.public_id}/"
    assert client.patch(url, {"roles": ["member"]}, content_type="application/json").status_code == 404
    assert client.delete(url).status_code == 404


def test_agency_staff_over_the_organisation_end_a_membership_through_the_api_and_learn_no_name(client, org):
    member = MembershipFactory(organisation=org)
    client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
    response = client.delete(f"/api/v1/memberships/{member.public_id}/")
    assert response.status_code == 204 and not response.content
    member.refresh_from_db()
    assert not member.is_active and member.ended_at is not None
    # Once ended, it is gone to them; an invitation that waits was never theirs to see.
    assert client.delete(f"/api/v1/memberships/{member.public_id}/").status_code == 404
    invitation = MembershipFactory(organisation=org, is_active=False, invited_at=timezone.now())
    assert client.delete(f"/api/v1/memberships/{invitation.public_id}/").status_code == 404
    url = f"/api/v1/memberships/{invitation.public_id}/"
    assert client.patch(url, {"roles": ["member"]}, content_type="application/json").status_code == 404
    invitation.refresh_from_db()
    assert invitation.is_invitation


def test_agency_staff_take_roles_away_and_end_memberships_on_the_web_without_seeing_the_member(client, org):
    verifier = MembershipFactory(organisation=org, is_verifier=True)
    client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
    response = client.post(reverse("orgs:membership_roles", args=[verifier.public_id]), {"roles": ["member"]})
    assert response.status_code == 204
    assert Membership.objects.get(pk=verifier.pk).roles == [Role.MEMBER]
    refused = client.post(reverse("orgs:membership_roles", args=[verifier.public_id]), {"roles": ["member", "admin"]})
    assert refused.status_code == 403 and verifier.user.first_name not in refused.content.decode()
    ended = client.post(reverse("orgs:membership_end", args=[verifier.public_id]))
    assert ended.status_code == 302 and ended.url == reverse("orgs:detail", args=[org.public_id])
    assert not Membership.objects.get(pk=verifier.pk).is_active
    # Agency staff of another area find nothing.
    other = MembershipFactory(organisation=org, is_organiser=True)
    client.force_login(AgencyStaffFactory(scope_area=area("40")).user)
    assert client.post(reverse("orgs:membership_roles", args=[other.public_id]), {"roles": []}).status_code == 404
    assert client.post(reverse("orgs:membership_end", args=[other.public_id])).status_code == 404


def test_those_who_invite_withdraw_an_invitation_that_waits_on_the_web(client, org):
    organiser = member_of(org, is_organiser=True)
    person = UserFactory(first_name="รอคำตอบ")
    invitation = MembershipFactory(user=person, organisation=org, is_active=False, invited_at=timezone.now())
    client.force_login(member_of(org))  # a plain member does not invite, so does not withdraw
    assert client.post(reverse("orgs:membership_end", args=[invitation.public_id])).status_code == 404
    client.force_login(organiser)
    response = client.post(reverse("orgs:membership_end", args=[invitation.public_id]), follow=True)
    assert response.status_code == 200 and "รอคำตอบ" not in response.content.decode()
    invitation.refresh_from_db()
    assert not invitation.is_invitation and not invitation.is_active and invitation.ended_at is not None
