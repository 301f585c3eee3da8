"""Reads for organisations, networks and memberships, scoped to who is asking."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Q, QuerySet

from thamdee.common.errors import NotFoundError
from thamdee.orgs.models import AgencyStaff, Membership, Network, Organisation
from thamdee.orgs.permissions import (
    can_add_members,
    can_end_membership,
    can_set_roles,
    can_view_membership,
    can_view_org_members,
    can_withdraw_invitation,
)
from thamdee.orgs.roles import roles_for


def organisation_list(
    *, q: str = "", kind: str = "", area_code: str = "", network: Network | None = None
) -> QuerySet[Organisation]:
    """Organisations are public bodies: their names, kinds and areas are visible to everyone."""
    qs = Organisation.objects.filter(is_active=True).select_related("area")
    if q:
        qs = qs.filter(Q(name_th__icontains=q) | Q(name_en__icontains=q) | Q(short_name__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    if area_code:
        qs = qs.filter(area__code__startswith=area_code)
    if network is not None:
        qs = qs.filter(network_memberships__network=network)
    return qs.order_by("name_th")


def organisation_get(public_id: Any) -> Organisation:
    try:
        return Organisation.objects.select_related("area").get(public_id=public_id)
    except (Organisation.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None


def organisation_public_ids(pks: Iterable[int]) -> dict[int, UUID]:
    """The public id of each organisation named by its primary key (one statement; none for no keys): what the
    API shows in place of the keys that roles are held by."""
    pks = list(pks)
    if not pks:
        return {}
    return dict(Organisation.objects.filter(pk__in=pks).values_list("pk", "public_id"))


def organisation_member_count(org: Organisation) -> int:
    return Membership.objects.filter(organisation=org, is_active=True, is_member=True).count()


# The member's organisations for the home page: one statement, the columns it shows and nothing else (no area, no
# SQL compiled per request). Each row is an Organisation carrying its membership's role flags.
_LINKS_SQL = """
SELECT o.id, o.public_id, o.name_th, o.name_en, o.kind,
       m.is_member AS m_is_member, m.is_organiser AS m_is_organiser, m.is_verifier AS m_is_verifier,
       m.is_admin AS m_is_admin
  FROM orgs_membership m JOIN orgs_organisation o ON o.id = m.organisation_id
 WHERE m.user_id = %s AND m.is_active
 ORDER BY o.name_th, o.id
"""


_LINK_FLAGS = ("is_member", "is_organiser", "is_verifier", "is_admin")


def organisation_links_for_user(user: Any) -> list[tuple[Organisation, Membership]]:
    """The organisations a user belongs to (active memberships), for links and role cards: (organisation, its
    membership with the role flags only)."""
    out = []
    for org in Organisation.objects.raw(_LINKS_SQL, [user.pk]):
        flags = {flag: bool(getattr(org, f"m_{flag}")) for flag in _LINK_FLAGS}
        out.append((org, Membership(user_id=user.pk, organisation_id=org.pk, **flags)))
    return out


def organisation_list_for_user(user: Any) -> list[tuple[Organisation, Membership]]:
    memberships = (
        Membership.objects.filter(user_id=user.pk, is_active=True)
        .select_related("organisation", "organisation__area")
        .order_by("organisation__name_th")
    )
    return [(m.organisation, m) for m in memberships]


def invitations_for_user(user: Any) -> list[Membership]:
    """Organisations that invited this person and wait for their answer."""
    return list(
        Membership.objects.filter(user_id=user.pk, is_active=False, ended_at__isnull=True, invited_at__isnull=False)
        .select_related("organisation", "organisation__area")
        .order_by("-invited_at")
    )


INVITATIONS_SHOWN = 100


def invitations_waiting(*, viewer: Any, organisation: Organisation) -> tuple[list[Membership], int]:
    """The organisation's invitations still waiting for an answer, newest first (at most ``INVITATIONS_SHOWN``)
    and how many there are, for those who may invite and so withdraw them; nothing for anyone else. The page
    shows each by the end of the mobile number it was sent to, never the name: a number alone must not tell
    who holds it."""
    if not can_add_members.test(viewer, organisation):
        return [], 0
    waiting = Membership.objects.filter(
        organisation=organisation, is_active=False, ended_at__isnull=True, invited_at__isnull=False
    )
    return list(waiting.select_related("user").order_by("-invited_at", "-pk")[:INVITATIONS_SHOWN]), waiting.count()


def membership_list_visible_to(
    *, viewer: Any, organisation: Organisation, q: str = "", role: str = ""
) -> QuerySet[Membership]:
    """An organisation's members, for its admins, organisers and verifiers (and site admins); 404 to others."""
    if not can_view_org_members.test(viewer, organisation):
        raise NotFoundError()
    qs = Membership.objects.filter(organisation=organisation, is_active=True).select_related("user", "user__home_area")
    if q:
        qs = qs.filter(
            Q(user__first_name__icontains=q) | Q(user__last_name__icontains=q) | Q(user__mobile__startswith=q)
        )
    if role:
        qs = qs.filter(**{f"is_{role}": True})
    return qs.order_by("user__first_name", "user__last_name")


def _membership_get(public_id: Any) -> Membership:
    try:
        return Membership.objects.select_related("user", "organisation", "organisation__area").get(public_id=public_id)
    except (Membership.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None


def membership_get_visible_to(*, viewer: Any, public_id: Any) -> Membership:
    membership = _membership_get(public_id)
    if not can_view_membership.test(viewer, membership):
        raise NotFoundError()
    return membership


def membership_get_to_change(*, viewer: Any, public_id: Any) -> Membership:
    """A membership whose roles the viewer may try to change: one they may see, or, once its person has joined,
    one of an organisation whose roles they set (agency staff over it take roles away without seeing its members).
    ``orgs.services.membership_set_roles`` decides the rest (403 to those who know it is there). Anything else,
    an invitation that waits above all, is a 404. Agency staff must not be shown the person (the API and the web
    answer them without a name)."""
    membership = _membership_get(public_id)
    if can_view_membership.test(viewer, membership) or (
        membership.is_active and can_set_roles.test(viewer, membership.organisation)
    ):
        return membership
    raise NotFoundError()


def membership_get_to_end(*, viewer: Any, public_id: Any) -> Membership:
    """A membership the viewer may see, an active one they may end (agency staff over its organisation, who do not
    see its members), or an invitation still waiting that the viewer's organisation sent and they may withdraw
    (those who invite: organisers, admins, site admins). None names its person to them but the first.
    ``orgs.services.membership_end`` decides whether it ends (``can_end_membership``)."""
    membership = _membership_get(public_id)
    if (
        can_view_membership.test(viewer, membership)
        or can_withdraw_invitation.test(viewer, membership)
        or (membership.is_active and can_end_membership.test(viewer, membership))
    ):
        return membership
    raise NotFoundError()


def network_list(*, q: str = "", kind: str = "") -> QuerySet[Network]:
    qs = Network.objects.select_related("area").annotate(org_count=Count("memberships"))
    if q:
        qs = qs.filter(Q(name_th__icontains=q) | Q(name_en__icontains=q) | Q(issue__icontains=q))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name_th")


def network_get(public_id: Any) -> Network:
    try:
        return Network.objects.select_related("area").get(public_id=public_id)
    except (Network.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None


def agency_posts_for(user: Any) -> list[AgencyStaff]:
    return list(AgencyStaff.objects.filter(user_id=user.pk, is_active=True).select_related("agency", "scope_area"))


def user_org_ids_with_roles(user: Any, *roles: str) -> set[int]:
    return roles_for(user).org_ids_with(*roles)
