from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny

from thamdee.areas import selectors
from thamdee.areas.models import Area, AreaLevel
from thamdee.common.parsing import ascii_int, is_ascii_digits


class AreaSerializer(serializers.ModelSerializer):
    parent_code = serializers.SerializerMethodField()
    level_name = serializers.CharField(source="get_level_display", read_only=True)
    postal_codes = serializers.SerializerMethodField()

    class Meta:
        model = Area
        fields = [
            "code",
            "level",
            "level_name",
            "name_th",
            "name_en",
            "parent_code",
            "postal_codes",
            "village_no",
            "community_code",
        ]

    def get_parent_code(self, obj: Area) -> str | None:
        return obj.code[: {2: 2, 3: 4, 4: 6}[obj.level]] if obj.level > AreaLevel.PROVINCE else None

    def get_postal_codes(self, obj: Area) -> list[str]:
        return obj.postal_codes.split() if obj.postal_codes else []


@extend_schema(
    tags=["areas"],
    parameters=[
        OpenApiParameter(
            "level", OpenApiTypes.INT, enum=[1, 2, 3, 4], description="1 province, 2 district, 3 subdistrict, 4 village"
        ),
        OpenApiParameter("parent", OpenApiTypes.STR, description="the code of the parent area"),
        OpenApiParameter("q", OpenApiTypes.STR, description="part of a Thai or English name, or a code prefix"),
    ],
)
class AreaListApi(generics.ListAPIView):
    """Provinces, districts, subdistricts and villages with their DOPA codes (public)."""

    serializer_class = AreaSerializer
    permission_classes = [AllowAny]

    def get_queryset(self) -> QuerySet[Area] | Any:
        params = self.request.query_params
        level = params.get("level", "")
        q = params.get("q", "").strip()[:60]
        level_number = ascii_int(level, max_digits=2)
        level_value = level_number if level_number in AreaLevel.values else None
        if q:
            return selectors.area_search(q, level=level_value, within=params.get("parent") or None, limit=200)
        parent = params.get("parent", "")
        qs = selectors.area_list_children(parent if is_ascii_digits(parent) else None)
        if parent and not is_ascii_digits(parent):
            return Area.objects.none()
        if level_value and not parent:
            qs = Area.objects.filter(level=level_value).order_by("code")
        return qs


@extend_schema(tags=["areas"])
class AreaDetailApi(generics.RetrieveAPIView):
    serializer_class = AreaSerializer
    permission_classes = [AllowAny]
    lookup_field = "code"
    lookup_url_kwarg = "code"

    def get_object(self) -> Area:
        return selectors.area_get(self.kwargs["code"])
