"""Benefits: the member's catalogue and vouchers, partner staff's confirmations, redemptions and statements, partner
offers, and agencies' partner approvals. Every rule is in ``thamdee.rewards.services`` and ``selectors``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import OrganisationRefSerializer, PersonSerializer, PublicIdRelatedField, me
from thamdee.common.errors import NotFoundError
from thamdee.orgs.models import Organisation
from thamdee.rewards import selectors, services
from thamdee.rewards.models import (
    OFFER_FIRST_YEAR,
    OFFER_LAST_YEAR,
    OFFER_MAX_UNLOCK_CREDITS,
    OfferKind,
    PartnerProfile,
    PartnerStatus,
    Sector,
    Unlock,
    Voucher,
    VoucherStatus,
)
from thamdee.rewards.permissions import can_settle, is_voucher_holder

# --- serializers ----------------------------------------------------------------------------------------------


class OfferSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    offer_kind = serializers.ChoiceField(
        source="kind", choices=OfferKind.choices, help_text="spend: costs credits; perk: unlocked, costs nothing"
    )
    title = serializers.CharField(source="display_name")
    title_th = serializers.CharField()
    title_en = serializers.CharField()
    description = serializers.CharField()
    partner = OrganisationRefSerializer()
    cost = serializers.IntegerField(help_text="credits held at reservation; 0 for perks")
    stock = serializers.IntegerField(allow_null=True, help_text="null: unlimited (perks only)")
    remaining = serializers.IntegerField(allow_null=True)
    per_member_limit = serializers.IntegerField()
    valid_from = serializers.DateTimeField()
    valid_until = serializers.DateTimeField()
    voucher_hours = serializers.IntegerField(help_text="how long a voucher stays valid after reservation")
    areas = serializers.SerializerMethodField(help_text="DOPA area codes where it applies (empty: everywhere)")
    unlock = serializers.ChoiceField(choices=Unlock.choices, allow_blank=True)
    photo_url = serializers.SerializerMethodField()

    def get_areas(self, obj: Any) -> list[str]:
        return sorted(a.code for a in obj.areas.all())

    def get_photo_url(self, obj: Any) -> str | None:
        from django.urls import reverse

        return reverse("rewards:offer_photo", args=[obj.public_id]) if obj.photo else None


class CatalogueEntrySerializer(serializers.Serializer):
    offer = OfferSerializer()
    unlocked = serializers.BooleanField(help_text="whether the member meets the unlock condition")
    condition = serializers.CharField(help_text="the unlock condition in words, empty if none")
    used = serializers.IntegerField(help_text="the member's held and used vouchers for this offer")
    limit_reached = serializers.BooleanField()


class CatalogueSerializer(serializers.Serializer):
    balance = serializers.IntegerField(source="standing.balance")
    earned_total = serializers.IntegerField(
        source="standing.earned", help_text="lifetime verified credits (levels come from this)"
    )
    level = serializers.SerializerMethodField()
    available = CatalogueEntrySerializer(many=True)
    locked = CatalogueEntrySerializer(many=True)

    def get_level(self, obj: Any) -> dict[str, Any] | None:
        if obj.level is None:
            return None
        return {
            "code": obj.level.code,
            "name_th": obj.level.name_th,
            "name_en": obj.level.name_en,
            "min_credits": obj.level.min_credits,
        }


class VoucherSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    code = serializers.CharField(source="display_code", help_text="the short code, as shown: ABCD-EFGH")
    status = serializers.ChoiceField(choices=VoucherStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    offer = serializers.SerializerMethodField()
    partner = OrganisationRefSerializer()
    cost = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    confirmed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True, help_text="when it was cancelled or expired")
    refunded_at = serializers.DateTimeField(allow_null=True, help_text="when its credits and stock came back")
    qr = serializers.SerializerMethodField(
        help_text="for the holder of a usable voucher: what its QR says (a link "
        "to the partner's scan page with a signed token)"
    )
    member_name = serializers.SerializerMethodField(help_text="for the partner's staff only")

    def get_offer(self, obj: Any) -> dict[str, Any]:
        return {"id": str(obj.offer.public_id), "title": obj.offer.display_name(), "offer_kind": obj.offer.kind}

    def get_qr(self, obj: Any) -> str | None:
        viewer = self.context.get("viewer")
        if obj.status == VoucherStatus.HELD and not obj.is_past_expiry and is_voucher_holder.test(viewer, obj):
            return selectors.voucher_qr(obj)[1]
        return None

    def get_member_name(self, obj: Any) -> str | None:
        viewer = self.context.get("viewer")
        if is_voucher_holder.test(viewer, obj):
            return None
        return obj.member.full_name


def _voucher(voucher: Voucher, viewer: Any, code: int = status.HTTP_200_OK) -> Response:
    return Response(VoucherSerializer(voucher, context={"viewer": viewer}).data, status=code)


# --- members --------------------------------------------------------------------------------------------------


# A filter's value must be one it lists (400 invalid otherwise); blank or left out: no filter.
class CatalogueFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OfferKind.values, required=False, allow_blank=True, default="")


class VoucherFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=VoucherStatus.values, required=False, allow_blank=True, default="")


class PartnerFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerStatus.values, required=False, allow_blank=True, default="")


def _filters(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    filters = serializer_class(data=request.query_params)
    filters.is_valid(raise_exception=True)
    return dict(filters.validated_data)


ANY_OR_400 = "left out or blank: all; a value not listed: 400 invalid"


@extend_schema(tags=["benefits"])
class CatalogueApi(APIView):
    """The benefits that apply where you live: those your level and record unlock, and, apart, the perks you can
    still work toward. A kind not listed: 400 invalid."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=CatalogueSerializer,
        operation_id="benefits_catalogue",
        parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=OfferKind.values, description=ANY_OR_400)],
    )
    def get(self, request: Request) -> Response:
        kind = _filters(CatalogueFilterSerializer, request)["kind"]
        book = selectors.catalogue_for(viewer=me(request), kind=kind)
        # Each offer lists its areas: one query for all of them (the web page shows none).
        prefetch_related_objects([entry.offer for entry in [*book.available, *book.locked]], "areas")
        return Response(CatalogueSerializer(book).data)


