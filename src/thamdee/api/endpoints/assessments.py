"""The yearly assessment of organisations and provinces: the assessments you may see, opening a fiscal year's
assessment, its sheet (the framework's activities with their scores and evidence), scoring, submitting, the
confirmation or return, and results by area. An assessment is about an organisation or a province, never a person.
Every rule is in ``thamdee.assessments.services`` and ``selectors``; one you may not see is not found."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import AreaCodeField, OrganisationRefSerializer, PersonSerializer, PublicIdRelatedField, me
from thamdee.api.files import FileApiView
from thamdee.api.parsers import MultiPartParser
from thamdee.api.schema import unavailable
from thamdee.areas.models import Area, AreaLevel
from thamdee.assessments import certificates, selectors, services
from thamdee.assessments.models import Assessment, AssessmentStatus, EvidenceFile, Level, Subject
from thamdee.assessments.views import evidence_response
from thamdee.common import thaitime
from thamdee.common.errors import NotFoundError
from thamdee.deeds.evidence import EvidenceUnavailableError, read_upload
from thamdee.orgs.models import Organisation
from thamdee.recognition.errors import KeyUnavailableError

# Levels are plain integers, not enums: the same choices under three names (level, confirmed_level, an activity's
# level) would make drf-spectacular name the enum twice, and "level" already names other components' enums.
LEVELS_HELP = "0 none reached, 1 ส่งเสริมคุณธรรม (promoting), 2 คุณธรรม (moral), 3 คุณธรรมต้นแบบ (model)"

# --- serializers ----------------------------------------------------------------------------------------------


class AssessmentAreaSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="the area's DOPA code")
    name = serializers.CharField(source="display_name")


class AssessmentFrameworkSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    pass_score = serializers.IntegerField(
        help_text="the least score every activity of a level, and of the levels below, needs for it to be reached"
    )


class AssessmentCredentialSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="the credential's id (urn:uuid:<id> in the credential)")
    verify_url = serializers.CharField(help_text="its public verification page, where its signature is checked")
    file_url = serializers.CharField(help_text="the signed credential (VC-JWT), public: it names no person")
    issuer = serializers.CharField(help_text="the DID of the agency that signed it")
    revoked = serializers.BooleanField()


class AssessmentSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    subject = serializers.ChoiceField(choices=Subject.choices, help_text="what is assessed")
    subject_name = serializers.CharField(help_text="the organisation's or the province's name")
    organisation = OrganisationRefSerializer(allow_null=True, help_text="null for a province's assessment")
    province = AssessmentAreaSerializer(allow_null=True, help_text="null for an organisation's assessment")
    area_code = serializers.CharField(help_text="the area the subject is in: the organisation's area, or the province")
    fiscal_year = serializers.IntegerField(help_text="the CE year in which the fiscal year ends (2027 = FY2570)")
    fiscal_year_label = serializers.SerializerMethodField()
    framework = AssessmentFrameworkSerializer()
    status = serializers.ChoiceField(choices=AssessmentStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    level = serializers.IntegerField(
        allow_null=True, help_text=f"what the scores reach, set on submission; null before. {LEVELS_HELP}"
    )
    level_label = serializers.CharField(source="get_level_display", allow_null=True)
    confirmed_level = serializers.IntegerField(
        allow_null=True, help_text=f"the year's result, set only by a confirmation; null otherwise. {LEVELS_HELP}"
    )
    confirmed_level_label = serializers.CharField(source="get_confirmed_level_display", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    submitted_by = PersonSerializer(allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_by = PersonSerializer(allow_null=True, help_text="who confirmed or returned it")
    reviewed_at = serializers.DateTimeField(allow_null=True)
    review_note = serializers.CharField(help_text="the reviewer's note; the reason when returned")
    credential = serializers.SerializerMethodField(
        help_text="the Open Badges 3.0 credential the confirmed result was signed as by its agency; for a result its "
        "agency revoked (which returns it for correction), the revoked credential, until it is confirmed again; null "
        "if none (not confirmed at a level, or confirmed for no agency)"
    )

    def get_fiscal_year_label(self, obj: Assessment) -> str:
        return thaitime.fiscal_year_label(obj.fiscal_year)

    @extend_schema_field(AssessmentCredentialSerializer(allow_null=True))
    def get_credential(self, obj: Assessment) -> dict[str, Any] | None:
        signed = selectors.signed_result(obj)
        if signed is None:
            return None
        site = str(settings.SITE_URL).rstrip("/")
        return {
            "id": signed.id,
            "verify_url": site + reverse("recognition:verify_id", args=[signed.id]),
            "file_url": site + reverse("recognition:verify_file", args=[signed.id]),
            "issuer": signed.issuer_did,
            "revoked": signed.is_revoked,
        }


class AssessmentFileSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    activity = serializers.IntegerField(source="indicator.number", help_text="the number of the activity")
    name = serializers.CharField()
    content_type = serializers.ChoiceField(
        choices=["image/jpeg", "application/pdf"], help_text="photos are kept as JPEG without metadata"
    )
    size = serializers.IntegerField(help_text="bytes")
    pages = serializers.IntegerField(allow_null=True, help_text="a PDF's pages; null for a photo")
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField(help_text="the file, for a signed-in browser session that may see it")
    download = serializers.SerializerMethodField(help_text="the file through the API (a token client too)")

    def get_url(self, obj: EvidenceFile) -> str:
        return reverse("assessments:evidence", args=[obj.public_id])

    def get_download(self, obj: EvidenceFile) -> str:
        return f"/api/v1/assessments/{obj.assessment.public_id}/files/{obj.public_id}/"


class AssessmentActivitySerializer(serializers.Serializer):
    number = serializers.IntegerField()
    level = serializers.IntegerField(help_text="the level the activity belongs to: 1, 2 or 3")
    title = serializers.CharField()
    criteria = serializers.CharField(help_text="what earns 2, 1 and 0")
    score = serializers.IntegerField(allow_null=True, help_text="0, 1 or 2; null while unscored")
    evidence = serializers.CharField(help_text="kept even while the activity is unscored")
    files = AssessmentFileSerializer(many=True, help_text="the evidence files kept for the activity")


class AssessmentDetailSerializer(serializers.Serializer):
    """An assessment and its sheet. Nested rather than extended: the assessment's enums keep one component each
    (AssessmentStatusEnum, SubjectEnum)."""

    assessment = AssessmentSerializer()
    sheet = AssessmentActivitySerializer(many=True, help_text="the framework's activities in order, with their scores")
    missing = serializers.ListField(
        child=serializers.IntegerField(), help_text="the numbers of the activities not scored yet"
    )
    may_score = serializers.BooleanField(help_text="whether you may change the scores and submit, now")
    may_review = serializers.BooleanField(help_text="whether you may confirm or return it, now")


def _detail(viewer: Any, assessment: Assessment, code: int = status.HTTP_200_OK) -> Response:
    rows = [row for group in selectors.assessment_sheet(assessment=assessment) for row in group.rows]
    sheet = [
        {
            "number": row.indicator.number,
            "level": row.indicator.level,
            "title": row.indicator.title,
            "criteria": row.indicator.criteria,
            "score": row.value,
            "evidence": row.evidence,
            "files": row.files,
        }
        for row in rows
    ]
    data = {
        "assessment": assessment,
        "sheet": sheet,
        "missing": [item["number"] for item in sheet if item["score"] is None],
        "may_score": selectors.may_fill(viewer=viewer, assessment=assessment),
        "may_review": selectors.may_review(viewer=viewer, assessment=assessment),
    }
    return Response(AssessmentDetailSerializer(data).data, status=code)


class AssessmentFilterSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(required=False, allow_null=True, min_value=2000, max_value=2200)
    status = serializers.ChoiceField(choices=AssessmentStatus.values, required=False, allow_blank=True, default="")
    subject = serializers.ChoiceField(choices=Subject.values, required=False, allow_blank=True, default="")


class AssessmentOpenSerializer(serializers.Serializer):
    # Both optional here: "one or the other" is the service's rule (400 assessment_invalid), as on the web.
    organisation = PublicIdRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, help_text="the organisation's public id"
    )
    province = AreaCodeField(required=False, allow_null=True, help_text="a province's DOPA code (2 digits)")
    fiscal_year = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=2000,
        max_value=2200,
        help_text="CE year in which it ends; this one by default. Only this fiscal year or the one before "
        "(400 assessment_invalid otherwise)",
    )


class AssessmentScoreSerializer(serializers.Serializer):
    # The range and the activity's existence are the service's rules (400 assessment_invalid), as on the web.
    number = serializers.IntegerField(help_text="the activity's number in the framework")
    score = serializers.IntegerField(
        allow_null=True,
        help_text="0, 1 or 2; null leaves the activity unscored (with no evidence either, what was saved is cleared)",
    )
    evidence = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="what shows it was done (up to 2,000 characters)"
    )


class AssessmentScoresSerializer(serializers.Serializer):
    scores = AssessmentScoreSerializer(many=True, allow_empty=False)

    def validate_scores(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        numbers = [entry["number"] for entry in value]
        if len(numbers) != len(set(numbers)):
            raise serializers.ValidationError("each activity at most once")
        return value


class AssessmentReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=["confirm", "return"],
        help_text="confirm: the level the scores reach becomes the year's result; return: back for correction",
    )
    # An empty note passes here so that the service refuses a return without a reason with its own code
    # (assessment_invalid), as the web form shows it.
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="required when returning (up to 2,000 characters)"
    )


class AssessmentResultsFilterSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(required=False, allow_null=True, min_value=2000, max_value=2200)
    area = AreaCodeField(queryset=Area.objects.filter(level__lt=AreaLevel.SUBDISTRICT), required=False, allow_null=True)


class AssessmentRollFilterSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField(required=False, allow_null=True, min_value=2000, max_value=2200)

    def validate_fiscal_year(self, value: int | None) -> int | None:
        # The roll reads the years the page offers: this one and the four before.
        if value is not None and value not in selectors.result_years():
            raise serializers.ValidationError("one of the last five fiscal years")
        return value

    area = AreaCodeField(
        queryset=Area.objects.filter(level__lte=AreaLevel.SUBDISTRICT), required=False, allow_null=True
    )
    level = serializers.ChoiceField(
        choices=[Level.PROMOTING, Level.MORAL, Level.MODEL], required=False, allow_null=True
    )
    subject = serializers.ChoiceField(choices=Subject.values, required=False, allow_blank=True, default="")
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class AssessmentRollLineSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="assessment.public_id", help_text="the result's id, as on its certificate")
    subject = serializers.ChoiceField(choices=Subject.choices, source="assessment.subject")
    name = serializers.CharField(source="assessment.subject_name", help_text="the organisation's or the province's")
    area_code = serializers.CharField(source="assessment.area_code")
    province = serializers.CharField(help_text="the province's name")
    district = serializers.CharField(help_text="empty for a province's result")
    subdistrict = serializers.CharField(help_text="empty for a province's result")
    fiscal_year = serializers.IntegerField(source="assessment.fiscal_year")
    fiscal_year_label = serializers.SerializerMethodField()
    level = serializers.IntegerField(source="assessment.confirmed_level", help_text="1, 2 or 3 (" + LEVELS_HELP + ")")
    level_label = serializers.CharField(source="assessment.get_confirmed_level_display")
    confirmed_on = serializers.SerializerMethodField()
    confirmed_by = serializers.SerializerMethodField(help_text="the agency that confirmed it")
    verify_url = serializers.SerializerMethodField(help_text="the public page its certificate's QR code leads to")

    def get_fiscal_year_label(self, obj: selectors.PublicResult) -> str:
        return thaitime.fiscal_year_label(obj.assessment.fiscal_year)

    def get_confirmed_on(self, obj: selectors.PublicResult) -> dt.date | None:
        at = obj.assessment.reviewed_at
        return at.date() if at is not None else None

    def get_confirmed_by(self, obj: selectors.PublicResult) -> str:
        return certificates.issuer_display_name(obj.assessment)

    def get_verify_url(self, obj: selectors.PublicResult) -> str:
        return certificates.verify_url(obj.assessment)


class AssessmentLevelCountSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text="1, 2 or 3")
    name = serializers.CharField()
    organisations = serializers.IntegerField(help_text="organisations whose confirmed result is this level")


class AssessmentResultRowSerializer(serializers.Serializer):
    area = serializers.CharField(source="area.code", help_text="the area's DOPA code")
    name = serializers.CharField(source="area.display_name")
    counts = AssessmentLevelCountSerializer(
        many=True, help_text="confirmed organisations by level, 0 (no level reached) to 3"
    )
    confirmed = serializers.IntegerField(help_text="confirmed organisations, those that reached no level included")
    waiting = serializers.IntegerField(help_text="organisations submitted and not confirmed yet")
    province = AssessmentSerializer(
        allow_null=True, help_text="the province's own assessment of the year (province rows only), else null"
    )


class AssessmentResultsSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    fiscal_year_label = serializers.CharField()
    area = AssessmentAreaSerializer(allow_null=True, help_text="the area drilled into; null for the country")
    rows = AssessmentResultRowSerializer(many=True)


# --- views ----------------------------------------------------------------------------------------------------


@extend_schema(
    tags=["assessments"],
    parameters=[
        OpenApiParameter(
            "fiscal_year",
            OpenApiTypes.INT,
            description="CE year in which it ends (2027 = FY2570); by default the latest of the last five with results",
        ),
        OpenApiParameter("area", OpenApiTypes.STR, description="a province, district or subdistrict code"),
        OpenApiParameter("level", OpenApiTypes.INT, enum=[1, 2, 3], description="one level only"),
        OpenApiParameter("subject", OpenApiTypes.STR, enum=Subject.values),
        OpenApiParameter("q", OpenApiTypes.STR, description="part of the organisation's or the province's name"),
    ],
)
class AssessmentRollApi(generics.ListAPIView):
    """The public roll (no sign-in): organisations and provinces whose result of a fiscal year was confirmed at one
    of the three levels, highest level first, each with the page that verifies its certificate. No person is named;
    a result that reached no level, or is not confirmed yet, is never listed. A filter out of range: 400 invalid."""

    permission_classes = [AllowAny]
    serializer_class = AssessmentRollLineSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        filters = AssessmentRollFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        area = data.get("area")
        qs = selectors.results_public(
            fiscal_year=data.get("fiscal_year") or selectors.roll_latest_year(selectors.result_years()),
            area_code=area.code if area is not None else "",
            level=data.get("level"),
            subject=data["subject"],
            query=" ".join(data["q"].split()),
        )
        page = self.paginate_queryset(qs)
        lines = selectors.public_lines(list(page if page is not None else qs))
        return self.get_paginated_response(self.get_serializer(lines, many=True).data)


FY = OpenApiParameter(
    "fiscal_year", OpenApiTypes.INT, description="CE year in which it ends (2027 = FY2570); 2000 to 2200"
)


@extend_schema(tags=["assessments"])
class AssessmentListApi(generics.ListAPIView):
    """The assessments you may see (your organisations' as their admin or organiser; those in your area as agency
    staff; every one as a site admin), latest fiscal year first. Anyone else: an empty list. A filter not listed:
    400 invalid. POST opens one."""

    permission_classes = [IsAuthenticated]
    serializer_class = AssessmentSerializer

    def get_queryset(self) -> QuerySet[Assessment]:
        filters = AssessmentFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return selectors.assessments_visible(
            viewer=me(self.request),
            fiscal_year=data.get("fiscal_year"),
            status=data["status"] or None,
            subject=data["subject"] or None,
        ).order_by("-fiscal_year", "-updated_at", "-pk")

    @extend_schema(
        parameters=[
            FY,
            OpenApiParameter("status", OpenApiTypes.STR, enum=AssessmentStatus.values),
            OpenApiParameter("subject", OpenApiTypes.STR, enum=Subject.values),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=AssessmentOpenSerializer,
        responses={201: AssessmentDetailSerializer, 200: AssessmentDetailSerializer},
    )
    def post(self, request: Request) -> Response:
        """Open a fiscal year's assessment of an organisation (its public id) or a province (its code), with the
        framework in use: 201 when it is made, 200 when it was already there. Only who may fill it (the
        organisation's admins; agency staff covering the province) or confirm it; anyone else: 404. No framework
        in use: 409 assessment_no_framework."""
        user = me(request)
        s = AssessmentOpenSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        organisation, province = s.validated_data.get("organisation"), s.validated_data.get("province")
        year = s.validated_data.get("fiscal_year") or thaitime.current_fiscal_year()
        opened, created = services.assessment_open_or_get(
            actor=user, organisation=organisation, province=province, fiscal_year=year
        )
        return _detail(
            user,
            selectors.assessment_get(viewer=user, public_id=opened.public_id),
            status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


@extend_schema(tags=["assessments"], responses=AssessmentDetailSerializer)
class AssessmentDetailApi(APIView):
    """One assessment with its framework and sheet: each activity with its score and evidence. One you may not see:
    404."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, public_id: str) -> Response:
        user = me(request)
        return _detail(user, selectors.assessment_get(viewer=user, public_id=public_id))


@extend_schema(tags=["assessments"], request=AssessmentScoresSerializer, responses=AssessmentDetailSerializer)
class AssessmentScoresApi(APIView):
    """Save scores while the assessment is a draft or returned: only the activities listed change (PUT and PATCH
    alike). A null score leaves an activity unscored, keeping the evidence sent with it (evidence may be gathered
    before a score is decided); null with no evidence clears it. A score outside 0 to 2, an activity not in the
    framework or evidence over 2,000 characters: 400 assessment_invalid and nothing is saved. Submitted or
    confirmed: 409 assessment_not_editable. Not yours to fill: 404."""

    permission_classes = [IsAuthenticated]

    def put(self, request: Request, public_id: str) -> Response:
        user = me(request)
        assessment = selectors.assessment_get(viewer=user, public_id=public_id)  # 404 before the body is read
        s = AssessmentScoresSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        scores = {e["number"]: (e["score"], e["evidence"]) for e in s.validated_data["scores"]}
        services.assessment_score(actor=user, assessment=assessment, scores=scores)
        return _detail(user, selectors.assessment_get(viewer=user, public_id=public_id))

    def patch(self, request: Request, public_id: str) -> Response:
        return self.put(request, public_id)


@extend_schema(tags=["assessments"], request=None, responses=AssessmentDetailSerializer)
class AssessmentSubmitApi(APIView):
    """Send the result for confirmation: every activity must be scored (400 assessment_incomplete, with the numbers
    missing, otherwise); the level the scores reach is kept. Already submitted or confirmed: 409
    assessment_not_editable. Not yours to fill: 404."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        user = me(request)
        assessment = selectors.assessment_get(viewer=user, public_id=public_id)
        services.assessment_submit(actor=user, assessment=assessment)
        return _detail(user, selectors.assessment_get(viewer=user, public_id=public_id))


@extend_schema(
    tags=["assessments"],
    request=AssessmentReviewSerializer,
    responses={200: AssessmentDetailSerializer, 503: unavailable(KeyUnavailableError)},
)
class AssessmentReviewApi(APIView):
    """Confirm a submitted result or return it for correction (a reason is required: 400 assessment_invalid).
    Agency staff covering the organisation (national staff for a province) or a site admin; never who submitted it
    (400 assessment_own_review). Not waiting for confirmation: 409 assessment_not_submitted. 503
    issuer_key_unavailable if the agency cannot sign the confirmed result now (it stays submitted). Anyone else:
    404."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        user = me(request)
        assessment = selectors.assessment_get(viewer=user, public_id=public_id)  # 404 before the body is read
        s = AssessmentReviewSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.assessment_review(
            actor=user,
            assessment=assessment,
            confirm=s.validated_data["decision"] == "confirm",
            note=s.validated_data["note"],
        )
        return _detail(user, selectors.assessment_get(viewer=user, public_id=public_id))


@extend_schema(
    tags=["assessments"],
    parameters=[
        FY,
        OpenApiParameter(
            "area",
            OpenApiTypes.STR,
            description="a province or district code: its areas one level down; the provinces by default",
        ),
    ],
    responses=AssessmentResultsSerializer,
)
class AssessmentResultsApi(APIView):
    """Organisations' confirmed results of a fiscal year (this one by default) by level, for each area one level
    below ``area``, within the areas you may see; with each province's own assessment on province rows. Only for
    organisation admins, agency staff and site admins (404 for anyone else). An area that is not a province or a
    district: 400 invalid."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        user = me(request)
        if not selectors.can_use(user):
            raise NotFoundError()
        filters = AssessmentResultsFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        year = filters.validated_data.get("fiscal_year") or thaitime.current_fiscal_year()
        area = filters.validated_data.get("area")
        rows = selectors.results_by_area(viewer=user, fiscal_year=year, scope_code=area.code if area else "")
        levels = list(Level)  # 0: confirmed, reaching no level
        data = {
            "fiscal_year": year,
            "fiscal_year_label": thaitime.fiscal_year_label(year),
            "area": area,
            "rows": [
                {
                    "area": row.area,
                    "counts": [
                        {"level": level.value, "name": level.label, "organisations": row.counts.get(level.value, 0)}
                        for level in levels
                    ],
                    "confirmed": row.confirmed,
                    "waiting": row.waiting,
                    "province": row.province,
                }
                for row in rows
            ],
        }
        return Response(AssessmentResultsSerializer(data).data)


class AssessmentFileUploadSerializer(serializers.Serializer):
    activity = serializers.IntegerField(min_value=1, max_value=1000, help_text="the number of the activity")
    file = serializers.FileField(help_text="a photo (JPEG, PNG, WEBP, HEIC) or a PDF, up to 15 MB")


@extend_schema(
    tags=["assessments"],
    request={"multipart/form-data": AssessmentFileUploadSerializer},
    responses={
        201: AssessmentFileSerializer,
        200: AssessmentFileSerializer,
        503: unavailable(EvidenceUnavailableError),
    },
)
class AssessmentFilesApi(APIView):
    """Keep a file as evidence of one activity while the assessment is a draft or returned: 201, or 200 with the
    file already kept when the same file is sent again for that activity. A photo is kept as a JPEG without its
    metadata; a PDF is redrawn as pictures of its pages, keeping nothing else of it (scripts, actions, attached
    files, forms and metadata are gone; filled-in values are drawn). Refused with 400 and the refusal's code:
    encrypted (evidence_encrypted), over 100 pages (evidence_too_many_pages), over 15 MB, or over 30 MB once
    redrawn (evidence_too_large), unreadable (evidence_corrupt), not a photo or PDF (evidence_type_not_allowed);
    at most 10 files an activity (assessment_too_many_files). 503 evidence_unavailable if the server cannot redraw
    a PDF now. Submitted or confirmed: 409 assessment_not_editable. Not yours to fill: 404."""

    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]

    def post(self, request: Request, public_id: str) -> Response:
        user = me(request)
        assessment = selectors.assessment_get(viewer=user, public_id=public_id)  # 404 before the body is read
        s = AssessmentFileUploadSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data["file"]
        item, created = services.assessment_evidence_add(
            actor=user,
            assessment=assessment,
            number=s.validated_data["activity"],
            data=read_upload(upload),
            filename=upload.name or "",
        )
        return Response(
            AssessmentFileSerializer(item).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class AssessmentFileApi(FileApiView):
    """One evidence file of an assessment: its content (GET), or its removal (DELETE)."""

    permission_classes = [IsAuthenticated]

    def _item(self, user: Any, public_id: str, file_id: str) -> EvidenceFile:
        assessment = selectors.assessment_get(viewer=user, public_id=public_id)
        return selectors.evidence_file_of(assessment=assessment, public_id=file_id)

    @extend_schema(
        tags=["assessments"],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "image/jpeg"): OpenApiTypes.BINARY,
        },
    )
    def get(self, request: Request, public_id: str, file_id: str) -> HttpResponseBase:
        """The file itself, for anyone who may see the assessment (a token client too): a photo as a JPEG, a PDF as
        a download. Not yours to see, or not of this assessment: 404."""
        return evidence_response(self._item(me(request), public_id, file_id))

    @extend_schema(tags=["assessments"], request=None, responses={204: None})
    def delete(self, request: Request, public_id: str, file_id: str) -> Response:
        """Remove an evidence file while its assessment is a draft or returned (204). Submitted or confirmed: 409
        assessment_not_editable. Not yours to fill, or not of this assessment: 404."""
        user = me(request)
        services.assessment_evidence_remove(actor=user, item=self._item(user, public_id, file_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
