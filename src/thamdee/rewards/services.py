"""Writes for benefits: partners apply and agencies decide; partners publish offers; members reserve vouchers;
partner staff confirm them; vouchers that expire or are cancelled give their credits back.

Locks are always taken in the same order, so no two of these can deadlock: the voucher row (confirm, cancel,
refund), then the offer row (reserve, refund, offer changes), then the member's account row (reserve, FOR NO KEY
UPDATE, as the deeds app takes it), then the ledger's account rows (inside ``spend_post`` and ``journal_reverse``,
in ascending id order; a refund takes all of its accounts in one ascending pass first, see
``deeds.deed_take_backs_owed``). An erasure locks the person's account row and none of the others, so it cannot
deadlock with these either. A partner's application locks its organisation's row, then its profile.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from thamdee.areas.models import Area
from thamdee.common.errors import NotFoundError
from thamdee.common.permissions import require
from thamdee.creditrules.selectors import levels_of_programme
from thamdee.deeds import services as deeds
from thamdee.inbox.services import notify, notify_many
from thamdee.ledger import services as ledger
from thamdee.ledger.errors import AlreadyReversedError, IdempotencyConflictError, InsufficientCreditsError
from thamdee.ledger.models import CauseKind, Journal, Programme
from thamdee.ledger.selectors import balance_of
from thamdee.orgs.models import Organisation
from thamdee.people.models import User
from thamdee.people.services import users_lock
from thamdee.people.types import Actor
from thamdee.rewards import codes, selectors
from thamdee.rewards.errors import (
    AlreadySettledError,
    MemberLimitError,
    NothingToSettleError,
    OfferInvalidError,
    OfferLockedError,
    OutOfStockError,
    PartnerAlreadyAppliedError,
    PartnerKindError,
    PartnerNotAppliedError,
    PublicServicePartnerError,
    SettlementChangedError,
    SettlementInvalidError,
    SettlementMonthOpenError,
    SettlementReversedError,
    VoucherAlreadyUsedError,
    VoucherCancelledError,
    VoucherExpiredError,
    VoucherNotCancellableError,
    VoucherOwnConfirmationError,
)
from thamdee.rewards.models import (
    CLOSED,
    OFFER_FIRST_YEAR,
    OFFER_LAST_YEAR,
    OFFER_MAX_UNLOCK_CREDITS,
    PARTNER_KINDS,
    PUBLIC_SERVICE_KINDS,
    PUBLIC_SERVICE_SECTORS,
    Offer,
    OfferKind,
    PartnerProfile,
    PartnerStatus,
    Sector,
    Settlement,
    Unlock,
    Voucher,
    VoucherStatus,
)
from thamdee.rewards.permissions import (
    can_apply_as_partner,
    can_cancel_voucher,
    can_decide_partner,
    can_manage_offers,
    can_settle,
)

log = logging.getLogger(__name__)


# --- partners ---------------------------------------------------------------------------------------------------


def _check_may_be_partner(organisation: Organisation, sector: str) -> None:
    if organisation.kind in PUBLIC_SERVICE_KINDS or sector in PUBLIC_SERVICE_SECTORS:
        raise PublicServicePartnerError()
    if organisation.kind not in PARTNER_KINDS:
        raise PartnerKindError()
    if sector not in Sector.values:
        raise PartnerKindError()


@transaction.atomic
def partner_apply(*, actor: Actor, organisation: Organisation, sector: str, terms: str = "") -> PartnerProfile:
    """The organisation's admins ask to become a benefit partner. A refused partner may apply again.

    Public-service providers are refused here already (and again at approval, and by the database).
    """
    require(can_apply_as_partner, actor, organisation)
    _check_may_be_partner(organisation, sector)
    # The organisation's row first: on a first application there is no profile to lock, so two at once (two
    # admins, a double submit) queue here, and the second then finds the first's profile (``partner_applied``)
    # rather than failing on the one-to-one's unique index. FOR NO KEY UPDATE: rows that only refer to the
    # organisation do not wait for it.
    if not list(
        Organisation.objects.select_for_update(no_key=True).filter(pk=organisation.pk).values_list("pk", flat=True)
    ):
        raise NotFoundError()
    profile = PartnerProfile.objects.select_for_update().filter(organisation=organisation).first()
    if profile is not None and profile.status != PartnerStatus.REFUSED:
        raise PartnerAlreadyAppliedError()
    if profile is None:
        profile = PartnerProfile(organisation=organisation)
    profile.sector = sector
    profile.terms = terms.strip()
    profile.status = PartnerStatus.PENDING
    profile.applied_by = actor if getattr(actor, "is_authenticated", False) else None  # type: ignore[assignment]
    profile.applied_at = timezone.now()
    profile.decided_by = None
    profile.decided_at = None
    profile.decision_note = ""
    profile.save()
    return profile


@transaction.atomic
def partner_decide(*, actor: Actor, organisation: Organisation, status: str, note: str = "") -> PartnerProfile:
    """Agency staff whose area covers the partner (or site admins) approve, suspend or refuse it.

    Guarantees: only an approved partner's offers go live; a public-service provider is never approved
    (``public_service_partner``), whatever it declared, because its organisation kind or sector says so.
    """
    require(can_decide_partner, actor, organisation)
    if status not in (PartnerStatus.APPROVED, PartnerStatus.SUSPENDED, PartnerStatus.REFUSED):
        raise ValueError(status)
    profile = PartnerProfile.objects.select_for_update().filter(organisation=organisation).first()
    if profile is None:
        raise PartnerNotAppliedError()
    if status == PartnerStatus.APPROVED:
        _check_may_be_partner(organisation, profile.sector)
    profile.status = status
    profile.decided_by = actor  # type: ignore[assignment]
    profile.decided_at = timezone.now()
    profile.decision_note = note.strip()
    profile.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if profile.applied_by_id:
        notify(
            user=profile.applied_by,
            kind="partner_decided",
            title=_("ผลการพิจารณาภาคี {org}: {status}"),
            body=note.strip(),
            url=reverse("rewards:partner_home"),
            org=organisation.display_name(),
            status=PartnerStatus(status).label,
        )
    return profile


def partner_approve(*, actor: Actor, organisation: Organisation, note: str = "") -> PartnerProfile:
    return partner_decide(actor=actor, organisation=organisation, status=PartnerStatus.APPROVED, note=note)


# --- offers -----------------------------------------------------------------------------------------------------

OFFER_FIELDS = {
    "kind",
    "title_th",
    "title_en",
    "description",
    "cost",
    "stock",
    "per_member_limit",
    "valid_from",
    "valid_until",
    "voucher_hours",
    "unlock",
    "unlock_level",
    "unlock_credits",
    "unlock_deed_type",
    "unlock_deed_count",
    "unlock_months",
    "programme",
    "is_active",
}


def _default_programme() -> Programme | None:
    return Programme.objects.filter(is_active=True).order_by("pk").first()


WINDOW_MESSAGE = _("วันเริ่มและวันสิ้นสุดต้องอยู่ระหว่างปี ค.ศ. 2000 ถึง 2200")
UNLOCK_CREDITS_MESSAGE = _("เครดิตสะสมขั้นต่ำต้องไม่เกิน 1,000,000,000 เครดิต")


def offer_window_limits() -> tuple[dt.datetime, dt.datetime]:
    """The first moment an offer may open and the last it may close: the start of ``OFFER_FIRST_YEAR`` and the end
    of ``OFFER_LAST_YEAR``, local time."""
    return (
        timezone.make_aware(dt.datetime(OFFER_FIRST_YEAR, 1, 1)),
        timezone.make_aware(dt.datetime(OFFER_LAST_YEAR + 1, 1, 1)),
    )


# The checks that read something besides the offer itself (the rulebook's levels, the deed types); they can stop
# holding after the offer was saved, so they run when the offer is created, switched on, or its condition edited.
_CONDITION_FIELDS = {"unlock", "unlock_level", "programme", "unlock_deed_type"}


def _validate_offer(offer: Offer, *, changed: set[str] | None = None) -> None:
    """Refuse an offer that could not work (``offer_invalid``, with the reason). ``changed``: the fields an update
    sets; None for a new offer. An update checks the condition's level and deed type only when it edits the
    condition or switches the offer on, so a partner can always edit, and switch off, an offer whose level a later
    rulebook dropped."""

    def bad(reason: Any) -> OfferInvalidError:
        return OfferInvalidError(reason=reason)

    if not offer.title_th.strip():
        raise bad(_("ต้องมีชื่อสิทธิประโยชน์"))
    if offer.kind == OfferKind.SPEND:
        if not offer.cost or offer.cost <= 0:
            raise bad(_("สิทธิประโยชน์ที่แลกด้วยเครดิตต้องระบุจำนวนเครดิต"))
        if offer.stock is None:
            raise bad(_("สิทธิประโยชน์ที่แลกด้วยเครดิตต้องระบุจำนวนทั้งหมด"))
    elif offer.kind == OfferKind.PERK:
        if offer.cost:
            raise bad(_("สิทธิพิเศษไม่ใช้เครดิต"))
        if not offer.unlock:
            raise bad(_("สิทธิพิเศษต้องมีเงื่อนไขปลดล็อก"))
    else:
        raise bad(_("ชนิดสิทธิประโยชน์ไม่ถูกต้อง"))
    if offer.stock is not None and offer.stock < 1:
        raise bad(_("จำนวนทั้งหมดต้องมีอย่างน้อย 1"))
    if offer.per_member_limit < 1 or offer.voucher_hours < 1:
        raise bad(_("จำนวนต่อคนและอายุคูปองต้องมากกว่า 0"))
    if not offer.valid_from or not offer.valid_until or offer.valid_until <= offer.valid_from:
        raise bad(_("วันสิ้นสุดต้องหลังวันเริ่ม"))
    first, after_last = offer_window_limits()
    if offer.valid_from < first or offer.valid_until > after_last:
        raise bad(WINDOW_MESSAGE)
    if offer.unlock_credits > OFFER_MAX_UNLOCK_CREDITS:
        raise bad(UNLOCK_CREDITS_MESSAGE)
    check_condition = (
        changed is None or bool(changed & _CONDITION_FIELDS) or ("is_active" in changed and offer.is_active)
    )
    if offer.unlock == Unlock.LEVEL:
        if offer.programme_id is None:
            raise bad(_("ต้องระบุโครงการที่กำหนดระดับ"))
        if check_condition and offer.unlock_level not in {lvl.code for lvl in levels_of_programme(offer.programme_id)}:
            raise bad(_("ไม่มีระดับนี้ในกติกาของโครงการ"))
    elif offer.unlock == Unlock.EARNED:
        if offer.unlock_credits <= 0:
            raise bad(_("ต้องระบุเครดิตสะสมขั้นต่ำ"))
    elif offer.unlock == Unlock.DEED_TYPE:
        if not offer.unlock_deed_type or offer.unlock_deed_count <= 0 or offer.unlock_months <= 0:
            raise bad(_("ต้องระบุประเภทความดี จำนวนครั้ง และจำนวนเดือน"))
        from thamdee.deeds.models import DeedType

        named = selectors.deed_types_named(offer.unlock_deed_type, offer.partner_id)
        if check_condition and not DeedType.objects.filter(named).exists():
            # A code that names no national template and no entry of the partner's own could never unlock.
            raise bad(
                format_lazy(
                    _("ไม่พบประเภทความดีรหัส “{code}” ในแม่แบบระดับประเทศหรือในรายการของภาคีเอง"),
                    code=offer.unlock_deed_type,
                )
            )
        if check_condition and DeedType.objects.filter(named, is_sensitive=True).exists():
            # The partner would see, by name, everyone who redeemed it: who practises a religion, for example.
            raise bad(_("ประเภทความดีที่เป็นข้อมูลอ่อนไหวใช้เป็นเงื่อนไขสิทธิประโยชน์ไม่ได้"))
    elif offer.unlock:
        raise bad(_("เงื่อนไขปลดล็อกไม่ถูกต้อง"))


def _areas(codes_: Iterable[str]) -> list[Area]:
    wanted = {str(c).strip() for c in codes_ if str(c).strip()}
    found = list(Area.objects.filter(code__in=wanted))
    if len(found) != len(wanted):
        missing = sorted(wanted - {a.code for a in found})
        raise OfferInvalidError(reason=format_lazy(_("ไม่พบรหัสพื้นที่ {codes}"), codes=", ".join(missing)))
    return found


def _clean_photo(upload: Any) -> ContentFile:
    """Re-encode an uploaded photo as JPEG: drops EXIF (GPS) and anything hidden in the file."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(upload) as original:
            upright = ImageOps.exif_transpose(original) or original
            picture = upright.convert("RGB")
            picture.thumbnail((1600, 1600))
            out = io.BytesIO()
            picture.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise OfferInvalidError(reason=_("ไฟล์ภาพไม่ถูกต้อง")) from exc
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.jpg")


