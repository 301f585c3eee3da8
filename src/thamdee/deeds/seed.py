"""The virtues (คุณธรรม) and dimensions (มิติ) of the 2024 agreement; configurable afterwards."""

from __future__ import annotations

from typing import Any

VIRTUES = [
    ("sufficiency", "พอเพียง", "Sufficiency", 1, 1),
    ("discipline", "วินัย", "Discipline", 1, 2),
    ("honesty", "สุจริต", "Honesty", 1, 3),
    ("volunteering", "จิตอาสา", "Volunteering", 1, 4),
    ("gratitude", "กตัญญู", "Gratitude", 2, 5),
]
DIMENSIONS = [
    ("health", "สุขภาพ", "Health", 1),
    ("economy", "เศรษฐกิจ", "Economy", 2),
    ("society", "สังคม", "Society", 3),
    ("environment", "สิ่งแวดล้อม", "Environment", 4),
]


def ensure_virtues_and_dimensions(virtue_model: Any = None, dimension_model: Any = None) -> None:
    """Create the standard virtues and dimensions if missing (idempotent; also used by the data migration)."""
    if virtue_model is None:
        from thamdee.deeds.models import Dimension, Virtue

        virtue_model, dimension_model = Virtue, Dimension
    for code, th, en, phase, order in VIRTUES:
        virtue_model.objects.get_or_create(
            code=code, defaults={"name_th": th, "name_en": en, "phase": phase, "ordering": order}
        )
    for code, th, en, order in DIMENSIONS:
        dimension_model.objects.get_or_create(code=code, defaults={"name_th": th, "name_en": en, "ordering": order})
