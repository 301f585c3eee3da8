"""Writes for recognition: badges and levels as deeds are verified, credentials and their revocation, certificates,
and the exemplar rounds (nomination, panel scoring, selection, the nominee's consent).

Credentials are issued in the same transaction as what they record (a badge, a level, an honour, an assessment's
result), signed with the issuing body's key: badges by the organisation through whose deeds they were earned, levels
by the agency that runs the programme, honours by the agency that ran the round, results by the agency the
confirmation was made for.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from thamdee.areas.models import Area, AreaLevel
from thamdee.assessments.models import Assessment, AssessmentStatus, Indicator
from thamdee.assessments.models import Level as ResultLevel
from thamdee.assessments.services import assessment_result_revoked
from thamdee.common import thaitime
from thamdee.common.errors import NotFoundError, ValidationError
from thamdee.creditrules.engine import Level
from thamdee.creditrules.models import RulebookVersion
from thamdee.creditrules.selectors import levels_of_programme
from thamdee.deeds.models import Deed, DeedStatus, DeedType, Dimension, Virtue
from thamdee.inbox.models import Notification
from thamdee.inbox.services import notify, notify_many
from thamdee.ledger.models import Account, AccountKind, Programme
from thamdee.orgs.models import Membership, Organisation, OrgKind
from thamdee.people.models import User
from thamdee.people.services import users_lock
from thamdee.people.types import Actor
from thamdee.recognition import badges as rules_of_badges
from thamdee.recognition import credentials as vc
from thamdee.recognition import errors, keys, results
from thamdee.recognition.models import (
    BadgeAward,
    BadgeDefinition,
    CertificateStatus,
    ConsentState,
    Credential,
    CredentialKind,
    ExemplarCategory,
    ExemplarCriterion,
    ExemplarRound,
    Honour,
    HonourConsentEvent,
    HonourLevel,
    Issuer,
    IssuerKey,
    LevelAward,
    Nomination,
    NominationStatus,
    OrganisationBadgeSetting,
    PanelMember,
    RoundStatus,
    Score,
    StatusList,
)
from thamdee.recognition.permissions import (
    can_create_round,
    can_manage_round,
    can_nominate_for,
    can_revoke_credential,
    can_set_badges,
    has_conflict,
    is_panel_member,
)

log = logging.getLogger(__name__)

MIN_PANEL = 3


# --- issuers, keys and status lists ----------------------------------------------------------------------------


def _issuers_for(org_ids: Iterable[int]) -> dict[int, Issuer]:
    """The issuer of each organisation, created (with a did:web identity) on first use."""
    wanted = set(org_ids)
    found = {i.organisation_id: i for i in Issuer.objects.filter(organisation_id__in=wanted)}
    for org_id in wanted - set(found):
        public_id = uuid.uuid4()
        issuer, _ = Issuer.objects.get_or_create(
            organisation_id=org_id, defaults={"public_id": public_id, "did": vc.did_for(public_id)}
        )
        found[org_id] = issuer
    return found


def _new_key(issuer: Issuer) -> IssuerKey:
    fresh = keys.generate()
    number = IssuerKey.objects.filter(issuer=issuer).count() + 1
    return IssuerKey.objects.create(
        issuer=issuer, kid=f"key-{number}", file_id=fresh.file_id, public_key_pem=fresh.public_key_pem
    )


def _active_keys(issuers: Iterable[Issuer]) -> dict[int, IssuerKey]:
    """The signing key of each issuer: generated on first use; a key whose private file is gone is retired (it
    stays published, so what it signed still verifies) and replaced."""
    by_id = {i.pk: i for i in issuers}
    active = {
        k.issuer_id: k
        for k in IssuerKey.objects.filter(issuer_id__in=by_id, retired_at__isnull=True).select_related("issuer")
    }
    for issuer_id, issuer in by_id.items():
        key = active.get(issuer_id)
        if key is not None and keys.has_private_key(key.file_id):
            continue
        Issuer.objects.select_for_update().filter(pk=issuer_id).first()  # one key made at a time per issuer
        key = IssuerKey.objects.filter(issuer_id=issuer_id, retired_at__isnull=True).select_related("issuer").first()
        if key is not None and keys.has_private_key(key.file_id):
            active[issuer_id] = key
            continue
        if key is not None:
            log.warning("issuer %s: private key %s is missing; retiring it and making a new one", issuer.did, key.kid)
            key.retired_at = timezone.now()
            key.save(update_fields=["retired_at"])
        created = _new_key(issuer)
        created.issuer = issuer
        active[issuer_id] = created
        if key is not None:
            status = StatusList.objects.filter(issuer_id=issuer_id, purpose=vc.STATUS_PURPOSE).first()
            if status is not None:
                _publish(status, created)
    return active


def _publish(status: StatusList, key: IssuerKey) -> None:
    """Re-sign the issuer's status list from the revocations recorded in the database."""
    revoked = list(
        Credential.objects.filter(status_list=status, revoked_at__isnull=False).values_list("status_index", flat=True)
    )
    status.token = vc.sign_status_list(key.issuer.did, status.url, revoked, status.size_bits, key)
    status.save(update_fields=["token", "updated_at"])


def _status_lists(issuers: Iterable[Issuer], active: dict[int, IssuerKey]) -> dict[int, StatusList]:
    """Each issuer's revocation list, locked for allocating indices (created, signed and empty, on first use)."""
    by_id = {i.pk: i for i in issuers}
    for issuer_id in set(by_id) - set(
        StatusList.objects.filter(issuer_id__in=by_id, purpose=vc.STATUS_PURPOSE).values_list("issuer_id", flat=True)
    ):
        issuer = by_id[issuer_id]
        url = vc.status_list_url(issuer)
        try:
            with transaction.atomic():
                created = StatusList.objects.create(issuer=issuer, purpose=vc.STATUS_PURPOSE, url=url)
                _publish(created, active[issuer_id])
        except IntegrityError:
            pass  # another transaction made it first
    return {
        s.issuer_id: s
        for s in StatusList.objects.select_for_update()
        .filter(issuer_id__in=by_id, purpose=vc.STATUS_PURPOSE)
        .order_by("pk")
    }


@transaction.atomic
def issuer_key_rotate(*, actor: Actor, organisation: Organisation) -> IssuerKey:
    """Retire an issuer's signing key and make a new one (a site admin). The old public key stays published, so
    every credential it signed still verifies; the status list is re-signed with the new key."""
    if not getattr(actor, "is_superuser", False):
        raise NotFoundError()
    issuer = _issuers_for([organisation.pk])[organisation.pk]
    Issuer.objects.select_for_update().filter(pk=issuer.pk).first()
    IssuerKey.objects.filter(issuer=issuer, retired_at__isnull=True).update(retired_at=timezone.now())
    key = _new_key(issuer)
    key.issuer = issuer
    status = StatusList.objects.select_for_update().filter(issuer=issuer, purpose=vc.STATUS_PURPOSE).first()
    if status is not None:
        _publish(status, key)
    return key


