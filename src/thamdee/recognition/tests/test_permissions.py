"""Who may run rounds, score, see nominations, and see or revoke credentials."""

from __future__ import annotations

import pytest

from tests.factories import AgencyFactory, AgencyStaffFactory, UserFactory, area, member_of
from thamdee.recognition import selectors
from thamdee.recognition.models import Credential, CredentialKind
from thamdee.recognition.permissions import (
    can_manage_round,
    can_revoke_credential,
    can_score,
    can_view_credential,
    can_view_nomination,
    has_conflict,
)

from .conftest import verified

pytestmark = pytest.mark.django_db


def test_the_round_is_managed_by_its_agency_over_its_area(exemplar):
    w = exemplar
    national = AgencyStaffFactory(agency=w.agency, scope_area=None).user
    elsewhere = AgencyStaffFactory(agency=w.agency, scope_area=area("40")).user
    other_agency = AgencyStaffFactory(agency=AgencyFactory(), scope_area=None).user
    table = {
        w.round_staff: True,
        national: True,
        w.admin: True,  # site admin
        elsewhere: False,
        other_agency: False,
        w.organiser: False,
        w.panel_outsiders[0]: False,
    }
    assert {u: can_manage_round.test(u, w.round) for u in table} == table


def test_a_provincial_round_and_its_panel_are_seen_by_organisers_of_that_province_only(exemplar):
    from tests.factories import OrganisationFactory
    from thamdee.recognition.permissions import can_view_round

    w = exemplar
    elsewhere = member_of(OrganisationFactory(area=area("400114")), is_organiser=True)
    table = {
        w.organiser: True,  # an organisation in Kanchanaburi: may nominate there
        elsewhere: False,  # an organisation in Khon Kaen: not its round, nor its panel's names
        w.panel_outsiders[0]: True,
        w.round_staff: True,
        w.member: False,
    }
    assert {u: can_view_round.test(u, w.round) for u in table} == table


def test_conflict_of_interest_covers_the_nominating_organisation_and_the_nominee(exemplar):
    w = exemplar
    assert has_conflict.test(w.panel_insider, w.nomination)
    assert has_conflict.test(w.member, w.nomination)  # the nominee
    assert not has_conflict.test(w.panel_outsiders[0], w.nomination)
    assert not can_score.test(w.panel_insider, w.nomination)
    assert can_score.test(w.panel_outsiders[0], w.nomination)
    assert not can_score.test(UserFactory(), w.nomination)  # not on the panel


def test_nomination_papers_are_for_the_nominators_the_panel_and_the_agency(exemplar):
    w = exemplar
    assert can_view_nomination.test(w.organiser, w.nomination)
    assert can_view_nomination.test(w.panel_outsiders[1], w.nomination)
    assert can_view_nomination.test(w.round_staff, w.nomination)
    assert not can_view_nomination.test(w.member, w.nomination)  # the nominee sees the honour, not the papers
    assert not can_view_nomination.test(member_of(w.other, is_admin=True), w.nomination)


def test_nominators_see_only_their_own_organisations_nominations(exemplar):
    from thamdee.recognition import services

    w = exemplar
    neighbour = member_of(w.other, is_admin=True)
    w.other.area = area("710901")
    w.other.save()
    theirs = services.nomination_submit(
        actor=neighbour,
        round=w.round,
        organisation=w.other,
        nominee=w.foreign_verifier,
        category="honesty",
        reasons="ส่งคืนของ",
    )
    seen = [r.nomination for r in selectors.nominations_of_round(viewer=neighbour, round=w.round)]
    assert seen == [theirs]
    managed = {r.nomination for r in selectors.nominations_of_round(viewer=w.round_staff, round=w.round)}
    assert managed == {theirs, w.nomination}


def test_credentials_are_seen_by_their_holder_and_revoked_by_their_issuer(world):
    verified(world, hours=3)
    badge = Credential.objects.get(member=world.member, kind=CredentialKind.BADGE)
    level = Credential.objects.get(member=world.member, kind=CredentialKind.LEVEL)
    org_admin = member_of(world.org, is_admin=True)
    agency_staff = AgencyStaffFactory(agency=world.agency, scope_area=area("71")).user
    assert can_view_credential.test(world.member, badge) and not can_revoke_credential.test(world.member, badge)
    assert can_revoke_credential.test(org_admin, badge) and not can_revoke_credential.test(org_admin, level)
    assert can_revoke_credential.test(agency_staff, level) and not can_revoke_credential.test(agency_staff, badge)
    assert not can_view_credential.test(world.verifier, badge)
    assert not can_view_credential.test(UserFactory(), level)


