"""Authorisation predicates for organisations, networks, memberships and areas (django-rules).

The matrix they implement is written down in docs/authorisation.md and tested as a table in
tests/test_permissions.py.
"""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.roles import roles_for
from thamdee.people.permissions import is_site_admin


def _org_id(obj: Any) -> int | None:
    """The organisation an object belongs to (its ``organisation_id``, which may be empty: then none), or the
    organisation itself. Never an object's own id for an empty ``organisation_id``: a pattern across organisations
    whose id happened to equal an organisation's would otherwise be that organisation's."""
    if obj is None:
        return None
    if hasattr(obj, "organisation_id"):
        return obj.organisation_id
    return getattr(obj, "pk", None)


def _area_code(obj: Any) -> str | None:
    """The area code of an area, or of anything that has an area."""
    if obj is None:
        return None
    if hasattr(obj, "code") and hasattr(obj, "level"):
        return obj.code
    area = getattr(obj, "area", None)
    return area.code if area is not None else None


def _has_role(role: str) -> rules.Predicate:
    @rules.predicate(name=f"is_org_{role}")
    def check(user: Any, org: Any) -> bool:
        return roles_for(user).has(_org_id(org), role)

    return check


is_org_member = _has_role("member")
is_org_organiser = _has_role("organiser")
is_org_verifier = _has_role("verifier")
is_org_admin = _has_role("admin")
is_partner_staff = _has_role("partner_staff")


@rules.predicate
def is_org_anyone(user: Any, org: Any) -> bool:
    return _org_id(org) in roles_for(user).orgs


@rules.predicate
def is_agency_staff(user: Any) -> bool:
    return roles_for(user).is_agency_staff


@rules.predicate
def is_agency_staff_over(user: Any, obj: Any) -> bool:
    """Agency staff whose area scope contains the area (or the object's area)."""
    return roles_for(user).covers(_area_code(obj))


# Areas: agencies see detail for areas inside their scope; site admins everywhere.
can_view_area = is_site_admin | is_agency_staff_over

# Organisations
can_manage_org = is_site_admin | is_org_admin | is_agency_staff_over
can_create_org_in_area = is_site_admin | is_agency_staff_over
can_view_org_members = is_site_admin | is_org_admin | is_org_organiser | is_org_verifier
can_add_members = is_site_admin | is_org_admin | is_org_organiser
# Who hands out roles, and may change their own: the organisation's admins and site admins.
can_grant_roles = is_site_admin | is_org_admin
# Who changes someone's roles at all: also agency staff over the organisation, but only to take roles away
# (orgs.services.membership_set_roles): a role they gave would let them, or a colleague, list the members and read
# passbooks, which no agency role may (docs/authorisation.md).
can_set_roles = can_grant_roles | is_agency_staff_over
# Who edits an organisation's deed catalogue: the same rule as deeds.permissions.can_manage_catalogue, which
# guards the page (docs/authorisation.md); here so the organisation's page links to it only for them.
can_edit_catalogue = is_site_admin | is_org_admin | is_org_organiser
# Who reads an organisation's own report (its figures, its members' participation): reports.permissions uses this
# rule, and the organisation's page links to the report for them.
can_read_org_report = is_site_admin | is_org_admin | is_org_organiser


@rules.predicate
def can_view_membership(user: Any, membership: Any) -> bool:
    """The person themself, always; others who see the member list, only while the person is a member (active).
    An invitation that waits or was declined names someone who never joined, and whose mobile number alone was
    given: to anyone but them it is not there."""
    if membership is None:
        return False
    if getattr(user, "pk", None) == membership.user_id:
        return True
    return membership.is_active and bool(can_view_org_members.test(user, membership.organisation))


@rules.predicate
def can_withdraw_invitation(user: Any, membership: Any) -> bool:
    """An invitation still waiting for its answer is withdrawn by those who may invite to the organisation."""
    return (
        membership is not None
        and membership.is_invitation
        and bool(can_add_members.test(user, membership.organisation))
    )


@rules.predicate
def can_end_membership(user: Any, membership: Any) -> bool:
    if membership is None:
        return False
    if getattr(user, "pk", None) == membership.user_id:
        return True
    if membership.is_invitation:
        return bool(can_withdraw_invitation.test(user, membership))
    return bool(can_set_roles.test(user, membership.organisation))


# Networks: agencies (whose scope covers an area network, or national staff for issue networks) and site admins
@rules.predicate
def can_manage_network(user: Any, network: Any) -> bool:
    roles = roles_for(user)
    if roles.is_site_admin:
        return True
    if network is None:
        return False
    if network.area_id:
        return roles.covers(network.area.code)
    return roles.covers("")  # only national staff cover the empty prefix


@rules.predicate
def can_join_network(user: Any, org: Any) -> bool:
    return bool((is_site_admin | is_org_admin).test(user, org))


# Agency staff: a site admin, or staff of the same agency with a scope at least as wide
@rules.predicate
def can_assign_agency_staff(user: Any, target: Any) -> bool:
    roles = roles_for(user)
    if roles.is_site_admin:
        return True
    agency, scope_code = target
    return any(p.agency_id == agency.pk and scope_code.startswith(p.scope_code) for p in roles.agency_posts)


# Villages: those who run an organisation in the subdistrict, agency staff over it, site admins.
@rules.predicate
def can_add_village(user: Any, subdistrict: Any) -> bool:
    roles = roles_for(user)
    if roles.is_site_admin or roles.covers(subdistrict.code):
        return True
    org_ids = roles.org_ids_with("admin", "organiser")
    if not org_ids:
        return False
    from thamdee.orgs.models import Organisation

    return Organisation.objects.filter(pk__in=org_ids, area__code__startswith=subdistrict.code).exists()


rules.add_perm("areas.add_village", can_add_village)
