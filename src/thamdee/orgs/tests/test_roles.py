"""roles_for reads memberships and agency posts in one statement; what it returns must match the rows exactly."""

from __future__ import annotations

import pytest

from tests.factories import AgencyStaffFactory, MembershipFactory, OrganisationFactory, UserFactory, area
from thamdee.orgs.roles import roles_for

pytestmark = pytest.mark.django_db


def test_roles_hold_every_active_membership_and_post_and_nothing_else(django_assert_num_queries):
    # Given a person who organises in one place, is a plain member of another, has left a third,
    # and holds two agency posts (a province with verification rights, the nation without) and a lapsed one
    person = UserFactory()
    here, there, gone = (OrganisationFactory(area=area("710911")) for _ in range(3))
    MembershipFactory(user=person, organisation=here, is_organiser=True, is_verifier=True)
    MembershipFactory(user=person, organisation=there)
    MembershipFactory(user=person, organisation=gone, is_admin=True, is_active=False)
    province = AgencyStaffFactory(user=person, scope_area=area("71"), is_verifier=True)
    nation = AgencyStaffFactory(user=person)
    AgencyStaffFactory(user=person, scope_area=area("10"), is_active=False)
    # When the roles are read, then it takes one query
    with django_assert_num_queries(1):
        roles = roles_for(person)
    # and they are exactly the active ones, with their flags
    assert roles.orgs == {here.pk: frozenset({"member", "organiser", "verifier"}), there.pk: frozenset({"member"})}
    posts = sorted((p.agency_id, p.scope_code, p.is_verifier) for p in roles.agency_posts)
    assert posts == sorted([(province.agency_id, "71", True), (nation.agency_id, "", False)])
    assert roles.covers("710911") and roles.covers("10") and roles.covers_scope("")
    assert not roles.is_site_admin


def test_a_person_with_no_roles_has_none():
    roles = roles_for(UserFactory())
    assert roles.orgs == {} and roles.agency_posts == [] and not roles.is_agency_staff


def test_national_staff_is_a_whole_country_post_of_the_agency_named():
    # Given a person with a provincial post in one agency and a national post in another
    person = UserFactory()
    province = AgencyStaffFactory(user=person, scope_area=area("71"))
    nation = AgencyStaffFactory(user=person)
    # and someone whose national post has lapsed
    lapsed = UserFactory()
    AgencyStaffFactory(user=lapsed, agency=nation.agency, is_active=False)
    roles = roles_for(person)
    # Then they are national staff of the second agency only, and national staff of some agency
    assert roles.is_national_staff_of(nation.agency_id)
    assert not roles.is_national_staff_of(province.agency_id)
    assert roles.is_national_staff_of()
    assert not roles_for(lapsed).is_national_staff_of() and not roles_for(lapsed).is_national_staff_of(nation.agency_id)