@extend_schema(tags=["benefits"], responses=CatalogueEntrySerializer)
class OfferDetailApi(APIView):
    """One open offer where you live (closed, elsewhere or unknown: 404)."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, public_id: str) -> Response:
        entry = selectors.offer_get_for_member(viewer=me(request), public_id=public_id)
        return Response(CatalogueEntrySerializer(entry).data)


class RedeemSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(max_length=100, help_text="any unique string; a retry reserves once")


@extend_schema(tags=["benefits"], request=RedeemSerializer, responses={201: VoucherSerializer, 200: VoucherSerializer})
class RedeemApi(APIView):
    """Reserve an offer: the credits are held at once and a single-use voucher (code and QR) is issued. A retry
    with the same key returns the same voucher (200)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        s = RedeemSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        user = me(request)
        done = services.offer_redeem(
            actor=user, public_id=public_id, idempotency_key=f"api:{s.validated_data['idempotency_key']}"
        )
        return _voucher(done.voucher, user, status.HTTP_200_OK if done.replayed else status.HTTP_201_CREATED)


@extend_schema(
    tags=["benefits"],
    parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=VoucherStatus.values, description=ANY_OR_400)],
)
class MyVoucherListApi(generics.ListAPIView):
    """Your vouchers, newest first. A status not listed: 400 invalid."""

    permission_classes = [IsAuthenticated]
    serializer_class = VoucherSerializer

    def get_queryset(self) -> QuerySet[Voucher]:
        user = me(self.request)
        wanted = _filters(VoucherFilterSerializer, self.request)["status"]
        return selectors.voucher_list_for_member(viewer=user, status=wanted)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.request.user}


@extend_schema(tags=["benefits"], responses=VoucherSerializer)
class VoucherDetailApi(APIView):
    """A voucher, for its holder (with its QR) or the partner's staff. Anyone else: 404."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, public_id: str) -> Response:
        voucher = selectors.voucher_get_visible_to(viewer=request.user, public_id=public_id)
        return _voucher(voucher, request.user)


@extend_schema(tags=["benefits"], request=None, responses=VoucherSerializer)
class VoucherCancelApi(APIView):
    """Cancel your unused voucher; its credits come back by a background task, exactly once."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        user = me(request)
        voucher = selectors.voucher_get_visible_to(viewer=user, public_id=public_id)
        return _voucher(services.voucher_cancel(actor=user, voucher=voucher), user)


# --- partner staff --------------------------------------------------------------------------------------------


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=600, help_text="the typed code (ABCD-EFGH), the token, or the QR's link")


