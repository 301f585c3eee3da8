"""Who may see a passbook and who may move an organisation's allotment."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import is_agency_staff_over
from thamdee.orgs.roles import roles_for
from thamdee.people.permissions import is_self, is_site_admin


@rules.predicate
def is_organiser_of_member(viewer: Any, member: Any) -> bool:
    """The viewer organises (or verifies for, or administers) an organisation the member actively belongs to."""
    org_ids = roles_for(viewer).org_ids_with("organiser", "admin", "verifier")
    if not org_ids or member is None:
        return False
    from thamdee.orgs.models import Membership

    return Membership.objects.filter(user_id=member.pk, organisation_id__in=org_ids, is_active=True).exists()


@rules.predicate
def is_national_staff_of_programme(user: Any, programme: Any) -> bool:
    """Staff of the programme's own agency with the whole country in scope, or an admin of that agency."""
    if programme is None:
        return False
    roles = roles_for(user)
    return roles.has(programme.agency_id, "admin") or roles.is_national_staff_of(programme.agency_id)


# Agencies never see individual passbooks: no agency predicate appears here.
can_view_passbook = is_self | is_organiser_of_member | is_site_admin
can_top_up_allotment = is_site_admin | is_agency_staff_over
# A programme's budget for a year is the agency's decision at national level (or a site admin's).
can_set_programme_budget = is_site_admin | is_national_staff_of_programme
