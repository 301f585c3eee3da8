"""One figure of a report cell, or "<N" when the cell counts fewer people than may be shown."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat

from thamdee.common.templatetags.thaidate import intcomma_th

register = template.Library()


@register.filter
def figure(cell: Any, name: str) -> str:
    """``{{ f|figure:"deeds" }}`` for a ``Figures`` or an organisation row: the number, or "<5" for a cell too
    small to show (every figure of it, so that none can be worked out from the others), or a dash for a cell
    hidden beside its total (``selectors.protect``), small or not: which, it does not say."""
    if isinstance(cell, dict):
        suppressed, below, value = cell.get("suppressed"), cell.get("below"), cell.get(name)
    else:
        suppressed, below, value = getattr(cell, "suppressed", False), getattr(cell, "below", 0), getattr(cell, name)
    if suppressed:
        return f"<{below}" if below else "—"
    if name == "credits_spent" and getattr(cell, "spent_hidden", False):
        return "—"
    if name == "hours":
        return floatformat(value or 0, "0")
    return intcomma_th(value or 0)
