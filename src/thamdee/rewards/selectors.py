"""Reads for benefits, scoped to who is asking: the member's catalogue and vouchers, a partner's redemptions and
monthly statement, and the partners an agency looks after."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _

from thamdee.common import thaitime
from thamdee.common.errors import NotFoundError
from thamdee.creditrules.engine import Level, level_for
from thamdee.creditrules.selectors import levels_held, levels_of_programme
from thamdee.ledger.selectors import balance_of, earned_total_of
from thamdee.orgs.models import Membership, Organisation
from thamdee.orgs.roles import roles_for
from thamdee.people.models import User
from thamdee.people.types import Actor
from thamdee.rewards import codes
from thamdee.rewards.models import (
    PARTNER_KINDS,
    Offer,
    OfferKind,
    PartnerProfile,
    PartnerStatus,
    Settlement,
    Unlock,
    Voucher,
    VoucherStatus,
)
from thamdee.rewards.permissions import (
    can_decide_partner,
    can_manage_offers,
    can_settle,
    can_view_redemptions,
    can_view_statement,
    can_view_voucher,
    is_benefit_staff,
)

# --- where a member is, and what they have earned --------------------------------------------------------------


def area_prefixes(code: str) -> list[str]:
    """The codes of an area and of every area that contains it (an offer for any of them applies)."""
    return [code[:n] for n in (2, 4, 6, 8) if len(code) >= n]


def member_area_prefixes(member: User) -> list[str]:
    """Where a member lives, or, if that is not recorded, where their organisations are."""
    if member.home_area is not None:
        return area_prefixes(member.home_area.code)
    codes_: set[str] = set()
    for code in Membership.objects.filter(user_id=member.pk, is_active=True).values_list(
        "organisation__area__code", flat=True
    ):
        codes_.update(area_prefixes(code))
    return sorted(codes_)


def _months_ago(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = [
        31,
        29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ][month - 1]
    return dt.date(year, month, min(day.day, last))


@dataclass
class Standing:
    """What a member has earned, for unlocking perks; computed once per request."""

    member: User
    earned: int
    balance: int
    _levels: dict[int, tuple[Level, ...]] = field(default_factory=dict)
    _level: dict[int, Level | None] = field(default_factory=dict)
    _deeds: dict[tuple[str, int, int], int] = field(default_factory=dict)
    _deed_names: dict[tuple[str, int], str] = field(default_factory=dict)

    def deed_type_name(self, code: str, partner_id: int) -> str:
        if (code, partner_id) not in self._deed_names:
            self._deed_names[(code, partner_id)] = _deed_type_name(code, partner_id)
        return self._deed_names[(code, partner_id)]

    def levels(self, programme_id: int) -> tuple[Level, ...]:
        if programme_id not in self._levels:
            self._levels[programme_id] = levels_of_programme(programme_id)
        return self._levels[programme_id]

    def level(self, programme_id: int) -> Level | None:
        """The highest level the lifetime credits reach, or one the member reached before (kept when a later
        rulebook raises its threshold: a perk it unlocked is never locked again)."""
        if programme_id not in self._level:
            levels = self.levels(programme_id)
            held = levels_held(self.member.pk, programme_id) if levels else frozenset()
            self._level[programme_id] = level_for(self.earned, levels, held)
        return self._level[programme_id]

    def verified_deeds(self, deed_type_code: str, months: int, partner_id: int) -> int:
        """Verified deeds done in the last ``months`` months of the deed types an offer of this partner names by
        ``deed_type_code`` (``deed_types_named``)."""
        key = (deed_type_code, months, partner_id)
        if key not in self._deeds:
            from thamdee.deeds.models import Deed, DeedStatus

            since = _months_ago(timezone.localdate(), months)
            # Sensitive deed types never unlock anything (an offer cannot name one; this holds for one named
            # before a type was marked sensitive).
            self._deeds[key] = Deed.objects.filter(
                deed_types_named(deed_type_code, partner_id, prefix="deed_type__"),
                member_id=self.member.pk,
                status=DeedStatus.VERIFIED,
                done_on__gte=since,
                deed_type__is_sensitive=False,
            ).count()
        return self._deeds[key]


def member_standing(member: User) -> Standing:
    return Standing(member=member, earned=earned_total_of(member), balance=balance_of(member))


def _level_name(level: Level) -> str:
    english = (translation.get_language() or "th").startswith("en")
    return level.name_en if english and level.name_en else level.name_th


def deed_types_named(code: str, partner_id: int, *, prefix: str = "") -> Q:
    """The deed types that an offer of this partner names by ``code``: the national template with that code, the
    organisations' entries adopted from it (whatever their own code), and the partner organisation's own entries
    with that code (a savings group's own savings deed). Another organisation's own entry that merely shares the
    code is not one of them: that organisation, not the partner, decides what it takes to do it.

    ``prefix`` is the path to the deed type from the model queried (``"deed_type__"`` from ``Deed``)."""
    return (
        Q(**{f"{prefix}organisation__isnull": True, f"{prefix}code": code})
        | Q(**{f"{prefix}adopted_from__organisation__isnull": True, f"{prefix}adopted_from__code": code})
        | Q(**{f"{prefix}organisation_id": partner_id, f"{prefix}code": code})
    )


def _deed_type_name(code: str, partner_id: int) -> str:
    """The name of the national template with the code, else of the partner's own entry, else the code."""
    from thamdee.deeds.models import DeedType

    found = (
        DeedType.objects.filter(Q(organisation__isnull=True) | Q(organisation_id=partner_id), code=code)
        # The template first (NULLs sort first on SQLite and last on PostgreSQL unless told), then the oldest.
        .order_by(F("organisation_id").asc(nulls_first=True), "pk")
        .first()
    )
    return found.display_name() if found else code


def unlock_condition(offer: Offer, standing: Standing | None = None) -> str:
    """The offer's unlock condition in plain words ("" if it has none)."""
    if offer.unlock == Unlock.LEVEL and offer.programme_id:
        levels = standing.levels(offer.programme_id) if standing else levels_of_programme(offer.programme_id)
        level = next((lvl for lvl in levels if lvl.code == offer.unlock_level), None)
        name = _level_name(level) if level else offer.unlock_level
        return _("ถึงระดับ “%(level)s” ขึ้นไป") % {"level": name}
    if offer.unlock == Unlock.EARNED:
        return _("มีเครดิตสะสมจากความดีที่รับรองแล้วอย่างน้อย %(n)s เครดิต") % {"n": f"{offer.unlock_credits:,}"}
    if offer.unlock == Unlock.DEED_TYPE:
        return _("ทำความดี “%(deed)s” ที่รับรองแล้วอย่างน้อย %(n)s ครั้ง ในช่วง %(m)s เดือนล่าสุด") % {
            "deed": standing.deed_type_name(offer.unlock_deed_type, offer.partner_id)
            if standing
            else _deed_type_name(offer.unlock_deed_type, offer.partner_id),
            "n": offer.unlock_deed_count,
            "m": offer.unlock_months,
        }
    return ""


def unlock_condition_lazy(offer: Offer) -> str | Promise:
    """``unlock_condition``, said in the language active when it is read, not when it is built: an error raised
    while Thai is active still gives its English message (``DomainError.message_en``) in English, the level's and
    the deed type's names included. Looked up at most once per language."""
    said: dict[str, str] = {}

    def say() -> str:
        language = translation.get_language() or ""
        if language not in said:
            said[language] = unlock_condition(offer)
        return said[language]

    return lazy(say, str)()


def is_unlocked(offer: Offer, standing: Standing) -> bool:
    """Whether the member meets the offer's unlock condition (lifetime verified credits, never the balance)."""
    if offer.unlock == Unlock.LEVEL:
        if not offer.programme_id:
            return False
        wanted = next((lvl for lvl in standing.levels(offer.programme_id) if lvl.code == offer.unlock_level), None)
        if wanted is None:
            return False
        level = standing.level(offer.programme_id)
        return level is not None and level.min_credits >= wanted.min_credits
    if offer.unlock == Unlock.EARNED:
        return standing.earned >= offer.unlock_credits
    if offer.unlock == Unlock.DEED_TYPE:
        return (
            standing.verified_deeds(offer.unlock_deed_type, offer.unlock_months, offer.partner_id)
            >= offer.unlock_deed_count
        )
    return True


# --- offers -----------------------------------------------------------------------------------------------------


def _live(now: dt.datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(
        is_active=True,
        valid_from__lte=now,
        valid_until__gt=now,
        partner__is_active=True,
        partner__partner_profile__status=PartnerStatus.APPROVED,
    )


def _in_areas(prefixes: list[str]) -> Q:
    through = Offer.areas.through
    anywhere = ~Exists(through.objects.filter(offer_id=OuterRef("pk")))
    here = Exists(through.objects.filter(offer_id=OuterRef("pk"), area__code__in=prefixes))
    return Q(anywhere) | Q(here)


def offers_live_for(member: User) -> QuerySet[Offer]:
    """Offers open now, from approved partners, that apply where the member is."""
    return (
        Offer.objects.filter(_live())
        .filter(_in_areas(member_area_prefixes(member)))
        .select_related("partner", "partner__area")
    )


@dataclass
class CatalogueEntry:
    offer: Offer
    unlocked: bool
    condition: str
    used: int  # the member's vouchers that count toward the per-member limit

    @property
    def limit_reached(self) -> bool:
        return self.used >= self.offer.per_member_limit


@dataclass
class Catalogue:
    standing: Standing
    level: Level | None
    available: list[CatalogueEntry]
    locked: list[CatalogueEntry]


def catalogue_for(*, viewer: User, kind: str = "") -> Catalogue:
    """The member's catalogue: offers in their area that their level and record unlock, and, apart, the perks they
    can still work toward (with the condition in words)."""
    standing = member_standing(viewer)
    offers = offers_live_for(viewer).annotate(
        used=Count(
            "vouchers",
            filter=Q(vouchers__member_id=viewer.pk, vouchers__status__in=[VoucherStatus.HELD, VoucherStatus.CONFIRMED]),
        )
    )
    if kind in OfferKind.values:
        offers = offers.filter(kind=kind)
    available: list[CatalogueEntry] = []
    locked: list[CatalogueEntry] = []
    for offer in offers.order_by("kind", "cost", "title_th")[:200]:
        unlocked = is_unlocked(offer, standing)
        entry = CatalogueEntry(
            offer=offer, unlocked=unlocked, condition=unlock_condition(offer, standing), used=offer.used
        )  # type: ignore[attr-defined]
        (available if unlocked else locked).append(entry)
    from thamdee.ledger.models import Programme

    programme = Programme.objects.filter(is_active=True).order_by("pk").first()
    level = standing.level(programme.pk) if programme else None
    return Catalogue(standing=standing, level=level, available=available, locked=locked)


def offer_get_for_member(*, viewer: User, public_id: Any) -> CatalogueEntry:
    """One live offer where the member is; anything else (closed, elsewhere, unknown) is not found."""
    try:
        offer = offers_live_for(viewer).get(public_id=public_id)
    except (Offer.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    standing = member_standing(viewer)
    used = Voucher.objects.filter(
        offer=offer, member_id=viewer.pk, status__in=[VoucherStatus.HELD, VoucherStatus.CONFIRMED]
    ).count()
    return CatalogueEntry(
        offer=offer, unlocked=is_unlocked(offer, standing), condition=unlock_condition(offer, standing), used=used
    )


def offer_get_any(public_id: Any) -> Offer:
    """An offer by its public id, whatever its state (for the partner's own pages, after their permission check)."""
    try:
        return Offer.objects.select_related("partner").get(public_id=public_id)
    except (Offer.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None


def offer_get_for_staff(*, viewer: Actor, public_id: Any) -> Offer:
    offer = offer_get_any(public_id)
    if not can_manage_offers.test(viewer, offer.partner):
        raise NotFoundError()
    return offer


def offer_get_for_photo(*, viewer: User, public_id: Any) -> Offer:
    """An offer whose photo the viewer may see: one the member could open (live, from an approved partner, where
    they are) or one of a partner whose offers they manage. Drafts, a pending partner's offers, closed offers and
    offers elsewhere are not found, as on their pages."""
    offer = offer_get_any(public_id)
    if can_manage_offers.test(viewer, offer.partner) or offers_live_for(viewer).filter(pk=offer.pk).exists():
        return offer
    raise NotFoundError()


def offer_list_for_partner(*, viewer: Actor, partner: Organisation) -> QuerySet[Offer]:
    if not can_manage_offers.test(viewer, partner):
        raise NotFoundError()
    return Offer.objects.filter(partner=partner).prefetch_related("areas").order_by("-created_at")


# --- vouchers ---------------------------------------------------------------------------------------------------


def redemption_request_key(member: User, idempotency_key: str) -> str:
    """The key a member's reservation is stored under: the same key from another member is another request."""
    return f"redeem:{member.pk}:{idempotency_key}"


def voucher_for_request(*, viewer: User, idempotency_key: str) -> Voucher | None:
    """The voucher that the member's request with this idempotency key reserved, if there was one, whatever has
    become of its offer since."""
    return (
        Voucher.objects.filter(request_key=redemption_request_key(viewer, idempotency_key))
        .select_related("offer", "partner")
        .first()
    )


def voucher_list_for_member(*, viewer: User, status: str = "") -> QuerySet[Voucher]:
    qs = Voucher.objects.filter(member_id=viewer.pk).select_related("offer", "partner")
    if status in VoucherStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def voucher_get_visible_to(*, viewer: Actor, public_id: Any) -> Voucher:
    """A voucher for its holder or the partner's staff; 404 for anyone else."""
    try:
        voucher = Voucher.objects.select_related("offer", "partner", "member").get(public_id=public_id)
    except (Voucher.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if not can_view_voucher.test(viewer, voucher):
        raise NotFoundError()
    return voucher


def voucher_find_for_staff(*, viewer: Actor, text: str) -> Voucher:
    """The voucher that a typed code, a token or a scanned link names, if the viewer is staff of its partner.

    Unknown, forged and other partners' vouchers all look the same: not found.
    """
    found = codes.code_from_input(text)
    if found is None:
        raise NotFoundError()
    voucher = Voucher.objects.select_related("offer", "partner", "member").filter(code=found[0]).first()
    if voucher is None or not is_benefit_staff.test(viewer, voucher.partner):
        raise NotFoundError()
    return voucher


def voucher_qr(voucher: Voucher) -> tuple[str, str]:
    """The QR image (a data: URI) and the link it carries."""
    url = codes.scan_url(codes.token_for(voucher.code, voucher.expires_at))
    return codes.qr_data_uri(url), url


# --- partners ---------------------------------------------------------------------------------------------------


def partner_orgs_for_staff(viewer: Actor) -> list[Organisation]:
    """The organisations whose benefits the viewer runs (partner staff), or may run (admins of an organisation
    that is, or may become, a partner)."""
    ids = roles_for(viewer).org_ids_with("partner_staff", "admin")
    if not ids:
        return []
    return list(
        Organisation.objects.filter(pk__in=ids, is_active=True)
        .filter(Q(kind__in=PARTNER_KINDS) | Q(partner_profile__isnull=False))
        .select_related("area", "partner_profile")
        .order_by("name_th")
    )


def partner_get_for_staff(*, viewer: Actor, public_id: Any) -> Organisation:
    try:
        org = Organisation.objects.select_related("area").get(public_id=public_id)
    except (Organisation.DoesNotExist, ValueError, TypeError, DjangoValidationError):
        raise NotFoundError() from None
    if not (can_view_redemptions.test(viewer, org) or can_view_statement.test(viewer, org)):
        raise NotFoundError()
    return org


def partner_profile_of(org: Organisation) -> PartnerProfile | None:
    return PartnerProfile.objects.filter(organisation=org).first()


def partner_profiles_for_agency(*, viewer: Actor, status: str = "") -> list[PartnerProfile]:
    """Partners in the agency viewer's areas (all of them for site admins), pending first."""
    roles = roles_for(viewer)
    if not (roles.is_site_admin or roles.is_agency_staff):
        raise NotFoundError()
    qs = PartnerProfile.objects.select_related("organisation", "organisation__area", "applied_by")
    if not roles.is_site_admin:
        scope = Q()
        for code in roles.scope_codes:
            scope |= Q(organisation__area__code__startswith=code)
        qs = qs.filter(scope)
    if status in PartnerStatus.values:
        qs = qs.filter(status=status)
    profiles = list(qs.order_by("applied_at")[:500])
    profiles.sort(key=lambda p: (p.status != PartnerStatus.PENDING, p.organisation.name_th))
    return [p for p in profiles if can_decide_partner.test(viewer, p.organisation)]


def redemption_list_for_partner(
    *, viewer: Actor, partner: Organisation, status: str = "", month: tuple[int, int] | None = None
) -> QuerySet[Voucher]:
    """A partner's vouchers, newest first, for its staff (and site admins)."""
    if not can_view_redemptions.test(viewer, partner):
        raise NotFoundError()
    qs = Voucher.objects.filter(partner=partner).select_related("offer", "member", "confirmed_by")
    if status in VoucherStatus.values:
        qs = qs.filter(status=status)
    if month:
        start, end = month_bounds(*month)
        qs = qs.filter(created_at__gte=start, created_at__lt=end)
    return qs.order_by("-created_at")


# --- the monthly statement --------------------------------------------------------------------------------------


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """A calendar month in Thai time, as [start, end)."""
    start = timezone.make_aware(dt.datetime(year, month, 1))
    end = timezone.make_aware(dt.datetime(year + month // 12, month % 12 + 1, 1))
    return start, end


def month_label(year: int, month: int) -> str:
    if (translation.get_language() or "th").startswith("en"):
        return f"{thaitime.MONTHS_EN[month - 1]} {year}"
    return f"{thaitime.MONTHS_TH[month - 1]} {thaitime.be_year(year)}"


def parse_month(value: str | None) -> tuple[int, int]:
    """ "2026-05" (or a BE year, "2569-05") as (CE year, month); this month if missing or garbled."""
    today = timezone.localdate()
    try:
        year_s, month_s = (value or "").split("-", 1)
        year, month = int(year_s), int(month_s)
    except ValueError:
        return today.year, today.month
    if year > 2400:
        year -= thaitime.BE_OFFSET
    if not (1 <= month <= 12 and 2000 <= year <= 2200):
        return today.year, today.month
    return year, month


@dataclass
class StatementLine:
    confirmed_at: dt.datetime
    code: str
    offer: str
    kind: str
    credits: int
    confirmed_by: str


@dataclass
class Statement:
    partner: Organisation
    year: int
    month: int
    label: str
    start: dt.datetime
    end: dt.datetime
    lines: list[StatementLine]
    confirmed_count: int
    confirmed_credits: int
    reserved_count: int
    cancelled_count: int
    expired_count: int
    held_count: int
    held_credits: int
    by_offer: list[dict[str, Any]]
    # Settlement: what the month's settlement moves (confirmed vouchers whose credits are still with the partner),
    # the settlement in force, if any, and whether the month is over (only then can it be settled).
    to_settle_count: int = 0
    to_settle_credits: int = 0
    settlement: Settlement | None = None
    # Vouchers of the month that the settlement in force does not cover (confirmed after it was recorded, or
    # changed by hand since): the month's settlement should be reversed and recorded again.
    uncovered_count: int = 0
    month_closed: bool = False
    can_settle: bool = False

    @property
    def last_day(self) -> dt.date:
        return (timezone.localtime(self.end) - dt.timedelta(days=1)).date()

    @property
    def settleable(self) -> bool:
        """The viewer may settle this month now: it is over, unsettled, and has credits to settle."""
        return self.can_settle and self.month_closed and self.settlement is None and self.to_settle_credits > 0


def statement_for(*, viewer: Actor, partner: Organisation, year: int, month: int) -> Statement:
    """A partner's statement for a month, for settlement with the programme: every voucher confirmed in the month
    (code, offer, credits; no member names), totals per offer, and what was reserved, cancelled and expired.

    Its staff and the agencies over its area may read it; anyone else: not found.
    """
    if not can_view_statement.test(viewer, partner):
        raise NotFoundError()
    start, end = month_bounds(year, month)
    settlement = settlement_of_month(partner=partner, year=year, month=month)
    settleable = settleable_vouchers(partner=partner, year=year, month=month).aggregate(
        n=Count("pk"), c=Sum("cost"), uncovered=Count("pk", filter=~Q(settlement=settlement))
    )
    confirmed = (
        Voucher.objects.filter(
            partner=partner, status=VoucherStatus.CONFIRMED, confirmed_at__gte=start, confirmed_at__lt=end
        )
        .select_related("offer", "confirmed_by")
        .order_by("confirmed_at", "pk")
    )
    lines = [
        StatementLine(
            confirmed_at=v.confirmed_at,
            code=v.display_code,
            offer=v.offer.display_name(),
            kind=v.offer.get_kind_display(),
            credits=v.cost,
            confirmed_by=v.confirmed_by.full_name if v.confirmed_by else "",
        )
        for v in confirmed
        if v.confirmed_at is not None
    ]
    made = Voucher.objects.filter(partner=partner, created_at__gte=start, created_at__lt=end)
    counts = {row["status"]: row["n"] for row in made.order_by().values("status").annotate(n=Count("pk"))}
    held = Voucher.objects.filter(partner=partner, status=VoucherStatus.HELD).aggregate(n=Count("pk"), c=Sum("cost"))
    by_offer: dict[str, dict[str, Any]] = {}
    for line in lines:
        row = by_offer.setdefault(line.offer, {"offer": line.offer, "count": 0, "credits": 0})
        row["count"] += 1
        row["credits"] += line.credits
    return Statement(
        partner=partner,
        year=year,
        month=month,
        label=month_label(year, month),
        start=start,
        end=end,
        lines=lines,
        confirmed_count=len(lines),
        confirmed_credits=sum(line.credits for line in lines),
        reserved_count=made.count(),
        cancelled_count=counts.get(VoucherStatus.CANCELLED, 0),
        expired_count=counts.get(VoucherStatus.EXPIRED, 0),
        held_count=held["n"] or 0,
        held_credits=held["c"] or 0,
        by_offer=sorted(by_offer.values(), key=lambda r: r["offer"]),
        to_settle_count=settleable["n"] or 0,
        to_settle_credits=settleable["c"] or 0,
        settlement=settlement,
        uncovered_count=settleable["uncovered"] if settlement is not None else 0,
        month_closed=month_closed(year, month),
        can_settle=bool(can_settle.test(viewer, partner)),
    )


# A month can be settled once it has been over for this long: a voucher confirmed in its last second, whose
# transaction commits a moment after midnight, is then in the figure.
SETTLE_AFTER = dt.timedelta(hours=1)


def month_closed(year: int, month: int) -> bool:
    """Whether a month can be settled: it has been over for ``SETTLE_AFTER``."""
    return month_bounds(year, month)[1] + SETTLE_AFTER <= timezone.now()


def statement_url(partner: Organisation, year: int, month: int) -> str:
    """The page of a partner's statement for a month."""
    return reverse("rewards:statement", args=[partner.public_id]) + f"?month={year}-{month:02d}"


def settleable_vouchers(*, partner: Organisation, year: int, month: int) -> QuerySet[Voucher]:
    """The vouchers whose credits settling the month moves: confirmed in the month, their credits still in the
    partner's clearing account (a hold reversed by hand gave them back to the member)."""
    from thamdee.ledger.models import Journal

    start, end = month_bounds(year, month)
    return Voucher.objects.filter(
        partner=partner,
        status=VoucherStatus.CONFIRMED,
        confirmed_at__gte=start,
        confirmed_at__lt=end,
        cost__gt=0,
        hold_journal_id__isnull=False,
    ).exclude(Exists(Journal.objects.filter(reversal_of_id=OuterRef("hold_journal_id"))))


def to_settle(*, partner: Organisation, year: int, month: int) -> tuple[int, int]:
    """(vouchers, credits) that settling the month moves (``settleable_vouchers``)."""
    row = settleable_vouchers(partner=partner, year=year, month=month).aggregate(n=Count("pk"), c=Sum("cost"))
    return row["n"] or 0, row["c"] or 0


def settlement_of_month(*, partner: Organisation, year: int, month: int) -> Settlement | None:
    """The settlement in force for a partner's month (a reversed one is not)."""
    return (
        Settlement.objects.filter(partner=partner, year=year, month=month, reversed_at__isnull=True)
        .select_related("settled_by")
        .first()
    )


def settlement_get(*, viewer: Actor, public_id: Any) -> Settlement:
    """One settlement, for those who may read its partner's statements; anyone else: not found."""
    found = Settlement.objects.select_related("partner__area", "settled_by").filter(public_id=public_id).first()
    if found is None or not can_view_statement.test(viewer, found.partner):
        raise NotFoundError()
    return found


def settlements_for(*, viewer: Actor, partner: Organisation) -> QuerySet[Settlement]:
    """A partner's settlements, newest month first, reversed ones included: for its staff, the agencies over its
    area and site admins; anyone else: not found."""
    if not can_view_statement.test(viewer, partner):
        raise NotFoundError()
    return Settlement.objects.filter(partner=partner).select_related("settled_by", "reversed_by")


# --- what the passbook says about a voucher ----------------------------------------------------------------------


def describe_vouchers(ids: Any) -> dict[int, Any]:
    """Passbook lines for vouchers (registered with the ledger's cause registry when the app starts): what was
    bought, where, and what became of it. Reads only the columns it shows: the whole voucher, offer and partner
    rows cost a passbook page about a fifth of its CPU."""
    from thamdee.common.i18n import localised
    from thamdee.common.urls import uuid_url
    from thamdee.ledger.causes import CauseInfo
    from thamdee.rewards.models import display_code

    voucher_url = uuid_url("rewards:voucher")
    rows = Voucher.objects.filter(pk__in=list(ids)).values_list(
        "pk", "public_id", "code", "status", "created_at", "confirmed_at", "expires_at", "refunded_at",
        "offer__title_th", "offer__title_en", "partner__name_th", "partner__name_en",
    )  # fmt: skip
    out: dict[int, Any] = {}
    for pk, public_id, code, status, created, confirmed, expires, refunded, o_th, o_en, p_th, p_en in rows:
        lines = [
            _("คูปอง %(code)s จองเมื่อ %(at)s") % {"code": display_code(code), "at": thaitime.format_datetime(created)}
        ]
        if status == VoucherStatus.CONFIRMED:
            lines.append(_("ใช้ที่ร้านแล้วเมื่อ %(at)s") % {"at": thaitime.format_datetime(confirmed)})
        elif status == VoucherStatus.HELD:
            lines.append(_("รอใช้ ภายใน %(at)s") % {"at": thaitime.format_datetime(expires)})
        elif refunded:
            lines.append(
                _("%(state)s คืนเครดิตแล้วเมื่อ %(at)s")
                % {"state": VoucherStatus(status).label, "at": thaitime.format_datetime(refunded)}
            )
        else:
            lines.append(_("%(state)s กำลังคืนเครดิต") % {"state": VoucherStatus(status).label})
        out[pk] = CauseInfo(
            title=_("แลกสิทธิประโยชน์: %(offer)s · %(partner)s")
            % {"offer": localised(o_th, o_en), "partner": localised(p_th, p_en)},
            url=voucher_url(public_id),
            explanation=lines,
            owner_only=True,
        )
    return out
