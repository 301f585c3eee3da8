"""Helpers that turn predicates into the behaviour of services and selectors."""

from __future__ import annotations

from typing import Any

import rules

from thamdee.common.errors import NotFoundError, PermissionDeniedError


def require(predicate: rules.Predicate, user: Any, obj: Any = None, *, visible: bool = False) -> None:
    """Raise unless ``predicate(user, obj)`` holds.

    ``visible`` says whether the user may know the object exists: when it is False the refusal is a 404, so a
    foreign object looks as if it were not there.
    """
    if predicate.test(user, obj) if obj is not None else predicate.test(user):
        return
    if visible:
        raise PermissionDeniedError()
    raise NotFoundError()
