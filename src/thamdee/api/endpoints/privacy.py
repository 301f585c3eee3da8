"""Data-subject rights over the API: a person downloads everything Thamdee holds about them (the same document
as the web page's download; keys in docs/privacy.md)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import me
from thamdee.people.models import User
from thamdee.privacy import selectors, services
from thamdee.privacy.models import Channel


def _list(help_text: str) -> serializers.ListField:
    return serializers.ListField(child=serializers.DictField(), help_text=help_text)


class PersonalDataSerializer(serializers.Serializer):
    format = serializers.CharField(help_text='"thamdee.personal-data/1": the version of this document\'s keys')
    generated_at = serializers.DateTimeField()
    profile = serializers.DictField(
        help_text="names, mobile, email, birth year, home area, language; national_id_on_file tells only whether "
        "an ID is recorded (the number is never stored)"
    )
    consents = _list("every grant and withdrawal, by purpose")
    family_links = _list("links the person made or was named in, and whether confirmed")
    memberships = _list("organisations, roles, joined and ended")
    agency_posts = _list("agency staff posts and their area")
    deeds = _list("deeds done: type, date, hours, status, credits, explanation lines, decisions, evidence, appeals")
    passbook = serializers.DictField(help_text="balance, earned_total and every line (oldest first, running balance)")
    vouchers = _list("benefit vouchers reserved")
    recognition = serializers.DictField(help_text="level, badges, levels reached, honours, credentials (VC-JWT)")
    notices = _list("in-app notifications")
    stories = serializers.DictField(help_text="good-practice stories written (written) and shown in (shown_in)")
    data_requests = serializers.DictField(
        help_text="erasure requests and the audit of every data-subject request (exports included)"
    )


@extend_schema(tags=["privacy"])
class MyDataApi(APIView):
    """Everything Thamdee holds about you, as one JSON document (PDPA access and portability). Each download is
    recorded; only you can download yours."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PersonalDataSerializer)
    def get(self, request: Request) -> Response:
        user = me(request)
        response = Response(services.data_export(actor=user, subject=user, channel=Channel.API))
        response["Cache-Control"] = "no-store"
        return response


class ErasureSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    status = serializers.CharField()
    requested_at = serializers.DateTimeField()
    due_on = serializers.DateField(help_text="carried out by a site admin by this date (90 days on, PDPA)")
    cancelled_at = serializers.DateTimeField(allow_null=True)
    carried_out_at = serializers.DateTimeField(allow_null=True)


class BlockerSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class MyErasureSerializer(serializers.Serializer):
    open = ErasureSerializer(allow_null=True, help_text="the request waiting to be carried out, if any")
    requests = ErasureSerializer(many=True, help_text="every request, newest first")
    blockers = BlockerSerializer(
        many=True,
        help_text="what must be settled before an erasure can be carried out (erasure_site_admin, "
        "erasure_last_admin, erasure_open_matters); a request may be made anyway",
    )


class ErasureAskSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text="true: you read what erasure does (it cannot be undone; the ledger and figures stay without your "
        "name). Without it: erasure_confirm_required"
    )


def _mine(user: User) -> dict[str, object]:
    return {
        "open": selectors.erasure_open_for(user),
        "requests": selectors.erasure_list_for(user),
        "blockers": [{"code": b.code, "detail": str(b)} for b in selectors.erasure_blockers(user)],
    }


@extend_schema(tags=["privacy"])
class MyErasureApi(APIView):
    """Your requests to have your data erased (PDPA): see them and what stands in the way, or ask. Asking again while
    one is open returns it. Only you see or make yours; a site admin carries it out."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MyErasureSerializer)
    def get(self, request: Request) -> Response:
        return Response(MyErasureSerializer(_mine(me(request))).data)

    @extend_schema(request=ErasureAskSerializer, responses={201: ErasureSerializer, 200: ErasureSerializer})
    def post(self, request: Request) -> Response:
        s = ErasureAskSerializer(data=request.data)
        s.is_valid(raise_exception=True)
        user = me(request)
        existing = selectors.erasure_open_for(user)
        erasure = services.erasure_request(actor=user, confirmed=s.validated_data["confirm"], channel=Channel.API)
        code = status.HTTP_200_OK if existing is not None else status.HTTP_201_CREATED
        return Response(ErasureSerializer(erasure).data, status=code)


@extend_schema(tags=["privacy"], request=None, responses=ErasureSerializer)
class MyErasureCancelApi(APIView):
    """Withdraw your erasure request before it is carried out (someone else's: 404; a done one: erasure_state)."""

    permission_classes = [IsAuthenticated]

    def post(self, request: Request, public_id: str) -> Response:
        user = me(request)
        erasure = selectors.erasure_get_own(viewer=user, public_id=public_id)
        cancelled = services.erasure_cancel(actor=user, erasure=erasure, channel=Channel.API)
        return Response(ErasureSerializer(cancelled).data)
