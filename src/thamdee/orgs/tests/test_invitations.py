"""Nobody is enrolled without their say: a person with an account is invited, and joins when they accept. Until
then no organiser of the organisation sees their passbook, and adding them by mobile number does not tell who
holds the number."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError
from thamdee.inbox.models import Notification
from thamdee.orgs import services
from thamdee.orgs.errors import AlreadyInvitedError, AlreadyMemberError
from thamdee.orgs.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():  # type: ignore[no-untyped-def]
    return OrganisationFactory(area=area("710911"))


def test_an_organiser_adding_a_person_by_mobile_invites_them_and_sees_nothing_until_they_accept(client, org):
    organiser = member_of(org, is_organiser=True)
    person = UserFactory(mobile="0812345678", first_name="สมปอง", last_name="ทดลอง")
    client.force_login(organiser)
    response = client.post(
        reverse("orgs:members", args=[org.public_id]), {"action": "add", "a-mobile": "081-234-5678"}, follow=True
    )
    assert response.status_code == 200
    assert "สมปอง" not in response.content.decode()  # a mobile number does not tell who holds it
    membership = Membership.objects.get(user=person, organisation=org)
    assert membership.is_invitation and not membership.is_active
    assert Notification.objects.filter(user=person, kind="membership_invited").exists()
    passbook = reverse("ledger:member_passbook", args=[membership.public_id])
    assert client.get(passbook).status_code == 404
    # The person sees the invitation and accepts it: now the organiser may open the passbook.
    client.force_login(person)
    page = client.get(reverse("orgs:mine")).content.decode()
    assert 'data-testid="invitations"' in page and org.name_th in page
    client.post(reverse("orgs:invitation_answer", args=[membership.public_id]), {"answer": "accept"})
    membership.refresh_from_db()
    assert membership.is_active and not membership.is_invitation
    client.force_login(organiser)
    assert client.get(passbook).status_code == 200


def test_a_declined_invitation_ends_and_can_be_sent_again_but_not_twice_at_once(org):
    admin = member_of(org, is_admin=True)
    person = UserFactory()
    invitation = services.membership_add(actor=admin, organisation=org, user=person)
    with pytest.raises(AlreadyInvitedError):
        services.membership_add(actor=admin, organisation=org, user=person)
    with pytest.raises(NotFoundError):  # only the person answers their own invitation
        services.membership_accept(actor=admin, membership=invitation)
    services.membership_decline(actor=person, membership=invitation)
    invitation.refresh_from_db()
    assert not invitation.is_active and invitation.ended_at is not None and not invitation.is_invitation
    with pytest.raises(NotFoundError):  # nothing left to accept
        services.membership_accept(actor=person, membership=invitation)
    again = services.membership_add(actor=admin, organisation=org, user=person)
    assert again.pk == invitation.pk and again.is_invitation
    services.membership_accept(actor=person, membership=again)
    with pytest.raises(AlreadyMemberError):
        services.membership_add(actor=admin, organisation=org, user=person)


def test_a_person_registered_by_the_organisation_joins_at_once(org):
    organiser = member_of(org, is_organiser=True)
    membership = services.member_register(
        actor=organiser,
        organisation=org,
        prefix="นาย",
        first_name="ใหม่",
        last_name="ลงทะเบียน",
        mobile="0899999999",
        birth_year=1980,
        home_area=area("71091101"),
    )
    assert membership.is_active and not membership.is_invitation


def test_the_api_answers_an_invitation_without_the_person_s_name(org):
    organiser = member_of(org, is_organiser=True)
    person = UserFactory(mobile="0822222222", first_name="ลับเฉพาะ")
    api = APIClient()
    api.force_authenticate(organiser)
    response = api.post(f"/api/v1/organisations/{org.public_id}/memberships/", {"mobile": "0822222222"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "invited" and "person" not in body and "ลับเฉพาะ" not in response.content.decode()
    assert Membership.objects.get(user=person, organisation=org).is_invitation


def test_those_who_invite_see_the_invitations_that_wait_by_the_end_of_the_number_and_withdraw_one(client, org):
    organiser = member_of(org, is_organiser=True)
    person = UserFactory(mobile="0812345678", first_name="สมปอง", last_name="ทดลอง")
    services.membership_add(actor=organiser, organisation=org, user=person)
    answered = UserFactory(mobile="0899997531")
    declined = services.membership_add(actor=organiser, organisation=org, user=answered)
    services.membership_decline(actor=answered, membership=declined)
    url = reverse("orgs:members", args=[org.public_id])
    # A plain member of the organisation does not invite, so is shown none
    client.force_login(member_of(org))
    assert "คำเชิญที่รอคำตอบ" not in client.get(url).content.decode()
    client.force_login(organiser)
    page = client.get(url).content.decode()
    assert "คำเชิญที่รอคำตอบ" in page and "(1)" in page
    assert "5678" in page and "0812345678" not in page and "สมปอง" not in page  # never who holds the number
    assert "7531" not in page  # a declined invitation waits no more
    waiting = Membership.objects.get(user=person, organisation=org)
    assert f'action="{reverse("orgs:membership_end", args=[waiting.public_id])}"' in page
    response = client.post(reverse("orgs:membership_end", args=[waiting.public_id]), follow=True)
    assert response.status_code == 200 and "ถอนคำเชิญแล้ว" in response.content.decode()
    assert "คำเชิญที่รอคำตอบ" not in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.ended_at is not None and not waiting.is_active
