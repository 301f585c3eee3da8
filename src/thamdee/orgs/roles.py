"""What a user may do, loaded once per user object (one query for memberships and agency posts together)."""

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

    def is_national_staff_of(self, agency_id: int | None = None) -> bool:
        """Whether some agency post has the whole country in scope (of this agency, when one is named)."""
        return any(
            post.scope_code == "" and (agency_id is None or post.agency_id == agency_id) for post in self.agency_posts
        )

    def covers_scope(self, scope_code: str) -> bool:
        """Whether some agency post is at least as wide as ``scope_code``."""
        return any(scope_code.startswith(post.scope_code) for post in self.agency_posts)


EMPTY = UserRoles()
CACHE_ATTR = "_thamdee_roles"
_SQL: list[str] = []


def _roles_sql() -> str:
    """Memberships and agency posts in one statement: every signed-in page asks, and two ORM queries cost more
    than the database's work. Rows: (is a post, organisation or agency id, scope code, role flags...); a post
    carries its is_verifier in the first flag's place."""
    if not _SQL:
        from thamdee.areas.models import Area
        from thamdee.orgs.models import AgencyStaff, Membership, Role

        flags = [f"m.is_{role}" for role in Role.values]
        pads = ", ".join(["NULL"] * (len(flags) - 1))
        _SQL.append(
            f"SELECT 0, m.organisation_id, '', {', '.join(flags)} FROM {Membership._meta.db_table} m"
            " WHERE m.user_id = %s AND m.is_active"
            f" UNION ALL SELECT 1, s.agency_id, COALESCE(a.code, ''), s.is_verifier, {pads}"
            f" FROM {AgencyStaff._meta.db_table} s LEFT JOIN {Area._meta.db_table} a ON a.id = s.scope_area_id"
            " WHERE s.user_id = %s AND s.is_active"
        )
    return _SQL[0]


def roles_for(user: Any) -> UserRoles:
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY
    cached = getattr(user, CACHE_ATTR, None)
    if cached is not None:
        return cached
    from django.db import connection

    from thamdee.orgs.models import Role

    orgs: dict[int, frozenset[str]] = {}
    posts = []
    with connection.cursor() as cursor:
        cursor.execute(_roles_sql(), [user.pk, user.pk])
        for is_post, owner_id, scope, *held in cursor.fetchall():
            if is_post:
                posts.append(AgencyPost(agency_id=owner_id, scope_code=scope or "", is_verifier=bool(held[0])))
            else:
                orgs[owner_id] = frozenset(role for role, flag in zip(Role.values, held, strict=True) if flag)
    roles = UserRoles(orgs=orgs, agency_posts=posts, is_site_admin=bool(user.is_superuser))
    setattr(user, CACHE_ATTR, roles)
    return roles


def roles_forget(user: Any) -> None:
    if user is not None and hasattr(user, CACHE_ATTR):
        delattr(user, CACHE_ATTR)
