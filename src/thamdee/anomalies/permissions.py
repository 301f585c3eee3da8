"""Who reviews a pattern: the admins of the organisation whose deeds it is in, and site admins (alone, for a
pattern across organisations); never a person the pattern is about, nor anyone who recorded or decided on its
deeds (a different person decides, as with appeals). Agencies see no individual patterns: they get aggregates
only (DOMAIN.md). Anyone else gets not found."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import is_org_admin
from thamdee.people.permissions import is_site_admin


@rules.predicate
def is_in_the_pattern(user: Any, anomaly: Any) -> bool:
    """The people the pattern is about, whoever recorded its deeds and whoever decided on them."""
    return anomaly is not None and getattr(user, "pk", None) in anomaly.involved_ids()


# is_org_admin reads the anomaly's organisation_id: none for a pattern across organisations, so no organisation's
# admins (orgs.permissions._org_id never takes an object's own id for an empty organisation_id).
can_review_anomaly = (is_org_admin | is_site_admin) & ~is_in_the_pattern
