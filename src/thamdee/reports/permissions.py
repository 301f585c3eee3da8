"""Who sees what in reports: agencies see aggregates of their areas; organisers their own organisation;
the public national and provincial aggregates."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import can_read_org_report, is_agency_staff_over, is_org_admin, is_org_organiser
from thamdee.orgs.roles import roles_for
from thamdee.people.permissions import is_site_admin


@rules.predicate
def is_national_staff(user: Any) -> bool:
    return roles_for(user).is_national_staff_of()


can_set_baselines = is_site_admin | is_national_staff
can_designate_target = is_site_admin | is_agency_staff_over
can_review_story = is_site_admin | is_agency_staff_over
can_write_story = is_site_admin | is_org_admin | is_org_organiser
can_view_org_report = can_read_org_report  # the rule the organisation's page links by (orgs.permissions)
