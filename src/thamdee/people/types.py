"""Types shared by services and views."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

if TYPE_CHECKING:
    from thamdee.people.models import User

# Whoever acts on a service: permission checks inside the service handle anonymous visitors too.
Actor: TypeAlias = "User | AnonymousUser"


class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real account."""

    user: User  # type: ignore[assignment]
