"""Data-subject rights over the API: a person downloads everything Thamdee holds about them (the same document
as the web page's download; keys in docs/privacy.md)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.api.base import me
from thamdee.privacy import services
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
