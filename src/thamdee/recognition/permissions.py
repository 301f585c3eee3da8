"""Who may run exemplar rounds, nominate, score, and revoke credentials (django-rules)."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.orgs.permissions import is_org_admin, is_org_organiser
from thamdee.orgs.roles import roles_for
from thamdee.people.permissions import is_site_admin


def _agency_covers(user: Any, agency_id: int | None, area_code: str | None) -> bool:
    """Staff of this agency whose scope contains the area (national staff for a national round: ``None``)."""
    roles = roles_for(user)
    if roles.is_site_admin:
        return True
    for post in roles.agency_posts:
        if post.agency_id != agency_id:
            continue
        if area_code is None:
            if post.scope_code == "":
                return True
        elif area_code.startswith(post.scope_code):
            return True
    return False


@rules.predicate
def can_create_round(user: Any, target: Any) -> bool:
    """``target`` is (agency, area or None)."""
    agency, area = target
    return _agency_covers(user, getattr(agency, "pk", None), area.code if area is not None else None)


@rules.predicate
def can_manage_round(user: Any, round_: Any) -> bool:
    """The agency that runs the round (staff whose scope covers its area), or a site admin: set the panel, close
    nominations, select."""
    if round_ is None:
        return False
    return _agency_covers(user, round_.agency_id, round_.area.code if round_.area_id else None)


@rules.predicate
def is_panel_member(user: Any, round_: Any) -> bool:
    if round_ is None or not getattr(user, "is_authenticated", False):
        return False
    return any(p.user_id == user.pk for p in round_.panel.all())


can_nominate_for = is_site_admin | is_org_admin | is_org_organiser


@rules.predicate
def can_view_round(user: Any, round_: Any) -> bool:
    """Managers and panel members see everything; organisers see the round to nominate in it."""
    if round_ is None:
        return False
    if can_manage_round.test(user, round_) or is_panel_member.test(user, round_):
        return True
    org_ids = roles_for(user).org_ids_with("admin", "organiser")
    if not org_ids:
        return False
    if round_.area_id is None:  # a national round: every organisation may nominate
        return True
    # A provincial or district round: the organisers of organisations inside its area (who may nominate there).
    from thamdee.orgs.models import Organisation

    return Organisation.objects.filter(pk__in=org_ids, area__code__startswith=round_.area.code).exists()


@rules.predicate
def can_view_nomination(user: Any, nomination: Any) -> bool:
    """The nominating organisation's admins and organisers, the round's managers and its panel. Never the public;
    the nominee sees their honour, not the panel's papers."""
    if nomination is None:
        return False
    round_ = nomination.round
    if can_manage_round.test(user, round_) or is_panel_member.test(user, round_):
        return True
    return bool(can_nominate_for.test(user, nomination.organisation))


@rules.predicate
def has_conflict(user: Any, nomination: Any) -> bool:
    """A panel member who belongs to the nominating organisation (in any role), or who is the nominee."""
    if nomination is None or not getattr(user, "is_authenticated", False):
        return False
    if user.pk == nomination.nominee_id:
        return True
    return nomination.organisation_id in roles_for(user).orgs


@rules.predicate
def can_score(user: Any, nomination: Any) -> bool:
    return bool(is_panel_member.test(user, nomination.round)) and not has_conflict.test(user, nomination)


@rules.predicate
def is_honour_holder(user: Any, honour: Any) -> bool:
    return honour is not None and getattr(user, "pk", None) == honour.member_id


@rules.predicate
def can_revoke_credential(user: Any, credential: Any) -> bool:
    """The issuing body: the admins of an issuing organisation, the staff of an issuing agency, or a site admin."""
    if credential is None:
        return False
    roles = roles_for(user)
    if roles.is_site_admin:
        return True
    org_id = credential.issuer.organisation_id
    if roles.has(org_id, "admin"):
        return True
    return any(p.agency_id == org_id for p in roles.agency_posts)


@rules.predicate
def can_view_credential(user: Any, credential: Any) -> bool:
    if credential is None:
        return False
    return getattr(user, "pk", None) == credential.member_id or bool(can_revoke_credential.test(user, credential))


can_set_badges = is_site_admin | is_org_admin
