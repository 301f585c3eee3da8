from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import (
    AreaCodeField,
    PersonSerializer,
    PublicIdRelatedField,
    ReadPublicWriteAuthenticated,
)
from thamdee.common.errors import NotFoundError
from thamdee.common.parsing import is_ascii_digits
from thamdee.orgs import selectors, services
from thamdee.orgs.models import Membership, Network, NetworkKind, Organisation, OrgKind, Role
from thamdee.orgs.permissions import can_view_membership
from thamdee.people.models import User
from thamdee.people.validators import mobile_normalise


class OrganisationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    area = AreaCodeField()
    kind_name = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organisation
        fields = [
            "id",
            "name_th",
            "name_en",
            "short_name",
            "kind",
            "kind_name",
            "area",
            "description",
            "contact_phone",
            "is_active",
        ]
        read_only_fields = ["is_active"]


class OrganisationUpdateSerializer(serializers.Serializer):
    name_th = serializers.CharField(max_length=200, required=False)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    short_name = serializers.CharField(max_length=40, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)


@extend_schema(
    tags=["organisations"],
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=OrgKind.values),
        OpenApiParameter("area", OpenApiTypes.STR, description="an area code: organisations inside it"),
    ],
)
class OrganisationListApi(generics.ListCreateAPIView):
    """Organisations are public bodies: anyone may list them. Agency staff create them in their area."""

    serializer_class = OrganisationSerializer
    permission_classes = [ReadPublicWriteAuthenticated]

    def get_queryset(self) -> QuerySet[Organisation]:
        p = self.request.query_params
        kind = p.get("kind", "")
        area = p.get("area", "")
        return selectors.organisation_list(
            q=p.get("q", "")[:100],
            kind=kind if kind in OrgKind.values else "",
            area_code=area if is_ascii_digits(area) else "",
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        org = services.organisation_create(actor=request.user, **data)
        return Response(OrganisationSerializer(org).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["organisations"])
class OrganisationDetailApi(APIView):
    permission_classes = [ReadPublicWriteAuthenticated]
    serializer_class = OrganisationSerializer

    @extend_schema(responses=OrganisationSerializer)
    def get(self, request: Request, public_id: str) -> Response:
        return Response(OrganisationSerializer(selectors.organisation_get(public_id)).data)

    @extend_schema(request=OrganisationUpdateSerializer, responses=OrganisationSerializer)
    def patch(self, request: Request, public_id: str) -> Response:
        org = selectors.organisation_get(public_id)
        serializer = OrganisationUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = services.organisation_update(actor=request.user, organisation=org, **serializer.validated_data)
        return Response(OrganisationSerializer(org).data)


class MembershipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    person = PersonSerializer(source="user", read_only=True)
    organisation = serializers.UUIDField(source="organisation.public_id", read_only=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "person", "organisation", "roles", "joined_at"]


class MembershipChangedSerializer(MembershipSerializer):
    """A membership after its roles changed. ``person`` and ``joined_at`` are given only to those who may see the
    membership: agency staff over the organisation take roles away without seeing its members, and are answered
    with its id, organisation and roles alone."""

    person = PersonSerializer(source="user", required=False, help_text="only to those who may see the membership")
    joined_at = serializers.DateTimeField(required=False, help_text="only to those who may see the membership")

    def to_representation(self, instance: Membership) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("names_person", False):
            data.pop("person", None)
            data.pop("joined_at", None)
        return data


class InvitationSerializer(serializers.ModelSerializer):
    """A membership just offered: it waits for the person to accept it. Without the person's name, so that an
    identifier (a mobile number) does not tell who holds it."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    organisation = serializers.UUIDField(source="organisation.public_id", read_only=True)
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), read_only=True)
    status = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "organisation", "roles", "status", "invited_at"]

    def get_status(self, obj: Membership) -> str:
        return "invited" if obj.is_invitation else "active"


class MembershipCreateSerializer(serializers.Serializer):
    person = serializers.UUIDField(required=False, help_text="the public id of an existing person")
    mobile = serializers.CharField(required=False, help_text="or the mobile number of an existing person")
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), required=False, default=list)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = None
        if attrs.get("person"):
            user = User.objects.filter(public_id=attrs["person"]).first()
        elif attrs.get("mobile"):
            user = User.objects.filter(mobile=mobile_normalise(attrs["mobile"])).first()
        else:
            raise serializers.ValidationError({"person": "person or mobile is required"})
        if user is None:
            raise NotFoundError()
        attrs["user"] = user
        return attrs


class MembershipRolesSerializer(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices))


@extend_schema(
    tags=["organisations"],
    parameters=[OpenApiParameter("q", OpenApiTypes.STR), OpenApiParameter("role", OpenApiTypes.STR, enum=Role.values)],
)
class OrganisationMembershipsApi(generics.ListCreateAPIView):
    """An organisation's members: its admins, organisers and verifiers see them; to others it is a 404."""

    permission_classes = [IsAuthenticated]
    serializer_class = MembershipSerializer

    def get_queryset(self) -> QuerySet[Membership]:
        org = selectors.organisation_get(self.kwargs["public_id"])
        role = self.request.query_params.get("role", "")
        return selectors.membership_list_visible_to(
            viewer=self.request.user,
            organisation=org,
            q=self.request.query_params.get("q", "")[:60],
            role=role if role in Role.values else "",
        )

    @extend_schema(request=MembershipCreateSerializer, responses={201: InvitationSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Invite a person with an account: the membership is active once they accept it."""
        org = selectors.organisation_get(self.kwargs["public_id"])
        serializer = MembershipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        membership = services.membership_add(
            actor=request.user, organisation=org, user=data["user"], roles=data["roles"] or [Role.MEMBER]
        )
        return Response(InvitationSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["organisations"])
class MembershipDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MembershipSerializer)
    def get(self, request: Request, public_id: str) -> Response:
        return Response(
            MembershipSerializer(selectors.membership_get_visible_to(viewer=request.user, public_id=public_id)).data
        )

    @extend_schema(request=MembershipRolesSerializer, responses=MembershipChangedSerializer)
    def patch(self, request: Request, public_id: str) -> Response:
        """Change a membership's roles: admins give and take them; agency staff over the organisation only take
        them away, from others, and are not told who holds the membership."""
        membership = selectors.membership_get_to_change(viewer=request.user, public_id=public_id)
        serializer = MembershipRolesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_set_roles(
            actor=request.user, membership=membership, roles=serializer.validated_data["roles"]
        )
        names_person = can_view_membership.test(request.user, membership)
        return Response(MembershipChangedSerializer(membership, context={"names_person": names_person}).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, public_id: str) -> Response:
        """End a membership (leave, or remove a member: the organisation's admins, agency staff over it), or
        withdraw an invitation that still waits. The answer names no one."""
        membership = selectors.membership_get_to_end(viewer=request.user, public_id=public_id)
        services.membership_end(actor=request.user, membership=membership)
        return Response(status=status.HTTP_204_NO_CONTENT)


class NetworkSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    area = AreaCodeField(required=False, allow_null=True)
    organisations = serializers.SerializerMethodField()

    class Meta:
        model = Network
        fields = ["id", "name_th", "name_en", "kind", "area", "issue", "description", "organisations"]

    def get_organisations(self, obj: Network) -> list[str]:
        return [str(o.public_id) for o in obj.organisations.all()]


@extend_schema(
    tags=["networks"],
    parameters=[
        OpenApiParameter("q", OpenApiTypes.STR),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=NetworkKind.values),
    ],
)
class NetworkListApi(generics.ListCreateAPIView):
    serializer_class = NetworkSerializer
    permission_classes = [ReadPublicWriteAuthenticated]

    def get_queryset(self) -> QuerySet[Network]:
        kind = self.request.query_params.get("kind", "")
        return selectors.network_list(
            q=self.request.query_params.get("q", "")[:100], kind=kind if kind in NetworkKind.values else ""
        ).prefetch_related("organisations")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        network = services.network_create(actor=request.user, **serializer.validated_data)
        return Response(NetworkSerializer(network).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["networks"])
class NetworkDetailApi(generics.RetrieveAPIView):
    serializer_class = NetworkSerializer
    permission_classes = [ReadPublicWriteAuthenticated]

    def get_object(self) -> Network:
        return selectors.network_get(self.kwargs["public_id"])


class NetworkOrganisationSerializer(serializers.Serializer):
    organisation = PublicIdRelatedField(queryset=Organisation.objects.filter(is_active=True))


@extend_schema(tags=["networks"])
class NetworkOrganisationsApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=NetworkOrganisationSerializer, responses={201: NetworkSerializer})
    def post(self, request: Request, public_id: str) -> Response:
        network = selectors.network_get(public_id)
        serializer = NetworkOrganisationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.network_add_organisation(
            actor=request.user, network=network, organisation=serializer.validated_data["organisation"]
        )
        return Response(NetworkSerializer(network).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["networks"])
class NetworkOrganisationDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, public_id: str, org_id: str) -> Response:
        network = selectors.network_get(public_id)
        org = selectors.organisation_get(org_id)
        if not services.network_remove_organisation(actor=request.user, network=network, organisation=org):
            raise NotFoundError()
        return Response(status=status.HTTP_204_NO_CONTENT)