@transaction.atomic
def offer_create(
    *,
    actor: Actor,
    partner: Organisation,
    kind: str,
    title_th: str,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    area_codes: Iterable[str] = (),
    photo: Any = None,
    **fields: Any,
) -> Offer:
    """A partner's staff publish an offer. It goes live when it is active, inside its window, and the partner is
    approved; its remaining stock starts at its stock. Level unlocks name a level of the programme's rulebook."""
    require(can_manage_offers, actor, partner)
    if not PartnerProfile.objects.filter(organisation=partner).exists():
        raise PartnerNotAppliedError()
    unknown = set(fields) - OFFER_FIELDS
    if unknown:
        raise ValueError(f"not offer fields: {sorted(unknown)}")
    offer = Offer(
        partner=partner,
        kind=kind,
        title_th=title_th.strip(),
        valid_from=valid_from,
        valid_until=valid_until,
        created_by=actor if isinstance(actor, User) else None,
        **fields,
    )
    if offer.unlock == Unlock.LEVEL and offer.programme_id is None:
        offer.programme = _default_programme()
    offer.remaining = offer.stock
    _validate_offer(offer)
    areas = _areas(area_codes)
    if photo:
        offer.photo = _clean_photo(photo)  # type: ignore[assignment]
    offer.save()
    offer.areas.set(areas)
    return offer


