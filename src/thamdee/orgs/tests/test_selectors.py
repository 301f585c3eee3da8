"""Reads of organisations and memberships."""

from __future__ import annotations

import pytest

from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from thamdee.orgs import selectors

pytestmark = pytest.mark.django_db


def test_a_users_organisation_links_carry_their_role_flags_in_name_order() -> None:
    user = UserFactory()
    second = OrganisationFactory(name_th="ข กลุ่มที่สอง", name_en="B")
    first = OrganisationFactory(name_th="ก กลุ่มแรก", name_en="A")
    left = OrganisationFactory(name_th="ค กลุ่มที่ออกแล้ว")
    MembershipFactory(user=user, organisation=second, is_member=True, is_organiser=True)
    MembershipFactory(user=user, organisation=first, is_member=False, is_verifier=True, is_admin=True)
    MembershipFactory(user=user, organisation=left, is_active=False)
    MembershipFactory(organisation=first)  # someone else's membership

    links = selectors.organisation_links_for_user(user)

    assert [org.pk for org, _ in links] == [first.pk, second.pk]  # the inactive membership is left out
    (org_a, m_a), (_, m_b) = links
    assert (org_a.public_id, org_a.display_name(), org_a.kind) == (first.public_id, "ก กลุ่มแรก", first.kind)
    assert (m_a.is_member, m_a.is_organiser, m_a.is_verifier, m_a.is_admin) == (False, False, True, True)
    assert (m_b.is_member, m_b.is_organiser, m_b.is_verifier, m_b.is_admin) == (True, True, False, False)
    # The same organisations, in the same order, as the full list of the user's memberships
    assert [o.pk for o, _ in selectors.organisation_list_for_user(user)] == [o.pk for o, _ in links]