@transaction.atomic
def issuer_key_compromised(*, actor: Actor, issuer: Issuer, note: str, kid: str = "") -> tuple[IssuerKey, int]:
    """A site admin declares one of an issuer's keys compromised (its private half may be in other hands; the
    signing key unless ``kid`` names another). The key is published no more (the DID document and the JWK Set
    leave it out), so no verifier, this site's or anyone's, accepts a token it signed; the signing key is retired
    and a new one made. Every credential this site recorded as signed with it (the database's record, which a
    stolen key cannot make) is signed again with the issuer's current key, with the same claims (its id, dates,
    recipient and status bit), so what was truly issued keeps verifying, and its holder downloads the new copy;
    the status list is re-signed. Returns the issuer's signing key and how many credentials were signed again.
    Calling it again for the same key re-signs whatever is still signed with it (none) and changes nothing else."""
    if not getattr(actor, "is_superuser", False):
        raise NotFoundError()
    note = (note or "").strip()
    if not note or len(note) > 300:
        raise errors.CompromiseNoteRequiredError()
    Issuer.objects.select_for_update().filter(pk=issuer.pk).first()
    keys_of = IssuerKey.objects.select_for_update().filter(issuer=issuer)
    key = keys_of.filter(kid=kid).first() if kid else keys_of.filter(retired_at__isnull=True).first()
    if key is None:
        raise NotFoundError()
    now = timezone.now()
    if key.compromised_at is None:
        key.retired_at = key.retired_at or now
        key.compromised_at = now
        key.compromise_note = note
        key.save(update_fields=["retired_at", "compromised_at", "compromise_note"])
        log.warning("issuer %s: key %s declared compromised by %s: %s", issuer.did, key.kid, actor, note)
    current = _active_keys([issuer])[issuer.pk]
    signer = vc.signer_for(current)
    resigned: list[Credential] = []
    for item in Credential.objects.select_for_update().filter(issuer=issuer).only("pk", "token").iterator(2000):
        parsed = vc.unverified(item.token)
        if parsed is None or parsed[0].get("kid") != key.key_id:
            continue
        item.token = signer.sign_payload(parsed[1])
        resigned.append(item)
    Credential.objects.bulk_update(resigned, ["token"], batch_size=500)
    status = StatusList.objects.select_for_update().filter(issuer=issuer, purpose=vc.STATUS_PURPOSE).first()
    if status is not None:
        _publish(status, current)
    return current, len(resigned)


# --- issuing credentials --------------------------------------------------------------------------------------


@dataclass(kw_only=True)
class IssueRequest:
    """One credential to issue: to a member (a badge, a level, an honour) or for an assessment's result (its
    subject is the organisation or the province assessed, never a person). Exactly one of the two."""

    kind: str
    member: User | None = None
    assessment: Assessment | None = None
    organisation_id: int  # the issuing body
    organisation_name: str
    achievement: vc.AchievementSpec
    issued_at: dt.datetime
    valid_until: dt.datetime | None = None

    @property
    def recipient(self) -> tuple[str, str]:
        """The subject's id (a URI) and name, as the credential states them."""
        if self.member is not None:
            return f"urn:uuid:{self.member.public_id}", self.member.full_name
        assert self.assessment is not None, "a credential is about a member or a result"
        return results.result_subject(self.assessment)


# An issuer's revocation list starts at 131,072 entries (16 KB, the least the Bitstring Status List allows) and doubles
# when it is full, up to this: 2**27 entries (16 MB before compression; a list that is nearly all zeros packs to
# a few kilobytes), enough for an agency whose national programme gives a level to every member.
MAX_STATUS_BITS = 2**27


def _issue(requests: Sequence[IssueRequest]) -> list[Credential]:
    """Sign and store credentials, in the order asked, with a fixed number of queries whatever their number."""
    if not requests:
        return []
    issuers = _issuers_for({r.organisation_id for r in requests})
    active = _active_keys(issuers.values())
    lists = _status_lists(issuers.values(), active)
    signers = {issuer_id: vc.signer_for(key) for issuer_id, key in active.items()}
    out: list[Credential] = []
    grown: set[int] = set()
    for request in requests:
        issuer = issuers[request.organisation_id]
        status = lists[issuer.pk]
        if status.next_index >= status.size_bits:
            if status.size_bits * 2 > MAX_STATUS_BITS:
                raise errors.KeyUnavailableError(_("รายการสถานะของผู้ออกเต็มแล้ว โปรดแจ้งผู้ดูแลระบบ"))
            # A full list doubles: every index already given out keeps its place and its bit.
            status.size_bits *= 2
            grown.add(issuer.pk)
        index = status.next_index
        status.next_index += 1
        public_id = uuid.uuid4()
        recipient_id, recipient_name = request.recipient
        payload = vc.build_payload(
            credential_id=public_id,
            issuer_did=issuer.did,
            issuer_name=request.organisation_name,
            issuer_page=vc.issuer_url(issuer),
            recipient_id=recipient_id,
            recipient_name=recipient_name,
            achievement=request.achievement,
            issued_at=request.issued_at,
            valid_until=request.valid_until,
            status_url=status.url,
            status_index=index,
        )
        out.append(
            Credential(
                public_id=public_id,
                kind=request.kind,
                member=request.member,
                assessment=request.assessment,
                issuer=issuer,
                status_list=status,
                status_index=index,
                achievement_id=request.achievement.url,
                name_th=request.achievement.credential_name_th[:300],
                name_en=request.achievement.credential_name_en[:300],
                recipient_name=recipient_name[:300],
                token=signers[issuer.pk].sign_payload(payload),
                issued_at=request.issued_at,
                valid_until=request.valid_until,
            )
        )
    StatusList.objects.bulk_update(list(lists.values()), ["next_index", "size_bits"])
    Credential.objects.bulk_create(out, batch_size=500)
    for issuer_id in sorted(grown):  # re-signed at its new length, with the same revocations
        _publish(lists[issuer_id], active[issuer_id])
    return out


