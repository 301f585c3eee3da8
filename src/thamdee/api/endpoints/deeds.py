from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import AreaCodeField, PersonSerializer, PublicIdRelatedField, me
from thamdee.api.files import FileApiView
from thamdee.api.schema import unavailable
from thamdee.common import thaitime
from thamdee.common.errors import NotFoundError
from thamdee.common.parsing import year_param
from thamdee.creditrules import engine
from thamdee.creditrules import services as rules_services
from thamdee.creditrules.models import Rulebook, RulebookVersion
from thamdee.creditrules.permissions import can_edit_rulebook
from thamdee.creditrules.selectors import rulebook_versions_published, version_describe
from thamdee.deeds import selectors, services
from thamdee.deeds.evidence import MAX_PHOTOS_PER_DEED, read_upload
from thamdee.deeds.models import (
    Activity,
    Appeal,
    Deed,
    DeedEvidence,
    DeedStatus,
    DeedType,
    Evidence,
    Period,
    Unit,
    VerifiedBy,
)
from thamdee.deeds.views import evidence_response
from thamdee.ledger.models import Programme
from thamdee.orgs.models import Organisation
from thamdee.orgs.selectors import organisation_get
from thamdee.people.models import User
from thamdee.recognition.errors import KeyUnavailableError


def _lang(request: Request) -> str:
    from django.utils import translation

    return translation.get_language() or "th"


class DeedTypeSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    organisation = serializers.UUIDField(source="organisation.public_id", read_only=True, allow_null=True)
    virtues: serializers.SlugRelatedField = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    dimensions: serializers.SlugRelatedField = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="code"
    )
    main_virtue: serializers.SlugRelatedField = serializers.SlugRelatedField(
        read_only=True, slug_field="code", help_text="the virtue the agencies' figures count its deeds under"
    )
    main_dimension: serializers.SlugRelatedField = serializers.SlugRelatedField(
        read_only=True, slug_field="code", help_text="the dimension the agencies' figures count its deeds under"
    )

    class Meta:
        model = DeedType
        fields = [
            "id",
            "organisation",
            "code",
            "name_th",
            "name_en",
            "description",
            "criterion",
            "virtues",
            "dimensions",
            "main_virtue",
            "main_dimension",
            "unit",
            "period",
            "evidence",
            "verified_by",
            "max_backdate_days",
            "is_sensitive",
            "checkin_verified",
            "is_active",
        ]


