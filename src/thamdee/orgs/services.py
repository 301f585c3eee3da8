"""Writes for organisations, networks, memberships and agency staff."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.areas.models import Area, AreaLevel
from thamdee.common.errors import NotFoundError
from thamdee.common.permissions import require
from thamdee.inbox.services import notify
from thamdee.orgs.errors import (
    AgencyScopeError,
    AlreadyInNetworkError,
    AlreadyInvitedError,
    AlreadyMemberError,
    LastAdminError,
    NetworkAreaError,
    PartnerStaffRoleError,
    RoleNotAllowedError,
)
from thamdee.orgs.models import (
    AgencyStaff,
    Membership,
    Network,
    NetworkKind,
    NetworkMembership,
    Organisation,
    OrgKind,
    Role,
)
from thamdee.orgs.permissions import (
    can_add_members,
    can_assign_agency_staff,
    can_create_org_in_area,
    can_end_membership,
    can_grant_roles,
    can_join_network,
    can_manage_network,
    can_manage_org,
    can_set_roles,
    can_view_org_members,
)
from thamdee.orgs.roles import roles_for, roles_forget
from thamdee.people import services as people_services
from thamdee.people.models import User
from thamdee.people.types import Actor

ORG_FIELDS = ("name_th", "name_en", "short_name", "description", "contact_phone", "is_active")


@transaction.atomic
def organisation_create(
    *,
    actor: Actor,
    name_th: str,
    kind: str,
    area: Area,
    name_en: str = "",
    short_name: str = "",
    description: str = "",
    contact_phone: str = "",
    admin: User | None = None,
) -> Organisation:
    """Register an organisation in an area. Agency staff whose scope covers the area, or site admins, may.

    If ``admin`` is given, that person becomes the organisation's first admin.
    """
    require(can_create_org_in_area, actor, area)
    if kind not in OrgKind.values:
        raise ValueError(kind)
    org = Organisation.objects.create(
        name_th=name_th.strip(),
        name_en=name_en.strip(),
        short_name=short_name.strip(),
        kind=kind,
        area=area,
        description=description,
        contact_phone=contact_phone,
    )
    if admin is not None:
        Membership.objects.create(user=admin, organisation=org, is_admin=True, is_organiser=True)
        roles_forget(admin)
    return org


@transaction.atomic
def organisation_update(*, actor: Actor, organisation: Organisation, **changes: Any) -> Organisation:
    require(can_manage_org, actor, organisation)
    unknown = set(changes) - set(ORG_FIELDS)
    if unknown:
        raise ValueError(f"not organisation fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(organisation, name, value)
    organisation.save(update_fields=list(changes))
    return organisation


def _check_roles(
    actor: Actor, organisation: Organisation, roles: Iterable[str], *, held: Iterable[str] = ()
) -> set[str]:
    """The roles wanted, checked: known, partner staff only in a partner, and any role beyond plain member that is
    not ``held`` already given only by those who may grant roles."""
    wanted = set(roles) or {Role.MEMBER}
    unknown = wanted - set(Role.values)
    if unknown:
        raise RoleNotAllowedError(role=", ".join(sorted(unknown)))
    if Role.PARTNER_STAFF in wanted and organisation.kind != OrgKind.PARTNER:
        raise PartnerStaffRoleError()
    given = wanted - {Role.MEMBER} - set(held)
    if given and not can_grant_roles.test(actor, organisation):
        # Organisers may add plain members; only admins hand out roles (agency staff may only take them away).
        raise RoleNotAllowedError(role=", ".join(sorted(given)))
    return wanted


@transaction.atomic
def membership_add(
    *, actor: Actor, organisation: Organisation, user: User, roles: Iterable[str] = (Role.MEMBER,)
) -> Membership:
    """Invite a person who has an account to an organisation, with roles. Organisers invite members; admins also
    grant roles. The membership waits, inactive, until the person accepts it (``membership_accept``): nobody is
    enrolled without their say, and no organiser sees their passbook before they join. The person is told in
    their inbox. Someone adding themselves, and a person registered by the organisation (``member_register``),
    join at once.

    A person who left is invited again rather than added twice.
    """
    return _membership_put(actor, organisation, user, roles, invite=actor.pk != user.pk)


def _membership_put(
    actor: Actor, organisation: Organisation, user: User, roles: Iterable[str], *, invite: bool
) -> Membership:
    require(can_add_members, actor, organisation)
    wanted = _check_roles(actor, organisation, roles)
    existing = Membership.objects.select_for_update().filter(user=user, organisation=organisation).first()
    flags = {f"is_{role}": role in wanted for role in Role.values}
    state = {"is_active": not invite, "invited_at": timezone.now() if invite else None, "ended_at": None}
    if existing is not None:
        if existing.is_active:
            raise AlreadyMemberError()
        if existing.is_invitation:
            raise AlreadyInvitedError()
        for name, value in {**flags, **state}.items():
            setattr(existing, name, value)
        existing.save()
        membership = existing
    else:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(user=user, organisation=organisation, **flags, **state)
        except IntegrityError:
            raise AlreadyMemberError() from None
    if invite:
        notify(
            user=user,
            kind="membership_invited",
            title=_('องค์กร "{name}" เชิญคุณเป็นสมาชิก'),
            body=_("ตอบรับหรือปฏิเสธได้ที่หน้าองค์กรของฉัน"),
            url="/orgs/mine/",
            name=organisation.name_th,
        )
    roles_forget(user)
    return membership


def _own_invitation(actor: Actor, membership: Membership) -> Membership:
    locked = Membership.objects.select_for_update().select_related("organisation").get(pk=membership.pk)
    if locked.user_id != actor.pk or not locked.is_invitation:
        raise NotFoundError()
    return locked


@transaction.atomic
def membership_accept(*, actor: Actor, membership: Membership) -> Membership:
    """The invited person joins: the membership becomes active with the roles it was offered."""
    membership = _own_invitation(actor, membership)
    membership.is_active = True
    membership.joined_at = timezone.now()
    membership.save(update_fields=["is_active", "joined_at"])
    roles_forget(membership.user)
    return membership


@transaction.atomic
def membership_decline(*, actor: Actor, membership: Membership) -> Membership:
    """The invited person says no: the invitation ends (kept, as every membership is); they can be asked again."""
    membership = _own_invitation(actor, membership)
    membership.ended_at = timezone.now()
    membership.save(update_fields=["ended_at"])
    return membership


def _would_leave_no_admin(organisation: Organisation, membership: Membership) -> bool:
    """Whether the organisation's only admin is ``membership``. Its admin memberships are locked first, in id
    order: two admins removing each other at the same moment are counted one after the other (each had counted
    the other as left, and the organisation kept none). Inside the caller's transaction."""
    admins = list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, is_active=True, is_admin=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return admins == [membership.pk]