@transaction.atomic
def credential_revoke(*, actor: User, credential: Credential, reason: str) -> Credential:
    """The issuing body revokes a credential with a reason: its bit in the issuer's status list is set and the
    list is re-signed, so every verifier sees it revoked. Never automatic: a reversed deed does not revoke the
    badges it helped earn (no punishment by machine)."""
    credential = (
        Credential.objects.select_for_update(of=("self",)).select_related("issuer__organisation").get(pk=credential.pk)
    )
    if not can_revoke_credential.test(actor, credential):
        raise NotFoundError()
    if not reason.strip():
        raise ValidationError(_("โปรดระบุเหตุผลที่เพิกถอน"))
    if credential.revoked_at is not None:
        raise errors.CredentialRevokedError()
    credential.revoked_at = timezone.now()
    credential.revoked_reason = reason.strip()[:300]
    credential.revoked_by = actor  # type: ignore[assignment]
    # No certificate for a revoked credential: one already made is no longer served, and its file goes once the
    # revocation has committed (a rollback keeps it).
    if credential.certificate:
        name, storage = credential.certificate.name, credential.certificate.storage
        transaction.on_commit(lambda: storage.delete(name))
    credential.certificate = None  # type: ignore[assignment]
    credential.certificate_status = CertificateStatus.NONE
    credential.certificate_requested_at = None
    credential.save(
        update_fields=[
            "revoked_at",
            "revoked_reason",
            "revoked_by",
            "certificate",
            "certificate_status",
            "certificate_requested_at",
        ]
    )
    issuer = credential.issuer
    active = _active_keys([issuer])
    status = StatusList.objects.select_for_update().get(pk=credential.status_list_id)
    _publish(status, active[issuer.pk])
    if credential.assessment is not None:  # a result's: its history records it, and its people are told
        assessment_result_revoked(assessment=credential.assessment, actor=actor, reason=credential.revoked_reason)
        return credential
    notify(
        user=credential.member,
        kind="credential_revoked",
        title=_('ใบรับรอง "{name}" ถูกเพิกถอน'),
        body=_("เหตุผล: {reason}"),
        url=f"/recognition/credentials/{credential.public_id}/",
        name=credential.name_th,
        reason=credential.revoked_reason,
    )
    return credential


# --- certificates ---------------------------------------------------------------------------------------------


def _enqueue_certificate(public_id: str) -> None:
    from thamdee.recognition.tasks import certificate_render_task

    try:
        certificate_render_task.enqueue(public_id)
    except Exception:  # the member can ask again; a certificate is never worth failing the request
        log.exception("credential %s: could not enqueue its certificate", public_id)


def _request_certificate(credential: Credential) -> None:
    credential.certificate_status = CertificateStatus.PENDING
    credential.certificate_requested_at = timezone.now()
    credential.save(update_fields=["certificate_status", "certificate_requested_at"])
    transaction.on_commit(partial(_enqueue_certificate, str(credential.public_id)), robust=True)


@transaction.atomic
def certificate_request(*, actor: Actor, credential: Credential) -> Credential:
    """The holder asks for the Thai PDF certificate of a credential; a background task renders it. Asking again
    while it is being made, or once it is ready, changes nothing (a stalled request is retried after 10 minutes)."""
    credential = Credential.objects.select_for_update().get(pk=credential.pk)
    if credential.member_id is None or getattr(actor, "pk", None) != credential.member_id:
        raise NotFoundError()  # a result's certificate is the assessment's own (assessments.certificates)
    if credential.revoked_at is not None:
        raise errors.CredentialRevokedError()
    if credential.certificate_status == CertificateStatus.READY and credential.certificate:
        return credential
    stalled = credential.certificate_requested_at is None or (
        timezone.now() - credential.certificate_requested_at > dt.timedelta(minutes=10)
    )
    if credential.certificate_status == CertificateStatus.PENDING and not stalled:
        return credential
    _request_certificate(credential)
    return credential


def certificate_context(credential: Credential) -> dict[str, Any]:
    import segno

    url = vc.verify_url(credential.public_id)
    detail = ""
    if hasattr(credential, "level_award"):
        award = credential.level_award
        detail = f"เครดิตสะสมจากความดี {award.credits_when_reached:,} เครดิต (เกณฑ์ {award.min_credits:,} เครดิต)"
    elif hasattr(credential, "badge_award"):
        detail = credential.badge_award.definition.criteria_th
    elif hasattr(credential, "honour"):
        honour = credential.honour
        detail = honour.area.display_name("th") if honour.area is not None else "ประเทศไทย"
    return {
        "c": credential,
        "issuer_name": credential.issuer.organisation.name_th,
        "detail": detail,
        "verify_url": url,
        "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=1),
    }


def certificate_render(*, public_id: str) -> bool:
    """Render and store a credential's Thai PDF certificate (the task's body). Idempotent: a certificate that is
    ready is not made again. Returns whether one was made.

    A task queued before the credential was revoked, or before its holder's data was erased, makes nothing: no
    certificate for a revoked credential, no file and no notice about an erased person; the request is dropped."""
    from thamdee.common.pdf import render_pdf

    with transaction.atomic():
        credential = (
            Credential.objects.select_for_update(of=("self",))
            .select_related("issuer__organisation", "member")
            .filter(public_id=public_id)
            .first()
        )
        if credential is None or (credential.certificate_status == CertificateStatus.READY and credential.certificate):
            return False
        if credential.revoked_at is not None or credential.member is None or not credential.member.is_active:
            if credential.certificate_status == CertificateStatus.PENDING:
                credential.certificate_status = CertificateStatus.NONE
                credential.certificate_requested_at = None
                credential.save(update_fields=["certificate_status", "certificate_requested_at"])
            return False
        with translation.override("th"):
            pdf = render_pdf("recognition/certificate_pdf.html", certificate_context(credential))
        if credential.certificate:
            credential.certificate.delete(save=False)
        credential.certificate.save(f"{credential.public_id}.pdf", ContentFile(pdf), save=False)
        credential.certificate_status = CertificateStatus.READY
        credential.certificate_ready_at = timezone.now()
        credential.save(update_fields=["certificate", "certificate_status", "certificate_ready_at"])
        notify(
            user=credential.member,
            kind="certificate_ready",
            title=_('เกียรติบัตร "{name}" พร้อมดาวน์โหลดแล้ว'),
            url=f"/recognition/credentials/{credential.public_id}/",
            name=credential.name_th,
        )
    return True


def certificate_failed(*, public_id: str) -> None:
    Credential.objects.filter(public_id=public_id, certificate_status=CertificateStatus.PENDING).update(
        certificate_status=CertificateStatus.FAILED
    )


# --- badges and levels ---------------------------------------------------------------------------------------------


def badge_definitions_ensure() -> int:
    """Create the default milestones that are missing (idempotent; one per virtue and dimension in use)."""
    virtues = [(v.code, v.name_th, v.name_en) for v in Virtue.objects.filter(is_active=True)]
    dimensions = [(d.code, d.name_th, d.name_en) for d in Dimension.objects.all()]
    existing = set(BadgeDefinition.objects.values_list("code", flat=True))
    new = [
        BadgeDefinition(
            code=b.code,
            kind=b.kind,
            threshold=b.threshold,
            subject=b.subject,
            name_th=b.name_th,
            name_en=b.name_en,
            criteria_th=b.criteria_th,
            criteria_en=b.criteria_en,
            ordering=b.ordering,
        )
        for b in rules_of_badges.default_badges(virtues, dimensions)
        if b.code not in existing
    ]
    BadgeDefinition.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _definitions() -> list[BadgeDefinition]:
    found = list(BadgeDefinition.objects.filter(is_active=True))
    if not found and not BadgeDefinition.objects.exists():
        badge_definitions_ensure()
        found = list(BadgeDefinition.objects.filter(is_active=True))
    return found


