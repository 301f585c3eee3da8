"""How a deed appears in the passbook: its name and date, and why it earned what it earned."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import translation

from thamdee.common.thaitime import format_date
from thamdee.ledger.causes import CauseInfo


def describe_deeds(ids: Iterable[int]) -> dict[int, CauseInfo]:
    from thamdee.deeds.models import Deed

    lang = translation.get_language() or "th"
    out = {}
    deeds = (
        Deed.objects.filter(pk__in=list(ids))
        .select_related("deed_type")
        .only("public_id", "done_on", "hours", "explanation", "deed_type__name_th", "deed_type__name_en")
    )
    for deed in deeds:
        out[deed.pk] = CauseInfo(
            title=f"{deed.deed_type.display_name()} · {format_date(deed.done_on)}",
            url=f"/deeds/{deed.public_id}/",
            explanation=deed.explanation_text(lang),
            hours=float(deed.hours) if deed.hours else None,
        )
    return out