@extend_schema(
    tags=["benefits: partners"],
    responses=VoucherSerializer,
    parameters=[OpenApiParameter("code", OpenApiTypes.STR, required=True)],
)
class VoucherLookupApi(APIView):
    """Partner staff look a voucher up by code or QR before confirming. Other partners' vouchers: 404."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        voucher = selectors.voucher_find_for_staff(viewer=request.user, text=request.query_params.get("code", ""))
        return _voucher(voucher, request.user)


@extend_schema(tags=["benefits: partners"], request=CodeSerializer, responses=VoucherSerializer)
class VoucherConfirmApi(APIView):
    """Partner staff confirm a voucher: once only (409 voucher_already_used after), never after it expired."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request) -> Response:
        s = CodeSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        user = me(request)
        return _voucher(services.voucher_confirm(actor=user, text=s.validated_data["code"]), user)


MONTH = OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM (CE; a BE year is accepted too)")


@extend_schema(
    tags=["benefits: partners"],
    parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=VoucherStatus.values, description=ANY_OR_400),
        MONTH,
    ],
)
class RedemptionListApi(generics.ListAPIView):
    """A partner's vouchers (its staff only), newest first. A status not listed: 400 invalid."""

    permission_classes = [IsAuthenticated]
    serializer_class = VoucherSerializer

    def get_queryset(self) -> QuerySet[Voucher]:
        request = self.request
        partner = selectors.partner_get_for_staff(viewer=request.user, public_id=self.kwargs["public_id"])
        p = request.query_params
        wanted = _filters(VoucherFilterSerializer, request)["status"]
        month = selectors.parse_month(p["month"]) if p.get("month") else None
        return selectors.redemption_list_for_partner(viewer=request.user, partner=partner, status=wanted, month=month)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": self.request.user}


class StatementLineSerializer(serializers.Serializer):
    confirmed_at = serializers.DateTimeField()
    code = serializers.CharField()
    offer = serializers.CharField()
    kind = serializers.CharField()
    credits = serializers.IntegerField()


class SettlementSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    partner = OrganisationRefSerializer()
    year = serializers.IntegerField(help_text="CE")
    month = serializers.IntegerField()
    month_label = serializers.SerializerMethodField(help_text="the month as people read it (BE in Thai)")
    credits = serializers.IntegerField(help_text="credits moved from the partner's clearing account to settled")
    vouchers = serializers.IntegerField(help_text="confirmed vouchers the credits came from")
    reference = serializers.CharField(help_text="the payment's reference (transfer or voucher number)")
    note = serializers.CharField()
    settled_by = PersonSerializer()
    settled_at = serializers.DateTimeField()
    reversed = serializers.BooleanField(source="is_reversed", help_text="a reversed settlement is no longer in force")
    reversed_at = serializers.DateTimeField(allow_null=True)
    reversed_by = PersonSerializer(allow_null=True)
    reversal_reason = serializers.CharField()

    def get_month_label(self, obj: Any) -> str:
        return selectors.month_label(obj.year, obj.month)


class StatementSerializer(serializers.Serializer):
    partner = OrganisationRefSerializer()
    year = serializers.IntegerField(help_text="CE")
    month = serializers.IntegerField()
    month_label = serializers.CharField(source="label", help_text="the month as people read it (BE in Thai)")
    confirmed_count = serializers.IntegerField()
    confirmed_credits = serializers.IntegerField(help_text="credits to settle for the month")
    reserved_count = serializers.IntegerField()
    cancelled_count = serializers.IntegerField()
    expired_count = serializers.IntegerField()
    held_count = serializers.IntegerField(help_text="vouchers held now, not yet used")
    held_credits = serializers.IntegerField()
    lines = StatementLineSerializer(many=True)
    to_settle_count = serializers.IntegerField(help_text="confirmed vouchers whose credits are still with the partner")
    to_settle_credits = serializers.IntegerField(
        help_text="what settling the month moves (the confirmed credits, less holds given back to members)"
    )
    month_closed = serializers.BooleanField(
        help_text="the month has been over for an hour: only then can it be settled"
    )
    uncovered_count = serializers.IntegerField(
        help_text="vouchers of the month the settlement in force does not cover (reverse it and settle again)"
    )
    can_settle = serializers.BooleanField(help_text="whether you may settle (or reverse a settlement of) the month")
    settlement = SettlementSerializer(allow_null=True, help_text="the settlement in force for the month, or null")


