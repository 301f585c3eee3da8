"""Recognition: a member's level and badges, credentials (Open Badges 3.0) and their certificates, public
verification, the public honour roll, and exemplar rounds. Every rule is in ``thamdee.recognition.services`` and
``selectors``; verification is ``thamdee.recognition.credentials.verify_token`` (offline)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import AreaCodeField, PersonSerializer, PublicIdRelatedField, me
from thamdee.api.schema import unavailable
from thamdee.common.errors import NotFoundError
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import ascii_int
from thamdee.orgs.models import Organisation, OrgKind
from thamdee.orgs.selectors import organisation_get
from thamdee.people.models import User
from thamdee.recognition import credentials as vc
from thamdee.recognition import selectors, services
from thamdee.recognition.errors import KeyUnavailableError
from thamdee.recognition.models import (
    BadgeAward,
    BadgeDefinition,
    BadgeKind,
    CertificateStatus,
    ConsentState,
    Credential,
    CredentialKind,
    ExemplarCategory,
    ExemplarRound,
    Honour,
    HonourLevel,
    Nomination,
    NominationStatus,
    RoundStatus,
)

# --- serializers ----------------------------------------------------------------------------------------------


class LevelSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_th = serializers.CharField()
    name_en = serializers.CharField()
    min_credits = serializers.IntegerField()


class BadgeDefinitionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    kind = serializers.ChoiceField(choices=BadgeKind.choices)

    class Meta:
        model = BadgeDefinition
        fields = ["id", "code", "kind", "subject", "threshold", "name_th", "name_en", "criteria_th", "criteria_en"]


class CredentialRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    verify_url = serializers.SerializerMethodField()

    def get_verify_url(self, obj: Credential) -> str:
        return vc.verify_url(obj.public_id)


class BadgeAwardSerializer(serializers.Serializer):
    badge = BadgeDefinitionSerializer(source="definition")
    awarded_at = serializers.DateTimeField()
    organisation = serializers.UUIDField(source="organisation.public_id")
    credential = CredentialRefSerializer(allow_null=True)


class MyHonourSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    fiscal_year = serializers.IntegerField(help_text="the CE year in which the fiscal year ends (2027 = FY2570)")
    level = serializers.ChoiceField(choices=HonourLevel.choices)
    category = serializers.ChoiceField(choices=ExemplarCategory.choices)
    consent = serializers.ChoiceField(choices=ConsentState.choices)
    show_name = serializers.BooleanField()
    show_photo = serializers.BooleanField()
    show_story = serializers.BooleanField()
    awarded_at = serializers.DateTimeField()
    credential = CredentialRefSerializer(allow_null=True)


class RecognitionMeSerializer(serializers.Serializer):
    earned_total = serializers.IntegerField(help_text="lifetime verified credits (spending never lowers it)")
    programme = serializers.UUIDField(allow_null=True)
    level = LevelSerializer(allow_null=True)
    next_level = LevelSerializer(allow_null=True)
    credits_to_next = serializers.IntegerField()
    badges = BadgeAwardSerializer(many=True)
    honours = MyHonourSerializer(many=True)


class CredentialSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    kind = serializers.ChoiceField(choices=CredentialKind.choices)
    name_th = serializers.CharField()
    name_en = serializers.CharField()
    recipient_name = serializers.CharField()
    issuer = serializers.CharField(source="issuer.did")
    issuer_name = serializers.CharField(source="issuer.organisation.name_th")
    achievement = serializers.CharField(source="achievement_id")
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)
    certificate_status = serializers.ChoiceField(choices=CertificateStatus.choices)
    verify_url = serializers.SerializerMethodField()

    def get_verify_url(self, obj: Credential) -> str:
        return vc.verify_url(obj.public_id)


class CredentialDetailSerializer(CredentialSerializer):
    token = serializers.CharField(help_text="the signed credential (VC-JWT, EdDSA)")
    revoked_reason = serializers.CharField()
    certificate_url = serializers.SerializerMethodField(allow_null=True)

    def get_certificate_url(self, obj: Credential) -> str | None:
        if obj.certificate_status == CertificateStatus.READY and obj.certificate:
            return f"/recognition/credentials/{obj.public_id}/certificate/"
        return None


class CertificateSerializer(serializers.Serializer):
    certificate_status = serializers.ChoiceField(choices=CertificateStatus.choices)
    certificate_url = serializers.CharField(allow_null=True)


class RevocationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class VerifyRequestSerializer(serializers.Serializer):
    credential = serializers.CharField(
        required=False, allow_blank=True, max_length=64_000, help_text="a VC-JWT, or a JSON document holding one"
    )
    file = serializers.FileField(required=False, help_text="a .jwt/.json file, or a baked badge image (SVG, PNG)")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("credential") and not attrs.get("file"):
            raise serializers.ValidationError({"credential": "give a credential or a file"})
        upload = attrs.get("file")
        if upload is not None and upload.size > 2 * 1024 * 1024:
            raise serializers.ValidationError({"file": "at most 2 MB"})
        return attrs


class VerifiedCredentialSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    achievement = serializers.CharField()
    achievement_type = serializers.CharField()
    recipient_name = serializers.CharField()
    issuer_name = serializers.CharField()
    issuer = serializers.CharField()
    valid_from = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateTimeField(allow_null=True)


class VerificationSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[(s, s) for s in vc.STATUSES])
    reason = serializers.CharField(help_text="a stable code: ok, revoked, expired, signature, unknown_issuer, ...")
    reason_th = serializers.CharField()
    reason_en = serializers.CharField()
    checked_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    credential = VerifiedCredentialSerializer(allow_null=True, help_text="what it says, when the signature holds")


def _verification(result: vc.Verification) -> dict[str, Any]:
    return {
        "status": result.status,
        "reason": result.reason,
        "reason_th": result.reason_th,
        "reason_en": result.reason_en,
        "checked_at": result.checked_at,
        "revoked_at": result.credential.revoked_at if result.credential and result.status == vc.REVOKED else None,
        "credential": vc.summary(result.trusted_payload),
    }


class PublicHonourSerializer(serializers.Serializer):
    """Only what the honoured person consents to show, on the honour and on their profile: the name, photo and
    story are null unless both hold (read from ``selectors.honours_public``)."""

    id = serializers.UUIDField(source="public_id")
    fiscal_year = serializers.IntegerField()
    level = serializers.ChoiceField(choices=HonourLevel.choices)
    category = serializers.ChoiceField(choices=ExemplarCategory.choices)
    area = serializers.SerializerMethodField(allow_null=True)
    agency = serializers.CharField(source="agency.name_th")
    name = serializers.SerializerMethodField(allow_null=True)
    story = serializers.SerializerMethodField(allow_null=True)
    photo_url = serializers.SerializerMethodField(allow_null=True)

    def get_area(self, obj: Honour) -> str | None:
        return obj.area.code if obj.area_id else None  # type: ignore[union-attr]

    def get_name(self, obj: Honour) -> str | None:
        return obj.member.full_name if obj.is_public and getattr(obj, "public_name", False) else None

    def get_story(self, obj: Honour) -> str | None:
        return obj.nomination.public_story or None if obj.is_public and getattr(obj, "public_story", False) else None

    def get_photo_url(self, obj: Honour) -> str | None:
        if obj.is_public and getattr(obj, "public_photo", False) and obj.photo:
            return f"/recognition/honours/{obj.public_id}/photo/"
        return None


class ConsentSerializer(serializers.Serializer):
    show_name = serializers.BooleanField(default=False)
    show_photo = serializers.BooleanField(default=False)
    show_story = serializers.BooleanField(default=False)
    photo = serializers.FileField(required=False, help_text="the photo you agree to publish (if show_photo)")
    guardian_name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    text_th = serializers.CharField(max_length=300)
    text_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    max_score = serializers.IntegerField(min_value=1, max_value=100)


class RoundSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    agency = serializers.UUIDField(source="agency.public_id", read_only=True)
    fiscal_year = serializers.IntegerField(read_only=True)
    level = serializers.ChoiceField(choices=HonourLevel.choices, read_only=True)
    area = serializers.SerializerMethodField(allow_null=True)
    title_th = serializers.CharField(read_only=True)
    title_en = serializers.CharField(read_only=True)
    status = serializers.ChoiceField(choices=RoundStatus.choices, read_only=True)
    criteria = CriterionSerializer(many=True, read_only=True)
    panel = serializers.SerializerMethodField()

    def get_area(self, obj: ExemplarRound) -> str | None:
        return obj.area.code if obj.area_id else None  # type: ignore[union-attr]

    def get_panel(self, obj: ExemplarRound) -> list[dict[str, Any]]:
        return [{"id": str(p.user.public_id), "name": p.user.full_name} for p in obj.panel.all()]


class RoundCreateSerializer(serializers.Serializer):
    agency = PublicIdRelatedField(queryset=Organisation.objects.filter(kind=OrgKind.AGENCY))
    fiscal_year = serializers.IntegerField(
        min_value=2000, max_value=2200, help_text="the CE year in which the fiscal year ends (2027 = FY2570)"
    )
    level = serializers.ChoiceField(choices=HonourLevel.choices)
    area = AreaCodeField(required=False, allow_null=True, help_text="DOPA code; none for a national round")
    title_th = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    criteria = serializers.ListField(child=CriterionSerializer(), min_length=1, max_length=20)


class PanelSerializer(serializers.Serializer):
    members = serializers.ListField(child=serializers.UUIDField(), min_length=3, max_length=30)


class NominationSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    category = serializers.ChoiceField(choices=ExemplarCategory.choices)
    nominee = PersonSerializer()
    organisation = serializers.UUIDField(source="organisation.public_id")
    reasons = serializers.CharField()
    evidence = serializers.CharField()
    public_story = serializers.CharField()
    status = serializers.ChoiceField(choices=NominationStatus.choices)
    submitted_at = serializers.DateTimeField()


class NominationRowSerializer(serializers.Serializer):
    nomination = NominationSerializer()
    scorers = serializers.IntegerField()
    eligible = serializers.IntegerField(help_text="panel members without a conflict of interest")
    total = serializers.IntegerField(allow_null=True, help_text="sum of scores (the round's managers only)")
    conflicted = serializers.BooleanField(help_text="you sit on the panel but may not score it")
    can_score = serializers.BooleanField()
    my_scores = serializers.DictField(child=serializers.IntegerField())


class NominationCreateSerializer(serializers.Serializer):
    organisation = PublicIdRelatedField(queryset=Organisation.objects.filter(is_active=True))
    nominee = PublicIdRelatedField(queryset=User.objects.filter(is_active=True))
    category = serializers.ChoiceField(choices=ExemplarCategory.choices)
    reasons = serializers.CharField(max_length=5000)
    evidence = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    public_story = serializers.CharField(max_length=3000, required=False, allow_blank=True, default="")


class ScoreSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100), help_text="criterion code -> score"
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class BadgeSettingSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


# --- a member ----------------------------------------------------------------------------------------------------


def _level(level: Any) -> dict[str, Any] | None:
    if level is None:
        return None
    return {"code": level.code, "name_th": level.name_th, "name_en": level.name_en, "min_credits": level.min_credits}


@extend_schema(tags=["recognition"], responses=RecognitionMeSerializer)
class RecognitionMeApi(APIView):
    """Your level (from lifetime verified credits), badges and honours."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        user = me(request)
        standing = selectors.standing_of(user)
        data = {
            "earned_total": standing.earned_total,
            "programme": standing.programme.public_id if standing.programme else None,
            "level": _level(standing.level),
            "next_level": _level(standing.next_level),
            "credits_to_next": standing.credits_to_next,
            "badges": BadgeAward.objects.filter(member=user).select_related("definition", "organisation", "credential"),
            "honours": Honour.objects.filter(member=user).select_related("credential"),
        }
        return Response(RecognitionMeSerializer(data).data)


