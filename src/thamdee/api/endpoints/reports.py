from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from thamdee.common import thaitime
from thamdee.common.parsing import ascii_int, year_param
from thamdee.reports import selectors
from thamdee.reports.models import Story

FY = OpenApiParameter(
    "fiscal_year", OpenApiTypes.INT, description="CE year in which it ends (2027 = FY2570); a BE year is accepted too"
)


def _fy(request: Request) -> int:
    return year_param(request.query_params.get("fiscal_year")) or thaitime.current_fiscal_year()


class FiguresSerializer(serializers.Serializer):
    deeds = serializers.IntegerField(allow_null=True)
    hours = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    credits_issued = serializers.IntegerField(allow_null=True)
    credits_spent = serializers.IntegerField(
        allow_null=True, help_text="null when hidden: fewer members spent than a cell may show, or it would tell"
    )
    participants = serializers.IntegerField(allow_null=True)
    organisations = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()


def _figures(f: selectors.Figures) -> dict[str, Any]:
    if f.suppressed:
        return {
            "deeds": None,
            "hours": None,
            "credits_issued": None,
            "credits_spent": None,
            "participants": None,
            "organisations": None,
            "suppressed": True,
        }
    return {
        "deeds": f.deeds,
        "hours": f.hours,
        "credits_issued": f.credits_issued,
        "credits_spent": None if f.spent_hidden else f.credits_spent,
        "participants": f.participants,
        "organisations": f.organisations,
        "suppressed": False,
    }


class LabelledSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    figures = FiguresSerializer()


class AreaReportSerializer(serializers.Serializer):
    area = serializers.CharField(allow_blank=True)
    name = serializers.CharField()
    fiscal_year = serializers.IntegerField()
    fiscal_year_label = serializers.CharField()
    minimum_people_per_cell = serializers.IntegerField()
    totals = FiguresSerializer()
    months = LabelledSerializer(many=True)
    virtues = LabelledSerializer(
        many=True,
        help_text="Each deed under its type's main virtue; key '~none' for types of none. They add up to the totals.",
    )
    dimensions = LabelledSerializer(
        many=True, help_text="Each deed under its type's main dimension; key '~none' for types of none."
    )
    areas = LabelledSerializer(many=True)


def _area_report(code: str, fy: int, area: Any) -> dict[str, Any]:
    hidden = selectors.hidden_above(code, fy)
    return {
        "area": code,
        "name": area.display_name() if area else "ประเทศไทย",
        "fiscal_year": fy,
        "fiscal_year_label": thaitime.fiscal_year_label(fy),
        "minimum_people_per_cell": selectors.agency_min_cell(),
        "totals": _figures(selectors.headline(code, fy, hidden=hidden)),
        "months": [
            {"key": f"{y}-{m:02d}", "label": thaitime.format_month(y, m), "figures": _figures(f)}
            for y, m, f in selectors.by_month(code, fy, hidden=hidden)
        ],
        "virtues": [
            {"key": v.code, "label": v.display_name(), "figures": _figures(f)}
            for v, f in selectors.by_virtue(code, fy, hidden=hidden)
        ],
        "dimensions": [
            {"key": d.code, "label": d.display_name(), "figures": _figures(f)}
            for d, f in selectors.by_dimension(code, fy, hidden=hidden)
        ],
        "areas": [
            {"key": a.code, "label": a.display_name(), "figures": _figures(f)}
            for a, f in selectors.by_child_area(code, fy, hidden=hidden)
        ],
    }


@extend_schema(tags=["reports"], parameters=[FY], responses=AreaReportSerializer)
class AreaReportApi(APIView):
    """Aggregates of an area inside the caller's agency scope (404 outside it): totals, months, virtues,
    dimensions, and the areas one level down."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, code: str) -> Response:
        scope = selectors.scope_for(request.user, "" if code == "TH" else code)
        return Response(AreaReportSerializer(_area_report(scope.code, _fy(request), scope.area)).data)


class TopOrganisationSerializer(serializers.Serializer):
    organisation = serializers.UUIDField(source="organisation__public_id")
    name_th = serializers.CharField(source="organisation__name_th")
    name_en = serializers.CharField(source="organisation__name_en")
    kind = serializers.CharField(source="organisation__kind")
    area = serializers.CharField(source="area_code")
    deeds = serializers.IntegerField(allow_null=True)
    hours = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    credits_issued = serializers.IntegerField(allow_null=True)
    participants = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField(help_text="fewer participants than an agency cell may show: figures null")


@extend_schema(
    tags=["reports"],
    parameters=[FY, OpenApiParameter("limit", OpenApiTypes.INT)],
    responses=TopOrganisationSerializer(many=True),
)
class TopOrganisationsApi(APIView):
    """The most active organisations of an area (organisations, never individuals)."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, code: str) -> Response:
        scope = selectors.scope_for(request.user, "" if code == "TH" else code)
        limit = min(ascii_int(request.query_params.get("limit")) or 100, 500)
        rows = selectors.top_organisations(scope.code, _fy(request), limit=limit)
        return Response(TopOrganisationSerializer(rows, many=True).data)


class PublicSerializer(serializers.Serializer):
    fiscal_year = serializers.IntegerField()
    minimum_people_per_cell = serializers.IntegerField()
    national = FiguresSerializer()
    provinces = LabelledSerializer(many=True)


@extend_schema(tags=["reports"], parameters=[FY], responses=PublicSerializer)
class PublicApi(APIView):
    """National and provincial aggregates for everyone; any cell counting fewer than ten people is suppressed."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        fy = _fy(request)
        national, provinces = selectors.public_figures(fy)
        return Response(
            PublicSerializer(
                {
                    "fiscal_year": fy,
                    "minimum_people_per_cell": selectors.min_cell(),
                    "national": _figures(national),
                    "provinces": [
                        {"key": a.code, "label": a.display_name(), "figures": _figures(f)} for a, f in provinces
                    ],
                }
            ).data
        )


class KpiSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    baseline_year = serializers.IntegerField(allow_null=True)
    baseline = serializers.IntegerField(allow_null=True)
    current_year = serializers.IntegerField()
    current = serializers.IntegerField()
    target = serializers.IntegerField(allow_null=True)
    target_year = serializers.IntegerField(allow_null=True)


@extend_schema(tags=["reports"], responses=KpiSerializer(many=True))
class KpiApi(APIView):
    """The national plan's KPIs against their baselines (agency staff)."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        selectors.scope_for(request.user)
        return Response(KpiSerializer(selectors.kpis(thaitime.current_fiscal_year()), many=True).data)


class StorySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    organisation = serializers.CharField(source="organisation.name_th")
    area = serializers.CharField(source="area.code")

    class Meta:
        model = Story
        fields = ["id", "title", "summary", "body", "lessons", "organisation", "area", "approved_at"]


@extend_schema(tags=["reports"], parameters=[OpenApiParameter("q", OpenApiTypes.STR)])
class StoryListApi(generics.ListAPIView):
    """Published good-practice stories (approved, with everyone shown consenting); Thai text search."""

    permission_classes = [AllowAny]
    serializer_class = StorySerializer

    def get_queryset(self) -> Any:
        return selectors.stories_published(self.request.query_params.get("q", "")[:100])