class DeedTypeCreateSerializer(serializers.Serializer):
    organisation = PublicIdRelatedField(
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="omit for a national template (agency staff)",
    )
    programme = PublicIdRelatedField(queryset=Programme.objects.filter(is_active=True))
    code = serializers.SlugField(
        max_length=50,
        help_text="new to the organisation's catalogue, or to the programme's templates; a code in use is refused "
        "(deed_type_code_taken)",
    )
    name_th = serializers.CharField(max_length=200)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    criterion = serializers.CharField(max_length=300)
    virtues = serializers.ListField(
        child=serializers.SlugField(), allow_empty=False, help_text="at least one active virtue's code"
    )
    dimensions = serializers.ListField(child=serializers.SlugField(), allow_empty=False, help_text="at least one")
    main_virtue = serializers.SlugField(
        required=False,
        allow_null=True,
        default=None,
        help_text="one of virtues, under which the agencies' figures count the type's deeds (never changed); by "
        "default the first in the catalogue's order; another is refused (deed_type_main_not_chosen)",
    )
    main_dimension = serializers.SlugField(
        required=False, allow_null=True, default=None, help_text="one of dimensions, as main_virtue"
    )
    unit = serializers.ChoiceField(choices=Unit.choices, default=Unit.OCCURRENCE)
    period = serializers.ChoiceField(choices=Period.choices, required=False, allow_blank=True, default="")
    evidence = serializers.ChoiceField(choices=Evidence.choices, default=Evidence.NONE)
    verified_by = serializers.ChoiceField(
        choices=VerifiedBy.choices,
        default=VerifiedBy.ORGANISATION,
        help_text="agency: national templates only; an organisation's own type is refused "
        "(agency_verifies_templates_only)",
    )
    max_backdate_days = serializers.IntegerField(min_value=0, max_value=3650, default=30)
    is_sensitive = serializers.BooleanField(default=False)
    checkin_verified = serializers.BooleanField(default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("unit") == Unit.PERIOD and attrs.get("period") not in (Period.MONTHLY, Period.YEARLY):
            raise serializers.ValidationError({"period": "a periodic deed needs monthly or yearly"})
        return attrs


@extend_schema(tags=["deeds"], parameters=[OpenApiParameter("organisation", OpenApiTypes.UUID)])
class DeedTypeListApi(generics.ListCreateAPIView):
    """A catalogue (public; sensitive types only for members), or national templates without ?organisation."""

    serializer_class = DeedTypeSerializer

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[DeedType]:
        org_id = self.request.query_params.get("organisation")
        if org_id:
            return selectors.catalogue_of(organisation_get(org_id), viewer=self.request.user)
        programme = Programme.objects.filter(is_active=True).order_by("pk").first()
        return selectors.templates_of(programme.pk) if programme else DeedType.objects.none()

    @extend_schema(request=DeedTypeCreateSerializer, responses={201: DeedTypeSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        s = DeedTypeCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        deed_type = services.deed_type_create(actor=me(request), **s.validated_data)
        return Response(DeedTypeSerializer(deed_type).data, status=status.HTTP_201_CREATED)


class DeedTypeUpdateSerializer(serializers.Serializer):
    """The fields that may change; every one is optional. The code, virtues and dimensions never change."""

    name_th = serializers.CharField(max_length=200, required=False)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True)
    criterion = serializers.CharField(max_length=300, required=False)
    unit = serializers.ChoiceField(
        choices=Unit.choices, required=False, help_text="refused once deeds were recorded (deed_type_in_use)"
    )
    period = serializers.ChoiceField(choices=Period.choices, required=False, allow_blank=True)
    evidence = serializers.ChoiceField(choices=Evidence.choices, required=False)
    verified_by = serializers.ChoiceField(
        choices=VerifiedBy.choices,
        required=False,
        help_text="on a national template, every adopted copy follows; agency on an organisation's own type is "
        "refused (agency_verifies_templates_only)",
    )
    max_backdate_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    is_sensitive = serializers.BooleanField(required=False)
    checkin_verified = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False, help_text="false closes the type to new deeds")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        current: DeedType = self.context["deed_type"]
        unit, period = attrs.get("unit", current.unit), attrs.get("period", current.period)
        if unit == Unit.PERIOD and period not in (Period.MONTHLY, Period.YEARLY):
            raise serializers.ValidationError({"period": "a periodic deed needs monthly or yearly"})
        return attrs


@extend_schema(tags=["deeds"])
class DeedTypeDetailApi(APIView):
    """One catalogue entry or national template, for those who keep it: the organisation's admins and organisers,
    or national staff of the programme's agency (404 to anyone else)."""

    permission_classes = [IsAuthenticated]

    def _get(self, request: Request, public_id: str) -> DeedType:
        return selectors.deed_type_get_for_editor(viewer=me(request), public_id=public_id)

    @extend_schema(responses={200: DeedTypeSerializer})
    def get(self, request: Request, public_id: str) -> Response:
        return Response(DeedTypeSerializer(self._get(request, public_id)).data)

    @extend_schema(request=DeedTypeUpdateSerializer, responses={200: DeedTypeSerializer})
    def patch(self, request: Request, public_id: str) -> Response:
        deed_type = self._get(request, public_id)
        s = DeedTypeUpdateSerializer(data=request.data, context={"deed_type": deed_type})
        s.is_valid(raise_exception=True)
        updated = services.deed_type_update(actor=me(request), deed_type=deed_type, **s.validated_data)
        return Response(DeedTypeSerializer(updated).data)


class AdoptSerializer(serializers.Serializer):
    organisation = PublicIdRelatedField(queryset=Organisation.objects.filter(is_active=True))


@extend_schema(tags=["deeds"], request=AdoptSerializer, responses={201: DeedTypeSerializer})
class DeedTypeAdoptApi(APIView):
    """An organisation adopts a national template into its catalogue."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        template = DeedType.objects.filter(public_id=public_id, organisation__isnull=True).first()
        if template is None:
            raise NotFoundError()
        s = AdoptSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        copy = services.deed_type_adopt(
            actor=me(request), template=template, organisation=s.validated_data["organisation"]
        )
        return Response(DeedTypeSerializer(copy).data, status=status.HTTP_201_CREATED)


class DeedPhotoSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.CharField(help_text="the photo, for a signed-in browser session that may see the deed")
    download = serializers.CharField(help_text="the photo (JPEG) through the API, for a token client too")
    thumbnail = serializers.CharField(help_text="its thumbnail (JPEG) through the API, for a token client too")


def _photos(deed: Deed) -> list[DeedEvidence]:
    # Read once for both fields: a list's queryset prefetched the photos already; a single deed reads them here.
    prefetch_related_objects([deed], "evidence")
    return list(deed.evidence.all())


class DeedSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    member = PersonSerializer(read_only=True)
    deed_type = serializers.UUIDField(source="deed_type.public_id", read_only=True)
    deed_type_name = serializers.CharField(source="deed_type.display_name", read_only=True)
    organisation = serializers.UUIDField(source="organisation.public_id", read_only=True)
    area = serializers.CharField(source="area.code", read_only=True)
    done_on_be = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField(help_text="why these credits: each rule and its version")
    evidence = serializers.SerializerMethodField(
        help_text="the photos, for a signed-in browser session; kept as it was, see photos for token clients"
    )
    photos = serializers.SerializerMethodField(help_text="the evidence photos, with their API downloads")

    class Meta:
        model = Deed
        fields = [
            "id",
            "member",
            "deed_type",
            "deed_type_name",
            "organisation",
            "area",
            "done_on",
            "done_on_be",
            "quantity",
            "hours",
            "beneficiaries",
            "description",
            "status",
            "source",
            "credits",
            "explanation",
            "submitted_at",
            "decided_at",
            "evidence",
            "photos",
        ]

    def get_done_on_be(self, obj: Deed) -> str:
        return thaitime.format_date(obj.done_on, "numeric")

    def get_explanation(self, obj: Deed) -> list[str]:
        return obj.explanation_text()

    def get_evidence(self, obj: Deed) -> list[str]:
        return [f"/deeds/evidence/{e.public_id}/full/" for e in _photos(obj)]

    @extend_schema_field(DeedPhotoSerializer(many=True))
    def get_photos(self, obj: Deed) -> Any:
        photos = [
            {
                "public_id": e.public_id,
                "url": reverse("deeds:evidence", args=[e.public_id, "full"]),
                "download": reverse("api:deed-evidence", args=[obj.public_id, e.public_id]),
                "thumbnail": reverse("api:deed-evidence-thumb", args=[obj.public_id, e.public_id]),
            }
            for e in _photos(obj)
        ]
        return DeedPhotoSerializer(photos, many=True).data


class DeedReportSerializer(serializers.Serializer):
    deed_type = PublicIdRelatedField(queryset=DeedType.objects.filter(is_active=True))
    done_on = serializers.DateField()
    area = AreaCodeField(required=False, allow_null=True)
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, default=Decimal(0), min_value=0)
    quantity = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True, min_value=0)
    beneficiaries = serializers.IntegerField(required=False, default=0, min_value=0, max_value=100000)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=MAX_PHOTOS_PER_DEED
    )


class MyDeedsFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeedStatus.values, required=False, allow_blank=True, default="")


@extend_schema(
    tags=["deeds"],
    parameters=[
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=DeedStatus.values,
            description="left out or blank: all; a value not listed: 400 invalid",
        )
    ],
)
class MyDeedsApi(generics.ListCreateAPIView):
    """Your deeds; POST reports a new one (multipart with photos, or JSON without). A status not listed: 400
    invalid."""

    permission_classes = [IsAuthenticated]
    serializer_class = DeedSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Deed]:
        filters = MyDeedsFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        # The serializer names the member, the organisation and the area of every deed.
        return (
            selectors.deed_list_for_member(me(self.request), filters.validated_data["status"])
            .select_related("member", "area", "explanation")
            .prefetch_related("evidence")
        )

    @extend_schema(request=DeedReportSerializer, responses={201: DeedSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        s = DeedReportSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        deed = services.deed_report(
            actor=me(request),
            deed_type=data["deed_type"],
            done_on=data["done_on"],
            area=data.get("area"),
            hours=data["hours"],
            quantity=data.get("quantity"),
            beneficiaries=data["beneficiaries"],
            description=data["description"],
            photos=[read_upload(f) for f in data["photos"]],
        )
        return Response(DeedSerializer(deed).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["deeds"])
class DeedDetailApi(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = DeedSerializer

    def get_object(self) -> Deed:
        return selectors.deed_get_visible_to(viewer=self.request.user, public_id=self.kwargs["public_id"])


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


@extend_schema(
    tags=["verification"],
    request=None,
    responses={200: DeedSerializer, 503: unavailable(KeyUnavailableError)},
)
class DeedVerifyApi(APIView):
    """Verify a deed (never your own); above the rulebook's threshold the first approval waits for a second. 503
    issuer_key_unavailable if a badge or level it earns cannot be signed now (nothing is changed)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        deed = selectors.deed_get_visible_to(viewer=request.user, public_id=public_id)
        return Response(DeedSerializer(services.deed_verify(actor=me(request), deed=deed)).data)


@extend_schema(tags=["verification"], request=ReasonSerializer, responses=DeedSerializer)
class DeedRejectApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        deed = selectors.deed_get_visible_to(viewer=request.user, public_id=public_id)
        s = ReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(
            DeedSerializer(services.deed_reject(actor=me(request), deed=deed, reason=s.validated_data["reason"])).data
        )


@extend_schema(tags=["verification"], request=ReasonSerializer, responses=DeedSerializer)
class DeedReverseApi(APIView):
    """Reverse a verified deed found wrong (a reversing journal, never a delete)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        deed = selectors.deed_get_visible_to(viewer=request.user, public_id=public_id)
        s = ReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        return Response(
            DeedSerializer(services.deed_reverse(actor=me(request), deed=deed, reason=s.validated_data["reason"])).data
        )


class DeedEvidenceApi(FileApiView):
    """One evidence photo of a deed, for anyone who may see the deed on the web (a token client too)."""

    permission_classes = [IsAuthenticated]
    thumbnail = False

    def _response(self, request: Request, public_id: str, photo_id: str) -> HttpResponseBase:
        # The same selector and the same response as the page (deeds.views.evidence_file), scoped to this deed.
        item = selectors.evidence_get_visible_to(viewer=request.user, public_id=photo_id, deed_id=public_id)
        return evidence_response(item, thumbnail=self.thumbnail)

    @extend_schema(tags=["deeds"], responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request: Request, public_id: str, photo_id: str) -> HttpResponseBase:
        """The photo itself, as a JPEG (re-encoded when it was sent, without metadata), for the doer, the
        organisation's organisers, verifiers and admins, the agency verifiers of a template it verifies, and site
        admins. Not yours to see, or not of this deed: 404."""
        return self._response(request, public_id, photo_id)


class DeedEvidenceThumbApi(DeedEvidenceApi):
    thumbnail = True

    @extend_schema(tags=["deeds"], responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    def get(self, request: Request, public_id: str, photo_id: str) -> HttpResponseBase:
        """The photo's thumbnail, as a JPEG, for those who may see the photo. Not yours to see, or not of this
        deed: 404."""
        return self._response(request, public_id, photo_id)


class BulkSerializer(serializers.Serializer):
    deeds = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=services.BULK_LIMIT)


class BulkResultSerializer(serializers.Serializer):
    verified = serializers.IntegerField()
    awaiting_second = serializers.IntegerField()
    credits = serializers.IntegerField()


@extend_schema(
    tags=["verification"],
    request=BulkSerializer,
    responses={200: BulkResultSerializer, 503: unavailable(KeyUnavailableError)},
)
class DeedVerifyBulkApi(APIView):
    """Verify up to 500 deeds at once; their awards post as one batch (all or nothing). 503 issuer_key_unavailable
    if a badge or level they earn cannot be signed now."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        s = BulkSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        deeds = list(Deed.objects.filter(public_id__in=s.validated_data["deeds"]))
        if len(deeds) != len(set(s.validated_data["deeds"])):
            raise NotFoundError()
        result = services.deed_verify_bulk(actor=me(request), deeds=deeds)
        return Response(
            {
                "verified": len(result.verified),
                "awaiting_second": len(result.awaiting_second),
                "credits": result.credits,
            }
        )


@extend_schema(
    tags=["verification"],
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=["open", *DeedStatus.values]),
        OpenApiParameter("deed_type", OpenApiTypes.UUID),
        OpenApiParameter("q", OpenApiTypes.STR),
        OpenApiParameter("from", OpenApiTypes.DATE),
        OpenApiParameter("to", OpenApiTypes.DATE),
    ],
)
class DeedQueueApi(generics.ListAPIView):
    """An organisation's deeds, for its organisers and verifiers (404 to anyone else)."""

    permission_classes = [IsAuthenticated]
    serializer_class = DeedSerializer

    def get_queryset(self) -> QuerySet[Deed]:
        org = organisation_get(self.kwargs["public_id"])
        filters = _queue_filters(self.request.query_params)
        return (
            selectors.deed_queue_for(viewer=self.request.user, organisation=org, filters=filters)
            .select_related("organisation", "explanation")
            .prefetch_related("evidence")
        )


