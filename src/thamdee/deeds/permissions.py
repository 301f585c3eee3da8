"""Who may record, see, verify and decide on deeds."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import (
    is_agency_verifier_over,
    is_org_admin,
    is_org_organiser,
    is_org_verifier,
)
from thamdee.people.permissions import is_site_admin


def _agency_verified(deed: Any) -> bool:
    return deed.deed_type.verified_by == "agency"


@rules.predicate
def is_deed_member(user: Any, deed: Any) -> bool:
    return deed is not None and getattr(user, "pk", None) == deed.member_id


@rules.predicate
def can_verify_deed(user: Any, deed: Any) -> bool:
    """A verifier of the organisation that owns the deed type, or an agency verifier over the deed's area for
    deed types that agencies verify. (Never the doer: services refuse that with its own error.)"""
    if deed is None:
        return False
    if _agency_verified(deed):
        return bool(is_agency_verifier_over.test(user, deed.area))
    return bool(is_org_verifier.test(user, deed.organisation))


@rules.predicate
def can_view_deed(user: Any, deed: Any) -> bool:
    if deed is None:
        return False
    if is_deed_member.test(user, deed) or is_site_admin.test(user):
        return True
    org = deed.organisation
    if (is_org_organiser | is_org_verifier | is_org_admin).test(user, org):
        return True
    return _agency_verified(deed) and bool(is_agency_verifier_over.test(user, deed.area))


can_record_for = is_site_admin | is_org_organiser | is_org_admin
can_manage_catalogue = is_site_admin | is_org_admin | is_org_organiser
can_see_queue = is_site_admin | is_org_organiser | is_org_verifier | is_org_admin
can_reverse_deed = can_verify_deed | is_org_admin