@extend_schema(tags=["recognition"])
class BadgeDefinitionListApi(generics.ListAPIView):
    """The milestones (public)."""

    permission_classes = [AllowAny]
    serializer_class = BadgeDefinitionSerializer

    def get_queryset(self) -> QuerySet[BadgeDefinition]:
        return selectors.badge_definitions()


# --- credentials ---------------------------------------------------------------------------------------------------


@extend_schema(tags=["credentials"])
class CredentialListApi(generics.ListAPIView):
    """Your credentials."""

    permission_classes = [IsAuthenticated]
    serializer_class = CredentialSerializer

    def get_queryset(self) -> QuerySet[Credential]:
        return selectors.credentials_of(me(self.request))


@extend_schema(tags=["credentials"])
class CredentialDetailApi(generics.RetrieveAPIView):
    """One credential with its signed token (its holder, or the issuing body)."""

    permission_classes = [IsAuthenticated]
    serializer_class = CredentialDetailSerializer

    def get_object(self) -> Credential:
        return selectors.credential_get_visible_to(viewer=self.request.user, public_id=self.kwargs["public_id"])


@extend_schema(tags=["credentials"])
class CertificateApi(APIView):
    """GET: the certificate's state. POST: ask for the Thai PDF certificate (made by a background task; 202)."""

    permission_classes = [IsAuthenticated]

    def _data(self, credential: Credential) -> dict[str, Any]:
        ready = (
            credential.revoked_at is None
            and credential.certificate_status == CertificateStatus.READY
            and bool(credential.certificate)
        )
        return {
            "certificate_status": credential.certificate_status,
            "certificate_url": f"/recognition/credentials/{credential.public_id}/certificate/" if ready else None,
        }

    @extend_schema(responses=CertificateSerializer)
    def get(self, request: Request, public_id: str) -> Response:
        credential = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
        if credential.member_id != request.user.pk:
            raise NotFoundError()
        return Response(self._data(credential))

    @extend_schema(request=None, responses={202: CertificateSerializer})
    def post(self, request: Request, public_id: str) -> Response:
        credential = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
        credential = services.certificate_request(actor=me(request), credential=credential)
        credential.refresh_from_db()
        return Response(self._data(credential), status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["credentials"],
    request=RevocationReasonSerializer,
    responses={200: CredentialSerializer, 503: unavailable(KeyUnavailableError)},
)
class CredentialRevokeApi(APIView):
    """The issuing body revokes a credential (its bit in the signed status list is set). 503
    issuer_key_unavailable if the status list cannot be signed now (nothing is changed)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        credential = selectors.credential_get_visible_to(viewer=request.user, public_id=public_id)
        s = RevocationReasonSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        credential = services.credential_revoke(
            actor=me(request), credential=credential, reason=s.validated_data["reason"]
        )
        return Response(CredentialSerializer(credential).data)


@extend_schema(
    tags=["credentials"],
    request={"application/json": VerifyRequestSerializer, "multipart/form-data": VerifyRequestSerializer},
    responses=VerificationSerializer,
)
class VerifyApi(APIView):
    """Verify any credential (public, offline): valid, revoked, expired or tampered, with the reason."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def post(self, request: Request) -> Response:
        s = VerifyRequestSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        upload = s.validated_data.get("file")
        raw = upload.read() if upload is not None else s.validated_data.get("credential", "")
        return Response(_verification(vc.verify_token(vc.extract_token(raw))))