@transaction.atomic
def membership_set_roles(*, actor: Actor, membership: Membership, roles: Iterable[str]) -> Membership:
    """Replace a membership's roles. The organisation's admins and site admins give and take any role; agency
    staff over the organisation only take roles away. Nobody else changes their own roles (an agency officer who
    is a plain member does not make themself admin). An organisation keeps at least one admin.

    Refusals: 403 to whoever knows the membership is there (their own, or one of an organisation whose member
    list they see), ``role_not_allowed`` to agency staff giving a role, 404 to everyone else."""
    org = membership.organisation
    own = membership.user_id == actor.pk
    if not (own or can_view_org_members.test(actor, org) or can_set_roles.test(actor, org)):
        raise NotFoundError()
    require(can_set_roles, actor, org, visible=True)
    if own:
        require(can_grant_roles, actor, org, visible=True)
    wanted = _check_roles(actor, org, roles, held=membership.roles)
    if Role.ADMIN not in wanted and _would_leave_no_admin(org, membership):
        raise LastAdminError()
    for role in Role.values:
        setattr(membership, f"is_{role}", role in wanted)
    membership.save(update_fields=[f"is_{role}" for role in Role.values])
    roles_forget(membership.user)
    return membership


@transaction.atomic
def membership_end(*, actor: Actor, membership: Membership) -> Membership:
    """End a membership (the person leaves, or an admin removes them), or withdraw an invitation that still waits
    (those who invite may). Records are kept, never deleted."""
    if not can_end_membership.test(actor, membership):
        raise NotFoundError()
    if _would_leave_no_admin(membership.organisation, membership):
        raise LastAdminError()
    membership.is_active = False
    membership.ended_at = timezone.now()
    membership.save(update_fields=["is_active", "ended_at"])
    roles_forget(membership.user)
    return membership


@transaction.atomic
def member_register(
    *, actor: Actor, organisation: Organisation, roles: Iterable[str] = (Role.MEMBER,), **person: Any
) -> Membership:
    """Register a new person (for example from a paper passbook) and make them a member of the organisation."""
    require(can_add_members, actor, organisation)
    _check_roles(actor, organisation, roles)
    user = people_services.user_register(**person)
    return _membership_put(actor, organisation, user, roles, invite=False)


@transaction.atomic
def network_create(
    *,
    actor: Actor,
    name_th: str,
    kind: str,
    area: Area | None = None,
    name_en: str = "",
    issue: str = "",
    description: str = "",
) -> Network:
    if kind == NetworkKind.AREA and area is None:
        raise NetworkAreaError()
    network = Network(
        name_th=name_th.strip(), name_en=name_en.strip(), kind=kind, area=area, issue=issue, description=description
    )
    require(can_manage_network, actor, network, visible=True)
    network.save()
    return network


@transaction.atomic
def network_add_organisation(*, actor: Actor, network: Network, organisation: Organisation) -> NetworkMembership:
    """Agency staff over the network add an organisation; an organisation's admin may join it themselves."""
    if not (can_manage_network.test(actor, network) or can_join_network.test(actor, organisation)):
        raise NotFoundError()
    try:
        with transaction.atomic():
            return NetworkMembership.objects.create(network=network, organisation=organisation)
    except IntegrityError:
        raise AlreadyInNetworkError() from None


@transaction.atomic
def network_remove_organisation(*, actor: Actor, network: Network, organisation: Organisation) -> int:
    if not (can_manage_network.test(actor, network) or can_join_network.test(actor, organisation)):
        raise NotFoundError()
    deleted, _ = NetworkMembership.objects.filter(network=network, organisation=organisation).delete()
    return deleted


@transaction.atomic
def agency_staff_assign(
    *, actor: Actor, agency: Organisation, user: User, scope_area: Area | None, is_verifier: bool = False
) -> AgencyStaff:
    """Make a person staff of an agency for an area (None: the whole country)."""
    if agency.kind != OrgKind.AGENCY or (
        scope_area is not None
        and scope_area.level not in (AreaLevel.PROVINCE, AreaLevel.DISTRICT, AreaLevel.SUBDISTRICT)
    ):
        raise AgencyScopeError()
    scope_code = scope_area.code if scope_area else ""
    if not can_assign_agency_staff.test(actor, (agency, scope_code)):
        raise NotFoundError()
    post, _ = AgencyStaff.objects.update_or_create(
        user=user,
        agency=agency,
        defaults={"scope_area": scope_area, "is_verifier": is_verifier, "is_active": True},
    )
    roles_forget(user)
    return post


def actor_roles(actor: Actor) -> Any:
    return roles_for(actor)
