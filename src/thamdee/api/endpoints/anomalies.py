"""Pattern review: the patterns found in an organisation's deeds, for its admins and site admins to review. A pattern
is never a finding against anyone and changes nothing; a person in it never sees it, agencies see none. Every
rule is in ``thamdee.anomalies.services`` and ``selectors``."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.anomalies import selectors, services
from thamdee.anomalies.models import REVIEW_OUTCOMES, Anomaly, AnomalyKind, AnomalyStatus
from thamdee.api.base import OrganisationRefSerializer, PersonSerializer, me

# --- serializers ----------------------------------------------------------------------------------------------


class AnomalySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=AnomalyKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    organisation = OrganisationRefSerializer(
        allow_null=True,
        help_text="null for a pattern across organisations (a reciprocal pair, or a long day of hours in several "
        "organisations), reviewed by site admins",
    )
    person = PersonSerializer(help_text="the person the pattern is about")
    other = PersonSerializer(allow_null=True, help_text="reciprocal: the other person of the pair; otherwise null")
    on_date = serializers.DateField(allow_null=True, help_text="the day the deeds were done (CE); null for reciprocal")
    figures = serializers.DictField(
        help_text="the pattern's numbers. reciprocal: person_approved_for_other, other_approved_for_person "
        "(and across_organisations: true for a pair across organisations); "
        "duplicate: deeds; long_day: deeds, hours, threshold_hours (and organisations, across_organisations: true "
        "for hours in several organisations); burst: deeds, hours, threshold_deeds"
    )
    deed_count = serializers.SerializerMethodField(help_text="how many deeds the pattern names")
    detected_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(help_text="when detection last refreshed an open pattern's figures")
    status = serializers.ChoiceField(choices=AnomalyStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    reviewed_by = PersonSerializer(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_note = serializers.CharField()

    def get_deed_count(self, obj: Anomaly) -> int:
        return len(obj.deed_ids or [])


class AnomalyDeedSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", help_text="the deed: GET /api/v1/deeds/<id>/")
    member = PersonSerializer()
    deed_type_name = serializers.CharField(source="deed_type.display_name")
    done_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=6, decimal_places=2)
    quantity = serializers.DecimalField(max_digits=7, decimal_places=2)
    # Plain text, not an enum: the deed status enum is named after the one component that uses it (DeedStatusEnum),
    # and a second would rename it in every generated client.
    status = serializers.CharField(help_text="the deed's status, as in the deeds API (pending ... reversed)")
    status_label = serializers.CharField(source="get_status_display")


class AnomalyDetailSerializer(serializers.Serializer):
    """A pattern and the deeds it names. Nested rather than extended: the pattern's kind and status enums keep one
    component each (AnomalyKindEnum, AnomalyStatusEnum)."""

    anomaly = AnomalySerializer()
    deeds = AnomalyDeedSerializer(
        many=True,
        help_text="the deeds the pattern names, newest first; act on them (reject, reverse) through the deeds API",
    )


def _detail(anomaly: Anomaly) -> Response:
    return Response(
        AnomalyDetailSerializer({"anomaly": anomaly, "deeds": selectors.anomaly_deeds(anomaly=anomaly)}).data
    )


class AnomalyReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=list(REVIEW_OUTCOMES),
        help_text="dismissed: looked at, nothing wrong; actioned: dealt with through the ordinary paths",
    )
    # An empty note passes here so that the service refuses it with its own code (anomaly_review_invalid), as the
    # web form shows it: the note is the record of why, a rule of the review and not of the request's shape.
    note = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="what was checked and why: required (400 anomaly_review_invalid without it)",
    )


class AnomalyFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*AnomalyStatus.values, "all"], required=False, default="open")
    kind = serializers.ChoiceField(choices=AnomalyKind.values, required=False, allow_blank=True, default="")


# --- views ----------------------------------------------------------------------------------------------------


@extend_schema(
    tags=["pattern review"],
    parameters=[
        OpenApiParameter(
            "status", OpenApiTypes.STR, enum=[*AnomalyStatus.values, "all"], description="default open; all: every one"
        ),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=AnomalyKind.values),
    ],
)
class AnomalyListApi(generics.ListAPIView):
    """The patterns you may review (your organisations' as their admin; every one as a site admin), newest first.
    Never one you are in. Anyone else: an empty list. A status or kind not listed: 400 invalid."""

    permission_classes = [IsAuthenticated]
    serializer_class = AnomalySerializer

    def get_queryset(self) -> QuerySet[Anomaly]:
        filters = AnomalyFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.anomaly_list_for_reviewer(
            viewer=me(self.request),
            status=filters.validated_data["status"],
            kind=filters.validated_data["kind"] or None,
        )


@extend_schema(tags=["pattern review"], responses=AnomalyDetailSerializer)
class AnomalyDetailApi(APIView):
    """One pattern with the deeds it names. A pattern you may not review (you are in it, another organisation's):
    404."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, public_id: str) -> Response:
        return _detail(selectors.anomaly_get(viewer=me(request), public_id=public_id))


@extend_schema(tags=["pattern review"], request=AnomalyReviewSerializer, responses=AnomalyDetailSerializer)
class AnomalyReviewApi(APIView):
    """Close a pattern as dismissed or actioned, with a note (required: 400 anomaly_review_invalid without it).
    Nothing else changes: act on the deeds through their own endpoints. Once only: 409 anomaly_already_reviewed
    after. Not yours to review: 404."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        user = me(request)
        anomaly = selectors.anomaly_get(viewer=user, public_id=public_id)  # 404 before the body is read
        s = AnomalyReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        anomaly = services.anomaly_review(
            actor=user, anomaly=anomaly, outcome=s.validated_data["outcome"], note=s.validated_data["note"]
        )
        return _detail(anomaly)
