"""Writes for assessments: opening a fiscal year's assessment, scoring it, submitting it, and confirming or
returning it. Each is one transaction; a status changes by a conditional UPDATE, so two people acting at once
cannot both move it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from thamdee.areas.models import Area, AreaLevel
from thamdee.assessments import hooks
from thamdee.assessments.errors import (
    AssessmentIncompleteError,
    AssessmentInvalidError,
    AssessmentNoFrameworkError,
    AssessmentNotEditableError,
    AssessmentNotSubmittedError,
    AssessmentOwnReviewError,
    AssessmentTooManyFilesError,
)
from thamdee.assessments.models import (
    EDITABLE,
    MAX_FILES_PER_ACTIVITY,
    MAX_SCORE,
    Assessment,
    AssessmentEvent,
    AssessmentStatus,
    EventAction,
    EvidenceFile,
    Framework,
    Indicator,
    Level,
    Score,
    Subject,
)
from thamdee.assessments.permissions import can_fill_assessment, can_review_assessment, can_view_assessment, is_its_own
from thamdee.common.errors import NotFoundError
from thamdee.common.thaitime import current_fiscal_year
from thamdee.deeds.evidence import (
    EvidenceFileTypeNotAllowedError,
    EvidenceTypeNotAllowedError,
    is_pdf,
    process_evidence,
    redraw_pdf,
)
from thamdee.inbox.services import notify, notify_many
from thamdee.orgs.models import AgencyStaff, Membership, Organisation
from thamdee.people.models import User
from thamdee.people.types import Actor

MAX_EVIDENCE = 2000


def level_reached(indicators: Iterable[Indicator], scores: Mapping[int, int], pass_score: int) -> int:
    """The highest level whose activities, and those of every level below, all score at least ``pass_score``
    (``scores``: indicator id -> score). A level with no activity in the framework is never reached."""
    by_level: dict[int, list[int]] = {}
    for indicator in indicators:
        by_level.setdefault(indicator.level, []).append(indicator.pk)
    reached = Level.NONE
    for level in (Level.PROMOTING, Level.MORAL, Level.MODEL):
        ids = by_level.get(level, [])
        if not ids or any(scores.get(pk, 0) < pass_score for pk in ids):
            break
        reached = level
    return int(reached)


def _framework(subject: str) -> Framework:
    # A framework with no activities would let every assessment be submitted at once, reaching no level.
    framework = Framework.objects.filter(subject=subject, is_active=True, indicators__isnull=False).first()
    if framework is None:
        raise AssessmentNoFrameworkError(subject=Subject(subject).label)
    return framework


def open_years() -> list[int]:
    """The fiscal years an assessment may be opened for: this one and the one before (a year's result is often
    completed after it ends), never a future one."""
    this_year = current_fiscal_year()
    return [this_year, this_year - 1]


def assessment_open(
    *,
    actor: Actor,
    organisation: Organisation | None = None,
    province: Area | None = None,
    fiscal_year: int | None = None,
) -> Assessment:
    """The assessment of an organisation or a province for a fiscal year (this one by default): the one that exists,
    or a new draft with the framework in use. Only someone who may fill it (not found for anyone else); only for
    one of ``open_years``."""
    return assessment_open_or_get(actor=actor, organisation=organisation, province=province, fiscal_year=fiscal_year)[0]


@transaction.atomic
def assessment_open_or_get(
    *,
    actor: Actor,
    organisation: Organisation | None = None,
    province: Area | None = None,
    fiscal_year: int | None = None,
) -> tuple[Assessment, bool]:
    """``assessment_open``, and whether this call made the assessment (False when it was there already, or was
    opened by someone else at the same moment)."""
    if (organisation is None) == (province is None):
        raise AssessmentInvalidError(reason=_("ต้องระบุองค์กรหรือจังหวัดอย่างใดอย่างหนึ่ง"))
    if province is not None and province.level != AreaLevel.PROVINCE:
        raise AssessmentInvalidError(reason=_("ประเมินได้เฉพาะระดับจังหวัด"))
    years = open_years()
    fiscal_year = fiscal_year or years[0]
    subject: dict[str, Any] = {"organisation": organisation} if organisation is not None else {"province": province}
    existing = Assessment.objects.filter(fiscal_year=fiscal_year, **subject).first()
    probe = existing or Assessment(fiscal_year=fiscal_year, **subject)
    if not can_fill_assessment.test(actor, probe) and not (existing and can_review_assessment.test(actor, existing)):
        raise NotFoundError()
    if existing is not None:
        return existing, False
    if fiscal_year not in years:
        raise AssessmentInvalidError(reason=_("ประเมินได้เฉพาะปีงบประมาณนี้หรือปีก่อน"))
    framework = _framework(Subject.ORGANISATION if organisation is not None else Subject.PROVINCE)
    try:
        with transaction.atomic():
            made = Assessment.objects.create(
                framework=framework,
                fiscal_year=fiscal_year,
                created_by=actor,  # type: ignore[misc]
                **subject,
            )
        return made, True
    except IntegrityError:  # opened by someone else at the same moment
        return Assessment.objects.get(fiscal_year=fiscal_year, **subject), False


def assessment_result_revoked(*, assessment: Assessment, actor: Actor, reason: str) -> AssessmentEvent:
    """The agency revoked the signed credential of this confirmed result (``recognition.services.credential_revoke``,
    which checked who may and calls this in its transaction). The result is returned to its organisation (or the
    province's staff) for correction, the reason as the return's: it counts at no level and leaves the roll, and
    once corrected (or as it was, to contest the revocation) it is submitted and reviewed again like any returned
    result; confirmed again, it is signed anew. The history records the revocation with the level it undid, and
    whoever submitted the result and the organisation's admins are told why."""
    locked = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    now = timezone.now()
    event = AssessmentEvent.objects.create(
        assessment=locked,
        action=EventAction.REVOKED,
        actor=actor,  # type: ignore[misc]
        at=now,
        level=locked.confirmed_level,
        note=reason,
    )
    if locked.status == AssessmentStatus.CONFIRMED:
        Assessment.objects.filter(pk=locked.pk).update(
            status=AssessmentStatus.RETURNED,
            confirmed_level=None,
            confirmed_by_agency=None,
            reviewed_by=actor,
            reviewed_at=now,
            review_note=reason,
            updated_at=now,
        )
    assessment.refresh_from_db()
    told: set[int] = {assessment.submitted_by_id} if assessment.submitted_by_id else set()
    if assessment.organisation_id:
        told |= set(
            Membership.objects.filter(
                organisation_id=assessment.organisation_id, is_active=True, is_admin=True
            ).values_list("user_id", flat=True)
        )
    told.discard(int(getattr(actor, "pk", 0) or 0))  # the one who revoked it knows
    for user in User.objects.filter(pk__in=told, is_active=True).order_by("pk"):
        notify(
            user=user,
            about=actor,
            kind="assessment_revoked",
            title=_("หน่วยงานเพิกถอนผลการประเมินของ {subject} ที่รับรองแล้ว และส่งกลับให้แก้ไข"),
            body=reason,
            url=reverse("assessments:detail", args=[assessment.public_id]),
            subject=assessment.subject_name,
        )
    return event


@transaction.atomic
def assessment_score(*, actor: Actor, assessment: Assessment, scores: Mapping[int, tuple[int | None, str]]) -> int:
    """Save scores (indicator number -> (score 0 to 2, or None to leave it unscored; evidence, kept even without a
    score)) while the assessment is a draft or returned: only the activities named change (send only what was
    changed, so that two people filling one sheet do not undo each other's work). Returns how many activities are
    scored now. Nothing is saved if any entry is invalid. Whoever writes a score does not confirm the result."""
    if not can_fill_assessment.test(actor, assessment):
        raise NotFoundError()
    locked = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if locked.status not in EDITABLE:
        raise AssessmentNotEditableError(status=AssessmentStatus(locked.status).label)
    indicators = {i.number: i for i in Indicator.objects.filter(framework_id=locked.framework_id)}
    clean: dict[int, tuple[int | None, str]] = {}
    for number, (score, evidence) in scores.items():
        if number not in indicators:
            raise AssessmentInvalidError(reason=format_lazy(_("ไม่มีกิจกรรมลำดับที่ {number} ในเกณฑ์นี้"), number=number))
        if score is not None and not (0 <= int(score) <= MAX_SCORE):
            raise AssessmentInvalidError(reason=_("คะแนนต้องเป็น 0, 1 หรือ 2"))
        evidence = (evidence or "").strip()
        if len(evidence) > MAX_EVIDENCE:
            raise AssessmentInvalidError(reason=_("หลักฐานยาวเกิน 2,000 ตัวอักษร"))
        clean[number] = (None if score is None else int(score), evidence)
    for number, (score, evidence) in clean.items():
        indicator = indicators[number]
        if score is None and not evidence:
            Score.objects.filter(assessment=locked, indicator=indicator).delete()
            continue
        # Evidence gathered before a score is decided is kept (the activity stays unscored).
        Score.objects.update_or_create(
            assessment=locked, indicator=indicator, defaults={"score": score, "evidence": evidence, "written_by": actor}
        )
    Assessment.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return Score.objects.filter(assessment=locked, score__isnull=False).count()


def _file_name(filename: str, extension: str) -> str:
    """The name a file is shown and downloaded under: the sender's own name without any folder or control
    character, shortened, with the extension of what is kept (a photo is kept as a JPEG whatever it was sent as)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: 120 - len(extension) - 1].strip() or str(_("หลักฐาน"))
    return f"{stem}.{extension}"


@dataclass(frozen=True)
class PreparedFile:
    """An uploaded file checked and made safe to keep, before anything is written (``evidence_prepare``)."""

    name: str  # the name it is shown and downloaded under
    content: bytes
    content_type: str
    sha256: str
    extension: str
    pages: int | None = None
    thumbnail: bytes | None = None


def evidence_prepare(data: bytes, filename: str = "") -> PreparedFile:
    """Check an uploaded evidence file and make what is kept of it, touching no database: a photo (JPEG, PNG, WEBP
    or HEIC) becomes a JPEG without metadata, with a thumbnail (``deeds.evidence.process_evidence``); a PDF is
    redrawn as pictures of its pages, keeping nothing else of it (``deeds.evidence.redraw_pdf``). Refusals are
    ``EvidenceRejectedError``s. Slow for large files: call it before taking locks."""
    if is_pdf(data):
        document = redraw_pdf(data, filename)
        return PreparedFile(
            name=_file_name(filename, "pdf"),
            content=document.data,
            content_type=document.content_type,
            sha256=document.sha256,
            extension="pdf",
            pages=document.pages,
            thumbnail=document.thumbnail,
        )
    try:
        image = process_evidence(data, filename)
    except EvidenceTypeNotAllowedError:
        raise EvidenceFileTypeNotAllowedError(filename=filename) from None
    return PreparedFile(
        name=_file_name(filename, "jpg"),
        content=image.image,
        content_type=image.content_type,
        sha256=image.sha256,
        extension="jpg",
        thumbnail=image.thumbnail,
    )


def assessment_evidence_add(
    *,
    actor: Actor,
    assessment: Assessment,
    number: int,
    data: bytes = b"",
    filename: str = "",
    prepared: PreparedFile | None = None,
) -> tuple[EvidenceFile, bool]:
    """Keep a file as evidence of activity ``number`` while the assessment may be edited: ``data`` as uploaded
    (prepared here by ``evidence_prepare``), or a file ``prepared`` already. At most ``MAX_FILES_PER_ACTIVITY``
    files an activity. The same file sent again for the same activity is the one already kept (returned with
    ``False``). Whoever adds a file does not confirm the result. A file refused, or an assessment no longer
    editable, saves nothing.

    The stored copies of a new file are written before its row: a caller whose own transaction rolls back after
    this returned deletes them (``evidence_discard``), as the sheet's page does; ``thamdee assessments
    sweep-files`` removes any left behind."""
    if not can_fill_assessment.test(actor, assessment):
        raise NotFoundError()
    # Checked and redrawn before the row lock is taken: decoding a large photo or a long PDF takes a while.
    prepared = prepared or evidence_prepare(data, filename)
    digest = prepared.sha256
    with transaction.atomic():
        locked = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
        if locked.status not in EDITABLE:
            raise AssessmentNotEditableError(status=AssessmentStatus(locked.status).label)
        indicator = Indicator.objects.filter(framework_id=locked.framework_id, number=number).first()
        if indicator is None:
            raise AssessmentInvalidError(reason=format_lazy(_("ไม่มีกิจกรรมลำดับที่ {number} ในเกณฑ์นี้"), number=number))
        same = EvidenceFile.objects.filter(assessment=locked, indicator=indicator, sha256=digest).first()
        if same is not None:
            return same, False
        if EvidenceFile.objects.filter(assessment=locked, indicator=indicator).count() >= MAX_FILES_PER_ACTIVITY:
            raise AssessmentTooManyFilesError(limit=MAX_FILES_PER_ACTIVITY, number=number)
        item = EvidenceFile(
            assessment=locked,
            indicator=indicator,
            name=prepared.name,
            content_type=prepared.content_type,
            size=len(prepared.content),
            pages=prepared.pages,
            sha256=digest,
            uploaded_by=actor,  # type: ignore[misc]
        )
        try:
            item.file.save(f"{digest[:20]}.{prepared.extension}", ContentFile(prepared.content), save=False)
            if prepared.thumbnail is not None:
                item.thumbnail.save(f"{digest[:20]}-t.jpg", ContentFile(prepared.thumbnail), save=False)
            item.save()
        except BaseException:
            # No row was written (and no query may run in this failed transaction): the copies go at once.
            _delete_stored([item.file.name, item.thumbnail.name])
            raise
        Assessment.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    return item, True


def evidence_discard(items: Iterable[EvidenceFile]) -> None:
    """Delete the stored copies of files whose rows were not kept (a transaction rolled back after they were
    written). Not their rows: call it after the rollback. A file whose row was kept after all (the error came
    after the commit) is left alone."""
    items = list(items)
    saved = [item.pk for item in items if item.pk is not None]
    kept = set(EvidenceFile.objects.filter(pk__in=saved).values_list("pk", flat=True)) if saved else set()
    _delete_stored(name for item in items if item.pk not in kept for name in (item.file.name, item.thumbnail.name))


def _delete_stored(names: Iterable[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        if name:
            default_storage.delete(name)


SWEEP_AT_LEAST = dt.timedelta(minutes=15)


def evidence_sweep(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[str]:
    """Delete stored evidence files that no row names (left by a transaction that rolled back after writing them,
    or by a process that died between writing a file and its row) and that are older than ``older_than``, at least
    ``SWEEP_AT_LEAST`` (so an upload under way is never touched; each file is looked up again just before it is
    deleted, too). Returns the names deleted."""
    from django.core.files.storage import default_storage

    if older_than < SWEEP_AT_LEAST:
        raise AssessmentInvalidError(reason=_("ลบไฟล์ที่ค้างได้เฉพาะไฟล์ที่เก่ากว่า 15 นาที"))
    kept = {name for pair in EvidenceFile.objects.values_list("file", "thumbnail") for name in pair if name}
    cutoff = timezone.now() - older_than
    deleted: list[str] = []
    folders = ["assessments"]
    while folders:
        folder = folders.pop()
        if not default_storage.exists(folder):
            continue
        subfolders, names = default_storage.listdir(folder)
        folders += [f"{folder}/{sub}" for sub in subfolders]
        for name in names:
            path = f"{folder}/{name}"
            if path in kept or default_storage.get_modified_time(path) >= cutoff:
                continue
            if EvidenceFile.objects.filter(Q(file=path) | Q(thumbnail=path)).exists():  # kept since it was read
                continue
            default_storage.delete(path)
            deleted.append(path)
    return sorted(deleted)


@transaction.atomic
def assessment_evidence_remove(*, actor: Actor, item: EvidenceFile) -> None:
    """Remove an evidence file while its assessment may be edited (its stored copies are deleted once the removal
    commits). A submitted result keeps the digest and type of every file it was sent with in its history."""
    assessment = item.assessment
    if not can_fill_assessment.test(actor, assessment):
        raise NotFoundError()
    locked = Assessment.objects.select_for_update(of=("self",)).get(pk=assessment.pk)
    if locked.status not in EDITABLE:
        raise AssessmentNotEditableError(status=AssessmentStatus(locked.status).label)
    names = [item.file.name, item.thumbnail.name]
    deleted, _count = EvidenceFile.objects.filter(pk=item.pk, assessment=locked).delete()
    if not deleted:
        raise NotFoundError()
    Assessment.objects.filter(pk=locked.pk).update(updated_at=timezone.now())
    # Robust: a stored copy that cannot be deleted (a folder's permissions) is logged, not raised after the commit,
    # where the caller could take it for a failed transaction.
    transaction.on_commit(lambda: _delete_stored(names), robust=True)


@transaction.atomic
def assessment_submit(*, actor: Actor, assessment: Assessment) -> Assessment:
    """Send the result for confirmation: every activity scored; the level the scores reach is kept with it.
    Those who may confirm it are told."""
    if not can_fill_assessment.test(actor, assessment):
        raise NotFoundError()
    locked = Assessment.objects.select_for_update(of=("self",)).select_related("framework").get(pk=assessment.pk)
    if locked.status not in EDITABLE:
        raise AssessmentNotEditableError(status=AssessmentStatus(locked.status).label)
    indicators = list(Indicator.objects.filter(framework_id=locked.framework_id))
    scores: dict[int, int] = {
        indicator_id: score
        for indicator_id, score in Score.objects.filter(assessment=locked).values_list("indicator_id", "score")
        if score is not None
    }
    missing = [i.number for i in indicators if i.pk not in scores]
    if missing:
        raise AssessmentIncompleteError(missing=len(missing), numbers=", ".join(str(n) for n in missing))
    now = timezone.now()
    level = level_reached(indicators, scores, locked.framework.pass_score)
    numbers = {i.pk: i.number for i in indicators}
    # The files by their digest and type, not their names: a name someone typed may name a person, and the
    # history is never changed.
    files: dict[str, list[list[str]]] = {}
    for indicator_id, content_type, digest in EvidenceFile.objects.filter(assessment=locked).values_list(
        "indicator_id", "content_type", "sha256"
    ):
        files.setdefault(str(numbers[indicator_id]), []).append([digest, content_type])
    AssessmentEvent.objects.create(
        assessment=locked,
        action=EventAction.SUBMITTED,
        actor=actor,  # type: ignore[misc]
        at=now,
        level=level,
        scores={str(numbers[pk]): score for pk, score in sorted(scores.items(), key=lambda kv: numbers[kv[0]])},
        files=dict(sorted(files.items(), key=lambda kv: int(kv[0]))),
    )
    Assessment.objects.filter(pk=locked.pk).update(
        status=AssessmentStatus.SUBMITTED,
        level=level,
        submitted_by=actor,
        submitted_at=now,
        updated_at=now,
        reviewed_by=None,
        reviewed_at=None,
        review_note="",  # a return's reason was for the result it returned (its event keeps it)
    )
    locked.refresh_from_db()
    _tell_reviewers(locked)
    return locked


def _reviewer_users(assessment: Assessment) -> list[Any]:
    """Who is told a result waits for them: for an organisation, agency staff posted to its province; for a
    province, national staff (anyone whose area covers it may confirm; these are told). Never the submitter, nor
    anyone who wrote its scores or files or administers the organisation (they may not confirm it). Four
    queries."""
    posts = AgencyStaff.objects.filter(is_active=True).select_related("user")
    if assessment.organisation_id:
        posts = posts.filter(scope_area__code=assessment.area_code[:2])
    else:
        posts = posts.filter(scope_area__isnull=True)
    excluded = _may_not_review(assessment)
    return [post.user for post in posts if post.user_id not in excluded and post.user.is_active]


def _may_not_review(assessment: Assessment) -> set[int]:
    """The people who may not confirm this result: its submitter, whoever wrote any of its scores or added any of its
    evidence files, and the organisation's admins."""
    excluded = set(Score.objects.filter(assessment_id=assessment.pk).values_list("written_by_id", flat=True))
    excluded |= set(EvidenceFile.objects.filter(assessment_id=assessment.pk).values_list("uploaded_by_id", flat=True))
    if assessment.submitted_by_id:
        excluded.add(assessment.submitted_by_id)
    if assessment.organisation_id:
        excluded |= set(
            Membership.objects.filter(
                organisation_id=assessment.organisation_id, is_active=True, is_admin=True
            ).values_list("user_id", flat=True)
        )
    return excluded


def _tell_reviewers(assessment: Assessment) -> None:
    users = {user.pk: user for user in _reviewer_users(assessment)}
    if users:
        notify_many(
            users=list(users.values()),
            kind="assessment_submitted",
            title=_("ผลการประเมินของ {subject} รอการรับรอง"),
            url=reverse("assessments:detail", args=[assessment.public_id]),
            subject=assessment.subject_name,
        )


def _acting_agency(actor: Actor, assessment: Assessment) -> Organisation | None:
    """The agency a reviewer confirms for: of their active posts covering the subject, the one with the narrowest
    area (a provincial office before the national one). None for a site admin with no such post. One query."""
    code = assessment.area_code
    posts = AgencyStaff.objects.filter(user=actor, is_active=True).select_related("agency", "scope_area")  # type: ignore[misc]
    covering = [
        post
        for post in posts
        if post.scope_area is None
        or (bool(code) and code.startswith(post.scope_area.code) and bool(post.scope_area.code))
    ]
    if not covering:
        return None
    best = max(covering, key=lambda post: len(post.scope_area.code) if post.scope_area is not None else 0)
    return best.agency


@transaction.atomic
def assessment_review(*, actor: Actor, assessment: Assessment, confirm: bool, note: str = "") -> Assessment:
    """Confirm a submitted result (its level becomes the year's result) or return it for correction (a reason is
    required). Agency staff covering the subject (national staff for a province), or a site admin; never the
    person who submitted it nor an admin of the organisation assessed. Done once: a second reviewer at the same
    moment gets ``assessment_not_submitted``. A result confirmed at a level is handed to the ``hooks`` in the same
    transaction (recognition signs it for the agency that confirmed it)."""
    if not can_view_assessment.test(actor, assessment):
        raise NotFoundError()
    # Who submitted and who scored are read from the locked row, not from the caller's copy, which may be older.
    locked = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("organisation__area", "province")
        .get(pk=assessment.pk)
    )
    if is_its_own.test(actor, locked):
        raise AssessmentOwnReviewError()
    if not can_review_assessment.test(actor, locked):
        raise NotFoundError()
    note = (note or "").strip()
    if len(note) > MAX_EVIDENCE:
        raise AssessmentInvalidError(reason=_("ความเห็นยาวเกิน 2,000 ตัวอักษร"))
    if not confirm and not note:
        raise AssessmentInvalidError(reason=_("ต้องบอกเหตุผลที่ส่งกลับ"))
    if locked.status != AssessmentStatus.SUBMITTED:
        raise AssessmentNotSubmittedError(status=AssessmentStatus(locked.status).label)
    now = timezone.now()
    agency = _acting_agency(actor, locked) if confirm else None
    AssessmentEvent.objects.create(
        assessment=locked,
        action=EventAction.CONFIRMED if confirm else EventAction.RETURNED,
        actor=actor,  # type: ignore[misc]
        at=now,
        level=locked.level if confirm else None,
        note=note,
    )
    Assessment.objects.filter(pk=locked.pk).update(
        status=AssessmentStatus.CONFIRMED if confirm else AssessmentStatus.RETURNED,
        confirmed_level=locked.level if confirm else None,
        reviewed_by=actor,
        reviewed_at=now,
        review_note=note,
        updated_at=now,
        confirmed_by_agency=agency,
    )
    locked.refresh_from_db()
    if confirm:
        hooks.assessment_confirmed(locked)  # recognition signs the result (within this transaction)
    if locked.submitted_by is not None:
        notify(
            user=locked.submitted_by,
            about=actor,
            kind="assessment_reviewed",
            title=_("ผลการประเมินของ {subject} ได้รับการรับรองแล้ว")
            if confirm
            else _("ผลการประเมินของ {subject} ถูกส่งกลับให้แก้ไข"),
            body=note,
            url=reverse("assessments:detail", args=[locked.public_id]),
            subject=locked.subject_name,
        )
    return locked
