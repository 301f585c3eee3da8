"""The authorisation matrix of docs/authorisation.md, tested as a table: every role against own and foreign
organisations and areas. A refusal of something the actor cannot see is a 404 (NotFoundError); of something
they can see, a 403."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from tests.factories import (
    AgencyFactory,
    AgencyStaffFactory,
    MembershipFactory,
    NetworkFactory,
    OrganisationFactory,
    PartnerFactory,
    UserFactory,
    area,
    member_of,
)
from thamdee.common.errors import DomainError, NotFoundError, PermissionDeniedError
from thamdee.orgs import selectors, services
from thamdee.orgs.errors import RoleNotAllowedError
from thamdee.orgs.models import Membership, NetworkKind, OrgKind, Role
from thamdee.orgs.roles import roles_forget

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "outsider",
    "member",
    "organiser",
    "verifier",
    "admin",
    "foreign_admin",
    "agency_province",
    "agency_other_province",
    "agency_national",
    "partner_staff",
    "site_admin",
]


@pytest.fixture
def world():
    home = OrganisationFactory(area=area("710911"), kind=OrgKind.COUNCIL)
    foreign = OrganisationFactory(area=area("400114"), kind=OrgKind.COUNCIL)
    w = SimpleNamespace(home=home, foreign=foreign)
    w.anonymous = AnonymousUser()
    w.outsider = UserFactory()
    w.member = member_of(home)
    w.organiser = member_of(home, is_organiser=True)
    w.verifier = member_of(home, is_verifier=True)
    w.admin = member_of(home, is_admin=True)
    w.foreign_admin = member_of(foreign, is_admin=True)
    agency = AgencyFactory()
    w.agency_province = AgencyStaffFactory(agency=agency, scope_area=area("71")).user
    w.agency_other_province = AgencyStaffFactory(agency=agency, scope_area=area("40")).user
    w.agency_national = AgencyStaffFactory(agency=agency, scope_area=None).user
    w.partner = PartnerFactory(area=area("710911"))
    w.partner_staff = member_of(w.partner, is_partner_staff=True, is_member=False)
    w.site_admin = UserFactory(is_superuser=True)
    w.agency = agency
    w.target = MembershipFactory(organisation=home)  # someone else's membership in the home organisation
    w.target_verifier = MembershipFactory(organisation=home, is_verifier=True)  # ... who holds a role
    # Someone the home organisation invited who has not answered, and someone who declined.
    w.invitation = MembershipFactory(organisation=home, is_active=False, invited_at=timezone.now())
    w.declined = MembershipFactory(
        organisation=home, is_active=False, invited_at=timezone.now(), ended_at=timezone.now()
    )
    w.area_network = NetworkFactory(kind=NetworkKind.AREA, area=area("71"))
    w.issue_network = NetworkFactory(kind=NetworkKind.ISSUE, area=None)
    return w


def allowed(call) -> bool:
    try:
        call()
    except (NotFoundError, PermissionDeniedError, RoleNotAllowedError):  # role_not_allowed is a 403 as well
        return False
    except DomainError as exc:  # a business rule, not an authorisation refusal
        raise AssertionError(f"unexpected {exc.code}") from exc
    return True


# action -> the actors allowed; everyone else gets a 404. In the network rows the organisation added is
# "foreign", so its own admin may join it to a network.
MATRIX = {
    "view_members": {"organiser", "verifier", "admin", "site_admin"},
    "add_member": {"organiser", "admin", "site_admin"},
    "set_roles": {"admin", "site_admin"},
    "take_roles_away": {"admin", "agency_province", "agency_national", "site_admin"},
    "update_org": {"admin", "agency_province", "agency_national", "site_admin"},
    "create_org_in_71": {"agency_province", "agency_national", "site_admin"},
    "view_membership": {"organiser", "verifier", "admin", "site_admin"},
    "view_invitation": set(),  # only the person invited, who is none of these
    "view_declined_invitation": set(),
    "end_membership": {"admin", "agency_province", "agency_national", "site_admin"},
    # Who finds a membership by its id to change its roles or end it (the service then decides): those who see it,
    # and agency staff over the organisation, who act on it without seeing the member list. An invitation that
    # waits: only those who may withdraw it find it, to end it.
    "find_membership_to_change": {"organiser", "verifier", "admin", "agency_province", "agency_national", "site_admin"},
    "find_membership_to_end": {"organiser", "verifier", "admin", "agency_province", "agency_national", "site_admin"},
    "find_invitation_to_change": set(),
    "find_invitation_to_end": {"organiser", "admin", "site_admin"},
    "manage_area_network_71": {"foreign_admin", "agency_province", "agency_national", "site_admin"},
    "manage_issue_network": {"foreign_admin", "agency_national", "site_admin"},
    "add_village_710911": {"organiser", "admin", "agency_province", "agency_national", "site_admin"},
    "assign_staff_in_71": {"agency_province", "agency_national", "site_admin"},
}


def act(world, action, user):
    w = world
    if action == "view_members":
        return lambda: list(selectors.membership_list_visible_to(viewer=user, organisation=w.home))
    if action == "add_member":
        return lambda: services.membership_add(actor=user, organisation=w.home, user=UserFactory())
    if action == "set_roles":
        return lambda: services.membership_set_roles(
            actor=user, membership=w.target, roles=[Role.MEMBER, Role.VERIFIER]
        )
    if action == "take_roles_away":
        return lambda: services.membership_set_roles(actor=user, membership=w.target_verifier, roles=[Role.MEMBER])
    if action == "update_org":
        return lambda: services.organisation_update(actor=user, organisation=w.home, description="x")
    if action == "create_org_in_71":
        return lambda: services.organisation_create(
            actor=user, name_th="กลุ่มใหม่", kind=OrgKind.COMMUNITY, area=area("710901")
        )
    if action == "view_membership":
        return lambda: selectors.membership_get_visible_to(viewer=user, public_id=w.target.public_id)
    if action == "view_invitation":
        return lambda: selectors.membership_get_visible_to(viewer=user, public_id=w.invitation.public_id)
    if action == "view_declined_invitation":
        return lambda: selectors.membership_get_visible_to(viewer=user, public_id=w.declined.public_id)
    if action == "end_membership":
        return lambda: services.membership_end(actor=user, membership=w.target)
    if action.startswith("find_"):
        target = w.invitation if "invitation" in action else w.target
        getter = selectors.membership_get_to_change if action.endswith("change") else selectors.membership_get_to_end
        return lambda: getter(viewer=user, public_id=target.public_id)
    if action == "manage_area_network_71":
        return lambda: services.network_add_organisation(actor=user, network=w.area_network, organisation=w.foreign)
    if action == "manage_issue_network":
        return lambda: services.network_add_organisation(actor=user, network=w.issue_network, organisation=w.foreign)
    if action == "add_village_710911":
        from thamdee.areas.services import village_create

        return lambda: village_create(actor=user, subdistrict=area("710911"), number=50)
    if action == "assign_staff_in_71":
        return lambda: services.agency_staff_assign(
            actor=user, agency=w.agency, user=UserFactory(), scope_area=area("7109")
        )
    raise AssertionError(action)


@pytest.mark.parametrize("action", sorted(MATRIX))
@pytest.mark.parametrize("actor", ACTORS)
def test_authorisation_matrix(world, action, actor):
    user = getattr(world, actor)
    expected = actor in MATRIX[action]
    assert allowed(act(world, action, user)) is expected, f"{actor} {action}"


def test_who_can_see_a_membership_is_told_403_and_everyone_else_404(world):
    # An organiser sees the member list, so refusing them a role change is an honest 403 ...
    with pytest.raises(PermissionDeniedError):
        services.membership_set_roles(actor=world.organiser, membership=world.target, roles=[Role.ADMIN])
    # ... while to someone from another organisation the membership does not exist.
    with pytest.raises(NotFoundError):
        services.membership_set_roles(actor=world.foreign_admin, membership=world.target, roles=[Role.ADMIN])


def test_a_member_sees_their_own_membership_but_not_others(world):
    own = world.member.memberships.get(organisation=world.home)
    assert selectors.membership_get_visible_to(viewer=world.member, public_id=own.public_id) == own
    with pytest.raises(NotFoundError):
        selectors.membership_get_visible_to(viewer=world.member, public_id=world.target.public_id)


def test_a_member_may_leave(world):
    own = world.member.memberships.get(organisation=world.home)
    services.membership_end(actor=world.member, membership=own)
    own.refresh_from_db()
    assert not own.is_active


def test_an_organiser_adds_members_but_cannot_hand_out_roles(world):
    from thamdee.orgs.errors import RoleNotAllowedError

    with pytest.raises(RoleNotAllowedError):
        services.membership_add(
            actor=world.organiser, organisation=world.home, user=UserFactory(), roles=[Role.VERIFIER]
        )


def test_an_organisation_keeps_its_last_admin(world):
    from thamdee.orgs.errors import LastAdminError

    own = world.admin.memberships.get(organisation=world.home)
    with pytest.raises(LastAdminError):
        services.membership_set_roles(actor=world.admin, membership=own, roles=[Role.MEMBER])
    with pytest.raises(LastAdminError):
        services.membership_end(actor=world.admin, membership=own)


def test_roles_take_effect_at_once(world):
    newcomer = UserFactory()
    membership = services.membership_add(actor=world.admin, organisation=world.home, user=newcomer)
    membership = services.membership_accept(actor=newcomer, membership=membership)
    with pytest.raises(NotFoundError):
        list(selectors.membership_list_visible_to(viewer=newcomer, organisation=world.home))
    services.membership_set_roles(actor=world.admin, membership=membership, roles=[Role.MEMBER, Role.ORGANISER])
    roles_forget(newcomer)
    assert list(selectors.membership_list_visible_to(viewer=newcomer, organisation=world.home))


def test_partner_staff_role_only_in_partner_organisations(world):
    from thamdee.orgs.errors import PartnerStaffRoleError

    with pytest.raises(PartnerStaffRoleError):
        services.membership_add(
            actor=world.admin, organisation=world.home, user=UserFactory(), roles=[Role.PARTNER_STAFF]
        )


@pytest.mark.django_db
def test_an_object_of_no_organisation_is_no_organisation_s_whatever_its_own_id():
    """Something that belongs to no organisation (``organisation_id`` empty: a pattern across organisations, say)
    is not the organisation whose id happens to equal its own; an organisation itself is its own."""
    from thamdee.orgs.permissions import is_org_admin, is_org_anyone

    org = OrganisationFactory()
    admin = member_of(org, is_admin=True)
    of_no_organisation = SimpleNamespace(pk=org.pk, organisation_id=None)
    assert not is_org_admin.test(admin, of_no_organisation)
    assert not is_org_anyone.test(admin, of_no_organisation)
    assert is_org_admin.test(admin, org)
    assert is_org_admin.test(admin, SimpleNamespace(pk=10**9, organisation_id=org.pk))


def test_the_invited_person_sees_their_own_invitation_and_no_one_else_does(world):
    invited = world.invitation.user
    assert selectors.membership_get_visible_to(viewer=invited, public_id=world.invitation.public_id) == world.invitation
    for viewer in (world.organiser, world.admin, world.site_admin):
        with pytest.raises(NotFoundError):
            selectors.membership_get_visible_to(viewer=viewer, public_id=world.invitation.public_id)
    # Once the person accepts, those who see the member list see the membership.
    services.membership_accept(actor=invited, membership=world.invitation)
    assert selectors.membership_get_visible_to(viewer=world.organiser, public_id=world.invitation.public_id)


def test_agency_staff_take_roles_away_but_never_give_one(world):
    for role in (Role.ADMIN, Role.ORGANISER, Role.VERIFIER):
        with pytest.raises(RoleNotAllowedError):
            services.membership_set_roles(
                actor=world.agency_province, membership=world.target, roles=[Role.MEMBER, role]
            )
    world.target.refresh_from_db()
    assert world.target.roles == [Role.MEMBER]
    # Keeping a role the person holds is not giving it.
    both = MembershipFactory(organisation=world.home, is_organiser=True, is_verifier=True)
    services.membership_set_roles(actor=world.agency_province, membership=both, roles=[Role.MEMBER, Role.ORGANISER])
    both.refresh_from_db()
    assert both.roles == [Role.MEMBER, Role.ORGANISER]


def test_agency_staff_who_are_plain_members_cannot_make_themselves_admin(world):
    own = Membership.objects.create(user=world.agency_province, organisation=world.home, is_member=True)
    roles_forget(world.agency_province)
    for roles in ([Role.MEMBER, Role.ADMIN], [Role.MEMBER, Role.VERIFIER], [Role.MEMBER]):
        with pytest.raises(PermissionDeniedError):
            services.membership_set_roles(actor=world.agency_province, membership=own, roles=roles)
    own.refresh_from_db()
    assert own.roles == [Role.MEMBER]
    roles_forget(world.agency_province)
    with pytest.raises(NotFoundError):  # still no member list
        list(selectors.membership_list_visible_to(viewer=world.agency_province, organisation=world.home))


def test_nobody_but_an_admin_changes_their_own_roles(world):
    for actor in (world.member, world.organiser, world.verifier):
        own = actor.memberships.get(organisation=world.home)
        with pytest.raises(PermissionDeniedError):  # their own: they know it is there (a plain member too)
            services.membership_set_roles(actor=actor, membership=own, roles=[Role.MEMBER, Role.ADMIN])
        own.refresh_from_db()
        assert not own.is_admin
    # An admin may (here: add a role to themself); a site admin too.
    own = world.admin.memberships.get(organisation=world.home)
    services.membership_set_roles(actor=world.admin, membership=own, roles=[Role.ADMIN, Role.VERIFIER])
    own.refresh_from_db()
    assert own.is_verifier


def test_an_organiser_who_is_agency_staff_still_hands_out_no_roles(world):
    organiser = world.organiser
    AgencyStaffFactory(agency=world.agency, user=organiser, scope_area=area("71"))
    roles_forget(organiser)
    with pytest.raises(RoleNotAllowedError):
        services.membership_set_roles(actor=organiser, membership=world.target, roles=[Role.MEMBER, Role.ADMIN])
    with pytest.raises(RoleNotAllowedError):
        services.membership_add(actor=organiser, organisation=world.home, user=UserFactory(), roles=[Role.ADMIN])
    own = organiser.memberships.get(organisation=world.home)
    with pytest.raises(PermissionDeniedError):
        services.membership_set_roles(actor=organiser, membership=own, roles=[Role.MEMBER, Role.ADMIN])
