from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import PublicIdRelatedField, me
from thamdee.common import thaitime
from thamdee.common.parsing import ascii_int, year_param
from thamdee.ledger import selectors, services
from thamdee.ledger.models import JournalKind, Programme
from thamdee.orgs.models import Organisation
from thamdee.orgs.selectors import membership_get_visible_to
from thamdee.people.models import User


class PassbookLineSerializer(serializers.Serializer):
    ref = serializers.UUIDField(help_text="the public reference of the journal")
    at = serializers.DateTimeField()
    date_be = serializers.SerializerMethodField(help_text="the date in the Buddhist Era, as Thai readers expect")
    kind = serializers.ChoiceField(choices=JournalKind.choices)
    kind_label = serializers.CharField()
    amount = serializers.IntegerField()
    running_balance = serializers.IntegerField(source="running")
    counterpart = serializers.CharField()
    memo = serializers.CharField(
        help_text="the journal's memo; for a gift or donation the giver's message (empty once their data is erased); "
        "empty for a deed's award, which reason names"
    )
    appeal = serializers.BooleanField(help_text="a deed's award posted when an appeal was upheld")
    reason = serializers.SerializerMethodField(help_text="what caused the movement, in words")
    explanation = serializers.ListField(
        child=serializers.CharField(), help_text="why these credits: each rule applied, with its version"
    )
    reversed = serializers.BooleanField()

    def get_date_be(self, obj: Any) -> str:
        return thaitime.format_date(obj.at, "numeric")

    def get_reason(self, obj: Any) -> str:
        return obj.cause.title if obj.cause else obj.kind_label


class PassbookSerializer(serializers.Serializer):
    balance = serializers.IntegerField()
    earned_total = serializers.IntegerField(help_text="lifetime credits from verified deeds")
    fiscal_year = serializers.IntegerField(allow_null=True, help_text="CE year in which the fiscal year ends")
    total_in = serializers.IntegerField()
    total_out = serializers.IntegerField()
    lines = PassbookLineSerializer(many=True)
    has_more = serializers.BooleanField()


PASSBOOK_PARAMS = [
    OpenApiParameter(
        "fiscal_year",
        OpenApiTypes.INT,
        description="CE year in which it ends (2027 = FY2570); a BE year (2570) is accepted too",
    ),
    OpenApiParameter("offset", OpenApiTypes.INT),
    OpenApiParameter("limit", OpenApiTypes.INT),
]


def _passbook(request: Request, member: User) -> Response:
    params = request.query_params
    fiscal_year = year_param(params.get("fiscal_year"))
    limit = min(ascii_int(params.get("limit")) or 100, 500)
    offset = min(ascii_int(params.get("offset")) or 0, 10**9)
    book = selectors.passbook_for(
        viewer=request.user, member=member, fiscal_year=fiscal_year, limit=limit, offset=offset
    )
    return Response(PassbookSerializer(book).data)


@extend_schema(tags=["passbook"], parameters=PASSBOOK_PARAMS, responses=PassbookSerializer)
class PassbookApi(APIView):
    """Your passbook (สมุดบัญชีความดี): every movement, its running balance and its reason."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return _passbook(request, me(request))


@extend_schema(tags=["passbook"], parameters=PASSBOOK_PARAMS, responses=PassbookSerializer)
class MemberPassbookApi(APIView):
    """A member's passbook for the organisers of their organisation (by membership id). Agencies: 404."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, public_id: str) -> Response:
        membership = membership_get_visible_to(viewer=request.user, public_id=public_id)
        return _passbook(request, membership.user)


class GiftSerializer(serializers.Serializer):
    recipient = PublicIdRelatedField(queryset=User.objects.filter(is_active=True), help_text="a person's public id")
    amount = serializers.IntegerField(min_value=1, max_value=1_000_000)
    message = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    idempotency_key = serializers.CharField(max_length=100, help_text="any unique string; a retry posts once")


class DonationSerializer(serializers.Serializer):
    organisation = PublicIdRelatedField(queryset=Organisation.objects.filter(is_active=True))
    amount = serializers.IntegerField(min_value=1, max_value=1_000_000)
    message = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    idempotency_key = serializers.CharField(max_length=100)


class TopUpSerializer(serializers.Serializer):
    organisation = PublicIdRelatedField(queryset=Organisation.objects.filter(is_active=True))
    programme = PublicIdRelatedField(queryset=Programme.objects.filter(is_active=True))
    amount = serializers.IntegerField(min_value=1, max_value=100_000_000)
    fiscal_year = serializers.IntegerField(
        required=False,
        min_value=services.FISCAL_YEAR_MIN,
        max_value=services.FISCAL_YEAR_MAX,
        allow_null=True,
        help_text="CE year in which it ends; this one (the default), or the next once its budget is set",
    )
    memo = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    idempotency_key = serializers.CharField(max_length=100)


class PostedSerializer(serializers.Serializer):
    ref = serializers.UUIDField()
    replayed = serializers.BooleanField(help_text="true when the idempotency key was already used")
    balance = serializers.IntegerField(
        help_text="the acting member's balance just after the movement; left out of a replay (the movement was "
        "posted before, and what came after it is not its result)",
        required=False,
    )


def _posted(result: Any, balance: Any = None) -> Response:
    """``balance`` (a callable) is asked only for a movement posted now."""
    data: dict[str, Any] = {"ref": result.journal.idempotency_key, "replayed": result.replayed}
    if balance is not None and not result.replayed:
        data["balance"] = balance()
    return Response(data, status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED)