class QueueFilterSerializer(serializers.Serializer):
    """A verification queue's filters: a value that is not one of them is a 400 naming the parameter, never a list
    quietly unfiltered (a blank status: every status; a blank date or deed type: none)."""

    status = serializers.ChoiceField(choices=["open", *DeedStatus.values], required=False, allow_blank=True)
    deed_type = serializers.UUIDField(required=False)
    q = serializers.CharField(required=False, allow_blank=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False)  # the parameters' names: "from" is a keyword
        fields["to"] = serializers.DateField(required=False)
        return fields

    def to_internal_value(self, data: Any) -> Any:
        return super().to_internal_value({k: data.get(k) for k in data if data.get(k) != "" or k in ("status", "q")})


def _queue_filters(p: Any) -> selectors.QueueFilters:
    s = QueueFilterSerializer(data=p)
    s.is_valid(raise_exception=True)
    data = s.validated_data
    return selectors.QueueFilters(
        status=data.get("status", "open"),
        deed_type=str(data["deed_type"]) if data.get("deed_type") else "",
        q=data.get("q", "")[:60],
        date_from=data.get("from"),
        date_to=data.get("to"),
    )


@extend_schema(
    tags=["verification"],
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=["open", *DeedStatus.values]),
        OpenApiParameter("deed_type", OpenApiTypes.UUID, description="a national template: all its adopted copies"),
        OpenApiParameter("q", OpenApiTypes.STR, description="the member's name"),
        OpenApiParameter("from", OpenApiTypes.DATE),
        OpenApiParameter("to", OpenApiTypes.DATE),
    ],
)
class DeedAgencyQueueApi(generics.ListAPIView):
    """The agency verification queue: deeds of the national templates that the caller's agencies verify, from
    every organisation in the caller's area (404 to anyone who is not an agency verifier)."""

    permission_classes = [IsAuthenticated]
    serializer_class = DeedSerializer

    def get_queryset(self) -> QuerySet[Deed]:
        filters = _queue_filters(self.request.query_params)
        return (
            selectors.deed_queue_for_agency(viewer=self.request.user, filters=filters)
            .select_related("explanation")
            .prefetch_related("evidence")
        )


