"""Writes for rulebooks: drafting and publishing versions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from thamdee.common.errors import NotFoundError
from thamdee.creditrules import engine, selectors
from thamdee.creditrules.errors import (
    DraftChangedError,
    RetroactiveRuleError,
    RulesInvalidError,
    VersionPublishedError,
)
from thamdee.creditrules.models import Rulebook, RulebookVersion
from thamdee.creditrules.permissions import can_edit_rulebook
from thamdee.ledger.models import Programme
from thamdee.orgs.models import Organisation
from thamdee.people.types import Actor


def rulebook_get_or_create(*, programme: Programme, organisation: Organisation | None = None) -> Rulebook:
    """The programme's rulebook, or an organisation's local one, created on first use."""
    book = Rulebook.objects.filter(programme=programme, organisation=organisation).first()
    if book:
        return book
    if organisation is None:
        name_th, name_en = f"กติกา{programme.name_th}", f"{programme.name_en or programme.name_th} rulebook"
    else:
        name_th, name_en = (
            f"กติกาท้องถิ่น {organisation.name_th}",
            f"Local rules of {organisation.name_en or organisation.name_th}",
        )
    return Rulebook.objects.create(programme=programme, organisation=organisation, name_th=name_th, name_en=name_en)


@transaction.atomic
def rulebook_version_draft(
    *, actor: Actor, rulebook: Rulebook, rules: dict[str, Any], notes: str = ""
) -> RulebookVersion:
    """Draft the next version (checked now, so problems show before publishing). An unpublished draft is
    replaced rather than piled up."""
    if not can_edit_rulebook.test(actor, rulebook):
        raise NotFoundError()
    try:
        engine.parse_rules(rules)
    except engine.RuleDocumentError as exc:
        raise RulesInvalidError(problems="; ".join(exc.problems)) from None
    Rulebook.objects.select_for_update().filter(pk=rulebook.pk).first()
    draft = rulebook.versions.filter(published_at__isnull=True).first()
    if draft:
        draft.rules = rules
        draft.notes = notes
        draft.created_by = actor if actor.is_authenticated else None
        draft.save(update_fields=["rules", "notes", "created_by"])
        return draft
    number = (rulebook.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return RulebookVersion.objects.create(
        rulebook=rulebook, number=number, rules=rules, notes=notes, created_by=actor if actor.is_authenticated else None
    )


def _as_stored(rules: Any) -> Any:
    """A rule document as the database gives it back (a caller's copy may hold tuples where it reads lists)."""
    return json.loads(json.dumps(rules, cls=RulebookVersion._meta.get_field("rules").encoder))


@transaction.atomic
def rulebook_version_publish(
    *, actor: Actor, version: RulebookVersion, effective_from: dt.date, allow_past: bool = False
) -> RulebookVersion:
    """Publish a draft with its effective date. Guarantees: the rules parse; the date is after every earlier
    published version, and tomorrow or later once the rulebook has one: a new version never governs a deed done
    before it was published, not even one done earlier the same day (its award, and the appeal window its
    decision opens, stay those of the version in force when it was done). A rulebook's first version may take
    effect today (before it, no rule of the book governed anything). The version never changes again.
    ``allow_past`` is only for loading history (the demo, an import of a scheme's earlier books).

    What is published is what the caller's ``version`` holds: the version is locked (after its rulebook, the order
    ``rulebook_version_draft`` takes) and read again; if its rules were saved again since the caller read them,
    ``DraftChangedError`` and nothing is published; if it was published meanwhile, ``VersionPublishedError``."""
    if not can_edit_rulebook.test(actor, version.rulebook):
        raise NotFoundError()
    if version.is_published:
        raise VersionPublishedError()
    Rulebook.objects.select_for_update().filter(pk=version.rulebook_id).first()
    locked = RulebookVersion.objects.select_for_update().filter(pk=version.pk).first()
    if locked is None:
        raise NotFoundError()
    if locked.is_published:
        raise VersionPublishedError()
    if _as_stored(locked.rules) != _as_stored(version.rules):
        raise DraftChangedError()
    try:
        engine.parse_rules(locked.rules)
    except engine.RuleDocumentError as exc:
        raise RulesInvalidError(problems="; ".join(exc.problems)) from None
    latest = version.rulebook.versions.filter(published_at__isnull=False).aggregate(d=Max("effective_from"))["d"]
    if (not allow_past and effective_from < selectors.earliest_effective_from(version.rulebook)) or (
        latest and effective_from <= latest
    ):
        raise RetroactiveRuleError()
    locked.effective_from = effective_from
    locked.published_at = timezone.now()
    locked.published_by = actor if actor.is_authenticated else None
    locked.save(update_fields=["effective_from", "published_at", "published_by"])
    # The caller's copy says it too (callers go on using it).
    version.effective_from, version.published_at = locked.effective_from, locked.published_at
    version.published_by = locked.published_by
    return locked
