from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of

pytestmark = pytest.mark.django_db


def test_the_organisation_page_links_to_the_catalogue_only_for_those_who_may_edit_it(client):
    """Agency staff over the area manage the organisation but not its deed catalogue (docs/authorisation.md):
    the page must not show them a link that answers 404, and it shows it to organisers, who may edit it."""
    org = OrganisationFactory(area=area("710911"))
    catalogue = reverse("deeds:catalogue", args=[org.public_id])
    people = {
        "organiser": (member_of(org, is_organiser=True), True),
        "org admin": (member_of(org, is_admin=True), True),
        "site admin": (UserFactory(is_superuser=True), True),
        "agency staff": (AgencyStaffFactory(scope_area=area("71")).user, False),
        "verifier": (member_of(org, is_verifier=True), False),
        "member": (member_of(org), False),
    }
    for who, (user, may_edit) in people.items():
        client.force_login(user)
        page = client.get(reverse("orgs:detail", args=[org.public_id]))
        assert page.status_code == 200, who
        assert (f'href="{catalogue}"' in page.content.decode()) is may_edit, who
        assert client.get(catalogue).status_code == (200 if may_edit else 404), who


def test_the_organisation_page_links_to_its_report_and_the_members_page_to_their_passbooks(client):
    """The organisation's report and its members' passbooks had pages but no link to them: each link is shown to
    exactly those whom its page answers."""
    org = OrganisationFactory(area=area("710911"))
    report = reverse("reports:organisation", args=[org.public_id])
    member = member_of(org)
    membership = member.memberships.get(organisation=org)
    passbook = reverse("ledger:member_passbook", args=[membership.public_id])
    people = {
        "organiser": (member_of(org, is_organiser=True), True, True),
        "org admin": (member_of(org, is_admin=True), True, True),
        "verifier": (member_of(org, is_verifier=True), False, True),
        "site admin": (UserFactory(is_superuser=True), True, True),
        "agency staff": (AgencyStaffFactory(scope_area=area("71")).user, False, False),
        "member": (member_of(org), False, False),
    }
    for who, (user, reads_report, reads_passbooks) in people.items():
        client.force_login(user)
        page = client.get(reverse("orgs:detail", args=[org.public_id])).content.decode()
        assert (f'href="{report}"' in page) is reads_report, who
        assert client.get(report).status_code == (200 if reads_report else 404), who
        members = client.get(reverse("orgs:members", args=[org.public_id]))
        assert (f'href="{passbook}"' in members.content.decode()) is reads_passbooks, who
        assert client.get(passbook).status_code == (200 if reads_passbooks else 404), who
