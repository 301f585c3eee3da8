"""Who reviews a pattern: the admins of the organisation whose deeds it is in, and site admins (alone, for a
pattern across organisations); never a person the pattern is about, nor anyone who recorded or decided on its
deeds (a different person decides, as with appeals). Agencies see no individual patterns: they get aggregates
only (DOMAIN.md). Anyone else gets not found."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.roles import roles_for
from thamdee.people.permissions import is_site_admin


@rules.predicate
def is_in_the_pattern(user: Any, anomaly: Any) -> bool:
    """The people the pattern is about, whoever recorded its deeds and whoever decided on them."""
    return anomaly is not None and getattr(user, "pk", None) in anomaly.involved_ids()


@rules.predicate
def is_admin_of_its_organisation(user: Any, anomaly: Any) -> bool:
    """An admin of the organisation whose deeds the pattern is in; nobody for a pattern across organisations.
    Not ``orgs.permissions.is_org_admin``: for an object with no organisation it reads the object's own pk as an
    organisation's, which would let the admins of whichever organisation has that number open the pattern."""
    org_id = getattr(anomaly, "organisation_id", None)
    return org_id is not None and roles_for(user).has(org_id, "admin")


can_review_anomaly = (is_admin_of_its_organisation | is_site_admin) & ~is_in_the_pattern