@extend_schema(tags=["credentials"], responses=VerificationSerializer)
class VerifyIdApi(APIView):
    """Verify the credential a certificate's QR code names (public)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    def get(self, request: Request, public_id: str) -> Response:
        credential = selectors.credential_get_public(public_id)
        return Response(_verification(vc.verify_token(credential.token)))


# --- honours ---------------------------------------------------------------------------------------------------


@extend_schema(
    tags=["honours"],
    parameters=[
        OpenApiParameter("fiscal_year", OpenApiTypes.INT, description="the CE year in which it ends"),
        OpenApiParameter("level", OpenApiTypes.STR, enum=HonourLevel.values),
    ],
)
class HonourListApi(generics.ListAPIView):
    """The public honour roll: only honours whose holder consented, and only what they chose to show."""

    permission_classes = [AllowAny]
    serializer_class = PublicHonourSerializer

    def get_queryset(self) -> QuerySet[Honour]:
        p = self.request.query_params
        year = ascii_int(p.get("fiscal_year"), max_digits=4)
        level = p.get("level", "")
        return selectors.honours_public(
            fiscal_year=year if year is not None and year >= 1000 else None,
            level=level if level in HonourLevel.values else "",
        )


def _honour(request: Request, public_id: str) -> Honour:
    return selectors.honour_get_for_holder(viewer=request.user, public_id=public_id)


@extend_schema(
    tags=["honours"],
    request={"application/json": ConsentSerializer, "multipart/form-data": ConsentSerializer},
    responses=MyHonourSerializer,
)
class HonourConsentApi(APIView):
    """The honoured person consents to publication, choosing what to show (nothing is shown by default)."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def post(self, request: Request, public_id: str) -> Response:
        honour = _honour(request, public_id)
        s = ConsentSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        honour = services.honour_consent(
            actor=me(request),
            honour=honour,
            show_name=data["show_name"],
            show_photo=data["show_photo"],
            show_story=data["show_story"],
            photo=data["photo"].read() if data.get("photo") else None,
            guardian_name=data["guardian_name"],
        )
        return Response(MyHonourSerializer(honour).data)