@transaction.atomic
def offer_update(
    *, actor: Actor, offer: Offer, area_codes: Iterable[str] | None = None, photo: Any = None, **changes: Any
) -> Offer:
    """Change an offer. Changing the stock moves the remaining stock by the same amount, never below what is
    already reserved or used; vouchers already issued keep the cost they were reserved at.

    Switching an offer off always works, even when it no longer passes the checks of a new offer (its level was
    dropped from the rulebook, its deed type marked sensitive since); other changes are checked, and the
    condition's level and deed type only when the condition is edited or the offer switched on."""
    require(can_manage_offers, actor, offer.partner)
    unknown = set(changes) - OFFER_FIELDS
    if unknown:
        raise ValueError(f"not offer fields: {sorted(unknown)}")
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    old_stock = locked.stock
    for name, value in changes.items():
        setattr(locked, name, value)
    if "stock" in changes:
        if locked.stock is None:
            locked.remaining = None
        else:
            used = (
                (old_stock or 0) - (locked.remaining or 0)
                if old_stock is not None
                # From unlimited: the vouchers in use, and those cancelled or expired whose refund (which gives
                # their place back to the stock) has not run yet.
                else locked.vouchers.filter(
                    Q(status__in=[VoucherStatus.HELD, VoucherStatus.CONFIRMED])
                    | Q(status__in=CLOSED, refunded_at__isnull=True)
                ).count()
            )
            if locked.stock < used:
                raise OfferInvalidError(reason=format_lazy(_("จำนวนทั้งหมดน้อยกว่าที่ถูกจองหรือใช้ไปแล้ว ({n})"), n=used))
            locked.remaining = locked.stock - used
    if locked.unlock == Unlock.LEVEL and locked.programme_id is None:
        locked.programme = _default_programme()
    switching_off_only = set(changes) == {"is_active"} and not locked.is_active and not photo and area_codes is None
    if not switching_off_only:
        _validate_offer(locked, changed=set(changes))
    if photo:
        locked.photo = _clean_photo(photo)  # type: ignore[assignment]
    locked.save()
    if area_codes is not None:
        locked.areas.set(_areas(area_codes))
    return locked


