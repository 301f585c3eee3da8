"""Writes for deeds: catalogues, the four ways to record a deed, verification, reversal and appeals.

Credits come only from here: a verified deed's award is computed by the rules engine from the rulebook
versions in force on the day the deed was done, and posted through the ledger with an idempotency key made
from the deed and those versions.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from thamdee.areas.models import Area, AreaLevel
from thamdee.common.errors import DomainError, NotFoundError
from thamdee.creditrules import engine
from thamdee.creditrules.models import Rulebook
from thamdee.creditrules.selectors import VersionCache, ruleset_of
from thamdee.deeds import errors, hooks, selectors
from thamdee.deeds.evidence import MAX_PHOTOS_PER_DEED, EvidenceTooManyPhotosError, process_evidence
from thamdee.deeds.explanations import explanation_for, explanations_for
from thamdee.deeds.models import (
    Activity,
    Appeal,
    Decision,
    Deed,
    DeedEvidence,
    DeedSource,
    DeedStatus,
    DeedType,
    Dimension,
    Evidence,
    Unit,
    VerifiedBy,
    Virtue,
)
from thamdee.deeds.permissions import (
    can_decide_appeal,
    can_manage_catalogue,
    can_manage_templates,
    can_record_for,
    can_reverse_deed,
    can_verify_deed,
)
from thamdee.inbox.services import notify, notify_many
from thamdee.ledger import selectors as ledger_selectors
from thamdee.ledger import services as ledger
from thamdee.ledger.models import (
    APPEAL_MEMO_MARK,
    Account,
    AccountKind,
    CauseKind,
    Journal,
    JournalKind,
    Posting,
    Programme,
)
from thamdee.orgs.models import Membership, Organisation
from thamdee.people.models import ConsentPurpose, User
from thamdee.people.selectors import consents_in_force
from thamdee.people.services import consent_active, users_lock
from thamdee.people.types import Actor

BULK_LIMIT = 500


# --- catalogues ----------------------------------------------------------------------------------------------

CATALOGUE_FIELDS = (
    "name_th",
    "name_en",
    "description",
    "criterion",
    "unit",
    "period",
    "evidence",
    "verified_by",
    "max_backdate_days",
    "is_sensitive",
    "checkin_verified",
    "is_active",
)


@transaction.atomic
def deed_type_create(
    *,
    actor: Actor,
    programme: Programme,
    organisation: Organisation | None,
    code: str,
    name_th: str,
    criterion: str,
    virtues: Iterable[str] = (),
    dimensions: Iterable[str] = (),
    main_virtue: str | None = None,
    main_dimension: str | None = None,
    **fields: Any,
) -> DeedType:
    """Add a deed type to an organisation's catalogue (its admins and organisers), or a national template
    (``organisation=None``: national staff of the programme's agency). Its code is new to the catalogue, or to the
    programme's templates (``DeedTypeCodeTakenError``, also when a concurrent addition takes it first). Only a
    template may be verified by the agency: an organisation's own type is verified by its own verifiers
    (``AgencyVerifiesTemplatesOnlyError``). It counts under at least one active virtue and one dimension, each a
    known one (``DeedTypeSplitError``), as the catalogue form asks: a type of none would count under none of the
    dashboards' virtues, and the total less the virtues would give its deeds away. The dashboards count its deeds
    under one of each, ``main_virtue`` and ``main_dimension`` (codes among those given; by default the first in the
    catalogue's order), so that the virtues add up to the total (``DeedTypeMainError`` for one not given)."""
    if organisation is not None:
        if not can_manage_catalogue.test(actor, organisation):
            raise NotFoundError()
    elif not can_manage_templates.test(actor, programme):
        raise NotFoundError()
    unknown = set(fields) - set(CATALOGUE_FIELDS)
    if unknown:
        raise ValueError(f"not deed type fields: {sorted(unknown)}")
    _check_code_free(programme=programme, organisation=organisation, code=code)
    if organisation is not None:
        _check_verified_by(fields.get("verified_by", VerifiedBy.ORGANISATION), adopted_from=None)
    virtues, dimensions = list(virtues), list(dimensions)
    known_virtues = set(Virtue.objects.filter(code__in=virtues, is_active=True).values_list("code", flat=True))
    known_dimensions = set(Dimension.objects.filter(code__in=dimensions).values_list("code", flat=True))
    not_known = sorted({*virtues} - known_virtues | {*dimensions} - known_dimensions)
    if not virtues or not dimensions or not_known:
        raise errors.DeedTypeSplitError(unknown=", ".join(not_known) or "—")
    chosen_virtues = list(Virtue.objects.filter(code__in=virtues))
    chosen_dimensions = list(Dimension.objects.filter(code__in=dimensions))
    mains = {
        "main_virtue": _main(chosen_virtues, main_virtue),
        "main_dimension": _main(chosen_dimensions, main_dimension),
    }
    try:
        with transaction.atomic():
            deed_type = DeedType.objects.create(
                programme=programme,
                organisation=organisation,
                code=code,
                name_th=name_th,
                criterion=criterion,
                **mains,
                **fields,
            )
    except IntegrityError:
        _check_code_free(programme=programme, organisation=organisation, code=code)  # taken in the meantime
        raise
    deed_type.virtues.set(chosen_virtues)
    deed_type.dimensions.set(chosen_dimensions)
    return deed_type


def _main(chosen: list[Any], code: str | None) -> Any:
    """The main one of a type's virtues (dimensions): the one named, which must be among them, or the first in the
    catalogue's order."""
    if code:
        named = [c for c in chosen if c.code == code]
        if not named:
            raise errors.DeedTypeMainError(code=code)
        return named[0]
    return min(chosen, key=lambda c: (c.ordering, c.code))


@transaction.atomic
def deed_type_adopt(*, actor: Actor, template: DeedType, organisation: Organisation) -> DeedType:
    """An organisation adopts a national template into its own catalogue (idempotent)."""
    if not can_manage_catalogue.test(actor, organisation) or not template.is_template:
        raise NotFoundError()
    existing = DeedType.objects.filter(organisation=organisation, adopted_from=template).first()
    if existing:
        return existing
    # The organisation may already have a type of its own under the template's code: refused with the reason.
    _check_code_free(programme=template.programme, organisation=organisation, code=template.code)
    try:
        with transaction.atomic():
            copy = DeedType.objects.create(
                programme=template.programme,
                organisation=organisation,
                adopted_from=template,
                code=template.code,
                main_virtue_id=template.main_virtue_id,
                main_dimension_id=template.main_dimension_id,
                **{f: getattr(template, f) for f in CATALOGUE_FIELDS},
            )
    except IntegrityError:  # the code was taken (or the template adopted) in the meantime
        existing = DeedType.objects.filter(organisation=organisation, adopted_from=template).first()
        if existing:
            return existing
        _check_code_free(programme=template.programme, organisation=organisation, code=template.code)
        raise
    copy.virtues.set(template.virtues.all())
    copy.dimensions.set(template.dimensions.all())
    return copy


def _check_code_free(*, programme: Programme, organisation: Organisation | None, code: str) -> None:
    """Rules name types by their code: one type per code in an organisation's catalogue, one template per code in a
    programme (the constraints ``code_once_per_org`` and ``template_code_once``)."""
    same = DeedType.objects.filter(code=code)
    if organisation is not None:
        same = same.filter(organisation=organisation)
    else:
        same = same.filter(programme=programme, organisation__isnull=True)
    if same.exists():
        raise errors.DeedTypeCodeTakenError(template=organisation is None)


def _check_verified_by(verified_by: str, *, adopted_from: DeedType | None) -> None:
    """An organisation's type is verified by the agency only as a copy of a national template the agency verifies.

    Agency verifiers act on the deeds of their own programme's templates, never an organisation's own types: the
    agency did not set such a type's criterion or evidence and has not agreed to verify it, and its staff would
    see members' deeds (names, photos) that agencies otherwise see only as aggregates. Refused here rather than
    left waiting: a deed of such a type would have no one to verify it."""
    if verified_by == VerifiedBy.AGENCY and (adopted_from is None or adopted_from.verified_by != VerifiedBy.AGENCY):
        raise errors.AgencyVerifiesTemplatesOnlyError()


def _check_measure_unchanged(deed_type: DeedType, changes: dict[str, Any]) -> None:
    """A type's unit, period and sensitivity stay as they are once deeds were recorded with it: those deeds were
    measured in them, the rules compute their credits from them, and the figures counted them so (close the type
    and add another instead). Its virtues and dimensions are not changed here at all, for the same figures."""
    moved = [f for f in ("unit", "period", "is_sensitive") if f in changes and changes[f] != getattr(deed_type, f)]
    if moved and Deed.objects.filter(deed_type=deed_type).exists():
        raise errors.DeedTypeInUseError()


@transaction.atomic
def deed_type_update(*, actor: Actor, deed_type: DeedType, **changes: Any) -> DeedType:
    """Change an entry of an organisation's catalogue (its admins and organisers), or a national template (see
    ``deed_template_update``). Only the fields of ``CATALOGUE_FIELDS`` change: the code never does, rules name
    types by it. An organisation's own type is never verified by the agency (``AgencyVerifiesTemplatesOnlyError``);
    a copy of a template may be while its template is. Nothing changes when a check refuses."""
    if deed_type.organisation is None:
        return deed_template_update(actor=actor, template=deed_type, **changes)
    if not can_manage_catalogue.test(actor, deed_type.organisation):
        raise NotFoundError()
    if "verified_by" in changes:
        _check_verified_by(changes["verified_by"], adopted_from=deed_type.adopted_from)
    return _deed_type_change(deed_type, changes)


@transaction.atomic
def deed_template_update(*, actor: Actor, template: DeedType, **changes: Any) -> DeedType:
    """Change a national template (national staff of the programme's agency). New adoptions copy it as it is now;
    copies adopted before keep their own wording, because an organisation may have adapted it. Who verifies is
    the agency's decision alone, so it reaches every copy at once: marked "verified by the agency", every
    organisation's copy goes to the agency verifiers, deeds waiting included; unmarked, back to each
    organisation's own verifiers."""
    if template.organisation is not None or not can_manage_templates.test(actor, template.programme):
        raise NotFoundError()
    _deed_type_change(template, changes)
    if "verified_by" in changes:
        DeedType.objects.filter(adopted_from=template).exclude(verified_by=template.verified_by).update(
            verified_by=template.verified_by
        )
    return template


def _deed_type_change(deed_type: DeedType, changes: dict[str, Any]) -> DeedType:
    """What both updates do once the actor may: only catalogue fields, the measure kept once deeds were recorded
    with it, then the changed fields saved. Every check comes before the first change to the instance."""
    unknown = set(changes) - set(CATALOGUE_FIELDS)
    if unknown:
        raise ValueError(f"not deed type fields: {sorted(unknown)}")
    _check_measure_unchanged(deed_type, changes)
    for name, value in changes.items():
        setattr(deed_type, name, value)
    deed_type.save(update_fields=list(changes))
    return deed_type


# --- recording -------------------------------------------------------------------------------------------------


def _decimal(value: Any, *, maximum: Decimal) -> Decimal:
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except (InvalidOperation, ValueError):
        raise errors.AmountError() from None
    if not number.is_finite():  # NaN and Infinity are Decimals too, and a NaN cannot even be compared
        raise errors.AmountError()
    if number < 0 or number > maximum or number != number.quantize(Decimal("0.01")):
        raise errors.AmountError()
    return number


@dataclass
class DeedInput:
    member: User
    deed_type: DeedType
    done_on: dt.date
    area: Area | None = None
    hours: Any = 0
    quantity: Any = None
    beneficiaries: int = 0
    description: str = ""


def _check(data: DeedInput, *, today: dt.date | None = None) -> dict[str, Any]:
    """Validate one deed's facts; return the model fields. Raises the first problem found."""
    deed_type = data.deed_type
    today = today or timezone.localdate()
    if not deed_type.is_active or deed_type.organisation_id is None:
        raise errors.DeedTypeInactiveError()
    if (
        not isinstance(data.done_on, dt.date)
        or data.done_on > today
        or data.done_on < today - dt.timedelta(days=deed_type.max_backdate_days)
    ):
        raise errors.DeedDateError(days=deed_type.max_backdate_days)
    # Where it was done: as given, else the member's home, else the organisation's own area.
    area = data.area or data.member.home_area or deed_type.organisation.area  # type: ignore[union-attr]
    if area is None or area.level < AreaLevel.SUBDISTRICT:
        raise errors.AreaLevelError()
    hours = _decimal(data.hours, maximum=Decimal(24))
    if deed_type.unit == Unit.HOUR:
        if hours <= 0:
            raise errors.AmountError()
        quantity = hours
    elif deed_type.unit == Unit.PERCENT:
        quantity = _decimal(data.quantity, maximum=Decimal(100))
        if quantity <= 0:
            raise errors.AmountError()
    elif deed_type.unit == Unit.OCCURRENCE:
        quantity = _decimal(data.quantity if data.quantity not in (None, "") else 1, maximum=Decimal(100))
        if quantity < 1:
            raise errors.AmountError()
    else:
        quantity = Decimal(1)
    beneficiaries = int(data.beneficiaries or 0)
    if beneficiaries < 0 or beneficiaries > 100_000:
        raise errors.AmountError()
    if deed_type.is_sensitive and not consent_active(data.member, ConsentPurpose.SENSITIVE_DEEDS):
        raise errors.SensitiveConsentError()
    if not Membership.objects.filter(
        user=data.member, organisation_id=deed_type.organisation_id, is_active=True
    ).exists():
        raise errors.NotAMemberError()
    return {
        "member": data.member,
        "deed_type": deed_type,
        "organisation_id": deed_type.organisation_id,
        "area": area,
        "done_on": data.done_on,
        "hours": hours,
        "quantity": quantity,
        "beneficiaries": beneficiaries,
        "description": (data.description or "").strip()[:2000],
    }


def _lock_recorded_members(member_ids: Iterable[int]) -> None:
    """Hold the accounts that deeds are being recorded for until the transaction ends, and refuse any that is no
    longer active. An erasure holds the account (FOR UPDATE, ``privacy.services.erasure_carry_out``) while it
    checks for deeds awaiting a decision and cuts the person out: a report arriving meanwhile waits for it here and
    then, the row read again under READ COMMITTED, no longer finds the account active; a report that took the row
    first is saved before the erasure looks, which then refuses. Taken before ``_check`` reads the memberships, so
    those reads see what the erasure committed. FOR NO KEY UPDATE, as ``_lock_members``; one query for any number
    of members. On SQLite, write transactions run one at a time anyway."""
    ids = set(member_ids)
    gone = ids - set(_lock_members(ids, active=True))
    if gone:
        raise errors.NotAMemberError(
            member=str(User.objects.filter(pk=min(gone)).values_list("public_id", flat=True)[0])
        )


def _attach_evidence(deed: Deed, photos: Sequence[bytes], actor: User) -> None:
    for data in photos:
        processed = process_evidence(data)
        item = DeedEvidence(
            deed=deed,
            content_type=processed.content_type,
            width=processed.width,
            height=processed.height,
            size=len(processed.image),
            sha256=processed.sha256,
            original_format=processed.original_format,
            uploaded_by=actor,
        )
        item.image.save(f"{processed.sha256[:20]}.jpg", ContentFile(processed.image), save=False)
        item.thumbnail.save(f"{processed.sha256[:20]}-t.jpg", ContentFile(processed.thumbnail), save=False)
        item.save()


@transaction.atomic
def deed_report(
    *,
    actor: User,
    deed_type: DeedType,
    done_on: dt.date,
    area: Area | None = None,
    hours: Any = 0,
    quantity: Any = None,
    beneficiaries: int = 0,
    description: str = "",
    photos: Sequence[bytes] = (),
    request_key: uuid.UUID | None = None,
) -> Deed:
    """A member reports their own deed (from a phone). It waits for a verifier.

    Guarantees: the date is not in the future nor older than the catalogue allows; the member belongs to the
    organisation that keeps the deed type; a sensitive deed type needs the member's consent; a deed type that
    asks for a photo gets at least one, and every photo is re-encoded without EXIF before it is stored. With a
    ``request_key`` (the report form's one-time token), the same report sent again, or twice at once, returns
    the deed the first one made. A member whose account is being erased, or was, records nothing.
    """
    _lock_recorded_members([actor.pk])
    fields = _check(
        DeedInput(
            member=actor,
            deed_type=deed_type,
            done_on=done_on,
            area=area,
            hours=hours,
            quantity=quantity,
            beneficiaries=beneficiaries,
            description=description,
        )
    )
    if deed_type.evidence == Evidence.PHOTO and not photos:
        raise errors.EvidenceRequiredError()
    if len(photos) > MAX_PHOTOS_PER_DEED:
        raise EvidenceTooManyPhotosError(limit=MAX_PHOTOS_PER_DEED)
    processed = [bytes(p) for p in photos]
    if request_key is None:
        deed = Deed.objects.create(**fields, source=DeedSource.SELF, recorded_by=actor)
    else:
        try:
            with transaction.atomic():
                deed = Deed.objects.create(**fields, source=DeedSource.SELF, recorded_by=actor, request_key=request_key)
        except IntegrityError:
            # The same report was saved before (a retry), or at the same moment (a double tap): it is the deed.
            first = Deed.objects.filter(member=actor, request_key=request_key).first()
            if first is None:
                raise
            return first
    _attach_evidence(deed, processed, actor)
    notify(
        user=actor,
        kind="deed_submitted",
        title=_('ส่งบันทึกความดี "{name}" แล้ว รอผู้รับรอง'),
        url=f"/deeds/{deed.public_id}/",
        name=deed_type.name_th,
    )
    return deed


@transaction.atomic
def deed_record_for(*, actor: User, entries: Sequence[DeedInput], source: str = DeedSource.ORGANISER) -> list[Deed]:
    """An organiser records deeds for members (a paper passbook, a list): all or none. They wait for a
    verifier like any other deed. None is recorded for a member whose account is being erased, or was."""
    for entry in entries:
        if not can_record_for.test(actor, entry.deed_type.organisation):
            raise NotFoundError()
    _lock_recorded_members(entry.member.pk for entry in entries)
    deeds = []
    for number, entry in enumerate(entries, start=1):
        try:
            deeds.append(Deed(**_check(entry), source=source, recorded_by=actor))
        except DomainError as exc:
            # Which entry was refused, and for whom: a page names the member, the API's problem carries both.
            exc.params.setdefault("entry", number)
            exc.params.setdefault("member", str(entry.member.public_id))
            raise
    Deed.objects.bulk_create(deeds)
    return deeds


# --- activities and check-in ----------------------------------------------------------------------------------

TOKEN_STEP = 60  # seconds per QR code
TOKEN_GRACE = 2  # earlier codes still accepted (a slow scan)


@transaction.atomic
def activity_create(
    *,
    actor: User,
    deed_type: DeedType,
    title: str,
    area: Area,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    hours: Any = 1,
) -> Activity:
    """An organiser opens an activity that members check in to. Guarantees: only the organisation's organisers
    and admins (and site admins) open one; it is held in a subdistrict or a village, as every deed is recorded."""
    if deed_type.organisation is None or not can_record_for.test(actor, deed_type.organisation):
        raise NotFoundError()
    if area.level < AreaLevel.SUBDISTRICT:  # every check-in's deed is recorded where the activity is held
        raise errors.AreaLevelError()
    if ends_at <= starts_at:
        raise errors.CheckinClosedError()
    return Activity.objects.create(
        organisation=deed_type.organisation,
        deed_type=deed_type,
        title=title.strip(),
        area=area,
        starts_at=starts_at,
        ends_at=ends_at,
        hours=_decimal(hours, maximum=Decimal(24)),
        created_by=actor,
    )


def activity_token(activity: Activity, now: float | None = None) -> str:
    """The code shown as a QR by the organiser: signed with the activity's secret, new every minute."""
    step = int((now or time.time()) // TOKEN_STEP)
    sig = hmac.new(activity.secret.encode(), f"{activity.public_id}:{step}".encode(), hashlib.sha256).hexdigest()
    return f"{activity.public_id}.{step}.{sig[:24]}"


def _activity_from_token(token: str, now: float | None = None) -> Activity:
    try:
        public_id, step_text, sig = token.split(".")
        step = int(step_text)
        # Parsed first: a malformed id would make the lookup raise Django's ValidationError, not DoesNotExist.
        activity = Activity.objects.select_related("deed_type", "organisation").get(public_id=uuid.UUID(public_id))
    except (ValueError, Activity.DoesNotExist):
        raise errors.CheckinTokenError() from None
    current = int((now or time.time()) // TOKEN_STEP)
    expected = hmac.new(activity.secret.encode(), f"{activity.public_id}:{step}".encode(), hashlib.sha256).hexdigest()[
        :24
    ]
    if not hmac.compare_digest(expected, sig) or not current - TOKEN_GRACE <= step <= current:
        raise errors.CheckinTokenError()
    return activity


def _checkin(activity: Activity, member: User, recorder: User) -> Deed:
    moment = timezone.now()
    if activity.is_closed or not activity.starts_at - dt.timedelta(
        minutes=30
    ) <= moment <= activity.ends_at + dt.timedelta(hours=2):
        raise errors.CheckinClosedError()
    if Deed.objects.filter(activity=activity, member=member).exists():
        raise errors.AlreadyCheckedInError()
    _lock_recorded_members([member.pk])
    fields = _check(
        DeedInput(
            member=member,
            deed_type=activity.deed_type,
            done_on=timezone.localtime(activity.starts_at).date(),
            area=activity.area,
            hours=activity.hours if activity.deed_type.unit == Unit.HOUR else 0,
        )
    )
    try:
        # The pre-check above gives the usual answer; the unique constraint decides when two check-ins of the same
        # member (a double tap, the QR scan and the roster at once) race past it together.
        with transaction.atomic():
            deed = Deed.objects.create(**fields, source=DeedSource.ACTIVITY, recorded_by=recorder, activity=activity)
    except IntegrityError as exc:
        if "deeds_deed_checked_in_once" in str(exc) or "UNIQUE constraint failed: deeds_deed.activity_id" in str(exc):
            raise errors.AlreadyCheckedInError() from None
        raise
    if (
        activity.deed_type.checkin_verified
        and can_verify_deed.test(activity.created_by, deed)
        and activity.created_by_id != member.pk
    ):
        # The catalogue says a check-in is proof enough: the organiser who runs the activity verifies it, and the
        # decision says so (no one looked at this deed by itself: the organiser's choice and presence stand for it).
        deed_verify(actor=activity.created_by, deed=deed, reason=CHECKIN_VERIFIED_REASON)
        deed.refresh_from_db()
    return deed


# The reason recorded on a decision made by a check-in (kept in Thai, as every reason in the ledger of decisions).
CHECKIN_VERIFIED_REASON = "รับรองเมื่อเช็กอินกิจกรรม ตามที่รายการความดีกำหนดให้การเช็กอินถือว่ารับรองแล้ว"


@transaction.atomic
def activity_checkin(*, actor: User, token: str) -> Deed:
    """A member checks in by scanning the organiser's QR code (valid for about three minutes)."""
    return _checkin(_activity_from_token(token), actor, actor)


@transaction.atomic
def activity_roster(*, actor: User, activity: Activity, members: Sequence[User]) -> list[Deed]:
    """The organiser ticks who came; each becomes a check-in (already checked-in members are skipped)."""
    if not can_record_for.test(actor, activity.organisation):
        raise NotFoundError()
    out = []
    for member in members:
        try:
            with transaction.atomic():
                out.append(_checkin(activity, member, actor))
        except errors.AlreadyCheckedInError:
            continue
    return out


# --- verification ------------------------------------------------------------------------------------------------


def _lock_members(member_ids: Iterable[int], *, active: bool = False) -> list[int]:
    """Take the members' awards in turn. Two verifications of one member's deeds at once would each read the
    credits earned before the other's award, and both pass a cap. So the members' rows are locked
    (``people.services.users_lock``: ascending, FOR NO KEY UPDATE; after the deeds and before the history is read)
    until the transaction ends; the second verification then reads the first's award. Returns the ids locked."""
    return users_lock(member_ids, active=active)


def engine_code(deed_type: DeedType) -> str:
    """The code the rulebooks know a deed type by: its template's for a copy of a national template."""
    return deed_type.adopted_from.code if deed_type.adopted_from_id and deed_type.adopted_from else deed_type.code


def cap_key(programme_id: int, code: str, adopted_code: str | None) -> tuple[int, str]:
    """What a per-deed-type cap counts together (``caps.deed_type_month``): the deeds of every type the programme's
    rulebooks know by the same code, so the copies of one national template in two organisations share the cap."""
    return programme_id, adopted_code or code


def _same_type(deed_type: DeedType) -> Q:
    code = engine_code(deed_type)
    return Q(deed_type__programme_id=deed_type.programme_id) & (
        Q(deed_type__adopted_from__code=code) | Q(deed_type__adopted_from__isnull=True, deed_type__code=code)
    )


def _history(member_id: int, deed_type: DeedType, day: dt.date, exclude: int | None = None) -> engine.History:
    base = Deed.objects.filter(member_id=member_id, status=DeedStatus.VERIFIED)
    if exclude:
        base = base.exclude(pk=exclude)
    month = base.filter(done_on__year=day.year, done_on__month=day.month)
    agg = month.aggregate(
        m=Sum("credits"), d=Sum("credits", filter=Q(done_on=day)), t=Sum("credits", filter=_same_type(deed_type))
    )
    return engine.History(day=agg["d"] or 0, month=agg["m"] or 0, deed_type_month=agg["t"] or 0)


def _rulebook_ids(deed_types: Iterable[DeedType]) -> dict[tuple[int, int | None], int]:
    wanted = {(dt_.programme_id, dt_.organisation_id) for dt_ in deed_types}
    books = Rulebook.objects.filter(programme_id__in={p for p, _ in wanted})
    return {(b.programme_id, b.organisation_id): b.pk for b in books}


def _facts(deed: Deed) -> engine.DeedFacts:
    deed_type = deed.deed_type
    code = engine_code(deed_type)
    return engine.DeedFacts(
        deed_type=code,
        deed_type_name_th=deed_type.name_th,
        deed_type_name_en=deed_type.name_en or deed_type.name_th,
        unit=deed_type.unit,
        quantity=float(deed.quantity),
        done_on=deed.done_on,
        area_code=deed.area.code,
        virtues=tuple(v.code for v in deed_type.virtues.all()),
    )


def compute(
    deed: Deed, *, history: engine.History | None = None, cache: VersionCache | None = None
) -> tuple[engine.Award, list[int]]:
    """The award a deed would get now (pure engine, fed from the database). Returns the award and the ids of
    the rulebook versions it used."""
    versions = selectors.rule_versions_in_force(deed, cache=cache)
    rulesets = [ruleset_of(v) for v in versions]
    hist = history or _history(deed.member_id, deed.deed_type, deed.done_on, exclude=deed.pk)
    return engine.compute_award(_facts(deed), rulesets, hist), [v.pk for v in versions]


def _award_key(deed: Deed, version_ids: Sequence[int]) -> str:
    return f"deed:{deed.public_id}:award:v{'-'.join(str(v) for v in version_ids) or '0'}"


def _guard_consent(deeds: Iterable[Deed]) -> None:
    """A deed of a sensitive type is processed only while its member's consent stands: recorded with it
    (``_check``), and verified, second-approved or reinstated on appeal only if it has not been withdrawn since."""
    members = {d.member_id for d in deeds if d.deed_type.is_sensitive}
    if not members:
        return
    # Locked: a withdrawal at the same moment waits for this decision, and the next one sees it.
    consenting = set(
        consents_in_force(ConsentPurpose.SENSITIVE_DEEDS)
        .select_for_update()
        .filter(user_id__in=sorted(members))
        .order_by("pk")
        .values_list("user_id", flat=True)
    )
    if members - consenting:
        raise errors.SensitiveConsentWithdrawnError()


def _guard_verifier(actor: Actor, deed: Deed) -> None:
    if not can_verify_deed.test(actor, deed):
        raise NotFoundError()
    if actor.pk == deed.member_id:
        raise errors.SelfVerificationError()


def _notify_verified(deeds: Sequence[Deed]) -> None:
    for deed in deeds:
        notify(
            user=deed.member,
            kind="deed_verified",
            title=_('ความดี "{name}" ได้รับการรับรอง ได้ {credits} เครดิต'),
            url=f"/deeds/{deed.public_id}/",
            name=deed.deed_type.name_th,
            credits=deed.credits,
        )


@transaction.atomic
def deed_verify(*, actor: User, deed: Deed, at: dt.datetime | None = None, reason: str = "") -> Deed:
    """Verify a deed: its credits are computed by the rulebook versions in force on the day it was done and
    posted from the organisation's allotment. Above the rulebook's threshold, two different approvers are
    needed: the first approval is recorded and the deed waits for the second.

    Guarantees: never by the doer; a verifier of another organisation gets not-found; posted once (the
    idempotency key comes from the deed and the rulebook versions); every decision is recorded. A deed reinstated
    on appeal that waited for its second approver is paid as its reinstatement would have been: what it is worth
    less what the member kept of an earlier award, under that reinstatement's own key.
    """
    deed = (
        Deed.objects.select_for_update(of=("self",))
        .select_related("deed_type__adopted_from", "deed_type__programme", "organisation", "area", "member")
        .get(pk=deed.pk)
    )
    _guard_verifier(actor, deed)
    if deed.status not in (DeedStatus.PENDING, DeedStatus.AWAITING_SECOND):
        raise errors.DeedStateError(status=deed.get_status_display())
    _guard_consent([deed])
    _lock_members([deed.member_id])
    reinstated = deed.status == DeedStatus.AWAITING_SECOND and _appeals_upheld(deed) > 0
    if reinstated:
        _lock_take_back(deed)
    award, version_ids = compute(deed)
    if award.two_approvers and deed.status == DeedStatus.PENDING:
        deed.status = DeedStatus.AWAITING_SECOND
        deed.first_approver = actor
        deed.save(update_fields=["status", "first_approver"])
        Decision.objects.create(
            deed=deed, actor=actor, action=Decision.Action.FIRST_APPROVAL, credits=award.credits, reason=reason
        )
        return deed
    if deed.status == DeedStatus.AWAITING_SECOND and deed.first_approver_id == actor.pk:
        raise errors.SameApproverError()
    if reinstated:
        _credit_reinstated(actor, deed, award, version_ids, at=at)
        Decision.objects.create(
            deed=deed, actor=actor, action=Decision.Action.APPROVE, credits=award.credits, reason=reason
        )
        _notify_verified([deed])
        hooks.deeds_verified([deed])
        return deed
    result = None
    if award.credits > 0:
        result = ledger.award_post(
            actor=actor,
            organisation=deed.organisation,
            member=deed.member,
            amount=award.credits,
            idempotency_key=_award_key(deed, version_ids),
            cause=(CauseKind.DEED, deed.pk),
            at=at,
            memo=f"{deed.deed_type.name_th} {deed.done_on.isoformat()}",
        )
    deed.status = DeedStatus.VERIFIED
    deed.credits = award.credits
    deed.explanation = explanation_for(award.as_json())
    deed.decided_at = timezone.now()
    deed.journal_id = result.journal_id if result else None
    deed.save(update_fields=["status", "credits", "explanation", "decided_at", "journal_id"])
    deed.rule_versions.set(version_ids)
    Decision.objects.create(
        deed=deed, actor=actor, action=Decision.Action.APPROVE, credits=award.credits, reason=reason
    )
    _notify_verified([deed])
    hooks.deeds_verified([deed])
    return deed


@dataclass
class BulkResult:
    verified: list[Deed]
    awaiting_second: list[Deed]
    credits: int


@transaction.atomic
def deed_verify_bulk(*, actor: User, deeds: Sequence[Deed], at: dt.datetime | None = None) -> BulkResult:
    """Verify up to 500 deeds in one action: their awards are posted as one batch (all or nothing).

    Same rules as one at a time, including caps across the deeds of the batch (each deed sees the credits that
    earlier deeds of the same member earned) and the two-approver threshold (those deeds get a first approval
    and wait).
    """
    if len(deeds) > BULK_LIMIT:
        raise errors.BulkLimitError(limit=BULK_LIMIT)
    ids = [d.pk for d in deeds]
    locked = list(
        Deed.objects.select_for_update(of=("self",))
        .filter(pk__in=ids)
        .select_related("deed_type__adopted_from", "deed_type__programme", "organisation", "area", "member")
        .prefetch_related("deed_type__virtues")
        .order_by("done_on", "pk")
    )
    if len(locked) != len(set(ids)):
        raise NotFoundError()
    for deed in locked:
        _guard_verifier(actor, deed)
        if deed.status not in (DeedStatus.PENDING, DeedStatus.AWAITING_SECOND):
            raise errors.DeedStateError(status=deed.get_status_display())
        if deed.status == DeedStatus.AWAITING_SECOND and deed.first_approver_id == actor.pk:
            raise errors.SameApproverError()
    _guard_consent(locked)
    # Credits already earned, per member and day / month / deed type, loaded in one query.
    members = {d.member_id for d in locked}
    _lock_members(members)
    # A deed reinstated on appeal that waited for its second approver is paid as its reinstatement would have been
    # (``deed_verify``); there are few, taken first, so the batch's caps count them.
    awaiting = [d.pk for d in locked if d.status == DeedStatus.AWAITING_SECOND]
    reinstated_ids = set(
        Decision.objects.filter(deed_id__in=awaiting, action=Decision.Action.APPEAL_UPHELD).values_list(
            "deed_id", flat=True
        )
        if awaiting
        else ()
    )
    reinstated = [deed_verify(actor=actor, deed=d, at=at) for d in locked if d.pk in reinstated_ids]
    locked = [d for d in locked if d.pk not in reinstated_ids]
    if not locked:
        return BulkResult(verified=reinstated, awaiting_second=[], credits=sum(d.credits for d in reinstated))
    books = _rulebook_ids({d.deed_type for d in locked})
    cache = VersionCache(set(books.values()))
    months = {(d.done_on.year, d.done_on.month) for d in locked}
    earned_day: dict[tuple[int, dt.date], int] = defaultdict(int)
    earned_month: dict[tuple[int, int, int], int] = defaultdict(int)
    earned_type: dict[tuple[int, tuple[int, str], int, int], int] = defaultdict(int)
    month_q = Q()
    for year, month in months:
        month_q |= Q(done_on__year=year, done_on__month=month)
    for member_id, done_on, programme_id, code, adopted_code, credits in Deed.objects.filter(
        month_q, member_id__in=members, status=DeedStatus.VERIFIED
    ).values_list(
        "member_id", "done_on", "deed_type__programme_id", "deed_type__code", "deed_type__adopted_from__code", "credits"
    ):
        earned_day[(member_id, done_on)] += credits
        earned_month[(member_id, done_on.year, done_on.month)] += credits
        earned_type[(member_id, cap_key(programme_id, code, adopted_code), done_on.year, done_on.month)] += credits
    verified: list[Deed] = []
    waiting: list[Deed] = []
    items: list[ledger.AwardItem] = []
    plan: list[tuple[Deed, engine.Award, list[int]]] = []
    now = timezone.now()
    for deed in locked:
        ids_for = [
            books.get((deed.deed_type.programme_id, None)),
            books.get((deed.deed_type.programme_id, deed.deed_type.organisation_id)),
        ]
        versions = [v for v in (cache.in_force(i, deed.done_on) for i in ids_for) if v is not None]
        type_key = (deed.member_id, cap_key(deed.deed_type.programme_id, engine_code(deed.deed_type), None))
        history = engine.History(
            day=earned_day[(deed.member_id, deed.done_on)],
            month=earned_month[(deed.member_id, deed.done_on.year, deed.done_on.month)],
            deed_type_month=earned_type[(*type_key, deed.done_on.year, deed.done_on.month)],
        )
        award = engine.compute_award(_facts(deed), [ruleset_of(v) for v in versions], history)
        version_ids = [v.pk for v in versions]
        if award.two_approvers and deed.status == DeedStatus.PENDING:
            waiting.append(deed)
            continue
        earned_day[(deed.member_id, deed.done_on)] += award.credits
        earned_month[(deed.member_id, deed.done_on.year, deed.done_on.month)] += award.credits
        earned_type[(*type_key, deed.done_on.year, deed.done_on.month)] += award.credits
        plan.append((deed, award, version_ids))
        if award.credits > 0:
            items.append(
                ledger.AwardItem(
                    organisation=deed.organisation,
                    member=deed.member,
                    amount=award.credits,
                    idempotency_key=_award_key(deed, version_ids),
                    cause=(CauseKind.DEED, deed.pk),
                    at=at,
                    memo=f"{deed.deed_type.name_th} {deed.done_on.isoformat()}",
                )
            )
    results = ledger.award_post_batch(actor=actor, items=items) if items else []
    journal_by_deed = {item.cause[1]: result.journal_id for item, result in zip(items, results, strict=True)}
    decisions = []
    through = Deed.rule_versions.through
    links = []
    explained = explanations_for([award.as_json() for _deed, award, _ids in plan])
    for (deed, award, version_ids), explanation in zip(plan, explained, strict=True):
        deed.status = DeedStatus.VERIFIED
        deed.credits = award.credits
        deed.explanation = explanation
        deed.decided_at = at or now
        deed.journal_id = journal_by_deed.get(deed.pk)
        decisions.append(Decision(deed=deed, actor=actor, action=Decision.Action.APPROVE, credits=award.credits))
        links += [through(deed_id=deed.pk, rulebookversion_id=v) for v in version_ids]
        verified.append(deed)
    for deed in waiting:
        deed.status = DeedStatus.AWAITING_SECOND
        deed.first_approver = actor
        decisions.append(Decision(deed=deed, actor=actor, action=Decision.Action.FIRST_APPROVAL))
    _save_verified(verified)
    Deed.objects.bulk_update(waiting, ["status", "first_approver"], batch_size=500)
    through.objects.bulk_create(links, ignore_conflicts=True)
    Decision.objects.bulk_create(decisions)
    notify_rows = [(d.member, d.deed_type.name_th, d.credits, d.public_id) for d in verified]
    from thamdee.inbox.models import Notification

    Notification.objects.bulk_create(
        [
            Notification(
                user=member,
                kind="deed_verified",
                title_th=f'ความดี "{name}" ได้รับการรับรอง ได้ {credits} เครดิต',
                title_en=f'Your good deed "{name}" was verified: {credits} credits',
                url=f"/deeds/{pid}/",
            )
            for member, name, credits, pid in notify_rows
        ],
        batch_size=500,
    )
    hooks.deeds_verified(verified)
    verified = reinstated + verified  # told and counted by ``deed_verify``
    return BulkResult(verified=verified, awaiting_second=waiting, credits=sum(d.credits for d in verified))


def _save_verified(deeds: Sequence[Deed]) -> None:
    """Write verified deeds with one prepared statement run for each row: Django's bulk_update builds a CASE
    expression per field and row, which cost more than the whole award batch for 500 deeds."""
    from django.db import connection

    if not deeds:
        return
    table = Deed._meta.db_table
    sql = (
        f"UPDATE {table} SET status = %s, credits = %s, explanation_id = %s, decided_at = %s, journal_id = %s "
        f"WHERE id = %s"
    )
    rows = [(d.status, d.credits, d.explanation_id, d.decided_at, d.journal_id, d.pk) for d in deeds]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


@transaction.atomic
def deed_reject(*, actor: User, deed: Deed, reason: str) -> Deed:
    """Refuse a deed with a reason; the member is told and may appeal."""
    deed = (
        Deed.objects.select_for_update(of=("self",))
        .select_related("deed_type__programme", "organisation", "area")
        .get(pk=deed.pk)
    )
    _guard_verifier(actor, deed)
    if not reason.strip():
        raise errors.ReasonRequiredError()
    if deed.status not in (DeedStatus.PENDING, DeedStatus.AWAITING_SECOND):
        raise errors.DeedStateError(status=deed.get_status_display())
    deed.status = DeedStatus.REJECTED
    deed.decided_at = timezone.now()
    deed.save(update_fields=["status", "decided_at"])
    Decision.objects.create(deed=deed, actor=actor, action=Decision.Action.REJECT, reason=reason.strip())
    notify(
        user=deed.member,
        kind="deed_rejected",
        title=_('ความดี "{name}" ไม่ได้รับการรับรอง'),
        body=_("เหตุผล: {reason} · อุทธรณ์ได้ที่หน้ารายการ"),
        url=f"/deeds/{deed.public_id}/",
        name=deed.deed_type.name_th,
        reason=reason.strip(),
    )
    return deed


def _lock_take_back(deed: Deed) -> None:
    """Lock the member's wallet with the accounts the deed's credits move between (its award's, its organisation's
    allotment), in one ascending pass: a voucher's refund locks the same rows before it reads what the member's
    reversed deeds still have to take back (``deed_take_backs_owed``), so it sees a reversal or a reinstatement
    either whole or not at all."""
    ids = set(
        Account.objects.filter(
            Q(kind=AccountKind.MEMBER, user_id=deed.member_id)
            | Q(kind=AccountKind.ALLOTMENT, organisation_id=deed.organisation_id)
        ).values_list("pk", flat=True)
    )
    if deed.journal_id:
        ids |= set(Posting.objects.filter(journal_id=deed.journal_id).values_list("account_id", flat=True))
    ledger.accounts_lock(ids)


def _take_back(actor: User, deed: Deed, reason: str) -> int:
    """Reverse a deed's award by a reversing journal; what the member already spent is never taken below zero."""
    if not deed.journal_id:
        return 0
    return ledger.award_take_back(
        actor=actor,
        journal=Journal.objects.get(pk=deed.journal_id),
        member=deed.member,
        reason=reason,
        idempotency_key=f"deed:{deed.public_id}:reversal:{deed.journal_id}",
    )


@transaction.atomic
def deed_reverse(*, actor: User, deed: Deed, reason: str) -> Deed:
    """A verified deed found wrong is reversed with a reason: a reversing journal, never a delete. The member
    is told and may appeal."""
    deed = (
        Deed.objects.select_for_update(of=("self",))
        .select_related("deed_type__programme", "organisation", "area", "member")
        .get(pk=deed.pk)
    )
    if not can_reverse_deed.test(actor, deed):
        raise NotFoundError()
    if actor.pk == deed.member_id:  # a decision on one's own deed, as verifying it would be
        raise errors.SelfReversalError()
    if not reason.strip():
        raise errors.ReasonRequiredError()
    if deed.status != DeedStatus.VERIFIED:
        raise errors.DeedStateError(status=deed.get_status_display())
    _lock_take_back(deed)
    taken = _take_back(actor, deed, reason.strip())
    # What the take-back could not reach (spent, given, or held in a voucher) is not owed; but if a voucher reserved
    # with it is refunded, the refund pays it first (``deed_take_backs_owed``), and the member is told so.
    left = ledger_selectors.member_share_of((CauseKind.DEED, deed.pk), deed.member_id)
    deed.status = DeedStatus.REVERSED
    deed.decided_at = timezone.now()
    deed.save(update_fields=["status", "decided_at"])
    Decision.objects.create(
        deed=deed, actor=actor, action=Decision.Action.REVERSE, reason=reason.strip(), credits=-taken
    )
    hooks.deeds_changed([deed])
    notify(
        user=deed.member,
        kind="deed_reversed",
        title=_('ความดี "{name}" ถูกกลับรายการ'),
        body=(
            _(
                "เหตุผล: {reason} · เก็บคืน {taken} เครดิต อีก {left} เครดิตคุณใช้ไปแล้ว ไม่ต้องคืน "
                "แต่ถ้าคูปองที่จองไว้ด้วยเครดิตนี้ถูกยกเลิกหรือหมดอายุ เครดิตที่คืนจะกลับไปยังองค์กรก่อน "
                "· อุทธรณ์ได้ที่หน้ารายการ"
            )
            if left > 0
            else _("เหตุผล: {reason} · อุทธรณ์ได้ที่หน้ารายการ")
        ),
        url=f"/deeds/{deed.public_id}/",
        name=deed.deed_type.name_th,
        reason=reason.strip(),
        taken=taken,
        left=left,
    )
    return deed


# --- take-backs paid by voucher refunds -------------------------------------------------------------------------


@dataclass
class TakeBackOwed:
    """A reversed deed's take-back still outstanding: the credits its reversal could not take back (the deed's
    share: its awards less what was taken back, at reversal and later), and where they go back to (the account
    its award came from, the organisation's allotment)."""

    deed: Deed
    credits: int
    to_account: Account


def deed_take_backs_owed(*, member: User, spent: Journal, reserved_at: dt.datetime) -> list[TakeBackOwed]:
    """The outstanding take-backs of the member's reversed deeds that the refund of ``spent`` (a voucher's hold,
    reserved at ``reserved_at``) pays first, oldest reversal first. Only a deed whose latest award came before the
    hold and that was reversed after the reservation counts: only then may the voucher hold that deed's credits.
    So a voucher the member used is kept, and a voucher bought before the award, or after the reversal, is refunded
    to the member in full. Derived from the ledger (``member_share_of``), nothing stored: a refund paid once is not
    owed twice.

    Locks first, in one ascending pass, the hold's accounts (the member's wallet, the partner's clearing account)
    and the allotments whose awards to the member a reversal could take back, so the answer holds until the
    caller's transaction ends: a reversal or a reinstatement of the member's deeds, and another refund, wait on
    the wallet (they lock it too), and no one deadlocks. Runs inside the refund's transaction.
    """
    reversible = Deed.objects.filter(member=member, status__in=[DeedStatus.VERIFIED, DeedStatus.REVERSED])
    awards = Journal.objects.filter(
        kind=JournalKind.AWARD, cause_kind=CauseKind.DEED, cause_id__in=reversible.values("pk"), pk__lt=spent.pk
    )
    ledger.accounts_lock(
        Posting.objects.filter(Q(journal_id=spent.pk) | Q(journal_id__in=awards.values("pk")))
        .values_list("account_id", flat=True)
        .distinct()
    )
    reversed_after = list(
        Deed.objects.filter(member=member, status=DeedStatus.REVERSED, decided_at__gt=reserved_at).order_by(
            "decided_at", "pk"
        )
    )
    ids = [deed.pk for deed in reversed_after]
    # Read for all the reversed deeds at once (three queries, however many): what each left in the wallet, each
    # one's latest award (what is outstanding was taken from it), and the account that award came from. A deed
    # whose latest award came after the hold (reinstated on appeal after the voucher was bought, say) held nothing
    # the voucher could have taken: the refund is the member's.
    shares = ledger_selectors.member_shares_of(CauseKind.DEED, ids, member.pk)
    latest_award: dict[int, int] = {}
    for cause_id, journal_id in (
        Journal.objects.filter(kind=JournalKind.AWARD, cause_kind=CauseKind.DEED, cause_id__in=ids)
        .order_by("pk")
        .values_list("cause_id", "pk")
    ):
        if cause_id is not None:
            latest_award[cause_id] = journal_id
    before_hold = {deed_id: pk for deed_id, pk in latest_award.items() if pk < spent.pk}
    source: dict[int, Account] = {}
    for posting in (
        Posting.objects.filter(journal_id__in=list(before_hold.values()))
        .exclude(account__kind=AccountKind.MEMBER)
        .select_related("account")
        .order_by("pk")
    ):
        source.setdefault(posting.journal_id, posting.account)
    owed = []
    for deed in reversed_after:
        credits = shares.get(deed.pk, 0)
        award_id = before_hold.get(deed.pk)
        if credits <= 0 or award_id is None or award_id not in source:
            continue
        owed.append(TakeBackOwed(deed=deed, credits=credits, to_account=source[award_id]))
    return owed


def deed_take_backs_collect(
    *, member: User, owed: Sequence[TakeBackOwed], credits: int, idempotency_key: str, memo: str
) -> int:
    """Pay outstanding take-backs (``deed_take_backs_owed``, read under the same locks) from ``credits`` a refund
    has just put back in the member's wallet, oldest reversal first; the member keeps the rest. Each payment is a
    reversal journal that names no original (the award's own reversal is the take-back made at reversal), with the
    deed as cause, from the wallet to the account the award came from; it takes the credits out of lifetime earned
    credits as the take-back does. Never more than a deed's outstanding take-back, never below zero. Idempotent:
    each journal's key is ``idempotency_key`` and the deed. Returns the credits paid."""
    wallet = ledger.account_wallet(member)
    paid = 0
    for item in owed:
        amount = min(item.credits, credits - paid)
        if amount <= 0:
            break
        ledger.journal_post(
            kind=JournalKind.REVERSAL,
            legs=[(wallet, -amount), (item.to_account, amount)],
            idempotency_key=f"{idempotency_key}:take-back:{item.deed.public_id}",
            memo=memo,
            cause=(CauseKind.DEED, item.deed.pk),
        )
        paid += amount
    return paid


# --- appeals --------------------------------------------------------------------------------------------------


@transaction.atomic
def appeal_file(*, actor: User, deed: Deed, reason: str) -> Appeal:
    """The member appeals the latest rejection or reversal of their deed (``selectors.decision_to_appeal``), once
    per decision, within the days that the rulebook versions in force on the day the deed was done give
    (``selectors.appeal_days_for``: what the member was shown). Those who may decide it are told, never the one
    who took the decision."""
    deed = (
        Deed.objects.select_for_update(of=("self",))
        .select_related("deed_type__programme", "organisation", "area")
        .get(pk=deed.pk)
    )
    if deed.member_id != actor.pk:
        raise NotFoundError()
    if deed.status not in (DeedStatus.REJECTED, DeedStatus.REVERSED):
        raise errors.DeedStateError(status=deed.get_status_display())
    if not reason.strip():
        raise errors.ReasonRequiredError()
    against = selectors.decision_to_appeal(deed)
    if against is None:
        if deed.decisions.filter(action__in=[Decision.Action.REJECT, Decision.Action.REVERSE]).exists():
            raise errors.AppealExistsError()
        raise errors.DeedStateError(status=deed.get_status_display())
    if timezone.now() > selectors.appeal_deadline(deed, against):
        raise errors.AppealWindowError(days=selectors.appeal_days_for(deed))
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(deed=deed, member=actor, against=against, reason=reason.strip())
    except IntegrityError:
        raise errors.AppealExistsError() from None
    notify_many(
        users=_appeal_deciders(deed, exclude=(against.actor_id, actor.pk)),
        kind="appeal_filed",
        title=_('มีอุทธรณ์ใหม่: "{name}"'),
        url=f"/deeds/{deed.public_id}/",
        name=deed.deed_type.name_th,
    )
    return appeal


def _appeal_deciders(deed: Deed, *, exclude: Iterable[int]) -> list[User]:
    """Who is told of a new appeal: those who may decide it (``can_decide_appeal``). For a national template's deed
    that its agency verifies, the active verifiers of the programme's agency whose scope covers the deed's area
    (the organisation cannot decide it); otherwise the organisation's verifiers and admins."""
    if deed.deed_type.agency_verifies:
        code = deed.area.code
        # A post covers the deed when its scope's code begins the area's code (``permissions.can_verify_deed``).
        scopes = [code[:i] for i in range(1, len(code) + 1)]
        users = User.objects.filter(
            Q(agency_posts__scope_area__isnull=True) | Q(agency_posts__scope_area__code__in=scopes),
            agency_posts__agency_id=deed.deed_type.programme.agency_id,
            agency_posts__is_verifier=True,
            agency_posts__is_active=True,
        )
    else:
        users = User.objects.filter(memberships__organisation=deed.organisation, memberships__is_active=True).filter(
            Q(memberships__is_admin=True) | Q(memberships__is_verifier=True)
        )
    return list(users.filter(is_active=True).exclude(pk__in=list(exclude)).distinct().order_by("pk"))


@transaction.atomic
def appeal_decide(*, actor: User, appeal: Appeal, uphold: bool, reason: str) -> Appeal:
    """Someone who may decide it (``can_decide_appeal``: those who may verify the deed, and for a deed its
    organisation verifies, its admins), never who took the decision appealed against nor the appellant, decides.
    Upheld: the deed is credited again by the rules of the day it was done, or, above the two-approver threshold
    with no other approver standing behind it, waits for a second approver (``_reinstate``). The outcome is
    recorded on the deed and counted."""
    appeal = (
        Appeal.objects.select_for_update(of=("self",))
        .select_related("deed__organisation", "deed__deed_type__programme", "against", "deed__area")
        .get(pk=appeal.pk)
    )
    deed = appeal.deed
    if not can_decide_appeal.test(actor, deed):
        raise NotFoundError()
    if actor.pk in (appeal.against.actor_id, appeal.member_id):
        raise errors.AppealDeciderError()
    if appeal.status != Appeal.Status.OPEN:
        raise errors.DeedStateError(status=appeal.get_status_display())
    if not reason.strip():
        raise errors.ReasonRequiredError()
    appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.DISMISSED
    appeal.decided_by = actor
    appeal.decided_at = timezone.now()
    appeal.decision_reason = reason.strip()
    appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    Decision.objects.create(
        deed=deed,
        actor=actor,
        reason=reason.strip(),
        action=Decision.Action.APPEAL_UPHELD if uphold else Decision.Action.APPEAL_DISMISSED,
    )
    if uphold:
        _reinstate(actor, deed)
    notify(
        user=deed.member,
        kind="appeal_decided",
        title=_('ผลอุทธรณ์ "{name}": {outcome}'),
        body=reason.strip(),
        url=f"/deeds/{deed.public_id}/",
        name=deed.deed_type.name_th,
        outcome=appeal.get_status_display(),
    )
    return appeal


def _reinstate(actor: User, deed: Deed) -> None:
    """Credit a deed whose rejection or reversal was overturned, by the rules of the day it was done. Above the
    rulebook's two-approver threshold, whatever the deed was before, it is credited only if someone other than the
    decider approved it and still stands by that approval; otherwise the decider is its first approver and it waits
    for a second, as any deed does (``deed_verify`` then pays it as this would)."""
    deed = (
        Deed.objects.select_for_update(of=("self",))
        .select_related("deed_type__adopted_from", "organisation", "area", "member")
        .get(pk=deed.pk)
    )
    _guard_consent([deed])
    _lock_members([deed.member_id])
    # What the member kept of the deed is read under the wallet's lock: a refund paying the deed's take-back waits.
    _lock_take_back(deed)
    award, version_ids = compute(deed)
    if award.two_approvers and not _standing_approvers(deed) - {actor.pk}:
        # An earlier award held low by a cap, say, was approved by one person: that is no second approval of
        # what the deed is worth now. A deed waiting holds no award (the ledger keeps its earlier ones, and its
        # second approval finds them there).
        deed.status = DeedStatus.AWAITING_SECOND
        deed.first_approver = actor
        deed.journal_id = None
        deed.save(update_fields=["status", "first_approver", "journal_id"])
        Decision.objects.create(deed=deed, actor=actor, action=Decision.Action.FIRST_APPROVAL, credits=award.credits)
        return
    _credit_reinstated(actor, deed, award, version_ids)
    hooks.deeds_verified([deed])


def _standing_approvers(deed: Deed) -> set[int]:
    """Who approved the deed (a first or second approval, an upheld appeal) and has not rejected or reversed it
    since: a verifier who reversed a deed they had approved no longer stands behind it."""
    standing: set[int] = set()
    approve = {Decision.Action.APPROVE, Decision.Action.FIRST_APPROVAL, Decision.Action.APPEAL_UPHELD}
    for action, actor_id in deed.decisions.order_by("at", "pk").values_list("action", "actor_id"):
        if action in approve:
            standing.add(actor_id)
        elif action in (Decision.Action.REJECT, Decision.Action.REVERSE):
            standing.discard(actor_id)
    return standing


def _appeals_upheld(deed: Deed) -> int:
    return deed.decisions.filter(action=Decision.Action.APPEAL_UPHELD).count()


def _credit_reinstated(
    actor: User, deed: Deed, award: engine.Award, version_ids: list[int], *, at: dt.datetime | None = None
) -> None:
    """Mark a deed reinstated on appeal verified and pay it, at once or at its second approval. Runs under the
    locks of the member and of the take-back (``_lock_take_back``)."""
    # A reversal takes back only what the member had not spent: they kept the rest, so the reinstatement pays
    # what the deed is worth less what they kept, and the deed's credits in all stay what the rules give.
    kept = ledger_selectors.member_share_of((CauseKind.DEED, deed.pk), deed.member_id)
    due = award.credits - kept
    # Each reinstatement is its own award (a deed may be reversed and reinstated more than once).
    upheld = _appeals_upheld(deed)
    result = None
    if due > 0:
        result = ledger.award_post(
            actor=actor,
            organisation=deed.organisation,
            member=deed.member,
            amount=due,
            cause=(CauseKind.DEED, deed.pk),
            idempotency_key=f"{_award_key(deed, version_ids)}:appeal:{upheld}",
            at=at,
            memo=f"{deed.deed_type.name_th} {deed.done_on.isoformat()}{APPEAL_MEMO_MARK}",
        )
    deed.status = DeedStatus.VERIFIED
    deed.credits = award.credits
    deed.explanation = explanation_for(award.as_json())
    deed.decided_at = timezone.now()
    if result is not None:
        deed.journal_id = result.journal_id
    else:
        # Nothing new to pay: the deed's award stays its latest one, unless that is already reversed, when a later
        # reversal has nothing of it to take. (An award the reversal took nothing from stays the deed's award.)
        latest = (
            Journal.objects.filter(kind=JournalKind.AWARD, cause_kind=CauseKind.DEED, cause_id=deed.pk)
            .order_by("-pk")
            .values_list("pk", flat=True)
            .first()
        )
        reversed_ = latest is None or Journal.objects.filter(reversal_of_id=latest).exists()
        deed.journal_id = None if reversed_ else latest
    deed.save(update_fields=["status", "credits", "explanation", "decided_at", "journal_id"])
    deed.rule_versions.set(version_ids)


@dataclass
class ImportReport:
    deeds: list[Deed]
    rows: int


@transaction.atomic
def deeds_import(*, actor: User, organisation: Organisation, data: bytes, filename: str = "") -> ImportReport:
    """Import a CSV or XLSX list of deeds for an organisation: all rows are checked first; if any row is wrong,
    ``ImportFileError`` lists every problem by row and nothing is imported."""
    from thamdee.deeds import importer

    if not can_record_for.test(actor, organisation):
        raise NotFoundError()
    try:
        rows = importer.read_rows(data, filename)
    except Exception:
        error = errors.ImportFileError(count=1)
        error.problems = [
            importer.RowError(
                1, "", "อ่านไฟล์ไม่ได้ ต้องเป็น CSV (UTF-8) หรือ XLSX", "The file could not be read: use CSV (UTF-8) or XLSX"
            )
        ]
        raise error from None
    inputs, problems = importer.validate(rows, organisation)
    if problems or not inputs:
        if not problems:
            problems = [importer.RowError(2, "", "ไม่มีข้อมูลในไฟล์", "The file has no rows")]
        error = errors.ImportFileError(count=len(problems))
        error.problems = problems
        raise error
    deeds = deed_record_for(actor=actor, entries=inputs, source=DeedSource.IMPORT)
    return ImportReport(deeds=deeds, rows=len(inputs))


def activity_is_open(activity: Activity) -> bool:
    moment = timezone.now()
    return not activity.is_closed and activity.starts_at - dt.timedelta(
        minutes=30
    ) <= moment <= activity.ends_at + dt.timedelta(hours=2)
