"""Reads of rulebooks: which versions are in force on a day, and what they say."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable
from functools import lru_cache

from django.db import connection
from django.db.models import Max, Q, QuerySet
from django.utils import timezone

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


def earliest_effective_from(rulebook: Rulebook) -> dt.date:
    """The first day a new version of the rulebook may take effect: tomorrow (a version never governs a deed done
    before it was published, even earlier the same day), and always after the latest version of this book
    (``services.rulebook_version_publish``). Today only while no book that governs the same deeds has a published
    version (a programme's book and its organisations' local books are read together for a deed): nothing of
    theirs then governed any deed, so nothing is repriced."""
    latest = rulebook.versions.filter(published_at__isnull=False).aggregate(d=Max("effective_from"))["d"]
    governing = Rulebook.objects.filter(programme_id=rulebook.programme_id)
    if rulebook.organisation_id is not None:  # a local book: the programme's own and itself
        governing = governing.filter(Q(organisation__isnull=True) | Q(organisation_id=rulebook.organisation_id))
    if not RulebookVersion.objects.filter(rulebook__in=governing, published_at__isnull=False).exists():
        return timezone.localdate()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return max(tomorrow, latest + dt.timedelta(days=1)) if latest else tomorrow


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


def deed_type_names(
    books: Iterable[Rulebook], *, organisation_id: int | None = None, lang: str = "th"
) -> dict[int, dict[str, str]]:
    """For each rulebook (by id), its deed type codes and the names to show for them on a public page, read in one
    query. A programme's rulebook names its codes from the programme's national templates; an organisation's
    local rulebook from the templates and, first, from that organisation's own catalogue (its types, adopted
    copies included, of that programme); on an organisation's page (``organisation_id``) the programme's rulebook
    names them as the organisation's catalogue does too, since those are the types its rates apply to there. Never
    another organisation's type, and never a sensitive type's name (religious practice, health): such a code is
    left out, so the rules show the code itself, as the published document does."""
    from django.apps import apps

    books = list(books)
    if not books:
        return {}
    programmes = {b.programme_id for b in books}
    owners = {b.organisation_id for b in books if b.organisation_id} | ({organisation_id} if organisation_id else set())
    deed_type = apps.get_model("deeds", "DeedType")
    rows = deed_type.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=owners), programme_id__in=programmes
    ).values_list(
        "programme_id", "organisation_id", "code", "name_th", "name_en", "is_sensitive", "adopted_from__is_sensitive"
    )
    english = lang.startswith("en")
    catalogues: dict[tuple[int, int | None], dict[str, str | None]] = {}
    for programme_id, owner_id, code, th, en, sensitive, template_sensitive in rows:
        name = None if sensitive or template_sensitive else ((en or th) if english else th)
        catalogues.setdefault((programme_id, owner_id), {})[code] = name
    out = {}
    for book in books:
        owner = book.organisation_id or organisation_id
        names = {**catalogues.get((book.programme_id, None), {}), **catalogues.get((book.programme_id, owner), {})}
        out[book.pk] = {code: name for code, name in names.items() if name is not None}
    return out


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


# The version in force of a programme's own rulebook (unique: a constraint), found without reading its rules.
_VERSION_IN_FORCE_SQL = """
SELECT v.id, v.published_at
  FROM creditrules_rulebookversion v JOIN creditrules_rulebook b ON b.id = v.rulebook_id
 WHERE b.programme_id = %s AND b.organisation_id IS NULL AND v.published_at IS NOT NULL AND v.effective_from <= %s
 ORDER BY v.effective_from DESC
 LIMIT 1
"""


@lru_cache(maxsize=512)
def _levels_of_version(version_id: int, published_at: str) -> tuple[engine.Level, ...]:
    """A published version's levels, read and parsed once per process (its id and publication time are the key:
    a published version never changes)."""
    version = RulebookVersion.objects.select_related("rulebook").get(pk=version_id)
    return ruleset_of(version).rules.levels


def levels_held(member_id: int, programme_id: int) -> frozenset[str]:
    """The codes of the programme's levels the member reached, as recognition records them (``LevelAward``): kept
    whatever a later version says of their thresholds (``engine.level_for``'s ``held``). Recognition and rewards
    both read it; recognition is a layer above this app, so its model is read by name from the app registry."""
    from django.apps import apps

    award = apps.get_model("recognition", "LevelAward")
    return frozenset(
        award.objects.filter(member_id=member_id, programme_id=programme_id).values_list("level_code", flat=True)
    )


def levels_of_programme(programme_id: int, day: dt.date | None = None) -> tuple[engine.Level, ...]:
    """Level thresholds and names from the programme's rulebook version in force (today by default). A page that
    shows a member's level asks this on every visit: one small statement, and the rules only when the version is
    new to the process."""
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(_VERSION_IN_FORCE_SQL, [programme_id, day or timezone.localdate()])
        row = cursor.fetchone()
    return _levels_of_version(int(row[0]), str(row[1])) if row else ()