@extend_schema(tags=["honours"], request=None, responses=MyHonourSerializer)
class HonourDeclineApi(APIView):
    """The honoured person declines publication."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        honour = services.honour_decline(actor=me(request), honour=_honour(request, public_id))
        return Response(MyHonourSerializer(honour).data)


@extend_schema(tags=["honours"], request=None, responses=MyHonourSerializer)
class HonourWithdrawApi(APIView):
    """Withdraw consent: the honour leaves the public roll at once."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        honour = services.honour_consent_withdraw(actor=me(request), honour=_honour(request, public_id))
        return Response(MyHonourSerializer(honour).data)


# --- exemplar rounds ------------------------------------------------------------------------------------------


def _round(request: Request, public_id: str) -> ExemplarRound:
    return selectors.round_get_visible_to(viewer=request.user, public_id=public_id)


@extend_schema(tags=["exemplars"])
class RoundListApi(generics.ListAPIView):
    """Rounds you run, sit on the panel of, or may nominate in; POST opens one (agency staff)."""

    permission_classes = [IsAuthenticated]
    serializer_class = RoundSerializer
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.rounds_for(self.request.user)

    @extend_schema(request=RoundCreateSerializer, responses={201: RoundSerializer})
    def post(self, request: Request) -> Response:
        s = RoundCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        round_ = services.round_create(
            actor=me(request),
            agency=data["agency"],
            fiscal_year=data["fiscal_year"],
            level=data["level"],
            area=data.get("area"),
            title_th=data["title_th"],
            title_en=data["title_en"],
            criteria=[
                services.CriterionInput(text_th=c["text_th"], text_en=c["text_en"], max_score=c["max_score"])
                for c in data["criteria"]
            ],
        )
        return Response(RoundSerializer(round_).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["exemplars"])