# --- reserving a voucher ----------------------------------------------------------------------------------------


def _voucher_url(voucher: Voucher) -> str:
    return reverse("rewards:voucher", args=[voucher.public_id])


def _schedule_expiry(public_id: str, expires_at: dt.datetime) -> None:
    from thamdee.rewards import tasks

    tasks.schedule_expiry(public_id, expires_at)


def _schedule_refund(public_id: str) -> None:
    from thamdee.rewards import tasks

    tasks.voucher_refund_task.enqueue(public_id)


def redemption_create(*, actor: User, offer: Offer, idempotency_key: str) -> Voucher:
    """Reserve an offer for the acting member: a voucher with a short code and a QR, valid for the offer's
    ``voucher_hours``; its credits are held at once in the partner's clearing account.

    Guarantees, under any number of concurrent requests: stock is never oversold (a conditional update of the
    offer row); the member never passes the per-member limit (checked while that row is locked) and never
    overdraws (the ledger's conditional update); nothing is written unless everything is. The same
    ``idempotency_key`` from the same member returns the first voucher. Offers closed, elsewhere or unknown are
    not found; locked perks answer ``offer_locked`` with the condition in words.
    """
    key = selectors.redemption_request_key(actor, idempotency_key)
    existing = Voucher.objects.filter(request_key=key).first()
    if existing is not None:
        return _replayed(existing, offer)
    try:
        return _reserve(actor, offer, key)
    except IntegrityError:
        existing = Voucher.objects.filter(request_key=key).first()
        if existing is None:
            raise
        return _replayed(existing, offer)
    except (OutOfStockError, MemberLimitError, InsufficientCreditsError):
        # A copy of this request sent at the same moment may have taken the last unit, the member's last place or
        # the credits, and committed while this one waited for the offer's row: then it is the first voucher.
        existing = Voucher.objects.filter(request_key=key).first()
        if existing is None:
            raise
        return _replayed(existing, offer)


@dataclass(frozen=True)
class Reservation:
    voucher: Voucher
    replayed: bool  # a retry of a request already answered: its voucher, not a new one