class RecordEntrySerializer(serializers.Serializer):
    member = PublicIdRelatedField(queryset=User.objects.filter(is_active=True))
    hours = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, default=Decimal(0), min_value=0)
    quantity = serializers.DecimalField(max_digits=6, decimal_places=2, required=False, allow_null=True, min_value=0)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class RecordSerializer(serializers.Serializer):
    deed_type = PublicIdRelatedField(queryset=DeedType.objects.filter(is_active=True))
    done_on = serializers.DateField()
    entries = RecordEntrySerializer(many=True)


@extend_schema(tags=["deeds"], request=RecordSerializer, responses={201: DeedSerializer(many=True)})
class DeedRecordApi(APIView):
    """An organiser records one deed type for many members (all or none)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        s = RecordSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        entries = [
            services.DeedInput(
                member=e["member"],
                deed_type=data["deed_type"],
                done_on=data["done_on"],
                hours=e["hours"],
                quantity=e.get("quantity"),
                description=e["description"],
            )
            for e in data["entries"]
        ]
        deeds = services.deed_record_for(actor=me(request), entries=entries)
        return Response(DeedSerializer(deeds, many=True).data, status=status.HTTP_201_CREATED)


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class ImportResultSerializer(serializers.Serializer):
    imported = serializers.IntegerField()


@extend_schema(tags=["deeds"], request={"multipart/form-data": ImportSerializer}, responses=ImportResultSerializer)
class DeedImportApi(APIView):
    """Import a CSV or XLSX list for an organisation; on any bad row nothing is imported and the problem lists
    every row (``rows``)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    def post(self, request: Request, public_id: str) -> Response:
        org = organisation_get(public_id)
        s = ImportSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        result = services.deeds_import(actor=me(request), organisation=org, data=upload.read(), filename=upload.name)
        return Response({"imported": result.rows}, status=status.HTTP_201_CREATED)


class AppealSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    deed = serializers.UUIDField(source="deed.public_id", read_only=True)

    class Meta:
        model = Appeal
        fields = ["id", "deed", "reason", "status", "filed_at", "decided_at", "decision_reason"]


@extend_schema(tags=["appeals"], request=ReasonSerializer, responses={201: AppealSerializer})
class DeedAppealApi(APIView):
    """Appeal a rejection or reversal of your deed; a different verifier decides."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        deed = selectors.deed_get_visible_to(viewer=request.user, public_id=public_id)
        s = ReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        appeal = services.appeal_file(actor=me(request), deed=deed, reason=s.validated_data["reason"])
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class DecideSerializer(serializers.Serializer):
    uphold = serializers.BooleanField()
    reason = serializers.CharField(max_length=500)


@extend_schema(
    tags=["appeals"],
    request=DecideSerializer,
    responses={200: AppealSerializer, 503: unavailable(KeyUnavailableError)},
)
class AppealDecideApi(APIView):
    """Uphold or dismiss an appeal. 503 issuer_key_unavailable if the deed an upheld appeal credits again earns a
    badge or level that cannot be signed now (nothing is changed)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        appeal = Appeal.objects.select_related("deed").filter(public_id=public_id).first()
        if appeal is None:
            raise NotFoundError()
        selectors.deed_get_visible_to(viewer=request.user, public_id=appeal.deed.public_id)
        s = DecideSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        appeal = services.appeal_decide(
            actor=me(request), appeal=appeal, uphold=s.validated_data["uphold"], reason=s.validated_data["reason"]
        )
        return Response(AppealSerializer(appeal).data)


class ActivitySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    deed_type = PublicIdRelatedField(queryset=DeedType.objects.filter(is_active=True))
    area = AreaCodeField()
    organisation = serializers.UUIDField(source="organisation.public_id", read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "organisation", "deed_type", "title", "area", "starts_at", "ends_at", "hours", "is_closed"]
        read_only_fields = ["is_closed"]


@extend_schema(tags=["activities"], parameters=[OpenApiParameter("organisation", OpenApiTypes.UUID, required=True)])
class ActivityListApi(generics.ListCreateAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = ActivitySerializer

    def get_queryset(self) -> QuerySet[Activity]:
        org_id = self.request.query_params.get("organisation", "")
        return selectors.activity_list_for(viewer=self.request.user, organisation=organisation_get(org_id))

    def perform_create(self, serializer: Any) -> None:
        data = serializer.validated_data
        serializer.instance = services.activity_create(actor=me(self.request), **data)


class CheckinSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200)


@extend_schema(
    tags=["activities"],
    request=CheckinSerializer,
    responses={201: DeedSerializer, 503: unavailable(KeyUnavailableError)},
)
class CheckinApi(APIView):
    """Check in to an activity with the code from its QR. 503 issuer_key_unavailable if the check-in is verified at
    once and earns a badge or level that cannot be signed now."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        s = CheckinSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        deed = services.activity_checkin(actor=me(request), token=s.validated_data["token"])
        return Response(DeedSerializer(deed).data, status=status.HTTP_201_CREATED)


class RosterSerializer(serializers.Serializer):
    members = serializers.ListField(child=serializers.UUIDField(), max_length=2000)


@extend_schema(
    tags=["activities"],
    request=RosterSerializer,
    responses={201: DeedSerializer(many=True), 503: unavailable(KeyUnavailableError)},
)
class RosterApi(APIView):
    """Check in the members who came. 503 issuer_key_unavailable if a check-in is verified at once and earns a badge
    or level that cannot be signed now (no one is checked in)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        activity = selectors.activity_get_for_organiser(viewer=request.user, public_id=public_id)
        s = RosterSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        members = list(User.objects.filter(public_id__in=s.validated_data["members"]))
        deeds = services.activity_roster(actor=me(request), activity=activity, members=members)
        return Response(DeedSerializer(deeds, many=True).data, status=status.HTTP_201_CREATED)


class VersionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    text = serializers.SerializerMethodField(help_text="the rules in plain sentences")

    class Meta:
        model = RulebookVersion
        fields = ["id", "number", "effective_from", "published_at", "notes", "rules", "text"]

    def get_text(self, obj: RulebookVersion) -> list[str]:
        return version_describe(obj, lang=_lang(self.context.get("request")))  # type: ignore[arg-type]


class RulebookSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    organisation = serializers.UUIDField(source="organisation.public_id", read_only=True, allow_null=True)
    versions = serializers.SerializerMethodField()

    class Meta:
        model = Rulebook
        fields = ["id", "name_th", "name_en", "organisation", "versions"]

    def get_versions(self, obj: Rulebook) -> Any:
        return VersionSerializer(rulebook_versions_published(obj), many=True, context=self.context).data


@extend_schema(tags=["rules"])
class RulebookListApi(generics.ListAPIView):
    """Every rulebook and its published versions (public)."""

    permission_classes = [AllowAny]
    serializer_class = RulebookSerializer
    queryset = Rulebook.objects.select_related("organisation").order_by("pk")


class DraftSerializer(serializers.Serializer):
    rules = serializers.JSONField()
    notes = serializers.CharField(required=False, allow_blank=True, default="")


@extend_schema(tags=["rules"], request=DraftSerializer, responses={201: VersionSerializer})
class RulebookDraftApi(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        book = Rulebook.objects.filter(public_id=public_id).first()
        if book is None or not can_edit_rulebook.test(request.user, book):
            raise NotFoundError()
        s = DraftSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        if not isinstance(s.validated_data["rules"], dict):
            raise serializers.ValidationError({"rules": "an object"})
        version = rules_services.rulebook_version_draft(
            actor=me(request), rulebook=book, rules=s.validated_data["rules"], notes=s.validated_data["notes"]
        )
        return Response(VersionSerializer(version, context={"request": request}).data, status=status.HTTP_201_CREATED)


class PublishSerializer(serializers.Serializer):
    effective_from = serializers.DateField()


@extend_schema(tags=["rules"], request=PublishSerializer, responses=VersionSerializer)
class RulebookPublishApi(APIView):
    """Publish a draft; from then on it never changes and applies only from its effective date."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        version = RulebookVersion.objects.select_related("rulebook").filter(public_id=public_id).first()
        if version is None or not can_edit_rulebook.test(request.user, version.rulebook):
            raise NotFoundError()
        s = PublishSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        version = rules_services.rulebook_version_publish(
            actor=me(request), version=version, effective_from=s.validated_data["effective_from"]
        )
        return Response(VersionSerializer(version, context={"request": request}).data)


class PreviewSerializer(serializers.Serializer):
    deed_type = PublicIdRelatedField(queryset=DeedType.objects.filter(is_active=True))
    done_on = serializers.DateField()
    area = AreaCodeField()
    quantity = serializers.DecimalField(max_digits=6, decimal_places=2, default=Decimal(1), min_value=0)


class PreviewResultSerializer(serializers.Serializer):
    credits = serializers.IntegerField()
    explanation = serializers.ListField(child=serializers.CharField())


@extend_schema(tags=["rules"], request=PreviewSerializer, responses=PreviewResultSerializer)
class RulesPreviewApi(APIView):
    """What a deed would earn under the rules in force on its day (no history, no caps used yet)."""

    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        s = PreviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        deed = Deed(
            deed_type=data["deed_type"],
            done_on=data["done_on"],
            area=data["area"],
            quantity=data["quantity"],
            organisation_id=data["deed_type"].organisation_id,
        )
        award, _ = services.compute(deed, history=engine.History())
        return Response({"credits": award.credits, "explanation": award.text(_lang(request))})


class HoursSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    total_hours = serializers.DecimalField(max_digits=8, decimal_places=2)
    deeds = serializers.IntegerField()


@extend_schema(
    tags=["passbook"], parameters=[OpenApiParameter("fiscal_year", OpenApiTypes.INT)], responses=HoursSerializer
)
class HoursApi(APIView):
    """Your volunteer hours (verified deeds) in a fiscal year."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        year = year_param(request.query_params.get("fiscal_year")) or thaitime.current_fiscal_year()
        statement = selectors.hours_statement(me(request), year)
        return Response(
            HoursSerializer({"fiscal_year": year, "total_hours": statement.total_hours, "deeds": statement.deeds}).data
        )