def badges_disabled_org_ids() -> set[int]:
    return set(OrganisationBadgeSetting.objects.filter(badges_enabled=False).values_list("organisation_id", flat=True))


def member_records(member_ids: Iterable[int], disabled: set[int]) -> dict[int, rules_of_badges.MemberRecord]:
    """Each member's verified deeds, summed, in four queries (deeds of organisations with badges off excluded)."""
    ids = set(member_ids)
    records = {m: rules_of_badges.MemberRecord() for m in ids}
    if not ids:
        return records
    base = Deed.objects.filter(member_id__in=ids, status=DeedStatus.VERIFIED)
    if disabled:
        base = base.exclude(organisation_id__in=disabled)
    for row in base.order_by().values("member_id").annotate(n=Count("id"), h=Sum("hours")):
        record = records[row["member_id"]]
        record.deeds = row["n"]
        record.hours = row["h"] or Decimal(0)
    for member_id, code, n in (
        base.filter(deed_type__virtues__isnull=False)
        .order_by()
        .values_list("member_id", "deed_type__virtues__code")
        .annotate(n=Count("id"))
    ):
        records[member_id].by_virtue[code] = n
    for member_id, code, n in (
        base.filter(deed_type__dimensions__isnull=False)
        .order_by()
        .values_list("member_id", "deed_type__dimensions__code")
        .annotate(n=Count("id"))
    ):
        records[member_id].by_dimension[code] = n
    for member_id, month in base.annotate(m=TruncMonth("done_on")).order_by().values_list("member_id", "m").distinct():
        if month is not None:
            records[member_id].months.add((month.year, month.month))
    return records


@dataclass
class Trigger:
    """For one member: which organisation's deed brought them here, and when (the award's time)."""

    organisation_id: int
    at: dt.datetime
    programme_ids: set[int]


def _badge_rule(definition: BadgeDefinition) -> rules_of_badges.Rule:
    return rules_of_badges.Rule(definition.code, definition.kind, definition.threshold, definition.subject)


def _badge_spec(definition: BadgeDefinition) -> vc.AchievementSpec:
    return vc.AchievementSpec(
        kind="badge",
        code=definition.code,
        name_th=definition.name_th,
        name_en=definition.name_en,
        description_th=f"เหรียญความดีของระบบทำดี: {definition.name_th}",
        criteria_th=definition.criteria_th,
        achievement_type="Badge",
        tags=("thamdee", definition.kind),
    )


def _level_spec(programme: Programme, level: Level) -> vc.AchievementSpec:
    return vc.AchievementSpec(
        kind="level",
        code=f"{programme.code}.{level.code}",
        name_th=f"ระดับ{level.name_th}",
        name_en=f"Level: {level.name_en or level.name_th}",
        description_th=f"ระดับของสมาชิกใน{programme.name_th} วัดจากเครดิตสะสมจากความดีที่ได้รับการรับรอง",
        criteria_th=(
            f"มีเครดิตสะสมจากความดีที่ได้รับการรับรองตั้งแต่ {level.min_credits:,} เครดิตขึ้นไป "
            f"ตามกติกาของ{programme.name_th} (การใช้เครดิตไม่ลดระดับ)"
        ),
        achievement_type="Achievement",
        tags=("thamdee", "level"),
    )


def _recognise(triggers: dict[int, Trigger], users: dict[int, User], disabled: set[int]) -> list[Credential]:
    """Award the badges and levels these members have reached and do not hold yet, with their credentials and
    inbox messages. A fixed number of queries whatever the number of members (plus one-off issuer set-up)."""
    if not triggers:
        return []
    member_ids = set(triggers)
    earned = _lock_members(member_ids)
    records = member_records(member_ids, disabled)
    definitions = _definitions()
    held = set(BadgeAward.objects.filter(member_id__in=member_ids).values_list("member_id", "definition_id"))
    org_names = dict(
        Organisation.objects.filter(pk__in={t.organisation_id for t in triggers.values()}).values_list("pk", "name_th")
    )
    badge_awards: list[BadgeAward] = []
    requests: list[IssueRequest] = []
    for member_id, trigger in triggers.items():
        if trigger.organisation_id in disabled:
            continue
        record = records[member_id]
        for definition in definitions:
            if (member_id, definition.pk) in held or not rules_of_badges.reached(_badge_rule(definition), record):
                continue
            badge_awards.append(
                BadgeAward(
                    member_id=member_id,
                    definition=definition,
                    organisation_id=trigger.organisation_id,
                    awarded_at=trigger.at,
                )
            )
            requests.append(
                IssueRequest(
                    kind=CredentialKind.BADGE,
                    member=users[member_id],
                    organisation_id=trigger.organisation_id,
                    organisation_name=org_names.get(trigger.organisation_id, ""),
                    achievement=_badge_spec(definition),
                    issued_at=trigger.at,
                )
            )
    level_awards = _levels_reached(triggers, users, requests, earned)
    credentials = _issue(requests)
    awards: list[BadgeAward | LevelAward] = [*badge_awards, *level_awards]
    for award, credential in zip(awards, credentials, strict=True):
        award.credential = credential
    BadgeAward.objects.bulk_create(badge_awards, batch_size=500)
    LevelAward.objects.bulk_create(level_awards, batch_size=500)
    Notification.objects.bulk_create(
        [_notification(a) for a in awards],
        batch_size=500,
    )
    return credentials


_LEVELS_BY_VERSION: dict[tuple[int, dt.datetime | None], tuple[Level, ...]] = {}


def _levels_in_force(programme_ids: set[int]) -> dict[int, tuple[Level, ...]]:
    """Each programme's levels from its rulebook version in force today, in one light query: a published version
    never changes, so its parsed levels are kept per process by version and publication time (the same answer as
    ``creditrules.selectors.levels_of_programme``, without reloading the rules on every verification)."""
    if not programme_ids:
        return {}
    in_force: dict[int, tuple[int, dt.datetime | None]] = {}
    for version_id, programme_id, published_at in (
        RulebookVersion.objects.filter(
            rulebook__programme_id__in=programme_ids,
            rulebook__organisation__isnull=True,
            published_at__isnull=False,
            effective_from__lte=timezone.localdate(),
        )
        .order_by("rulebook__programme_id", "-effective_from")
        .values_list("pk", "rulebook__programme_id", "published_at")
    ):
        in_force.setdefault(programme_id, (version_id, published_at))
    out: dict[int, tuple[Level, ...]] = {}
    for programme_id in programme_ids:
        version = in_force.get(programme_id)
        if version is None:
            out[programme_id] = ()
            continue
        if version not in _LEVELS_BY_VERSION:
            _LEVELS_BY_VERSION[version] = levels_of_programme(programme_id)
        out[programme_id] = _LEVELS_BY_VERSION[version]
    return out