@extend_schema(tags=["passbook"], request=GiftSerializer, responses={201: PostedSerializer, 200: PostedSerializer})
class GiftApi(APIView):
    """Give credits to family or a fellow member of one of your organisations."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        s = GiftSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        user = me(request)
        result = services.gift_send(
            actor=user,
            recipient=s.validated_data["recipient"],
            amount=s.validated_data["amount"],
            message=s.validated_data["message"],
            idempotency_key=f"gift:{user.pk}:{s.validated_data['idempotency_key']}",
        )
        return _posted(result, lambda: selectors.balance_of(user))


@extend_schema(tags=["passbook"], request=DonationSerializer, responses={201: PostedSerializer, 200: PostedSerializer})
class DonationApi(APIView):
    """Donate credits to an organisation's fund."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        s = DonationSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        user = me(request)
        result = services.donation_make(
            actor=user,
            organisation=s.validated_data["organisation"],
            amount=s.validated_data["amount"],
            message=s.validated_data["message"],
            idempotency_key=f"donation:{user.pk}:{s.validated_data['idempotency_key']}",
        )
        return _posted(result, lambda: selectors.balance_of(user))


@extend_schema(tags=["allotments"], request=TopUpSerializer, responses={201: PostedSerializer, 200: PostedSerializer})
class AllotmentTopUpApi(APIView):
    """Agency staff top up an organisation's issuing allotment from a programme's issuance."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        s = TopUpSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = s.validated_data
        user = me(request)
        result = services.allotment_top_up(
            actor=user,
            organisation=data["organisation"],
            programme=data["programme"],
            amount=data["amount"],
            fiscal_year=data.get("fiscal_year") or thaitime.current_fiscal_year(),
            memo=data["memo"],
            idempotency_key=f"topup:{user.pk}:{data['idempotency_key']}",
        )
        return _posted(result)


class BudgetSerializer(serializers.Serializer):
    programme = serializers.UUIDField(read_only=True)
    fiscal_year = serializers.IntegerField(read_only=True, help_text="the CE year in which the fiscal year ends")
    budget = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="null: no budget set, top-ups not capped"
    )
    issued = serializers.IntegerField(read_only=True, help_text="credits issued to allotments that year")
    remaining = serializers.IntegerField(read_only=True, allow_null=True)


class BudgetSetSerializer(serializers.Serializer):
    credits = serializers.IntegerField(min_value=0, max_value=10_000_000_000)


def _budget_body(line: selectors.BudgetLine) -> dict[str, Any]:
    return {
        "programme": line.programme.public_id,
        "fiscal_year": line.fiscal_year,
        "budget": line.budget,
        "issued": line.issued,
        "remaining": line.remaining,
    }


@extend_schema(tags=["allotments"])
class ProgrammeBudgetApi(APIView):
    """A programme's credit budget for a fiscal year beside what it has issued. Agency staff and site admins read
    it; the programme's agency at national level (or a site admin) sets it, never below what was issued."""

    permission_classes = [IsAuthenticated]

    def _programme(self, request: Request, public_id: Any) -> Programme:
        from thamdee.common.errors import NotFoundError
        from thamdee.orgs.roles import roles_for

        programme = Programme.objects.filter(public_id=public_id).first()
        roles = roles_for(me(request))
        if programme is None or not (roles.is_agency_staff or roles.is_site_admin):
            raise NotFoundError()
        return programme

    @extend_schema(responses={200: BudgetSerializer})
    def get(self, request: Request, public_id: Any, fiscal_year: int) -> Response:
        programme = self._programme(request, public_id)
        return Response(_budget_body(selectors.budget_lines([programme], fiscal_year)[0]))

    @extend_schema(request=BudgetSetSerializer, responses={200: BudgetSerializer})
    def put(self, request: Request, public_id: Any, fiscal_year: int) -> Response:
        programme = self._programme(request, public_id)
        s = BudgetSetSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        services.programme_budget_set(
            actor=me(request), programme=programme, fiscal_year=fiscal_year, credits=s.validated_data["credits"]
        )
        return Response(_budget_body(selectors.budget_lines([programme], fiscal_year)[0]))


class EntrySerializer(serializers.Serializer):
    ref = serializers.UUIDField(source="journal.idempotency_key")
    at = serializers.DateTimeField(source="journal.created_at")
    kind = serializers.ChoiceField(choices=JournalKind.choices, source="journal.kind")
    memo = serializers.CharField(
        source="journal.message",
        allow_null=True,
        help_text="the journal's memo; for a gift or donation the giver's message (gone once their data is erased; "
        "null for an organiser reading a member's entry)",
    )
    reason = serializers.CharField(allow_blank=True)
    explanation = serializers.ListField(child=serializers.CharField())
    reversed = serializers.BooleanField()


@extend_schema(tags=["passbook"], responses=EntrySerializer)
class EntryApi(APIView):
    """Why these credits? One journal by its reference, with the explanation of the rules applied."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, ref: str) -> Response:
        """As the entry page: an organiser reading a member's entry gets no gift or donation message, and a deed
        of another organisation or of a sensitive kind is not named nor explained (``cause_as_seen_by``)."""
        journal = services.journal_get_for(viewer=request.user, ref=ref)
        seen = selectors.entry_as_seen_by(request.user, journal)
        info = seen.cause
        data = EntrySerializer(
            {
                "journal": journal,
                "reason": info.title if info else journal.get_kind_display(),
                "explanation": info.explanation if info else [],
                "reversed": _has_reversal(journal),
            }
        ).data
        if seen.withheld:
            data["memo"] = None
        return Response(data)


def _has_reversal(journal: Any) -> bool:
    from thamdee.ledger.models import Journal

    return Journal.objects.filter(reversal_of=journal).exists()
