from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from thamdee.people.errors import InvalidMobileError
from thamdee.people.validators import mobile_normalise


def account_signed_in_as(name: str) -> Any:
    """The account a sign-in name reaches, active or not: the one with the mobile number, if the name is one in any
    form ``mobile_normalise`` reads, else the one with the user name as written; or None. The sign-in and its
    lockout (``lockout.lockout_username``) read a name the same way."""
    model = get_user_model()
    try:
        mobile = mobile_normalise(name)
    except InvalidMobileError:
        mobile = None
    user = model.objects.filter(mobile=mobile).first() if mobile else None
    return user if user is not None else model.objects.filter(username=name).first()


class MobileOrUsernameBackend(ModelBackend):
    """Sign in with a Thai mobile number or a user name, and a password."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        if not username or password is None:
            return None
        model = get_user_model()
        user = account_signed_in_as(username)
        if user is None:
            model().set_password(password)  # same work as a real check, so timing does not reveal accounts
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user of every request: one plain statement, the same row the ORM would read (no SQL
        compiled per request)."""
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)  # type: ignore[union-attr]
        except ValidationError:
            return None
        table, column = model._meta.db_table, model._meta.pk.column  # type: ignore[union-attr]
        found = list(model.objects.raw(f"SELECT * FROM {table} WHERE {column} = %s", [pk]))
        if not found:
            return None
        return found[0] if self.user_can_authenticate(found[0]) else None
