"""Who writes rulebooks: the programme's agency staff for the programme rulebook, an organisation's admins for
its local rulebook; site admins for both. Everyone may read published versions."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import is_org_admin
from thamdee.orgs.roles import roles_for


@rules.predicate
def can_edit_rulebook(user: Any, rulebook: Any) -> bool:
    roles = roles_for(user)
    if roles.is_site_admin:
        return True
    if rulebook is None:
        return False
    if rulebook.organisation_id:
        return bool(is_org_admin.test(user, rulebook.organisation))
    return roles.is_national_staff_of(rulebook.programme.agency_id)
