"""Reads of areas. Areas are public data, so these need no viewer."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from thamdee.areas.errors import AreaNotFoundError
from thamdee.areas.models import Area, AreaLevel
from thamdee.common.parsing import is_ascii_digits


def area_get(code: str) -> Area:
    try:
        return Area.objects.select_related("parent").get(code=code)
    except Area.DoesNotExist:
        raise AreaNotFoundError(area_code=code) from None


def area_get_or_none(code: str | None) -> Area | None:
    if not code:
        return None
    return Area.objects.filter(code=code).first()


def area_list_children(parent_code: str | None) -> QuerySet[Area]:
    """The provinces (no parent) or the children of an area, in code order."""
    if not parent_code:
        return Area.objects.filter(level=AreaLevel.PROVINCE).order_by("code")
    return Area.objects.filter(parent__code=parent_code).order_by("code")


def area_search(query: str, *, level: int | None = None, within: str | None = None, limit: int = 20) -> list[Area]:
    """Areas whose Thai or English name contains ``query`` (or whose code starts with it), widest first."""
    query = (query or "").strip()
    if not query:
        return []
    for prefix in ("จังหวัด", "จ.", "อำเภอ", "อ.", "ตำบล", "ต.", "แขวง", "เขต"):
        if query.startswith(prefix) and len(query) > len(prefix):
            query = query[len(prefix) :].strip()
            break
    qs = Area.objects.select_related("parent", "parent__parent")
    if is_ascii_digits(query):
        qs = qs.filter(code__startswith=query)
    else:
        qs = qs.filter(Q(name_th__icontains=query) | Q(name_en__icontains=query))
    if level:
        qs = qs.filter(level=level)
    if within:
        qs = qs.filter(code__startswith=within)
    return list(qs.order_by("level", "code")[:limit])


def area_path(area: Area) -> list[Area]:
    """The area and its ancestors, widest first (one query)."""
    codes = area.ancestor_codes()
    by_code = {a.code: a for a in Area.objects.filter(code__in=codes)}
    return [by_code[c] for c in codes if c in by_code]


def area_label(area: Area) -> str:
    """ "ต.ตลาด อ.เมืองสุราษฎร์ธานี จ.สุราษฎร์ธานี"-style full label."""
    return " ".join(a.display_name() for a in reversed(area_path(area)))


def area_counts() -> dict[int, int]:
    from django.db.models import Count

    return dict(Area.objects.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
