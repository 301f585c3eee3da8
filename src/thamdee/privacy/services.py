"""Writes for the data-subject rights: an export (audited), an erasure asked for, cancelled, carried out.

Erasure anonymises; it does not delete the records the public task keeps. Deeds, decisions, the ledger and the
rollups stay as they are, cut from the person: every personal column of theirs (names, numbers, birth year, the
national-ID fingerprint, free text they wrote, photos) is cleared (the home village stays: the rollups read it),
their links and consents end, and the account can no longer sign in. The ledger's journals and postings are not
touched (they are append-only, and the database refuses any change), so every balance, every journal and every
aggregate is the same afterwards; the messages the person wrote with gifts and donations are kept beside the
journals, in notes, and those go. docs/privacy.md lists what goes and what stays, and why.

This app writes the personal columns of other apps' tables directly (one service, one transaction) rather than
asking each app for an "erase" hook: erasure is one legal act over the whole house, and keeping its every step in
one place is what lets it be read, reviewed and tested as one.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import uuid
from typing import Any

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from thamdee.common.errors import NotFoundError
from thamdee.common.permissions import require
from thamdee.people.models import Consent, FamilyLink, User
from thamdee.people.types import Actor
from thamdee.privacy import selectors
from thamdee.privacy.errors import ErasureConfirmRequiredError, ErasureStateError
from thamdee.privacy.models import (
    ERASURE_DAYS,
    Channel,
    DataRequestEvent,
    ErasureRequest,
    ErasureStatus,
    RequestKind,
)
from thamdee.privacy.permissions import can_cancel_erasure, can_carry_out_erasure, can_export_data

log = logging.getLogger(__name__)

# Stored with each credential revoked by an erasure (shown to its issuer): no personal data.
REVOKED_REASON = "ลบข้อมูลตามคำขอของเจ้าของข้อมูล (PDPA) / erased at the holder's request (PDPA)"
# Stored as the review note of a story taken back from publication or review because a person shown in it was
# erased (shown to the organisation that wrote it): it names no one.
STORY_RETURNED_NOTE = (
    "บุคคลที่ปรากฏในเรื่องขอให้ลบข้อมูลของตน (PDPA) ภาพประกอบถูกลบแล้ว โปรดแก้ไขเนื้อหาให้ไม่ระบุถึงบุคคลนั้นก่อนส่งใหม่ "
    "/ A person shown in this story asked for their data to be erased (PDPA): its photos were deleted; edit the "
    "text so that it no longer identifies them before submitting it again."
)


def _record(*, subject: User, actor: Any, kind: str, channel: str, erasure: ErasureRequest | None = None) -> None:
    DataRequestEvent.objects.create(subject=subject, actor=actor, kind=kind, channel=channel, erasure=erasure)


@transaction.atomic
def data_export(*, actor: Actor, subject: User, channel: str = Channel.WEB) -> dict[str, Any]:
    """Everything held about the person, as one document; the export itself is recorded in the audit first, so the
    document lists it too. Only the person may export their data (anyone else: not found)."""
    # The selector checks it too; checked here first so that a refusal leaves no audit row.
    require(can_export_data, actor, subject)
    _record(subject=subject, actor=actor, kind=RequestKind.EXPORT, channel=channel)
    return selectors.personal_data_of(viewer=actor, subject=subject)


@transaction.atomic
def erasure_request(*, actor: Actor, confirmed: bool, channel: str = Channel.WEB) -> ErasureRequest:
    """The signed-in person asks for their own data to be erased, having confirmed that they read what it does.

    Guarantees: nobody asks for someone else (there is no subject to name); one open request per person (asking
    again returns the open one); the due date is 90 days on (PDPA). A site admin carries it out; until then the
    person may cancel it.
    """
    if not getattr(actor, "is_authenticated", False) or actor.pk is None:
        raise NotFoundError()
    user = User.objects.select_for_update().get(pk=actor.pk)
    existing = selectors.erasure_open_for(user)
    if existing is not None:
        return existing
    if not confirmed:
        raise ErasureConfirmRequiredError()
    now = timezone.now()
    request = ErasureRequest.objects.create(
        user=user, requested_at=now, due_on=timezone.localdate(now) + dt.timedelta(days=ERASURE_DAYS)
    )
    _record(subject=user, actor=user, kind=RequestKind.ERASURE_REQUESTED, channel=channel, erasure=request)
    return request


@transaction.atomic
def erasure_cancel(*, actor: Actor, erasure: ErasureRequest, channel: str = Channel.WEB) -> ErasureRequest:
    """The person withdraws their request before it is carried out. Someone else's request is not found."""
    locked = ErasureRequest.objects.select_for_update().filter(pk=erasure.pk).first()
    if locked is None or not can_cancel_erasure.test(actor, locked):
        raise NotFoundError()
    if locked.status != ErasureStatus.REQUESTED:
        raise ErasureStateError(status=locked.get_status_display())
    locked.status = ErasureStatus.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancelled_at"])
    _record(subject=locked.user, actor=actor, kind=RequestKind.ERASURE_CANCELLED, channel=channel, erasure=locked)
    return locked