def offer_redeem(*, actor: User, public_id: Any, idempotency_key: str) -> Reservation:
    """Reserve the offer with this public id for the acting member (``redemption_create``).

    A retry of a request already answered returns its voucher (``replayed``), even when the offer has since been
    switched off, closed or left the member's area: the member's credits are held in that voucher. Otherwise the
    offer must be live where the member is (not found), and a key already used for another offer is refused.
    """
    first = selectors.voucher_for_request(viewer=actor, idempotency_key=idempotency_key)
    if first is not None and str(first.offer.public_id) == str(public_id):
        return Reservation(voucher=first, replayed=True)
    entry = selectors.offer_get_for_member(viewer=actor, public_id=public_id)  # live, in area, or 404
    voucher = redemption_create(actor=actor, offer=entry.offer, idempotency_key=idempotency_key)
    return Reservation(voucher=voucher, replayed=False)


def _replayed(voucher: Voucher, offer: Offer) -> Voucher:
    if voucher.offer_id != offer.pk:
        raise IdempotencyConflictError()
    return voucher


def _lock_active_member(member: User) -> None:
    """Hold the member's account row until the reservation ends, and refuse (not found, as for anyone the offer is
    not open to) an account no longer active. An erasure holds the row (FOR UPDATE,
    ``privacy.services.erasure_carry_out``) while it checks that no voucher is held and cuts the person out: a
    reservation arriving meanwhile waits here and then, the row read again under READ COMMITTED, finds the account
    inactive (and its memberships gone: everything read below sees what the erasure committed); a reservation that
    took the row first saves its voucher before the erasure looks, which then refuses. FOR NO KEY UPDATE, as the
    deeds app (``deeds.services._lock_recorded_members``): foreign-key checks on the member do not wait for it. Taken
    after the offer's row, before the ledger's accounts (the module's lock order). On SQLite, write transactions run
    one at a time anyway."""
    if not users_lock([member.pk], active=True):
        raise NotFoundError()


@transaction.atomic
def _reserve(member: User, offer: Offer, key: str) -> Voucher:
    # Lock the offer row before reading anything of it: concurrent reservations and the partner's changes
    # (``offer_update`` locks the same row) queue here, so what is decided below (live, unlocked, the cost, limited
    # or not) is what the offer says now, not what it said before this request waited for the lock.
    if not list(Offer.objects.select_for_update().filter(pk=offer.pk).values_list("pk", flat=True)):
        raise NotFoundError()
    _lock_active_member(member)
    entry = selectors.offer_get_for_member(viewer=member, public_id=offer.public_id)  # live, in area, or 404
    offer = entry.offer
    if not entry.unlocked:
        raise OfferLockedError(condition=selectors.unlock_condition_lazy(offer))
    if offer.cost and balance_of(member) < offer.cost:  # fail fast; the ledger's own check is what guarantees it
        raise InsufficientCreditsError()
    now = timezone.now()
    if offer.stock is not None:  # take one from the stock (the conditional update backs the lock up)
        taken = Offer.objects.filter(pk=offer.pk, remaining__gt=0).update(remaining=F("remaining") - 1)
        if not taken:
            raise OutOfStockError()
    used = Voucher.objects.filter(
        offer=offer, member=member, status__in=[VoucherStatus.HELD, VoucherStatus.CONFIRMED]
    ).count()
    if used >= offer.per_member_limit:
        raise MemberLimitError(limit=offer.per_member_limit)
    voucher = Voucher(
        offer=offer,
        partner_id=offer.partner_id,
        member=member,
        cost=offer.cost,
        request_key=key,
        created_at=now,
        expires_at=now + dt.timedelta(hours=offer.voucher_hours),
    )
    for attempt in range(5):
        voucher.code = codes.new_code()
        try:
            with transaction.atomic():
                voucher.save(force_insert=True)
            break
        except IntegrityError as exc:
            if "code" not in str(exc) or attempt == 4:
                raise
            voucher.pk = None  # type: ignore[assignment]
    if offer.cost:
        result = ledger.spend_post(
            actor=member,
            member=member,
            partner=offer.partner,
            amount=offer.cost,
            idempotency_key=f"voucher:{voucher.public_id}",
            cause=(CauseKind.VOUCHER, voucher.pk),
            memo=offer.title_th[:300],
        )
        voucher.hold_journal_id = result.journal_id
        Voucher.objects.filter(pk=voucher.pk).update(hold_journal_id=result.journal_id)
    transaction.on_commit(partial(_schedule_expiry, str(voucher.public_id), voucher.expires_at), robust=True)
    return voucher


# --- confirming, cancelling, expiring, refunding ----------------------------------------------------------------