def _lock_members(member_ids: set[int]) -> dict[int, int]:
    """Hold the members, then their wallets, until the transaction ends, before anything they hold or have done
    is read; returns each wallet's lifetime earned credits (read under the lock). Two recognitions of the same
    member (a verification's hook, a recompute) then run one after the other and the second finds what the first
    awarded, so an award is never made twice. The order of verification (``deeds.services._lock_members`` then
    the ledger's posting): accounts FOR NO KEY UPDATE in ascending id order, then wallets in ascending id order.
    Inside a verification both are held already. The members' rows, not only their wallets: a member whose
    deeds earned nothing has no wallet. On SQLite, write transactions run one at a time anyway."""
    users_lock(member_ids)
    return dict(
        Account.objects.select_for_update()
        .filter(kind=AccountKind.MEMBER, user_id__in=sorted(member_ids))
        .order_by("pk")
        .values_list("user_id", "earned_total")
    )


def _levels_reached(
    triggers: dict[int, Trigger], users: dict[int, User], requests: list[IssueRequest], earned: dict[int, int]
) -> list[LevelAward]:
    """Levels reached (above the starting level), measured on lifetime verified credits (``earned``, read under
    the members' locks by ``_lock_members``); appends their credential requests (issued by the programme's
    agency) to ``requests``."""
    programme_ids = set().union(*(t.programme_ids for t in triggers.values()))
    if not programme_ids:
        return []
    programmes = {
        p.pk: p for p in Programme.objects.filter(pk__in=programme_ids, is_active=True).select_related("agency")
    }
    levels = _levels_in_force(set(programmes))
    held = set(
        LevelAward.objects.filter(member_id__in=set(triggers), programme_id__in=programmes).values_list(
            "member_id", "programme_id", "level_code"
        )
    )
    out: list[LevelAward] = []
    for member_id, trigger in triggers.items():
        total = int(earned.get(member_id, 0) or 0)
        for programme_id in sorted(trigger.programme_ids & set(programmes)):
            programme = programmes[programme_id]
            for level in sorted(levels[programme_id], key=lambda lvl: lvl.min_credits):
                if level.min_credits <= 0 or total < level.min_credits:
                    continue
                if (member_id, programme_id, level.code) in held:
                    continue
                out.append(
                    LevelAward(
                        member_id=member_id,
                        programme=programme,
                        level_code=level.code,
                        name_th=level.name_th,
                        name_en=level.name_en,
                        min_credits=level.min_credits,
                        credits_when_reached=total,
                        awarded_at=trigger.at,
                    )
                )
                requests.append(
                    IssueRequest(
                        kind=CredentialKind.LEVEL,
                        member=users[member_id],
                        organisation_id=programme.agency_id,
                        organisation_name=programme.agency.name_th,
                        achievement=_level_spec(programme, level),
                        issued_at=trigger.at,
                    )
                )
    return out


def _notification(award: BadgeAward | LevelAward) -> Notification:
    credential = award.credential
    url = f"/recognition/credentials/{credential.public_id}/" if credential else "/recognition/"
    if isinstance(award, BadgeAward):
        return Notification(
            user_id=award.member_id,
            kind="badge_awarded",
            title_th=f'ได้รับเหรียญความดี "{award.definition.name_th}"'[:200],
            title_en=f'You earned the badge "{award.definition.name_en or award.definition.name_th}"'[:200],
            url=url,
        )
    return Notification(
        user_id=award.member_id,
        kind="level_reached",
        title_th=f'ยินดีด้วย ถึงระดับ "{award.name_th}" แล้ว'[:200],
        title_en=f'Congratulations: you reached the level "{award.name_en or award.name_th}"'[:200],
        url=url,
    )


def recognise_verified(deeds: Sequence[Any]) -> None:
    """The deeds hook: badges and levels for the members whose deeds were just verified (one call per action,
    inside its transaction; a fixed number of queries however many deeds)."""
    if not deeds:
        return
    type_programme = dict(
        DeedType.objects.filter(pk__in={d.deed_type_id for d in deeds}).values_list("pk", "programme_id")
    )
    now = timezone.now()
    triggers: dict[int, Trigger] = {}
    disabled = badges_disabled_org_ids()
    for deed in sorted(deeds, key=lambda d: (d.done_on, d.pk)):
        at = deed.decided_at or now
        current = triggers.get(deed.member_id)
        programmes = (current.programme_ids if current else set()) | {type_programme[deed.deed_type_id]}
        if current is None or deed.organisation_id not in disabled or current.organisation_id in disabled:
            triggers[deed.member_id] = Trigger(deed.organisation_id, min(at, now), programmes)
        else:
            current.programme_ids = programmes
    users = User.objects.in_bulk(list(triggers))
    _recognise(triggers, users, disabled)


@transaction.atomic
def recognition_recompute(*, member_ids: Iterable[int]) -> int:
    """Award whatever badges and levels these members have reached and not received (after an organisation turns
    badges back on, or for data loaded before this app). Idempotent. Returns the number of credentials issued."""
    ids = set(member_ids)
    if not ids:
        return 0
    disabled = badges_disabled_org_ids()
    latest: dict[int, Trigger] = {}
    rows = (
        Deed.objects.filter(member_id__in=ids, status=DeedStatus.VERIFIED)
        .order_by("member_id", "-done_on", "-pk")
        .values_list("member_id", "organisation_id", "decided_at", "deed_type__programme_id")
    )
    now = timezone.now()
    for member_id, org_id, decided_at, programme_id in rows:
        trigger = latest.get(member_id)
        if trigger is None:
            latest[member_id] = Trigger(org_id, min(decided_at or now, now), {programme_id})
            continue
        trigger.programme_ids.add(programme_id)
        if trigger.organisation_id in disabled and org_id not in disabled:
            trigger.organisation_id = org_id
    users = User.objects.in_bulk(list(latest))
    return len(_recognise(latest, users, disabled))


@transaction.atomic
def badge_setting_set(*, actor: User, organisation: Organisation, enabled: bool) -> OrganisationBadgeSetting:
    """An organisation turns badges on or off for its members (its admins). While off, its deeds count towards
    no badge; turned back on, what its members reached meanwhile is awarded by a background task."""
    if not can_set_badges.test(actor, organisation):
        raise NotFoundError()
    setting, _created = OrganisationBadgeSetting.objects.select_for_update().get_or_create(
        organisation=organisation, defaults={"badges_enabled": enabled, "changed_by": actor}
    )
    was = setting.badges_enabled if not _created else True
    setting.badges_enabled = enabled
    setting.changed_by = actor  # type: ignore[assignment]
    setting.save()
    if enabled and not was:
        transaction.on_commit(partial(_enqueue_recompute, organisation.pk), robust=True)
    return setting