class RoundDetailApi(generics.RetrieveAPIView):
    permission_classes = [IsAuthenticated]
    serializer_class = RoundSerializer

    def get_object(self) -> ExemplarRound:
        return _round(self.request, self.kwargs["public_id"])


@extend_schema(tags=["exemplars"], request=PanelSerializer, responses=RoundSerializer)
class RoundPanelApi(APIView):
    """Set the panel (at least three people) while nominations are open."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        round_ = _round(request, public_id)
        s = PanelSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        wanted = set(s.validated_data["members"])
        users = list(User.objects.filter(public_id__in=wanted, is_active=True))
        if len(users) != len(wanted):
            raise serializers.ValidationError({"members": "unknown people"})
        services.panel_set(actor=me(request), round=round_, members=users)
        return Response(RoundSerializer(_round(request, public_id)).data)


@extend_schema(tags=["exemplars"], request=None, responses=RoundSerializer)
class RoundCloseApi(APIView):
    """Close nominations; the panel scores."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        round_ = services.round_close_nominations(actor=me(request), round=_round(request, public_id))
        return Response(RoundSerializer(_round(request, str(round_.public_id))).data)


@extend_schema(tags=["exemplars"], request=None, responses=RoundSerializer)
class RoundDecideApi(APIView):
    """Announce the round (nominations not selected are closed)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        round_ = services.round_decide(actor=me(request), round=_round(request, public_id))
        return Response(RoundSerializer(_round(request, str(round_.public_id))).data)


@extend_schema(tags=["exemplars"])
class NominationListApi(APIView):
    """The round's nominations as you may see them; POST nominates a member of your organisation."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=NominationRowSerializer(many=True))
    def get(self, request: Request, public_id: str) -> Response:
        rows = selectors.nominations_of_round(viewer=request.user, round=_round(request, public_id))
        return Response(NominationRowSerializer(rows, many=True).data)

    @extend_schema(request=NominationCreateSerializer, responses={201: NominationSerializer})
    def post(self, request: Request, public_id: str) -> Response:
        round_ = _round(request, public_id)
        s = NominationCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        nomination = services.nomination_submit(
            actor=me(request),
            round=round_,
            organisation=data["organisation"],
            nominee=data["nominee"],
            category=data["category"],
            reasons=data["reasons"],
            evidence=data["evidence"],
            public_story=data["public_story"],
        )
        return Response(NominationSerializer(nomination).data, status=status.HTTP_201_CREATED)


