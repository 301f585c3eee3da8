"""Writes for reports: plan KPI baselines, target areas and good-practice stories."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from thamdee.areas.models import Area, AreaLevel
from thamdee.common.errors import NotFoundError
from thamdee.common.thaitime import current_fiscal_year
from thamdee.ledger.models import Programme
from thamdee.orgs.models import Organisation
from thamdee.orgs.roles import roles_for
from thamdee.people.models import User
from thamdee.people.types import Actor
from thamdee.reports.errors import BaselineError, StoryAreaError, StoryStateError, TargetAreaLevelError
from thamdee.reports.models import KpiBaseline, KpiKind, Story, StoryPhoto, StoryStatus, TargetArea
from thamdee.reports.permissions import can_designate_target, can_review_story, can_set_baselines, can_write_story


@transaction.atomic
def kpi_baseline_set(*, actor: Actor, kind: str, fiscal_year: int, value: int, note: str = "") -> KpiBaseline:
    """National agency staff record a plan KPI's baseline (organisations running the scheme in FY2566; networks
    in public activities in FY2565)."""
    if not can_set_baselines.test(actor):
        raise NotFoundError()
    if kind not in KpiKind.values:
        raise ValueError(kind)  # a tampered form: answered as invalid data
    if not 0 <= value <= 2_000_000_000 or not 2000 <= fiscal_year <= current_fiscal_year():
        raise BaselineError()  # (the column holds a 32-bit integer: a larger value was a database error, a 500)
    baseline, _ = KpiBaseline.objects.update_or_create(
        kind=kind, defaults={"fiscal_year": fiscal_year, "value": value, "note": note[:300], "entered_by": actor}
    )
    return baseline


@transaction.atomic
def target_area_designate(
    *, actor: Actor, programme: Programme, fiscal_year: int, area: Area, note: str = ""
) -> TargetArea:
    """Agency staff designate a target area (province, district or subdistrict inside their scope)."""
    if not can_designate_target.test(actor, area):
        raise NotFoundError()
    if area.level not in (AreaLevel.PROVINCE, AreaLevel.DISTRICT, AreaLevel.SUBDISTRICT):
        raise TargetAreaLevelError()
    roles = roles_for(actor)
    agency_id = next(
        (p.agency_id for p in roles.agency_posts if area.code.startswith(p.scope_code)), programme.agency_id
    )
    target, _ = TargetArea.objects.get_or_create(
        programme=programme,
        fiscal_year=fiscal_year,
        area=area,
        defaults={"agency_id": agency_id, "note": note[:300], "designated_by": actor},
    )
    return target


@transaction.atomic
def target_area_remove(*, actor: Actor, target: TargetArea) -> None:
    if not can_designate_target.test(actor, target.area):
        raise NotFoundError()
    target.delete()


def _search_text(story: Story) -> str:
    return " ".join([story.title, story.summary, story.body, story.lessons])


@transaction.atomic
def story_save(
    *,
    actor: Actor,
    organisation: Organisation,
    title: str,
    summary: str,
    body: str,
    area: Area,
    lessons: str = "",
    virtues: Sequence[Any] = (),
    dimensions: Sequence[Any] = (),
    people_shown: Sequence[User] = (),
    photos: Sequence[tuple[bytes, str]] = (),
    story: Story | None = None,
) -> Story:
    """Write or edit a story (an organisation's admins and organisers); an approved story cannot be edited."""
    if not can_write_story.test(actor, organisation):
        raise NotFoundError()
    if story is not None and (story.organisation_id != organisation.pk):
        raise NotFoundError()
    if story is not None and story.status == StoryStatus.APPROVED:
        raise StoryStateError(status=story.get_status_display())
    # The area decides which agency staff review the story and see it before it is published: the organisation's
    # own, never one it would choose elsewhere.
    organisation_area = Area.objects.only("code").get(pk=organisation.area_id)
    if not area.code.startswith(organisation_area.code):
        raise StoryAreaError()
    story = story or Story(organisation=organisation, written_by=actor)  # type: ignore[misc]
    story.title, story.summary, story.body, story.lessons, story.area = (
        title.strip(),
        summary.strip(),
        body.strip(),
        lessons.strip(),
        area,
    )
    story.status = StoryStatus.DRAFT
    story.search_text = _search_text(story)
    story.save()
    story.virtues.set(virtues)
    story.dimensions.set(dimensions)
    story.people_shown.set(people_shown)
    from thamdee.deeds.evidence import MAX_STORY_PHOTOS, EvidenceTooManyPhotosError, process_evidence

    if photos and story.photos.count() + len(photos) > MAX_STORY_PHOTOS:
        raise EvidenceTooManyPhotosError(limit=MAX_STORY_PHOTOS)
    for data, caption in photos:
        processed = process_evidence(data)
        photo = StoryPhoto(story=story, caption=caption[:200])
        photo.image.save(f"{processed.sha256[:20]}.jpg", ContentFile(processed.image), save=False)
        photo.thumbnail.save(f"{processed.sha256[:20]}-t.jpg", ContentFile(processed.thumbnail), save=False)
        photo.save()
    return story


@transaction.atomic
def story_submit(*, actor: Actor, story: Story) -> Story:
    if not can_write_story.test(actor, story.organisation):
        raise NotFoundError()
    if story.status not in (StoryStatus.DRAFT, StoryStatus.RETURNED):
        raise StoryStateError(status=story.get_status_display())
    story.status = StoryStatus.SUBMITTED
    story.save(update_fields=["status"])
    return story


@transaction.atomic
def story_review(*, actor: Actor, story: Story, approve: bool, note: str = "") -> Story:
    """Agency staff over the story's area approve it (it goes public once every person shown has consented)
    or return it with a note."""
    if not can_review_story.test(actor, story.area):
        raise NotFoundError()
    if story.status != StoryStatus.SUBMITTED:
        raise StoryStateError(status=story.get_status_display())
    story.status = StoryStatus.APPROVED if approve else StoryStatus.RETURNED
    story.reviewed_by = actor  # type: ignore[assignment]
    story.review_note = note[:400]
    story.approved_at = timezone.now() if approve else None
    story.save(update_fields=["status", "reviewed_by", "review_note", "approved_at"])
    return story
