"""Predicates about people (django-rules)."""

from __future__ import annotations

from typing import Any

import rules


@rules.predicate
def is_site_admin(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_superuser)


@rules.predicate
def is_self(user: Any, target: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and target is not None and user.pk == target.pk)


can_edit_profile = is_self | is_site_admin
