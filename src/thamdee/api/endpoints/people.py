from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import authenticate
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import AreaCodeField, me
from thamdee.api.throttling import ApiRateThrottle, TokenRateThrottle
from thamdee.common.errors import DomainError
from thamdee.inbox import selectors as inbox_selectors
from thamdee.inbox import services as inbox_services
from thamdee.inbox.models import Notification
from thamdee.orgs.roles import roles_for
from thamdee.people import services
from thamdee.people.models import User


class AuthenticationError(DomainError):
    code = "invalid_credentials"
    status = 400

    def __init__(self) -> None:
        from django.utils.translation import gettext_lazy as _

        super().__init__(_("เบอร์มือถือ/ชื่อผู้ใช้ หรือรหัสผ่านไม่ถูกต้อง"))


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="a user name or a Thai mobile number", max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


@extend_schema(tags=["auth"], request=TokenRequestSerializer, responses=TokenSerializer)
class TokenApi(APIView):
    """``POST``: exchange a mobile number or user name and password for an API token (locked out like the web
    sign-in); the same token while it lasts. ``DELETE`` with the token: sign out, the token ends (a new password
    ends every token of the account too)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    # The anonymous rate of the address, and THAMDEE["API_RATES"]["token"] per address and name tried
    throttle_classes = [ApiRateThrottle, TokenRateThrottle]

    def get_authenticators(self) -> list[Any]:
        # Only signing out names a token; the exchange reads none (a stale token sent along must not refuse it).
        if getattr(self.request, "method", "") == "DELETE":
            return [TokenAuthentication()]
        return []

    def get_permissions(self) -> list[Any]:
        if getattr(self.request, "method", "") == "DELETE":
            return [IsAuthenticated()]
        return list(super().get_permissions())

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        Token.objects.filter(user_id=cast(int, request.user.pk), key=getattr(request.auth, "key", None)).delete()
        return Response(status=204)

    def post(self, request: Request) -> Response:
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            raise AuthenticationError()
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    # Any form the sign-in reads ("+66 81 234 5678", Thai digits): people.validators.mobile_normalise decides, and
    # keeps its 10 digits; the column's 10 characters would refuse valid numbers before it saw them.
    mobile = serializers.CharField(
        max_length=20,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="a Thai mobile number, in any form the sign-in reads; answered as its 10 digits",
    )
    current_password = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=256,
        style={"input_type": "password"},
        help_text=(
            "the account's current password: needed to change or remove `mobile` (the name that signs in) unless "
            "the account has no password yet (a member an organiser registered); missing or wrong, 400 "
            "`current_password_invalid`, and 429 `current_password_rate_limited` after 5 wrong in an hour"
        ),
    )
    home_area = AreaCodeField(required=False, allow_null=True)
    has_national_id = serializers.BooleanField(read_only=True)
    roles = serializers.SerializerMethodField(
        help_text="what you may do: `site_admin` (true or false), `agency_scopes` (the area code of each agency post,"
        ' "" for the whole country) and `organisations` (each organisation you belong to, by its public id, with'
        " your roles in it)"
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "prefix",
            "first_name",
            "last_name",
            "mobile",
            "birth_year",
            "home_area",
            "preferred_language",
            "has_national_id",
            "roles",
            "current_password",
        ]
        read_only_fields = ["username"]
        extra_kwargs = {"birth_year": {"min_value": 1900, "max_value": 2700}}

    def get_roles(self, obj: User) -> dict[str, Any]:
        from thamdee.orgs.selectors import organisation_public_ids

        roles = roles_for(obj)
        public_ids = organisation_public_ids(roles.orgs)  # never the primary keys that roles are held by
        return {
            "site_admin": roles.is_site_admin,
            "agency_scopes": roles.scope_codes,
            "organisations": {str(public_ids[k]): sorted(v) for k, v in roles.orgs.items()},
        }


@extend_schema(tags=["people"])
class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request: Request) -> Response:
        """Change your details; a new mobile number (the name that signs in) needs `current_password` too."""
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        current_password = changes.pop("current_password", None)
        user = services.user_update_profile(
            actor=me(request), user=me(request), current_password=current_password, **changes
        )
        return Response(MeSerializer(user).data)


class NationalIdSerializer(serializers.Serializer):
    national_id = serializers.CharField(allow_null=True, max_length=20, write_only=True)


@extend_schema(tags=["people"])
class MeNationalIdApi(APIView):
    """Record your national ID. Only its keyed hash is kept; the number is never returned or stored."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=NationalIdSerializer, responses=MeSerializer)
    def put(self, request: Request) -> Response:
        serializer = NationalIdSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_set_national_id(
            actor=me(request), user=me(request), national_id=serializer.validated_data["national_id"] or None
        )
        return Response(MeSerializer(user).data)


class NotificationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    title = serializers.CharField(read_only=True)
    body = serializers.CharField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read_at"]


@extend_schema(tags=["people"])
class NotificationListApi(generics.ListAPIView):
    """Your in-app inbox, newest first."""

    permission_classes = [IsAuthenticated]
    serializer_class = NotificationSerializer

    def get_queryset(self) -> QuerySet[Notification]:
        return inbox_selectors.notification_list_for(self.request.user)


@extend_schema(tags=["people"])
class NotificationReadApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request: Request, public_id: str) -> Response:
        item = inbox_services.notification_mark_read(actor=request.user, public_id=public_id)
        return Response(NotificationSerializer(item).data)
