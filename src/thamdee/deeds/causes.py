"""How a deed appears in the passbook: its name and date, and why it earned what it earned."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.utils import translation

from thamdee.common.i18n import localised
from thamdee.common.thaitime import format_date
from thamdee.ledger.causes import CauseInfo

# Plain SQL, with only what a passbook line shows: a passbook page asks it on every visit. (A raw query still
# converts each column the way its field does, on SQLite as on PostgreSQL.)
_DEEDS_SQL = """
SELECT d.id, d.public_id, d.done_on, d.hours, e.lines AS why, t.name_th AS type_th, t.name_en AS type_en,
       d.organisation_id AS org_id, t.is_sensitive AS sensitive
  FROM deeds_deed d JOIN deeds_deedtype t ON t.id = d.deed_type_id
  LEFT JOIN deeds_explanation e ON e.id = d.explanation_id
 WHERE d.id IN ({ids})
"""


def _parsed(lines: Any) -> Any:
    """``lines`` as the raw query gave them: JSON text (the column is not a model field here) or parsed."""
    return json.loads(lines) if isinstance(lines, str) else lines


def describe_deeds(ids: Iterable[int]) -> dict[int, CauseInfo]:
    from thamdee.deeds.models import Deed, lines_text

    wanted = list(ids)
    if not wanted:
        return {}
    lang = translation.get_language() or "th"
    out = {}
    for deed in Deed.objects.raw(_DEEDS_SQL.format(ids=", ".join(["%s"] * len(wanted))), wanted):
        type_name = localised(deed.type_th, deed.type_en)  # type: ignore[attr-defined]
        out[deed.pk] = CauseInfo(
            title=f"{type_name} · {format_date(deed.done_on)}",
            url=f"/deeds/{deed.public_id}/",
            explanation=lines_text(_parsed(deed.why), lang),  # type: ignore[attr-defined]
            hours=float(deed.hours) if deed.hours else None,
            organisation_id=deed.org_id,  # type: ignore[attr-defined]
            sensitive=bool(deed.sensitive),  # type: ignore[attr-defined]
        )
    return out
