"""Who assesses and who confirms.

- An organisation assesses itself: its admins (or a site admin) fill and submit it; its organisers may read it.
- A province is assessed by agency staff posted to that province (the provincial culture office).
- An organisation's result is confirmed (or returned) by agency staff whose area covers the organisation, a
  province's by national staff; site admins may do either. Never by the person who submitted it, anyone who wrote
  one of its scores or added one of its files (``is_its_own``, which needs a query: ``can_confirm_assessment``),
  nor an admin of the organisation assessed: a different person decides.
- Anyone else gets not found.
"""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.roles import roles_for


def _org_roles(user: Any, assessment: Any) -> frozenset[str]:
    if assessment is None or not assessment.organisation_id:
        return frozenset()
    return roles_for(user).orgs.get(assessment.organisation_id, frozenset())


@rules.predicate
def can_fill_assessment(user: Any, assessment: Any) -> bool:
    """May change the scores and submit: the organisation's admins; for a province, agency staff posted to it
    (not national staff, who confirm it)."""
    if assessment is None:
        return False
    roles = roles_for(user)
    if roles.is_site_admin:
        return True
    if assessment.organisation_id:
        return "admin" in _org_roles(user, assessment)
    return bool(assessment.area_code) and assessment.area_code in roles.scope_codes


@rules.predicate
def can_review_assessment(user: Any, assessment: Any) -> bool:
    """May confirm or return a submitted result (whatever its status: the services check that)."""
    if assessment is None:
        return False
    if assessment.submitted_by_id is not None and assessment.submitted_by_id == getattr(user, "pk", None):
        return False
    roles = roles_for(user)
    if assessment.organisation_id and "admin" in _org_roles(user, assessment):
        return False
    if roles.is_site_admin:
        return True
    if assessment.organisation_id:
        return roles.covers(assessment.area_code)
    return roles.is_national_staff_of()


@rules.predicate
def can_view_assessment(user: Any, assessment: Any) -> bool:
    if assessment is None:
        return False
    roles = roles_for(user)
    if roles.is_site_admin or _org_roles(user, assessment) & {"admin", "organiser"}:
        return True
    return roles.covers(assessment.area_code)


@rules.predicate
def is_its_own(user: Any, assessment: Any) -> bool:
    """The user submitted this assessment, wrote one of its scores or added one of its evidence files (one query):
    they do not confirm it."""
    pk = getattr(user, "pk", None)
    if assessment is None or pk is None:
        return False
    if assessment.submitted_by_id == pk:
        return True
    from thamdee.assessments.models import EvidenceFile, Score

    return (
        Score.objects.filter(assessment_id=assessment.pk, written_by_id=pk)
        .values("pk")
        .union(EvidenceFile.objects.filter(assessment_id=assessment.pk, uploaded_by_id=pk).values("pk"))
        .exists()
    )


# Who may confirm or return a submitted result now: the area's rule, and never its own.
can_confirm_assessment = can_review_assessment & ~is_its_own