@transaction.atomic
def voucher_confirm(*, actor: User, text: str) -> Voucher:
    """Partner staff confirm a voucher by its typed code, its token, or the link its QR holds.

    Guarantees: a voucher is confirmed at most once, even by two staff at the same moment (a conditional update
    of its row), and never after it expired or was cancelled; never by the member who holds it, even when they are
    staff of the partner (``voucher_own_confirmation``: another of its staff confirms it). Staff of another
    partner, and everyone else, get not found.
    """
    voucher = selectors.voucher_find_for_staff(viewer=actor, text=text)
    if voucher.member_id == actor.pk:
        raise VoucherOwnConfirmationError()
    now = timezone.now()
    done = Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.HELD, expires_at__gt=now).update(
        status=VoucherStatus.CONFIRMED, confirmed_at=now, confirmed_by=actor
    )
    if not done:
        voucher.refresh_from_db(fields=["status", "expires_at"])
        if voucher.status == VoucherStatus.CONFIRMED:
            raise VoucherAlreadyUsedError()
        if voucher.status == VoucherStatus.CANCELLED:
            raise VoucherCancelledError()
        raise VoucherExpiredError()
    voucher.status, voucher.confirmed_at, voucher.confirmed_by = VoucherStatus.CONFIRMED, now, actor
    notify(
        user=voucher.member,
        kind="voucher_confirmed",
        title=_("ใช้คูปอง {offer} ที่ {partner} แล้ว"),
        url=_voucher_url(voucher),
        offer=voucher.offer.display_name(),
        partner=voucher.partner.display_name(),
    )
    return voucher


@transaction.atomic
def voucher_cancel(*, actor: User, voucher: Voucher) -> Voucher:
    """The member cancels an unused voucher. Its credits and stock come back by a background task (and, if no
    worker runs, by ``thamdee vouchers expire``), exactly once."""
    if not can_cancel_voucher.test(actor, voucher):
        raise NotFoundError()
    now = timezone.now()
    done = Voucher.objects.filter(pk=voucher.pk, status=VoucherStatus.HELD).update(
        status=VoucherStatus.CANCELLED, closed_at=now
    )
    if not done:
        raise VoucherNotCancellableError()
    voucher.status, voucher.closed_at = VoucherStatus.CANCELLED, now
    transaction.on_commit(partial(_schedule_refund, str(voucher.public_id)), robust=True)
    return voucher


def voucher_expire(*, public_id: str | uuid.UUID, now: dt.datetime | None = None) -> bool:
    """Close a held voucher whose expiry has passed and refund it, in one transaction. Running it again, or for a
    voucher confirmed in time, does nothing. Returns whether this call expired it."""
    now = now or timezone.now()
    with transaction.atomic():
        done = Voucher.objects.filter(public_id=public_id, status=VoucherStatus.HELD, expires_at__lte=now).update(
            status=VoucherStatus.EXPIRED, closed_at=now
        )
        if not done:
            return False
        voucher_refund(public_id=public_id)
    return True