def test_a_level_is_seen_and_revoked_by_agency_staff_only_over_where_its_holder_lives_or_belongs(world):
    # Given a level credential of a member who lives in 71091101 and belongs to an organisation in 710911
    verified(world, hours=3)
    level = Credential.objects.get(member=world.member, kind=CredentialKind.LEVEL)
    agency_org_admin = member_of(world.agency, is_admin=True)  # an admin membership of the agency: no area scope
    table = {
        AgencyStaffFactory(agency=world.agency, scope_area=None).user: True,  # national staff
        AgencyStaffFactory(agency=world.agency, scope_area=area("71")).user: True,
        AgencyStaffFactory(agency=world.agency, scope_area=area("7109")).user: True,
        AgencyStaffFactory(agency=world.agency, scope_area=area("710911")).user: True,
        world.admin: True,  # site admin
        AgencyStaffFactory(agency=world.agency, scope_area=area("40")).user: False,  # another province
        AgencyStaffFactory(agency=world.agency, scope_area=area("7101")).user: False,  # another district
        AgencyStaffFactory(agency=AgencyFactory(), scope_area=None).user: False,  # another agency
        agency_org_admin: False,
        member_of(world.org, is_organiser=True): False,
    }
    assert {u: can_revoke_credential.test(u, level) for u in table} == table
    assert {u: can_view_credential.test(u, level) for u in table} == table


def test_an_honour_is_seen_and_revoked_by_its_agency_over_the_rounds_area_only(exemplar):
    from .conftest import select_nominee

    w = exemplar
    honour = select_nominee(w)  # a provincial honour (Kanchanaburi, 71)
    credential = honour.credential
    table = {
        w.round_staff: True,
        AgencyStaffFactory(agency=w.agency, scope_area=None).user: True,
        w.admin: True,
        AgencyStaffFactory(agency=w.agency, scope_area=area("7109")).user: False,  # narrower than the round
        AgencyStaffFactory(agency=w.agency, scope_area=area("40")).user: False,
        member_of(w.agency, is_admin=True): False,
        w.organiser: False,  # the nominating organisation's organiser
    }
    assert {u: can_revoke_credential.test(u, credential) for u in table} == table
    assert {u: can_view_credential.test(u, credential) for u in table} == table
    assert can_view_credential.test(w.member, credential)


def test_an_organisations_badges_are_for_its_own_admins(world):
    verified(world, hours=3)
    badge = Credential.objects.get(member=world.member, kind=CredentialKind.BADGE)
    table = {
        member_of(world.org, is_admin=True): True,
        world.admin: True,
        member_of(world.other, is_admin=True): False,
        member_of(world.org, is_organiser=True): False,
        AgencyStaffFactory(agency=world.agency, scope_area=area("71")).user: False,
    }
    assert {u: can_revoke_credential.test(u, badge) for u in table} == table


def test_an_issuers_list_holds_only_what_the_viewer_may_open(world):
    verified(world, hours=3)
    level = Credential.objects.get(member=world.member, kind=CredentialKind.LEVEL)
    badge = Credential.objects.get(member=world.member, kind=CredentialKind.BADGE)
    inside = AgencyStaffFactory(agency=world.agency, scope_area=area("7109")).user
    outside = AgencyStaffFactory(agency=world.agency, scope_area=area("40")).user
    assert list(selectors.credentials_issued_by(viewer=inside, organisation=world.agency)) == [level]
    assert list(selectors.credentials_issued_by(viewer=outside, organisation=world.agency)) == []
    assert (
        list(selectors.credentials_issued_by(viewer=member_of(world.agency, is_admin=True), organisation=world.agency))
        == []
    )
    assert list(selectors.credentials_issued_by(viewer=world.admin, organisation=world.agency)) == [level]
    org_admin = member_of(world.org, is_admin=True)
    assert list(selectors.credentials_issued_by(viewer=org_admin, organisation=world.org)) == [badge]
