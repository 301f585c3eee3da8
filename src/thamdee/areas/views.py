"""htmx endpoints for the area picker."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from thamdee.areas import selectors
from thamdee.areas.forms import LEVEL_KEYS
from thamdee.areas.models import AreaLevel
from thamdee.common.parsing import ascii_int, is_ascii_digits


@require_GET
def area_options(request: HttpRequest, level: str) -> HttpResponse:
    """The <option>s of one level of the picker, given the chosen parent; lower levels are reset out of band."""
    if level not in LEVEL_KEYS[1:]:
        return HttpResponse(status=404)
    index = LEVEL_KEYS.index(level)
    parent_key = LEVEL_KEYS[index - 1]
    field = request.GET.get("field", "")
    parent_code = request.GET.get(f"{field}_{parent_key}", "") if field else ""
    if not parent_code:
        parent_code = next((str(v) for k, v in request.GET.items() if k.endswith(f"_{parent_key}")), "")
    options = list(selectors.area_list_children(parent_code)) if is_ascii_digits(parent_code) else []
    lower = [f"{field}_{key}" for key in LEVEL_KEYS[index + 1 :]] if field else []
    return render(
        request,
        "areas/partials/options.html",
        {"options": options, "lower": lower, "level": level},
    )


@require_GET
def area_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:60]
    level = request.GET.get("level")
    results = selectors.area_search(query, level=ascii_int(level, max_digits=2), limit=15)
    labelled = [(a, " ".join(x.display_name() for x in reversed(selectors.area_path(a)))) for a in results]
    return render(
        request,
        "areas/partials/search_results.html",
        {"results": labelled, "field": request.GET.get("field", ""), "levels": AreaLevel},
    )