def voucher_refund(*, public_id: str | uuid.UUID) -> bool:
    """Give back what a cancelled or expired voucher held: its credits, by a reversing journal of the hold, and
    its place in the stock.

    Credits of a deed reversed while the voucher held them are not given back: the reversal could not take them
    from the wallet, so the refund pays that outstanding take-back first, to the account the award came from, and
    the member gets the rest (``deeds.deed_take_backs_owed``; a voucher the member used is kept). The notice says
    so. Every refund (cancellation, expiry, the sweeper) comes through here.

    Idempotent: the voucher row is marked refunded by a conditional update (``WHERE refunded_at IS NULL``) before
    anything else, in the same transaction as the reversal and the take-backs, whose own idempotency keys and the
    ledger's one-reversal-per-journal rule back it up. Running it twice, or concurrently, refunds once. Returns
    whether this call refunded.
    """
    with transaction.atomic():
        now = timezone.now()
        done = Voucher.objects.filter(public_id=public_id, status__in=CLOSED, refunded_at__isnull=True).update(
            refunded_at=now
        )
        if not done:
            return False
        voucher = Voucher.objects.select_related("offer", "partner", "member").get(public_id=public_id)
        # The offer's row, locked before its stock is read (after the voucher's, the module's lock order): a stock
        # set meanwhile on an unlimited offer (``offer_update``, under the same lock) then either committed first,
        # counting this voucher as owed its place, which is given back here; or waits, and finds it refunded.
        stock = Offer.objects.select_for_update().filter(pk=voucher.offer_id).values_list("stock", flat=True).first()
        if stock is not None:
            Offer.objects.filter(pk=voucher.offer_id, remaining__lt=F("stock")).update(remaining=F("remaining") + 1)
        taken = 0
        if voucher.hold_journal_id:
            hold = Journal.objects.get(pk=voucher.hold_journal_id)
            owed = deeds.deed_take_backs_owed(member=voucher.member, spent=hold, reserved_at=voucher.created_at)
            reason = "คูปองหมดอายุ คืนเครดิต" if voucher.status == VoucherStatus.EXPIRED else "ยกเลิกคูปอง คืนเครดิต"
            key = f"voucher-refund:{voucher.public_id}"
            returned = voucher.cost
            try:
                result = ledger.journal_reverse(
                    actor=None,
                    journal=hold,
                    reason=f"{reason} {voucher.display_code}",
                    idempotency_key=key,
                )
                refund_id = result.journal_id
            except AlreadyReversedError:  # reversed by hand already: the credits are back
                refund_id = Journal.objects.get(reversal_of=hold).pk
                returned = 0  # they came back earlier, not now: nothing of this refund to pay take-backs with
            Voucher.objects.filter(pk=voucher.pk).update(refund_journal_id=refund_id)
            if owed and returned:
                taken = deeds.deed_take_backs_collect(
                    member=voucher.member,
                    owed=owed,
                    credits=returned,
                    idempotency_key=key,
                    memo=f"เก็บคืนเครดิตของความดีที่ถูกกลับรายการ จากเครดิตที่คืนจากคูปอง {voucher.display_code}",
                )
        expired = voucher.status == VoucherStatus.EXPIRED
        body: Any = ""
        if taken:
            title = (
                _("คูปอง {offer} หมดอายุ คืนให้คุณ {amount} จาก {cost} เครดิต")
                if expired
                else _("ยกเลิกคูปอง {offer} แล้ว คืนให้คุณ {amount} จาก {cost} เครดิต")
            )
            body = _(
                "อีก {taken} เครดิตเป็นเครดิตของความดีที่ถูกกลับรายการ ซึ่งใช้จองคูปองนี้ไว้ "
                "จึงกลับไปยังองค์กรที่ให้เครดิต ดูรายการได้ในสมุดบัญชีความดี"
            )
        elif expired:
            title = _("คูปอง {offer} หมดอายุ") if not voucher.cost else _("คูปอง {offer} หมดอายุ คืน {amount} เครดิตแล้ว")
        else:
            title = _("ยกเลิกคูปอง {offer} แล้ว") if not voucher.cost else _("ยกเลิกคูปอง {offer} แล้ว คืน {amount} เครดิตแล้ว")
        notify(
            user=voucher.member,
            kind="voucher_refunded",
            title=title,
            body=body,
            url=_voucher_url(voucher),
            offer=voucher.offer.display_name(),
            amount=voucher.cost - taken,
            cost=voucher.cost,
            taken=taken,
        )
    return True


@dataclass
class SweepResult:
    expired: int
    refunded: int
    failed: int


def vouchers_sweep(*, now: dt.datetime | None = None, limit: int = 5000) -> SweepResult:
    """Expire every held voucher past its expiry and refund every cancelled or expired voucher not yet refunded
    (a task that never ran, a worker that was down). Each voucher in its own transaction; safe to run at any
    time, any number of times, alongside the tasks."""
    now = now or timezone.now()
    expired = refunded = failed = 0
    due = list(
        Voucher.objects.filter(status=VoucherStatus.HELD, expires_at__lte=now)
        .order_by("expires_at")
        .values_list("public_id", flat=True)[:limit]
    )
    for public_id in due:
        try:
            expired += voucher_expire(public_id=public_id, now=now)
        except Exception:  # one bad voucher must not stop the sweep; it is logged and retried next time
            log.exception("voucher %s: expiry failed", public_id)
            failed += 1
    owed = list(
        Voucher.objects.filter(status__in=CLOSED, refunded_at__isnull=True)
        .order_by("closed_at")
        .values_list("public_id", flat=True)[:limit]
    )
    for public_id in owed:
        try:
            refunded += voucher_refund(public_id=public_id)
        except Exception:
            log.exception("voucher %s: refund failed", public_id)
            failed += 1
    return SweepResult(expired=expired, refunded=refunded, failed=failed)


# --- settlement ---------------------------------------------------------------------------------------------------


def _notify_partner_staff(partner: Organisation, **message: Any) -> None:
    staff = User.objects.filter(
        Q(memberships__is_partner_staff=True) | Q(memberships__is_admin=True),
        memberships__organisation=partner,
        memberships__is_active=True,
    ).distinct()
    notify_many(users=list(staff), **message)