def _enqueue_recompute(organisation_id: int) -> None:
    from thamdee.recognition.tasks import recognition_recompute_task

    try:
        recognition_recompute_task.enqueue(organisation_id)
    except Exception:
        log.exception("organisation %s: could not enqueue the badge recompute", organisation_id)


def recognition_recompute_for_organisation(organisation_id: int) -> int:
    member_ids = Membership.objects.filter(organisation_id=organisation_id, is_active=True).values_list(
        "user_id", flat=True
    )
    return recognition_recompute(member_ids=list(member_ids))


# --- assessment results (องค์กรและจังหวัดคุณธรรม) ----------------------------------------------------------------


def _results_to_sign() -> QuerySet[Assessment]:
    """Results that are due a credential and have none in force: confirmed at a level, for an agency (a site admin
    with no post confirms for no agency, and no one signs such a result). A result confirmed again after its
    credential was revoked is due a new one."""
    return Assessment.objects.filter(
        status=AssessmentStatus.CONFIRMED,
        confirmed_level__gte=ResultLevel.PROMOTING,
        confirmed_by_agency__isnull=False,
    ).exclude(Exists(Credential.objects.filter(assessment=OuterRef("pk"), revoked_at__isnull=True)))


def _sign_results(assessment_ids: Iterable[int]) -> list[Credential]:
    """Issue the credentials of these results (those still due one), signed by the agency each was confirmed for;
    a fixed number of queries whatever their number."""
    items = list(
        _results_to_sign()
        .filter(pk__in=list(assessment_ids))
        .select_related("framework", "organisation", "province", "confirmed_by_agency")
        .order_by("pk")
    )
    if not items:
        return []
    indicators: dict[int, list[Indicator]] = {}
    for indicator in Indicator.objects.filter(framework_id__in={a.framework_id for a in items}).order_by("number"):
        indicators.setdefault(indicator.framework_id, []).append(indicator)
    requests = []
    for assessment in items:
        agency = assessment.confirmed_by_agency
        assert agency is not None and assessment.confirmed_level is not None
        requests.append(
            IssueRequest(
                kind=CredentialKind.RESULT,
                assessment=assessment,
                organisation_id=agency.pk,
                organisation_name=agency.name_th,
                achievement=results.result_achievement(
                    assessment.framework,
                    assessment.confirmed_level,
                    indicators.get(assessment.framework_id, []),
                    fiscal_year=assessment.fiscal_year,
                    agency_name=agency.name_th,
                ),
                issued_at=assessment.reviewed_at or timezone.now(),
            )
        )
    return _issue(requests)


def result_recognise(assessment: Assessment) -> None:
    """The hook of ``assessments.hooks.on_confirmed``: a result just confirmed at a level is signed as an Open
    Badges 3.0 credential by the agency it was confirmed for, inside the confirmation's transaction (a failure
    rolls the confirmation back). A result confirmed for no agency gets none."""
    _sign_results([assessment.pk])