@transaction.atomic
def erasure_carry_out(*, actor: Actor, erasure: ErasureRequest) -> ErasureRequest:
    """A site admin carries out an erasure request, in one transaction: all of it, or (on any refusal or error)
    none of it.

    Refuses (and changes nothing) while the person is a site admin, the last admin of an active organisation, or
    has matters still open (deeds awaiting a decision, an open appeal, a voucher not yet used, a nomination under
    consideration). Guarantees: only personal columns of tables outside the ledger change, and the ledger's notes
    (messages) the person wrote are deleted; the ledger's journals and postings, the deeds' figures and every
    rollup stay exactly as they were; files (photos, certificates) are deleted once the transaction has committed.
    """
    if not can_carry_out_erasure.test(actor):
        raise NotFoundError()
    locked = ErasureRequest.objects.select_for_update().filter(pk=erasure.pk).first()
    if locked is None:
        raise NotFoundError()
    if locked.status != ErasureStatus.REQUESTED:
        raise ErasureStateError(status=locked.get_status_display())
    user = User.objects.select_for_update().get(pk=locked.user_id)
    blockers = selectors.erasure_blockers(user)
    if blockers:
        raise blockers[0]
    files = _anonymise(user, actor)
    now = timezone.now()
    locked.status = ErasureStatus.CARRIED_OUT
    locked.carried_out_at = now
    locked.carried_out_by = actor  # type: ignore[assignment]
    locked.save(update_fields=["status", "carried_out_at", "carried_out_by"])
    _record(subject=user, actor=actor, kind=RequestKind.ERASURE_CARRIED_OUT, channel=Channel.WEB, erasure=locked)
    transaction.on_commit(lambda: _delete_files(files), robust=True)
    return locked


# --- the steps of an erasure -------------------------------------------------------------------------------------

FileRef = tuple[Storage, str]


def _file(field: Any) -> list[FileRef]:
    return [(field.storage, field.name)] if field else []


