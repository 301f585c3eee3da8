"""Reads of rulebooks: which versions are in force on a day, and what they say."""

from __future__ import annotations

import datetime as dt
import difflib
from functools import lru_cache

from django.db.models import QuerySet

from thamdee.creditrules import engine
from thamdee.creditrules.models import Rulebook, RulebookVersion


@lru_cache(maxsize=512)
def _parsed(version_id: int, rules_json: str) -> engine.Rules:
    import json

    return engine.parse_rules(json.loads(rules_json))


def ruleset_of(version: RulebookVersion) -> engine.RuleSet:
    """A published version as the engine sees it (parsed once per process: published versions never change)."""
    import json

    rules = _parsed(version.pk, json.dumps(version.rules, sort_keys=True))
    assert version.effective_from is not None  # only published versions reach the engine
    return engine.RuleSet(
        label_th=version.label("th"),
        label_en=version.label("en"),
        version_id=version.pk,
        effective_from=version.effective_from,
        rules=rules,
    )


def version_in_force(rulebook: Rulebook | None, day: dt.date) -> RulebookVersion | None:
    """The published version with the latest effective date on or before ``day``."""
    if rulebook is None:
        return None
    return (
        rulebook.versions.filter(published_at__isnull=False, effective_from__lte=day)
        .select_related("rulebook")
        .order_by("-effective_from")
        .first()
    )


class VersionCache:
    """Published versions of some rulebooks, loaded once, for computing many awards (bulk verification)."""

    def __init__(self, rulebook_ids: set[int]) -> None:
        self.by_book: dict[int, list[RulebookVersion]] = {}
        for version in (
            RulebookVersion.objects.filter(rulebook_id__in=rulebook_ids, published_at__isnull=False)
            .select_related("rulebook")
            .order_by("rulebook_id", "effective_from")
        ):
            self.by_book.setdefault(version.rulebook_id, []).append(version)

    def in_force(self, rulebook_id: int | None, day: dt.date) -> RulebookVersion | None:
        best = None
        for version in self.by_book.get(rulebook_id or -1, []):
            if version.effective_from and version.effective_from <= day:
                best = version
        return best


def rulebook_versions_published(rulebook: Rulebook) -> QuerySet[RulebookVersion]:
    return rulebook.versions.filter(published_at__isnull=False).order_by("-number")


def version_describe(version: RulebookVersion, names: dict[str, str] | None = None, lang: str = "th") -> list[str]:
    return engine.describe_rules(engine.parse_rules(version.rules), names, lang)


def version_diff(
    older: RulebookVersion | None, newer: RulebookVersion, names: dict[str, str] | None = None, lang: str = "th"
) -> list[tuple[str, str]]:
    """What changed between two versions, as (mark, sentence): "+" added, "-" removed, " " unchanged."""
    before = version_describe(older, names, lang) if older else []
    after = version_describe(newer, names, lang)
    out = []
    for line in difflib.ndiff(before, after):
        if line.startswith(("+ ", "- ", "  ")):
            out.append((line[0], line[2:]))
    return out


def levels_of_programme(programme_id: int, day: dt.date | None = None) -> tuple[engine.Level, ...]:
    """Level thresholds and names from the programme's rulebook version in force (today by default)."""
    from django.utils import timezone

    # One query: the programme's own rulebook is unique (a constraint), so its version in force is found directly.
    version = (
        RulebookVersion.objects.filter(
            rulebook__programme_id=programme_id,
            rulebook__organisation__isnull=True,
            published_at__isnull=False,
            effective_from__lte=day or timezone.localdate(),
        )
        .select_related("rulebook")
        .order_by("-effective_from")
        .first()
    )
    return ruleset_of(version).rules.levels if version else ()
