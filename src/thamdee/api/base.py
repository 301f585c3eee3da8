"""Shared pieces for API views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission


class ReadPublicWriteAuthenticated(BasePermission):
    """Anyone may read public data; writing needs a signed-in user (services check the rest)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or bool(request.user and request.user.is_authenticated)


class AreaCodeField(serializers.SlugRelatedField):
    """An area given by its DOPA code."""

    def __init__(self, **kwargs: Any) -> None:
        from thamdee.areas.models import Area

        kwargs.setdefault("queryset", Area.objects.all())
        super().__init__(slug_field="code", **kwargs)


class PublicIdRelatedField(serializers.SlugRelatedField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="public_id", **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        import uuid

        try:
            uuid.UUID(str(data))
        except (ValueError, TypeError, AttributeError):
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return super().to_internal_value(data)


class PersonSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(source="full_name", read_only=True)


class OrganisationRefSerializer(serializers.Serializer):
    """An organisation (a partner, a fund, a community organisation) named by its public id and display name."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


def me(request: Any) -> Any:
    """The signed-in user of a request that passed IsAuthenticated."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        from rest_framework.exceptions import NotAuthenticated

        raise NotAuthenticated()
    return user
