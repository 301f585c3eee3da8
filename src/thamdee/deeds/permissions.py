"""Who may record, see, verify and decide on deeds."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import (
    can_edit_catalogue,
    is_org_admin,
    is_org_organiser,
    is_org_verifier,
)
from thamdee.orgs.roles import roles_for
from thamdee.people.permissions import is_site_admin


def _is_verifying_agency_over(user: Any, deed: Any) -> bool:
    """A verifier of the agency that runs the template's programme, whose scope covers the deed's area. (The
    programme is read only for someone who holds such a post.)"""
    code = deed.area.code if deed.area_id is not None else None
    if code is None:
        return False
    agencies = {p.agency_id for p in roles_for(user).agency_posts if p.is_verifier and code.startswith(p.scope_code)}
    return bool(agencies) and deed.deed_type.programme.agency_id in agencies


@rules.predicate
def is_deed_member(user: Any, deed: Any) -> bool:
    return deed is not None and getattr(user, "pk", None) == deed.member_id


@rules.predicate
def can_verify_deed(user: Any, deed: Any) -> bool:
    """A verifier of the organisation that owns the deed type; for a national template that its agency verifies,
    a verifier of that agency over the deed's area instead. (Never the doer: services refuse that with its own
    error.)"""
    if deed is None:
        return False
    if deed.deed_type.agency_verifies:  # a national template's deed: its agency verifies it, not the organisation
        return _is_verifying_agency_over(user, deed)
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
    return bool(deed.deed_type.agency_verifies) and _is_verifying_agency_over(user, deed)


can_record_for = is_site_admin | is_org_organiser | is_org_admin
can_manage_catalogue = can_edit_catalogue  # one rule, kept with the organisation (orgs.permissions)


@rules.predicate
def is_national_staff_of_agency(user: Any, programme: Any) -> bool:
    """Staff of the agency that runs the programme, with the whole country in scope."""
    return programme is not None and roles_for(user).is_national_staff_of(programme.agency_id)


# National templates of a programme are kept by national staff of its agency.
can_manage_templates = is_site_admin | is_national_staff_of_agency


@rules.predicate
def can_edit_deed_type(user: Any, deed_type: Any) -> bool:
    """A national template: those who keep the programme's templates; an organisation's entry: those who keep its
    catalogue."""
    if deed_type is None:
        return False
    if deed_type.organisation_id is None:
        return bool(can_manage_templates.test(user, deed_type.programme))
    return bool(can_manage_catalogue.test(user, deed_type.organisation))


can_see_queue = is_site_admin | is_org_organiser | is_org_verifier | is_org_admin


@rules.predicate
def can_decide_appeal(user: Any, deed: Any) -> bool:
    """Those who may verify the deed and, for a deed its organisation verifies, the organisation's admins. A
    national template's deed that its agency verifies is decided by the agency's verifiers only: upholding an
    appeal verifies the deed, which the organisation may not. (Never who took the decision appealed against, nor
    the appellant: services refuse that with its own error.)"""
    if deed is None:
        return False
    if can_verify_deed.test(user, deed):
        return True
    return not deed.deed_type.agency_verifies and bool(is_org_admin.test(user, deed.organisation))


# Reversing a deed is the same decision as upholding its appeal, the other way: those who may verify it and, for a
# deed its organisation verifies, its admins; never the organisation for a deed only its agency verifies.
can_reverse_deed = can_decide_appeal