@transaction.atomic
def settlement_record(
    *,
    actor: Actor,
    partner: Organisation,
    year: int,
    month: int,
    credits: int,
    reference: str,
    note: str = "",
) -> Settlement:
    """The programme settled a partner's month: record it, and move the credits of the vouchers confirmed that
    month from the partner's clearing account to its settled account (``ledger.settlement_post``).

    ``credits`` is the figure the settler read on the monthly statement: if the month's figure is no longer that
    (a voucher's hold was reversed since), nothing is recorded (``settlement_changed``), so nobody settles a
    figure they did not see. Agency staff over the partner's area or site admins, never the partner's own staff or
    admins; anyone else: not found.

    Guarantees: only a month that has been over for an hour (``settlement_month_open``; a voucher confirmed in its
    last second is then committed and counted) and has credits to settle (``nothing_to_settle``); at most one
    settlement in force per partner and month, even when two people settle at once (a partial unique index; the
    second gets ``already_settled``); the record and the journal together or not at all.
    """
    if not can_settle.test(actor, partner):
        raise NotFoundError()
    if not 1 <= month <= 12 or not 2000 <= year <= 2200:
        raise SettlementInvalidError(reason=_("เดือนไม่ถูกต้อง"))
    if not selectors.month_closed(year, month):
        raise SettlementMonthOpenError()
    reference = (reference or "").strip()
    if not reference:
        raise SettlementInvalidError(reason=_("ต้องระบุเลขที่อ้างอิงการชำระ"))
    if selectors.settlement_of_month(partner=partner, year=year, month=month) is not None:
        raise AlreadySettledError()
    count, total = selectors.to_settle(partner=partner, year=year, month=month)
    if total <= 0:
        raise NothingToSettleError()
    if credits != total:
        raise SettlementChangedError(credits=total)
    try:
        with transaction.atomic():
            settlement = Settlement.objects.create(
                partner=partner,
                year=year,
                month=month,
                credits=total,
                vouchers=count,
                reference=reference[:100],
                note=(note or "").strip()[:1000],
                settled_by=actor,  # type: ignore[misc]
            )
    except IntegrityError:  # another settler of the same month committed first (the partial unique index)
        raise AlreadySettledError() from None
    # Each voucher the settlement covers points to it, so the covered vouchers can be audited one by one; marked by
    # one conditional update, which must find exactly the vouchers counted above.
    covered = (
        selectors.settleable_vouchers(partner=partner, year=year, month=month)
        .filter(settlement__isnull=True)
        .update(settlement=settlement)
    )
    if covered != count:
        raise SettlementChangedError(credits=total)
    label = selectors.month_label(year, month)
    result = ledger.settlement_post(
        actor=actor,
        partner=partner,
        amount=total,
        settlement_id=settlement.pk,
        memo=f"ชำระบัญชีกับภาคี {label} อ้างอิง {settlement.reference}",
    )
    settlement.journal_id = result.journal_id
    Settlement.objects.filter(pk=settlement.pk).update(journal_id=result.journal_id)
    _notify_partner_staff(
        partner,
        kind="partner_settled",
        title=_("ชำระบัญชีเดือน {month} แล้ว: {credits} เครดิต"),
        body=_("{vouchers} คูปอง อ้างอิง {reference}"),
        url=selectors.statement_url(partner, year, month),
        month=label,
        credits=total,
        vouchers=count,
        reference=settlement.reference,
    )
    return settlement


@transaction.atomic
def settlement_reverse(*, actor: Actor, settlement: Settlement, reason: str) -> Settlement:
    """Undo a settlement recorded by mistake: a reversing journal moves its credits back to the partner's clearing
    account, the record stays (marked reversed, with who, when and why) and the month can be settled again.
    Same people as settling; at most once (``settlement_already_reversed``)."""
    partner = settlement.partner
    if not can_settle.test(actor, partner):
        raise NotFoundError()
    reason = (reason or "").strip()
    if not reason:
        raise SettlementInvalidError(reason=_("ต้องระบุเหตุผลที่กลับรายการ"))
    locked = Settlement.objects.select_for_update().get(pk=settlement.pk)
    if locked.reversed_at is not None:
        raise SettlementReversedError()
    if locked.journal_id is None:  # recorded and posted in one transaction: never seen without its journal
        raise SettlementReversedError()
    try:
        result = ledger.journal_reverse(
            actor=actor,
            journal=Journal.objects.get(pk=locked.journal_id),
            reason=f"กลับรายการชำระบัญชี: {reason}"[:500],
            idempotency_key=f"settlement-reversal:{locked.pk}",
        )
    except AlreadyReversedError:
        raise SettlementReversedError() from None
    now = timezone.now()
    Settlement.objects.filter(pk=locked.pk).update(
        reversed_at=now, reversed_by=actor, reversal_reason=reason[:500], reversal_journal_id=result.journal_id
    )
    Voucher.objects.filter(settlement=locked).update(settlement=None)  # free for the month's next settlement
    locked.reversed_at, locked.reversed_by, locked.reversal_reason = now, actor, reason[:500]  # type: ignore[assignment]
    locked.reversal_journal_id = result.journal_id
    _notify_partner_staff(
        partner,
        kind="partner_settlement_reversed",
        title=_("กลับรายการชำระบัญชีเดือน {month} แล้ว"),
        body=reason,
        url=selectors.statement_url(partner, locked.year, locked.month),
        month=selectors.month_label(locked.year, locked.month),
    )
    return locked