def _delete_files(files: list[FileRef]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:  # already gone, or the disk refused: the row no longer names it either way
            log.warning("privacy: could not delete a file of an erased person")


def _pseudonym() -> str:
    while True:
        candidate = f"erased-{secrets.token_hex(6)}"
        if not User.objects.filter(username=candidate).exists():
            return candidate


def _anonymise(user: User, actor: Any) -> list[FileRef]:
    """Cut every personal column from ``user``'s records; return the files to delete after commit."""
    now = timezone.now()
    pseudonym = _pseudonym()
    # First, while the notices that are about to go (or lose the name) can still be found.
    _admin_log(user, pseudonym)
    files: list[FileRef] = []
    files += _recognition(user, actor, now)
    files += _deeds(user)
    files += _stories(user)
    _people(user, now)
    _orgs(user, now)
    _sign_in(user)
    from thamdee.inbox.models import Notification

    Notification.objects.filter(user=user).delete()
    _notices_about(user)
    _ledger_notes(user)
    _patterns(user)
    _profile(user, pseudonym)
    return files


def _admin_objects(user: User) -> list[tuple[type[Any], Any]]:
    """The objects whose name in the admin (``str()``) names the person: their account and their own rows in the
    models the admin edits or shows (consents, memberships, agency posts, credentials, badges, levels,
    nominations, honours), the notices in their inbox or about them, and the family links that name them on
    either side. (Deeds are not in the admin.)"""
    from thamdee.inbox.models import Notification
    from thamdee.orgs.models import AgencyStaff, Membership
    from thamdee.people.models import FamilyLink
    from thamdee.recognition.models import BadgeAward, Credential, Honour, LevelAward, Nomination

    return [
        (User, User.objects.filter(pk=user.pk)),
        (Consent, Consent.objects.filter(user=user)),
        (Membership, Membership.objects.filter(user=user)),
        (AgencyStaff, AgencyStaff.objects.filter(user=user)),
        (Credential, Credential.objects.filter(member=user)),
        (BadgeAward, BadgeAward.objects.filter(member=user)),
        (LevelAward, LevelAward.objects.filter(member=user)),
        (Nomination, Nomination.objects.filter(nominee=user)),
        (Honour, Honour.objects.filter(member=user)),
        (Notification, Notification.objects.filter(Q(user=user) | Q(about=user))),
        (FamilyLink, FamilyLink.objects.filter(Q(user=user) | Q(relative=user))),
    ]


def _admin_log(user: User, pseudonym: str) -> None:
    """Django's admin log (``django_admin_log``) keeps, for each change made in the admin, the object's name as it
    was then (``object_repr``: the person's full name, for their account) and a description of the change; the
    object's history page shows both. For the person's account and their own objects, the name becomes the
    pseudonym their account gets and the description is cleared; who acted, when, on which object, and whether it
    was added, changed or deleted, stay. An object of those kinds already deleted is found by the name (full name
    or user name, 3 characters or more) its deletion was logged under: such an entry of another person with the
    very same name loses the name too, a small price against a name kept after its erasure."""
    from django.contrib.admin.models import DELETION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    match = Q(pk__in=[])
    kinds = []
    for model, rows in _admin_objects(user):
        kind = ContentType.objects.get_for_model(model)
        kinds.append(kind.pk)
        ids = [str(pk) for pk in rows.values_list("pk", flat=True)]
        if ids:
            match |= Q(content_type=kind, object_id__in=ids)
    # Objects of those kinds deleted before (a membership, a consent, a family link removed in the admin) are no
    # longer there to be found by id: their deletion entries are found by the name they were logged under.
    for name in {user.full_name.strip(), str(user.username or "").strip()}:
        if len(name) >= 3:
            match |= Q(action_flag=DELETION, content_type_id__in=kinds, object_repr__contains=name)
    LogEntry.objects.filter(match).update(object_repr=pseudonym, change_message="")


ERASED_NOTE = "[ลบบันทึกตามคำขอลบข้อมูลของผู้เกี่ยวข้อง / note erased at the request of a person it concerned]"


def _patterns(user: User) -> None:
    """Patterns put before reviewers about ``user``'s deeds (or deeds they recorded or decided on): the reviewer's
    free-text note, which may name them, is replaced; the pattern's kind, figures and outcome stay (they name no
    one once the person's name is cleared), so the review's record holds, and an open one can still be reviewed:
    the deeds stay, without the name."""
    from thamdee.anomalies.models import Anomaly, AnomalyStatus

    about = Anomaly.objects.filter(Q(person=user) | Q(other=user) | Q(involved=user)).distinct()
    Anomaly.objects.filter(pk__in=about.exclude(status=AnomalyStatus.OPEN).values("pk")).update(review_note=ERASED_NOTE)


def _ledger_notes(user: User) -> None:
    """The messages the person wrote when giving or donating credits go: the recipients' passbooks then show the
    movement (who, when, how much) with no message. The journals themselves are untouched (append-only); the
    notes were kept beside them for this (``ledger.JournalNote``)."""
    from thamdee.ledger.models import JournalNote

    JournalNote.objects.filter(author=user).delete()


ERASED_NAME = ("สมาชิกที่ลบข้อมูลแล้ว", "a member whose data was erased")


def _notices_about(user: User) -> None:
    """In other people's inboxes, the notices that name ``user`` (a gift, a family request) lose the name, and a
    gift's notice the message they wrote. Read before the name is cleared. (Notices sent before notices recorded
    whom they named are not found: docs/privacy.md.)"""
    from thamdee.inbox.models import Notification

    name = user.full_name
    th, en = ERASED_NAME

    def unnamed(text: str, neutral: str) -> str:
        return text.replace(name, neutral) if name else text

    notices = list(Notification.objects.filter(about=user))
    for notice in notices:
        notice.title_th, notice.title_en = unnamed(notice.title_th, th), unnamed(notice.title_en, en)
        if notice.kind == "gift_received":
            notice.body_th = notice.body_en = ""  # the giver's own words
        else:
            notice.body_th, notice.body_en = unnamed(notice.body_th, th), unnamed(notice.body_en, en)
        notice.about = None
    Notification.objects.bulk_update(notices, ["title_th", "title_en", "body_th", "body_en", "about"])


def _recognition(user: User, actor: Any, now: dt.datetime) -> list[FileRef]:
    """Honours leave public display (consent withdrawn, photo deleted); credentials are revoked in their issuer's
    signed status list and lose the name and the signed copy that named the person; certificates are deleted;
    nomination papers about the person are cleared."""
    from thamdee.recognition import services as recognition
    from thamdee.recognition.models import (
        CertificateStatus,
        ConsentState,
        Credential,
        Honour,
        HonourConsentEvent,
        Nomination,
        Score,
    )

    files: list[FileRef] = []
    for honour in Honour.objects.select_for_update().filter(member=user):
        files += _file(honour.photo)
        action = None
        if honour.consent == ConsentState.CONSENTED:
            honour.consent, honour.withdrawn_at = ConsentState.WITHDRAWN, now
            action = HonourConsentEvent.Action.WITHDRAW
        elif honour.consent == ConsentState.PENDING:
            honour.consent, honour.declined_at = ConsentState.DECLINED, now
            action = HonourConsentEvent.Action.DECLINE
        honour.show_name = honour.show_photo = honour.show_story = False
        honour.photo = ""  # type: ignore[assignment]
        honour.save()
        if action is not None:
            HonourConsentEvent.objects.create(honour=honour, action=action, actor=actor)
    # The guardian's name typed on the person's own honours, and the name they typed as someone else's guardian.
    HonourConsentEvent.objects.filter(Q(honour__member=user) | Q(actor=user)).exclude(guardian_name="").update(
        guardian_name=""
    )
    for credential in Credential.objects.filter(member=user, revoked_at__isnull=True).select_related("issuer"):
        recognition.credential_revoke(actor=actor, credential=credential, reason=REVOKED_REASON)
    for credential in Credential.objects.filter(member=user).exclude(certificate=""):
        files += _file(credential.certificate)
    Credential.objects.filter(member=user).update(
        recipient_name="",
        token="",
        certificate="",
        certificate_status=CertificateStatus.NONE,
        certificate_requested_at=None,
        certificate_ready_at=None,
    )
    nominations = Nomination.objects.filter(nominee=user)
    nominations.update(reasons="", evidence="", public_story="")
    Score.objects.filter(nomination__in=nominations).exclude(comment="").update(comment="")
    return files


def _deeds(user: User) -> list[FileRef]:
    """Deeds stay (with their type, date, hours, status, credits and decisions: the public record and the figures);
    what the person wrote and the photos they or others took of it go."""
    from thamdee.deeds.models import Appeal, Deed, DeedEvidence

    files: list[FileRef] = []
    evidence = DeedEvidence.objects.filter(deed__member=user)
    for item in evidence:
        files += _file(item.image) + _file(item.thumbnail)
    evidence.delete()
    Deed.objects.filter(member=user).exclude(description="").update(description="")
    Appeal.objects.filter(member=user).exclude(reason="").update(reason="")
    return files


def _stories(user: User) -> list[FileRef]:
    """A story that shows the person (an organisation's, not the person's own) loses them from the people shown
    and all its photos (who is in which photo is not recorded); its text is the organisation's to edit, so a
    story published or in review goes back to its writers, returned with a note that names no one. Stories the
    person wrote stay: they are the organisation's record."""
    from thamdee.reports.models import Story, StoryPhoto, StoryStatus

    stories = list(Story.objects.select_for_update(of=("self",)).filter(people_shown=user))
    if not stories:
        return []
    files: list[FileRef] = []
    photos = StoryPhoto.objects.filter(story__in=stories)
    for photo in photos:
        files += _file(photo.image) + _file(photo.thumbnail)
    photos.delete()
    Story.people_shown.through.objects.filter(story__in=stories, user=user).delete()
    # Published or in review: back to its writers. Already returned: the note tells them why again. A draft is
    # with its writers already, and carries no review note.
    Story.objects.filter(
        pk__in=[s.pk for s in stories],
        status__in=[StoryStatus.APPROVED, StoryStatus.SUBMITTED, StoryStatus.RETURNED],
    ).update(status=StoryStatus.RETURNED, review_note=STORY_RETURNED_NOTE, approved_at=None)
    return files


def _people(user: User, now: dt.datetime) -> None:
    """Consents are withdrawn (the rows stay: they show what was agreed, and when), and lose the guardian's name,
    as do the consents the person recorded for someone else as their guardian (the consent itself stays in force,
    recorded by an account that no longer names anyone); family links end."""
    Consent.objects.filter(user=user, withdrawn_at__isnull=True).update(withdrawn_at=now)
    Consent.objects.filter(Q(user=user) | Q(recorded_by=user)).exclude(guardian_name="").update(guardian_name="")
    FamilyLink.objects.filter(Q(user=user) | Q(relative=user)).delete()


def _orgs(user: User, now: dt.datetime) -> None:
    """Memberships and invitations end, and agency posts close (the rows stay, as every membership does)."""
    from thamdee.orgs.models import AgencyStaff, Membership
    from thamdee.orgs.roles import roles_forget

    Membership.objects.filter(Q(ended_at__isnull=True) | Q(is_active=True), user=user).update(
        is_active=False, ended_at=Coalesce("ended_at", Value(now))
    )
    AgencyStaff.objects.filter(user=user, is_active=True).update(is_active=False)
    roles_forget(user)


def _sign_in(user: User) -> None:
    """No way back in: API tokens go, and the sign-in records (user name, address, browser) with them. Sessions end
    because the account is made inactive with an unusable password (``_profile``): Django checks both on every
    request and signs the session out."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=user).delete()
    # Under the user name, or the mobile number in any form the sign-in reads, as typed (failed tries included).
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(pk__in=[r.pk for r in selectors.sign_in_records(model, user)]).delete()


def _profile(user: User, pseudonym: str) -> None:
    user.username = pseudonym
    user.public_id = uuid.uuid4()
    user.prefix = ""
    user.first_name = ""
    user.last_name = ""
    user.email = ""
    user.mobile = None
    user.birth_year = None
    # The home area (a village or subdistrict) stays: the rollups attribute credits spent to it, and a rebuild reads
    # it from here, so clearing it would change the aggregates. Without a name, number or birth year it points at
    # no one (docs/privacy.md).
    user.national_id_hmac = None
    user.last_login = None
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "username",
            "public_id",
            "prefix",
            "first_name",
            "last_name",
            "email",
            "mobile",
            "birth_year",
            "national_id_hmac",
            "last_login",
            "is_active",
            "is_staff",
            "password",
        ]
    )
