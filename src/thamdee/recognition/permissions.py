"""Who may run exemplar rounds, nominate, score, and revoke credentials (django-rules)."""

from __future__ import annotations

from typing import Any

import rules
from django.db.models import Exists, OuterRef, Q

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


def issued_credentials_reach(user: Any, organisation: Any) -> Q | None:
    """Which credentials issued by ``organisation`` the user may open and revoke as the issuing body: a filter on
    ``Credential`` (``Q()``: all of them), or None for none.

    The admins of an issuing organisation reach all its own awards. The staff of an issuing agency reach what lies
    in their area scope: an honour by the area of the round that chose it (a national honour: national staff
    only), an organisation's assessment result by where the organisation is (a province's result: national staff
    only, as only they confirm it), any other credential by where its holder lives or where an organisation they
    belong to is. An admin membership of the
    agency itself carries no area, so it reaches nothing. A site admin reaches everything."""
    from thamdee.orgs.models import Membership
    from thamdee.recognition.models import CredentialKind

    roles = roles_for(user)
    if roles.is_site_admin:
        return Q()
    if organisation is None:
        return None
    if not organisation.is_agency:
        return Q() if roles.has(organisation.pk, "admin") else None
    scopes = {p.scope_code for p in roles.agency_posts if p.agency_id == organisation.pk}
    if not scopes:
        return None
    if "" in scopes:
        return Q()
    reach = Q(pk__in=[])
    for scope in sorted(scopes):
        belongs = Membership.objects.filter(
            user_id=OuterRef("member_id"), is_active=True, organisation__area__code__startswith=scope
        )
        reach |= (
            Q(kind=CredentialKind.HONOUR, honour__area__code__startswith=scope)
            | Q(kind=CredentialKind.RESULT, assessment__organisation__area__code__startswith=scope)
            | (
                ~Q(kind__in=[CredentialKind.HONOUR, CredentialKind.RESULT])
                & (Q(member__home_area__code__startswith=scope) | Q(Exists(belongs)))
            )
        )
    return reach


@rules.predicate
def can_revoke_credential(user: Any, credential: Any) -> bool:
    """The issuing body, over what it serves (``issued_credentials_reach``). An assessment's result, moreover, only
    by those who may confirm it now (``assessments.permissions.can_confirm_assessment``: never whoever filled it
    in or submitted it, never an admin of the organisation, a province's only by national staff)."""
    from thamdee.assessments.permissions import can_confirm_assessment
    from thamdee.recognition.models import Credential, CredentialKind

    if credential is None:
        return False
    if credential.kind == CredentialKind.RESULT and not can_confirm_assessment.test(user, credential.assessment):
        return False
    reach = issued_credentials_reach(user, credential.issuer.organisation)
    if reach is None:
        return False
    if not reach:  # Q(): everything the issuer issued
        return True
    return Credential.objects.filter(pk=credential.pk).filter(reach).exists()


@rules.predicate
def can_view_credential(user: Any, credential: Any) -> bool:
    if credential is None:
        return False
    # A result's credential has no holder (member_id None): never compare it with an anonymous user's pk (None).
    holder = credential.member_id is not None and getattr(user, "pk", None) == credential.member_id
    return holder or bool(can_revoke_credential.test(user, credential))


can_set_badges = is_site_admin | is_org_admin