def _nomination(request: Request, public_id: str) -> Nomination:
    return selectors.nomination_get_visible_to(viewer=request.user, public_id=public_id)


@extend_schema(tags=["exemplars"], request=ScoreSerializer, responses=NominationRowSerializer)
class ScoreApi(APIView):
    """A panel member scores a nomination on every criterion (403 conflict_of_interest for a member of the
    nominating organisation)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        nomination = _nomination(request, public_id)
        s = ScoreSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.score_submit(
            actor=me(request),
            nomination=nomination,
            scores=s.validated_data["scores"],
            comment=s.validated_data["comment"],
        )
        rows = selectors.nominations_of_round(viewer=request.user, round=nomination.round)
        return Response(NominationRowSerializer(next(r for r in rows if r.nomination.pk == nomination.pk)).data)


@extend_schema(
    tags=["exemplars"],
    request=None,
    responses={201: MyHonourSerializer, 503: unavailable(KeyUnavailableError)},
)
class NominationSelectApi(APIView):
    """Select a nominee (the agency); the person is then asked for consent before anything is published. 503
    issuer_key_unavailable if the honour's credential cannot be signed now (nothing is changed)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        honour = services.nomination_select(actor=me(request), nomination=_nomination(request, public_id))
        return Response(MyHonourSerializer(honour).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["recognition"])
class BadgeSettingApi(APIView):
    """Whether an organisation awards badges to its members (its admins)."""

    permission_classes = [IsAuthenticated]

    def _org(self, request: Request, public_id: str) -> Organisation:
        from thamdee.recognition.permissions import can_set_badges

        org = organisation_get(parse_uuid(public_id))
        if not can_set_badges.test(request.user, org):
            raise NotFoundError()
        return org

    @extend_schema(responses=BadgeSettingSerializer)
    def get(self, request: Request, public_id: str) -> Response:
        return Response({"enabled": selectors.badges_enabled(self._org(request, public_id))})

    @extend_schema(request=BadgeSettingSerializer, responses=BadgeSettingSerializer)
    def put(self, request: Request, public_id: str) -> Response:
        org = self._org(request, public_id)
        s = BadgeSettingSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        setting = services.badge_setting_set(actor=me(request), organisation=org, enabled=s.validated_data["enabled"])
        return Response({"enabled": setting.badges_enabled})