@extend_schema(tags=["benefits: partners"], responses=StatementSerializer, parameters=[MONTH])
class StatementApi(APIView):
    """A partner's monthly statement for settlement with the programme (its staff, and agencies over its area).
    The same as CSV and PDF: /benefits/partner/<id>/statement.csv and .pdf."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, public_id: str) -> Response:
        partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
        year, month = selectors.parse_month(request.query_params.get("month"))
        st = selectors.statement_for(viewer=request.user, partner=partner, year=year, month=month)
        if st.settlement is not None:
            st.settlement.partner = partner  # the same organisation: no query to name it again
        return Response(StatementSerializer(st).data)


class SettlementCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2200, help_text="CE")
    month = serializers.IntegerField(min_value=1, max_value=12)
    credits = serializers.IntegerField(
        min_value=1,
        max_value=10**12,
        help_text="the statement's to_settle_credits as you read it: if the month's figure changed since, nothing "
        "is recorded (409 settlement_changed, with the new figure as `credits`)",
    )
    reference = serializers.CharField(max_length=100, help_text="the payment's reference (transfer or voucher number)")
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class SettlementReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


def _settler_partner(request: Request, public_id: Any) -> Organisation:
    """The partner, for those who may settle with it; its own staff and anyone else: 404 before the body is read."""
    partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
    if not can_settle.test(request.user, partner):
        raise NotFoundError()
    return partner


@extend_schema(tags=["benefits: partners"])
class PartnerSettlementListApi(APIView):
    """A partner's settlements with the programme, newest month first, reversed ones included (its staff, agencies
    over its area, site admins). Agency staff over its area and site admins record one for a month that is over
    (400 settlement_month_open, nothing_to_settle; 409 already_settled, settlement_changed)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SettlementSerializer(many=True))
    def get(self, request: Request, public_id: str) -> Response:
        partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
        items = selectors.settlements_for(viewer=request.user, partner=partner).select_related("partner")[:300]
        return Response(SettlementSerializer(items, many=True).data)

    @extend_schema(request=SettlementCreateSerializer, responses={201: SettlementSerializer})
    def post(self, request: Request, public_id: str) -> Response:
        partner = _settler_partner(request, public_id)
        s = SettlementCreateSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        settlement = services.settlement_record(actor=me(request), partner=partner, **s.validated_data)
        return Response(SettlementSerializer(settlement).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["benefits: partners"], request=SettlementReverseSerializer, responses=SettlementSerializer)
class SettlementReverseApi(APIView):
    """Undo a settlement recorded by mistake: its credits go back to the partner's clearing account and the month
    can be settled again (same people as settling; 409 settlement_already_reversed the second time)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        found = selectors.settlement_get(viewer=me(request), public_id=public_id)
        if not can_settle.test(request.user, found.partner):
            raise NotFoundError()
        s = SettlementReverseSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        settlement = services.settlement_reverse(actor=me(request), settlement=found, reason=s.validated_data["reason"])
        return Response(SettlementSerializer(settlement).data)


def _within_offer_years(moment: Any) -> None:
    first, after_last = services.offer_window_limits()
    if not first <= moment <= after_last:
        raise serializers.ValidationError(str(services.WINDOW_MESSAGE), code="out_of_range")


class OfferWriteSerializer(serializers.Serializer):
    offer_kind = serializers.ChoiceField(source="kind", choices=OfferKind.choices)
    title_th = serializers.CharField(max_length=200)
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    cost = serializers.IntegerField(min_value=0, max_value=1_000_000, default=0)
    stock = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False, allow_null=True, default=None)
    per_member_limit = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    valid_from = serializers.DateTimeField(
        validators=[_within_offer_years], help_text=f"from {OFFER_FIRST_YEAR}-01-01 (local time)"
    )
    valid_until = serializers.DateTimeField(
        validators=[_within_offer_years], help_text=f"until the end of {OFFER_LAST_YEAR} (local time)"
    )
    voucher_hours = serializers.IntegerField(min_value=1, max_value=24 * 90, default=72)
    area_codes = serializers.ListField(
        child=serializers.RegexField(r"^\d{2}(\d{2}){0,3}$"),
        required=False,
        default=list,
        help_text="DOPA codes; empty: everywhere",
    )
    unlock = serializers.ChoiceField(choices=Unlock.choices, required=False, allow_blank=True, default="")
    unlock_level = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    unlock_credits = serializers.IntegerField(
        min_value=0,
        max_value=OFFER_MAX_UNLOCK_CREDITS,
        required=False,
        default=0,
        error_messages={"max_value": services.UNLOCK_CREDITS_MESSAGE},
    )
    unlock_deed_type = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    unlock_deed_count = serializers.IntegerField(min_value=0, max_value=1000, required=False, default=0)
    unlock_months = serializers.IntegerField(min_value=0, max_value=120, required=False, default=0)
    is_active = serializers.BooleanField(required=False, default=True)


class OfferManageSerializer(OfferSerializer):
    is_active = serializers.BooleanField()


@extend_schema(tags=["benefits: partners"])
class PartnerOfferListApi(APIView):
    """A partner's offers (its staff): list them, or publish one. Offers go live once an agency approved the
    partner."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OfferManageSerializer(many=True))
    def get(self, request: Request, public_id: str) -> Response:
        partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
        offers = selectors.offer_list_for_partner(viewer=request.user, partner=partner)
        return Response(OfferManageSerializer(offers, many=True).data)

    @extend_schema(request=OfferWriteSerializer, responses={201: OfferManageSerializer})
    def post(self, request: Request, public_id: str) -> Response:
        partner = selectors.partner_get_for_staff(viewer=request.user, public_id=public_id)
        s = OfferWriteSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        data = dict(s.validated_data)
        offer = services.offer_create(actor=request.user, partner=partner, **data)
        return Response(OfferManageSerializer(offer).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["benefits: partners"])