def results_sign(*, dry_run: bool = False, batch: int = 500) -> list[Assessment]:
    """Sign every result confirmed at a level for an agency that has no credential in force (those confirmed
    before results were signed). Idempotent: a result has one credential in force at most (unique in the
    database), and each batch locks its results and looks again before signing. Returns the results signed (with
    ``dry_run``: those that would be, signing nothing)."""
    pending = list(_results_to_sign().select_related("organisation", "province").order_by("pk"))
    if dry_run:
        return pending
    signed: list[Assessment] = []
    for start in range(0, len(pending), batch):
        chunk = pending[start : start + batch]
        with transaction.atomic():
            ids = list(
                Assessment.objects.select_for_update()
                .filter(pk__in=[a.pk for a in chunk])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            done = {c.assessment_id for c in _sign_results(ids)}
        signed.extend(a for a in chunk if a.pk in done)
    return signed


# --- exemplars ---------------------------------------------------------------------------------------------------

AREA_LEVEL_FOR = {
    HonourLevel.PROVINCE: (AreaLevel.PROVINCE,),
    HonourLevel.DISTRICT: (AreaLevel.DISTRICT,),
    HonourLevel.COMMUNITY: (AreaLevel.SUBDISTRICT, AreaLevel.VILLAGE),
}


@dataclass
class CriterionInput:
    text_th: str
    max_score: int
    text_en: str = ""
    code: str = ""


@transaction.atomic
def round_create(
    *,
    actor: User,
    agency: Organisation,
    fiscal_year: int,
    level: str,
    area: Area | None,
    title_th: str,
    criteria: Sequence[CriterionInput],
    title_en: str = "",
) -> ExemplarRound:
    """An agency opens a round for a fiscal year and level over an area, with written criteria.

    Guarantees: only staff of that agency whose scope covers the area (national staff for a national round);
    the area fits the level; at least one criterion, each scored out of 1-100."""
    if agency.kind != OrgKind.AGENCY or level not in HonourLevel.values:
        raise NotFoundError()
    if level == HonourLevel.NATIONAL:
        if area is not None:
            raise errors.RoundAreaError()
    elif area is None or area.level not in AREA_LEVEL_FOR[HonourLevel(level)]:
        raise errors.RoundAreaError()
    if not can_create_round.test(actor, (agency, area)):
        raise NotFoundError()
    cleaned = [c for c in criteria if c.text_th.strip()]
    if not cleaned or any(not 1 <= int(c.max_score) <= 100 for c in cleaned):
        raise errors.CriteriaRequiredError()
    if not title_th.strip():
        raise ValidationError(_("โปรดตั้งชื่อรอบคัดเลือก"))
    round_ = ExemplarRound.objects.create(
        agency=agency,
        fiscal_year=int(fiscal_year),
        level=level,
        area=area,
        title_th=title_th.strip()[:200],
        title_en=title_en.strip()[:200],
        created_by=actor,
    )
    ExemplarCriterion.objects.bulk_create(
        [
            ExemplarCriterion(
                round=round_,
                code=(c.code or f"c{i}")[:30],
                text_th=c.text_th.strip()[:300],
                text_en=c.text_en.strip()[:300],
                max_score=int(c.max_score),
                ordering=i,
            )
            for i, c in enumerate(cleaned, start=1)
        ]
    )
    return round_


def _lock_round(round_: ExemplarRound) -> ExemplarRound:
    return ExemplarRound.objects.select_for_update(of=("self",)).select_related("area", "agency").get(pk=round_.pk)


@transaction.atomic
def panel_set(*, actor: User, round: ExemplarRound, members: Sequence[User]) -> list[PanelMember]:
    """The agency sets the round's panel: at least three people, while nominations are open. Newly appointed
    members are told in their inbox."""
    round_ = _lock_round(round)
    if not can_manage_round.test(actor, round_):
        raise NotFoundError()
    if round_.status != RoundStatus.OPEN:
        raise errors.RoundStateError(status=round_.get_status_display())
    chosen = {m.pk: m for m in members if m.is_active}
    if len(chosen) < MIN_PANEL:
        raise errors.PanelTooSmallError(minimum=MIN_PANEL)
    current = set(PanelMember.objects.filter(round=round_).values_list("user_id", flat=True))
    PanelMember.objects.filter(round=round_).exclude(user_id__in=chosen).delete()
    new = [PanelMember(round=round_, user=m, appointed_by=actor) for pk, m in chosen.items() if pk not in current]
    PanelMember.objects.bulk_create(new)
    _notify_panel(new, round_)
    return list(PanelMember.objects.filter(round=round_).select_related("user"))


def _notify_panel(new: Sequence[PanelMember], round_: ExemplarRound) -> None:
    for panel_member in new:
        notify(
            user=panel_member.user,
            kind="panel_appointed",
            title=_('คุณได้รับแต่งตั้งเป็นกรรมการคัดเลือก "{round}"'),
            url=f"/recognition/rounds/{round_.public_id}/",
            round=round_.title_th,
        )


@transaction.atomic
def nomination_submit(
    *,
    actor: User,
    round: ExemplarRound,
    organisation: Organisation,
    nominee: User,
    category: str,
    reasons: str,
    evidence: str = "",
    public_story: str = "",
) -> Nomination:
    """An organisation (its admins or organisers) nominates one of its members for a category of an open round in
    whose area it is. Reasons and evidence are for the panel; the public story is published only with consent."""
    round_ = _lock_round(round)
    if not can_nominate_for.test(actor, organisation):
        raise NotFoundError()
    if round_.status != RoundStatus.OPEN:
        raise errors.RoundStateError(status=round_.get_status_display())
    if category not in ExemplarCategory.values:
        raise ValidationError(_("ไม่มีประเภทนี้"))
    if round_.area_id and not organisation.area.code.startswith(round_.area.code):  # type: ignore[union-attr]
        raise errors.NominationOutsideAreaError()
    if not Membership.objects.filter(user=nominee, organisation=organisation, is_active=True).exists():
        raise errors.NomineeNotMemberError()
    if not reasons.strip():
        raise errors.ReasonsRequiredError()
    try:
        with transaction.atomic():
            return Nomination.objects.create(
                round=round_,
                category=category,
                nominee=nominee,
                organisation=organisation,
                nominated_by=actor,
                reasons=reasons.strip()[:5000],
                evidence=evidence.strip()[:5000],
                public_story=public_story.strip()[:3000],
            )
    except IntegrityError:
        raise errors.NominationExistsError() from None


@transaction.atomic
def round_close_nominations(*, actor: User, round: ExemplarRound) -> ExemplarRound:
    """Close nominations and hand the round to its panel (which must have at least three members)."""
    round_ = _lock_round(round)
    if not can_manage_round.test(actor, round_):
        raise NotFoundError()
    if round_.status != RoundStatus.OPEN:
        raise errors.RoundStateError(status=round_.get_status_display())
    panel = list(PanelMember.objects.filter(round=round_).select_related("user"))
    if len(panel) < MIN_PANEL:
        raise errors.PanelTooSmallError(minimum=MIN_PANEL)
    round_.status = RoundStatus.SCORING
    round_.save(update_fields=["status"])
    notify_many(
        users=[p.user for p in panel],
        kind="panel_scoring_open",
        title=_('เริ่มให้คะแนนได้แล้ว: "{round}"'),
        url=f"/recognition/rounds/{round_.public_id}/",
        round=round_.title_th,
    )
    return round_


@transaction.atomic
def score_submit(*, actor: User, nomination: Nomination, scores: dict[str, int], comment: str = "") -> list[Score]:
    """A panel member scores a nomination on every written criterion (may revise until selection).

    Guarantees: only members of the round's panel (anyone else: not found); never a panel member who belongs to
    the nominating organisation or is the nominee (conflict of interest); each score within 0..its maximum."""
    nomination = Nomination.objects.select_related("round__area", "organisation").get(pk=nomination.pk)
    round_ = _lock_round(nomination.round)
    if not is_panel_member.test(actor, round_):
        raise NotFoundError()
    if has_conflict.test(actor, nomination):
        raise errors.ConflictOfInterestError()
    if round_.status != RoundStatus.SCORING or nomination.status != NominationStatus.SUBMITTED:
        raise errors.RoundStateError(status=round_.get_status_display())
    seat = PanelMember.objects.get(round=round_, user_id=actor.pk)
    criteria = list(ExemplarCriterion.objects.filter(round=round_))
    out = []
    for criterion in criteria:
        value = scores.get(criterion.code)
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise errors.ScoreRangeError(criterion=criterion.text_th, maximum=criterion.max_score) from None
        if not 0 <= number <= criterion.max_score:
            raise errors.ScoreRangeError(criterion=criterion.text_th, maximum=criterion.max_score)
        score, _created = Score.objects.update_or_create(
            nomination=nomination,
            panel_member=seat,
            criterion=criterion,
            defaults={"score": number, "comment": comment.strip()[:2000]},
        )
        out.append(score)
    return out


def eligible_panel(nomination: Nomination) -> list[PanelMember]:
    """The panel members without a conflict of interest over this nomination."""
    panel = list(PanelMember.objects.filter(round_id=nomination.round_id).select_related("user"))
    return [p for p in panel if not has_conflict.test(p.user, nomination)]


def _honour_spec(round_: ExemplarRound, category: str) -> vc.AchievementSpec:
    with translation.override("th"):
        category_th = str(ExemplarCategory(category).label)
        level_th = str(HonourLevel(round_.level).label)
        year_th = thaitime.fiscal_year_label(round_.fiscal_year)
    with translation.override("en"):
        category_en = str(ExemplarCategory(category).label)
        level_en = str(HonourLevel(round_.level).label)
        year_en = thaitime.fiscal_year_label(round_.fiscal_year)
    return vc.AchievementSpec(
        kind="honour",
        code=f"{round_.public_id}.{category}",
        name_th=f"แบบอย่างความดี {category_th} {level_th} {year_th}",
        name_en=f"Exemplar of goodness: {category_en}, {level_en}, {year_en}",
        description_th=f"ได้รับการคัดเลือกเป็นแบบอย่างความดี ({round_.title_th}) โดย{round_.agency.name_th}",
        criteria_th="คัดเลือกโดยคณะกรรมการไม่น้อยกว่า 3 คน ตามเกณฑ์: " + "; ".join(c.text_th for c in round_.criteria.all()),
        achievement_type="Award",
        tags=("thamdee", "exemplar", category, round_.level),
    )


@transaction.atomic
def nomination_select(*, actor: User, nomination: Nomination) -> Honour:
    """The agency selects a nominee once every panel member without a conflict has scored them on every criterion.
    The honour is recorded (with its credential and certificate) and the person is asked, on a screen of its own,
    whether anything may be published. Nothing is public until they say yes."""
    nomination = Nomination.objects.select_for_update(of=("self",)).select_related("round").get(pk=nomination.pk)
    round_ = _lock_round(nomination.round)
    if not can_manage_round.test(actor, round_):
        raise NotFoundError()
    if round_.status != RoundStatus.SCORING or nomination.status != NominationStatus.SUBMITTED:
        raise errors.RoundStateError(status=round_.get_status_display())
    eligible = eligible_panel(nomination)
    criteria_count = ExemplarCriterion.objects.filter(round=round_).count()
    scored = dict(
        Score.objects.filter(nomination=nomination, panel_member__in=eligible)
        .values("panel_member_id")
        .annotate(n=Count("id"))
        .values_list("panel_member_id", "n")
    )
    missing = sum(1 for p in eligible if scored.get(p.pk, 0) < criteria_count)
    if not eligible or missing:
        raise errors.ScoresIncompleteError(missing=missing or MIN_PANEL)
    if Nomination.objects.filter(round=round_, category=nomination.category, status=NominationStatus.SELECTED).exists():
        raise errors.AlreadySelectedError()
    nomination.status = NominationStatus.SELECTED
    nomination.save(update_fields=["status"])
    now = timezone.now()
    honour = Honour.objects.create(
        nomination=nomination,
        member=nomination.nominee,
        agency=round_.agency,
        fiscal_year=round_.fiscal_year,
        level=round_.level,
        category=nomination.category,
        area=round_.area,
        awarded_at=now,
    )
    [credential] = _issue(
        [
            IssueRequest(
                kind=CredentialKind.HONOUR,
                member=nomination.nominee,
                organisation_id=round_.agency_id,
                organisation_name=round_.agency.name_th,
                achievement=_honour_spec(round_, nomination.category),
                issued_at=now,
            )
        ]
    )
    honour.credential = credential
    honour.save(update_fields=["credential"])
    _request_certificate(credential)
    notify(
        user=nomination.nominee,
        kind="honour_selected",
        title=_("คุณได้รับคัดเลือกเป็นแบบอย่างความดี {category}"),
        body=_("โปรดแจ้งว่ายินยอมให้เผยแพร่ชื่อ ภาพ หรือเรื่องราวของคุณหรือไม่ ก่อนยินยอมจะไม่มีสิ่งใดเผยแพร่"),
        url=f"/recognition/honours/{honour.public_id}/consent/",
        category=ExemplarCategory(nomination.category).label,
    )
    return honour


@transaction.atomic
def round_decide(*, actor: User, round: ExemplarRound) -> ExemplarRound:
    """Announce the round: nominations not selected are closed as such and their organisations told."""
    round_ = _lock_round(round)
    if not can_manage_round.test(actor, round_):
        raise NotFoundError()
    if round_.status != RoundStatus.SCORING:
        raise errors.RoundStateError(status=round_.get_status_display())
    rest = list(
        Nomination.objects.filter(round=round_, status=NominationStatus.SUBMITTED).select_related("nominated_by")
    )
    Nomination.objects.filter(pk__in=[n.pk for n in rest]).update(status=NominationStatus.NOT_SELECTED)
    round_.status = RoundStatus.DECIDED
    round_.save(update_fields=["status"])
    for nomination in rest:
        notify(
            user=nomination.nominated_by,
            kind="nomination_closed",
            title=_('ประกาศผล "{round}" แล้ว'),
            url=f"/recognition/rounds/{round_.public_id}/",
            round=round_.title_th,
        )
    return round_


def _lock_honour(actor: User, honour: Honour) -> Honour:
    honour = Honour.objects.select_for_update(of=("self",)).select_related("member").get(pk=honour.pk)
    if getattr(actor, "pk", None) != honour.member_id:
        raise NotFoundError()
    return honour


def _event(honour: Honour, action: str, actor: User, guardian_name: str = "") -> None:
    HonourConsentEvent.objects.create(
        honour=honour,
        action=action,
        show_name=honour.show_name,
        show_photo=honour.show_photo,
        show_story=honour.show_story,
        guardian_name=guardian_name,
        actor=actor,
    )


@transaction.atomic
def honour_consent(
    *,
    actor: User,
    honour: Honour,
    show_name: bool,
    show_photo: bool,
    show_story: bool,
    photo: bytes | None = None,
    guardian_name: str = "",
) -> Honour:
    """The honoured person says yes to publication, choosing what to show (name, photo, story). Only they can;
    when they may be under 10 (``people.services.needs_guardian_consent``, the rule for every consent) a guardian
    is named. May be given again with other choices, and withdrawn at any time."""
    from thamdee.deeds.evidence import process_evidence
    from thamdee.people.services import needs_guardian_consent

    honour = _lock_honour(actor, honour)
    if needs_guardian_consent(honour.member) and not guardian_name.strip():
        raise errors.GuardianConsentRequiredError()
    if photo:
        processed = process_evidence(photo)
        if honour.photo:
            honour.photo.delete(save=False)
        honour.photo.save(f"{honour.public_id.hex[:16]}.jpg", ContentFile(processed.image), save=False)
    if show_photo and not honour.photo:
        raise ValidationError(_("โปรดแนบภาพถ่ายที่ยินยอมให้เผยแพร่ หรือไม่ต้องเลือกแสดงภาพถ่าย"))
    honour.consent = ConsentState.CONSENTED
    honour.consented_at = timezone.now()
    honour.show_name, honour.show_photo, honour.show_story = bool(show_name), bool(show_photo), bool(show_story)
    if not honour.show_photo and honour.photo:
        honour.photo.delete(save=False)
    honour.save()
    _event(honour, HonourConsentEvent.Action.CONSENT, actor, guardian_name.strip()[:200])
    return honour


def _unpublish(honour: Honour) -> None:
    honour.show_name = honour.show_photo = honour.show_story = False
    if honour.photo:
        honour.photo.delete(save=False)


@transaction.atomic
def honour_decline(*, actor: User, honour: Honour) -> Honour:
    """The honoured person says no: nothing about them is published (the honour and its certificate stay theirs)."""
    honour = _lock_honour(actor, honour)
    if honour.consent == ConsentState.CONSENTED:
        raise errors.ConsentStateError(status=honour.get_consent_display())
    honour.consent = ConsentState.DECLINED
    honour.declined_at = timezone.now()
    _unpublish(honour)
    honour.save()
    _event(honour, HonourConsentEvent.Action.DECLINE, actor)
    return honour


@transaction.atomic
def honour_consent_withdraw(*, actor: User, honour: Honour) -> Honour:
    """Withdraw consent, as easily as it was given: the honour leaves the public page at once and its photo is
    deleted."""
    honour = _lock_honour(actor, honour)
    if honour.consent != ConsentState.CONSENTED:
        raise errors.ConsentStateError(status=honour.get_consent_display())
    honour.consent = ConsentState.WITHDRAWN
    honour.withdrawn_at = timezone.now()
    _unpublish(honour)
    honour.save()
    _event(honour, HonourConsentEvent.Action.WITHDRAW, actor)
    return honour
