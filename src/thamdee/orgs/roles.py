"""What a user may do, loaded once per user object (one query each for memberships and agency posts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class AgencyPost:
    agency_id: int
    scope_code: str  # "" for the whole country
    is_verifier: bool


@dataclass
class UserRoles:
    orgs: dict[int, frozenset[str]] = field(default_factory=dict)
    agency_posts: list[AgencyPost] = field(default_factory=list)
    is_site_admin: bool = False

    def has(self, org_id: int | None, role: str) -> bool:
        return org_id is not None and role in self.orgs.get(org_id, frozenset())

    def org_ids_with(self, *roles: str) -> set[int]:
        return {org_id for org_id, held in self.orgs.items() if held.intersection(roles)}

    @property
    def is_agency_staff(self) -> bool:
        return bool(self.agency_posts)

    @property
    def scope_codes(self) -> list[str]:
        return [post.scope_code for post in self.agency_posts]

    def covers(self, area_code: str | None) -> bool:
        """Whether some agency post's area contains the area with this code."""
        if area_code is None:
            return False
        return any(area_code.startswith(post.scope_code) for post in self.agency_posts)

    def covers_scope(self, scope_code: str) -> bool:
        """Whether some agency post is at least as wide as ``scope_code``."""
        return any(scope_code.startswith(post.scope_code) for post in self.agency_posts)


EMPTY = UserRoles()
CACHE_ATTR = "_thamdee_roles"


def roles_for(user: Any) -> UserRoles:
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY
    cached = getattr(user, CACHE_ATTR, None)
    if cached is not None:
        return cached
    from thamdee.orgs.models import AgencyStaff, Membership, Role

    orgs: dict[int, frozenset[str]] = {}
    flags = [f"is_{role}" for role in Role.values]
    for row in Membership.objects.filter(user_id=user.pk, is_active=True).values("organisation_id", *flags):
        orgs[row["organisation_id"]] = frozenset(role for role in Role.values if row[f"is_{role}"])
    posts = [
        AgencyPost(agency_id=a, scope_code=code or "", is_verifier=v)
        for a, code, v in AgencyStaff.objects.filter(user_id=user.pk, is_active=True).values_list(
            "agency_id", "scope_area__code", "is_verifier"
        )
    ]
    roles = UserRoles(orgs=orgs, agency_posts=posts, is_site_admin=bool(user.is_superuser))
    setattr(user, CACHE_ATTR, roles)
    return roles


def roles_forget(user: Any) -> None:
    if user is not None and hasattr(user, CACHE_ATTR):
        delattr(user, CACHE_ATTR)