class PartnerOfferDetailApi(APIView):
    """One of the partner's offers (its staff): read or change it (PATCH any field of the create body)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OfferManageSerializer)
    def get(self, request: Request, public_id: str) -> Response:
        return Response(
            OfferManageSerializer(selectors.offer_get_for_staff(viewer=request.user, public_id=public_id)).data
        )

    @extend_schema(request=OfferWriteSerializer(partial=True), responses=OfferManageSerializer)
    def patch(self, request: Request, public_id: str) -> Response:
        offer = selectors.offer_get_for_staff(viewer=request.user, public_id=public_id)
        s = OfferWriteSerializer(data=request.data, partial=True)
        s.is_valid(raise_exception=True)
        changes = dict(s.validated_data)  # a partial update leaves out what was not sent (defaults too)
        area_codes = changes.pop("area_codes", None)
        offer = services.offer_update(actor=request.user, offer=offer, area_codes=area_codes, **changes)
        return Response(OfferManageSerializer(offer).data)


# --- partners and their approval ------------------------------------------------------------------------------


class PartnerProfileSerializer(serializers.Serializer):
    organisation = OrganisationRefSerializer()
    sector = serializers.ChoiceField(choices=Sector.choices)
    status = serializers.ChoiceField(choices=PartnerStatus.choices)
    terms = serializers.CharField()
    applied_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_note = serializers.CharField()


class PartnerApplySerializer(serializers.Serializer):
    organisation = PublicIdRelatedField(queryset=Organisation.objects.filter(is_active=True))
    sector = serializers.ChoiceField(choices=Sector.choices)
    terms = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


@extend_schema(tags=["benefits: partners"])
class PartnerListApi(APIView):
    """Agency staff list the partners in their areas (a status not listed: 400 invalid); an organisation's admins
    apply to become one. Public-service providers cannot (400 public_service_partner)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=PartnerProfileSerializer(many=True),
        parameters=[OpenApiParameter("status", OpenApiTypes.STR, enum=PartnerStatus.values, description=ANY_OR_400)],
    )
    def get(self, request: Request) -> Response:
        wanted = _filters(PartnerFilterSerializer, request)["status"]
        profiles = selectors.partner_profiles_for_agency(viewer=request.user, status=wanted)
        return Response(PartnerProfileSerializer(profiles, many=True).data)

    @extend_schema(request=PartnerApplySerializer, responses={201: PartnerProfileSerializer})
    def post(self, request: Request) -> Response:
        s = PartnerApplySerializer(data=request.data)
        s.is_valid(raise_exception=True)
        profile: PartnerProfile = services.partner_apply(
            actor=request.user,
            organisation=s.validated_data["organisation"],
            sector=s.validated_data["sector"],
            terms=s.validated_data["terms"],
        )
        return Response(PartnerProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


class PartnerDecisionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[PartnerStatus.APPROVED, PartnerStatus.SUSPENDED, PartnerStatus.REFUSED])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


@extend_schema(tags=["benefits: partners"], request=PartnerDecisionSerializer, responses=PartnerProfileSerializer)
class PartnerDecisionApi(APIView):
    """Agency staff over the partner's area approve, suspend or refuse it. Approval refuses public-service
    providers (400 public_service_partner)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        from thamdee.orgs.selectors import organisation_get

        s = PartnerDecisionSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        profile = services.partner_decide(
            actor=request.user,
            organisation=organisation_get(public_id),
            status=s.validated_data["status"],
            note=s.validated_data["note"],
        )
        return Response(PartnerProfileSerializer(profile).data)
