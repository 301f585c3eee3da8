"""Reads for the data-subject rights: everything Thamdee holds about a person (for the person alone), the
erasure queue (for site admins), and what stands in the way of an erasure.

The export is built from each app's own selectors where they exist, section by section, each in a fixed number
of queries (the passbook in pages of ``PASSBOOK_PAGE`` lines): a long record costs more rows, never more queries
per row. Keys are documented in docs/privacy.md; dates are ISO 8601 (times in Thai time, with their offset).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from thamdee.common.errors import NotFoundError
from thamdee.common.permissions import require
from thamdee.deeds import selectors as deed_selectors
from thamdee.deeds.models import Appeal, Deed, DeedStatus
from thamdee.inbox import selectors as inbox_selectors
from thamdee.ledger import selectors as ledger_selectors
from thamdee.orgs.models import AgencyStaff, Membership
from thamdee.people.errors import InvalidMobileError
from thamdee.people.models import Consent, FamilyLink, User
from thamdee.people.types import Actor
from thamdee.people.validators import mobile_normalise
from thamdee.privacy.errors import ErasureLastAdminError, ErasureOpenMattersError, ErasureSiteAdminError
from thamdee.privacy.models import DataRequestEvent, ErasureRequest, ErasureStatus
from thamdee.privacy.permissions import can_carry_out_erasure, can_export_data
from thamdee.recognition import selectors as recognition_selectors
from thamdee.recognition.models import (
    HonourConsentEvent,
    LevelAward,
    Nomination,
    NominationStatus,
    PanelMember,
    RoundStatus,
)
from thamdee.reports.models import Story
from thamdee.rewards import selectors as reward_selectors
from thamdee.rewards.models import VoucherStatus

FORMAT = "thamdee.personal-data/1"
PASSBOOK_PAGE = 500


def _when(value: dt.datetime | dt.date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    return value.isoformat()


def _number(value: Decimal | int | float | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _org(org: Any) -> dict[str, Any] | None:
    if org is None:
        return None
    return {"id": str(org.public_id), "name_th": org.name_th, "name_en": org.name_en}


def _area(area: Any) -> dict[str, Any] | None:
    if area is None:
        return None
    return {"code": area.code, "name_th": area.name_th, "name_en": area.name_en}


# --- sections ------------------------------------------------------------------------------------------------------


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": str(user.public_id),
        "username": user.username,
        "prefix": user.prefix,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "mobile": user.mobile,
        "birth_year": user.birth_year,
        "home_area": _area(user.home_area),
        "preferred_language": user.preferred_language,
        # The number itself is never stored: only a keyed fingerprint, which tells nothing to anyone.
        "national_id_on_file": user.has_national_id,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
    }


def _consents(user: User) -> list[dict[str, Any]]:
    rows = Consent.objects.filter(user=user).order_by("granted_at", "pk")
    return [
        {
            "purpose": c.purpose,
            "purpose_label": str(c.get_purpose_display()),
            "granted_at": _when(c.granted_at),
            "withdrawn_at": _when(c.withdrawn_at),
            "active": c.is_active,
            "guardian_name": c.guardian_name,
            "recorded_by_self": c.recorded_by_id == user.pk,
        }
        for c in rows
    ]


def _family(user: User) -> list[dict[str, Any]]:
    links = FamilyLink.objects.filter(Q(user=user) | Q(relative=user)).select_related("user", "relative")
    out = []
    for link in links.order_by("created_at", "pk"):
        named_by_me = link.user_id == user.pk
        other = link.relative if named_by_me else link.user
        # Until the person named confirms, the one who named them is not told who holds the number (as on the
        # family page); a request to this person shows who asked.
        shown = link.confirmed_at is not None or not named_by_me
        out.append(
            {
                "direction": "named_by_me" if named_by_me else "named_me",
                "relation": link.relation,
                "relation_label": str(link.get_relation_display()),
                "person": {"id": str(other.public_id), "name": other.full_name} if shown else None,
                "created_at": _when(link.created_at),
                "confirmed_at": _when(link.confirmed_at),
            }
        )
    return out


def _memberships(user: User) -> list[dict[str, Any]]:
    rows = Membership.objects.filter(user=user).select_related("organisation").order_by("joined_at", "pk")
    return [
        {
            "id": str(m.public_id),
            "organisation": _org(m.organisation),
            "roles": m.roles,
            "active": m.is_active,
            "joined_at": _when(m.joined_at),
            "invited_at": _when(m.invited_at),
            "ended_at": _when(m.ended_at),
        }
        for m in rows
    ]


def _agency_posts(user: User) -> list[dict[str, Any]]:
    rows = AgencyStaff.objects.filter(user=user).select_related("agency", "scope_area").order_by("created_at", "pk")
    return [
        {
            "agency": _org(p.agency),
            "scope_area": _area(p.scope_area),
            "verifier": p.is_verifier,
            "active": p.is_active,
            "created_at": _when(p.created_at),
        }
        for p in rows
    ]


def _deeds(user: User) -> list[dict[str, Any]]:
    deeds = (
        deed_selectors.deed_list_for_member(user)
        .select_related("area", "explanation", "activity")
        .prefetch_related("decisions", "evidence", Prefetch("appeals", queryset=Appeal.objects.order_by("filed_at")))
        .order_by("done_on", "pk")
    )
    out = []
    for d in deeds:
        out.append(
            {
                "id": str(d.public_id),
                "deed_type": {"code": d.deed_type.code, "name_th": d.deed_type.name_th, "name_en": d.deed_type.name_en},
                "sensitive": d.deed_type.is_sensitive,
                "organisation": _org(d.organisation),
                "area": _area(d.area),
                "activity": d.activity.title if d.activity else None,
                "done_on": _when(d.done_on),
                "quantity": _number(d.quantity),
                "hours": _number(d.hours),
                "beneficiaries": d.beneficiaries,
                "description": d.description,
                "status": d.status,
                "status_label": str(d.get_status_display()),
                "source": d.source,
                "submitted_at": _when(d.submitted_at),
                "decided_at": _when(d.decided_at),
                "credits": d.credits,
                # Why these credits, rule by rule, in both languages as recorded.
                "explanation": list(d.explanation.lines) if d.explanation is not None else [],
                "decisions": [
                    {"action": x.action, "reason": x.reason, "credits": x.credits, "at": _when(x.at)}
                    for x in sorted(d.decisions.all(), key=lambda x: (x.at, x.pk))
                ],
                "evidence": [
                    {
                        "id": str(e.public_id),
                        "url": f"/deeds/evidence/{e.public_id}/image/",
                        "content_type": e.content_type,
                        "size": e.size,
                        "uploaded_at": _when(e.uploaded_at),
                    }
                    for e in d.evidence.all()
                ],
                "appeals": [
                    {
                        "reason": a.reason,
                        "status": a.status,
                        "filed_at": _when(a.filed_at),
                        "decided_at": _when(a.decided_at),
                        "decision_reason": a.decision_reason,
                    }
                    for a in d.appeals.all()
                    if a.member_id == user.pk
                ],
            }
        )
    return out


def _passbook(user: User) -> dict[str, Any]:
    """Every movement of the wallet, oldest first, with the running balance after it (the member's own view:
    reasons, messages and who was on the other side)."""
    lines: list[Any] = []
    offset, book = 0, None
    while True:
        book = ledger_selectors.passbook_for(viewer=user, member=user, limit=PASSBOOK_PAGE, offset=offset)
        lines.extend(book.lines)
        if not book.has_more:
            break
        offset += PASSBOOK_PAGE
    lines.reverse()
    return {
        "balance": book.balance,
        "earned_total": book.earned_total,
        "lines": [
            {
                "ref": line.ref,
                "at": _when(line.at),
                "kind": line.kind,
                "kind_label": line.kind_label,
                "amount": line.amount,
                "running_balance": line.running,
                "memo": line.memo,
                "counterpart": line.counterpart,
                "cause": line.cause.title if line.cause else None,
                "explanation": list(line.explanation),
                "reversed": line.reversed,
                "is_reversal": line.is_reversal,
            }
            for line in lines
        ],
    }


def _vouchers(user: User) -> list[dict[str, Any]]:
    rows = reward_selectors.voucher_list_for_member(viewer=user).order_by("created_at", "pk")
    return [
        {
            "id": str(v.public_id),
            "code": v.display_code,
            "offer": {"id": str(v.offer.public_id), "title_th": v.offer.title_th, "title_en": v.offer.title_en},
            "partner": _org(v.partner),
            "cost": v.cost,
            "status": v.status,
            "created_at": _when(v.created_at),
            "expires_at": _when(v.expires_at),
            "confirmed_at": _when(v.confirmed_at),
            "closed_at": _when(v.closed_at),
            "refunded_at": _when(v.refunded_at),
        }
        for v in rows
    ]


def _recognition(user: User) -> dict[str, Any]:
    mine = recognition_selectors.recognition_of(user, upcoming=0)
    levels = LevelAward.objects.filter(member=user).select_related("programme").order_by("awarded_at", "pk")
    events: dict[int, list[HonourConsentEvent]] = {}
    for event in HonourConsentEvent.objects.filter(honour__member=user).order_by("at", "pk"):
        events.setdefault(event.honour_id, []).append(event)
    return {
        "level": mine.standing.level_name or None,
        "badges": [
            {
                "code": b.definition.code,
                "name_th": b.definition.name_th,
                "name_en": b.definition.name_en,
                "organisation": _org(b.organisation),
                "awarded_at": _when(b.awarded_at),
                "credential": str(b.credential.public_id) if b.credential else None,
            }
            for b in mine.badges
        ],
        "levels": [
            {
                "programme": lvl.programme.code,
                "level_code": lvl.level_code,
                "name_th": lvl.name_th,
                "name_en": lvl.name_en,
                "credits_when_reached": lvl.credits_when_reached,
                "awarded_at": _when(lvl.awarded_at),
            }
            for lvl in levels
        ],
        "honours": [
            {
                "id": str(h.public_id),
                "fiscal_year": h.fiscal_year,
                "level": h.level,
                "category": h.category,
                "agency": _org(h.agency),
                "area": _area(h.area),
                "awarded_at": _when(h.awarded_at),
                "consent": h.consent,
                "show_name": h.show_name,
                "show_photo": h.show_photo,
                "show_story": h.show_story,
                # The photo the person gave with their consent, served to them alone (``privacy:honour_photo``),
                # whether or not it is shown publicly now.
                "photo": {"url": reverse("privacy:honour_photo", args=[h.public_id])} if h.photo else None,
                # Every consent, decline and withdrawal, with the guardian named (under 10 years old).
                "consent_events": [
                    {
                        "action": e.action,
                        "at": _when(e.at),
                        "show_name": e.show_name,
                        "show_photo": e.show_photo,
                        "show_story": e.show_story,
                        "guardian_name": e.guardian_name,
                        "by_self": e.actor_id == user.pk,
                    }
                    for e in events.get(h.pk, [])
                ],
            }
            for h in mine.honours
        ],
        # The signed credential (VC-JWT) is included as issued: it is the portable copy of the achievement.
        "credentials": [
            {
                "id": c.urn,
                "kind": c.kind,
                "name_th": c.name_th,
                "name_en": c.name_en,
                "issuer": _org(c.issuer.organisation),
                "issued_at": _when(c.issued_at),
                "valid_until": _when(c.valid_until),
                "revoked_at": _when(c.revoked_at),
                "revoked_reason": c.revoked_reason,
                "token": c.token,
            }
            for c in mine.credentials
        ],
    }


def _notices(user: User) -> list[dict[str, Any]]:
    rows = inbox_selectors.notification_list_for(user)
    return [
        {
            "id": str(n.public_id),
            "kind": n.kind,
            "title_th": n.title_th,
            "title_en": n.title_en,
            "body_th": n.body_th,
            "body_en": n.body_en,
            "url": n.url,
            "created_at": _when(n.created_at),
            "read_at": _when(n.read_at),
        }
        for n in rows.order_by("created_at", "id")
    ]


def _story(story: Story, *, text: bool = False) -> dict[str, Any]:
    data = {
        "id": str(story.public_id),
        "title": story.title,
        "summary": story.summary,
        "organisation": _org(story.organisation),
        "status": story.status,
        "created_at": _when(story.created_at),
        "approved_at": _when(story.approved_at),
    }
    if text:
        data |= {"body": story.body, "lessons": story.lessons}
    return data


def _stories(user: User) -> dict[str, Any]:
    """The stories the person wrote, with their text where the person may still read it (published, or kept by
    an organisation they write for: another organiser may have edited a draft since), and those that show them."""
    from thamdee.reports.permissions import can_write_story
    from thamdee.reports.selectors import stories_published

    written = list(Story.objects.filter(written_by=user).select_related("organisation").order_by("created_at", "pk"))
    public = set(stories_published().filter(pk__in=[s.pk for s in written]).values_list("pk", flat=True))
    shown = Story.objects.filter(people_shown=user).select_related("organisation").order_by("created_at", "pk")
    return {
        "written": [_story(s, text=s.pk in public or can_write_story.test(user, s.organisation)) for s in written],
        "shown_in": [_story(s) for s in shown],
    }


# Between two digits of a mobile number as typed, anything that is not a digit (spaces, dashes, brackets, a dot):
# the database is asked for a superset, and ``mobile_normalise`` decides.
_NOT_DIGITS = "[^0-9]*"


def _typed_mobile_pattern(mobile: str) -> str:
    """A regular expression (the same in SQLite and PostgreSQL) for every way of typing ``mobile`` that the sign-in
    accepts, and a few more: 0 or 66 (+66) before its nine digits, anything but digits between them."""
    return f"^{_NOT_DIGITS}(0|6{_NOT_DIGITS}6){_NOT_DIGITS}" + _NOT_DIGITS.join(mobile[1:]) + f"{_NOT_DIGITS}$"


def _is_sign_in_name(name: str | None, user: User) -> bool:
    if name is None:
        return False
    if name == user.username:
        return True
    if not user.mobile:
        return False
    try:
        return mobile_normalise(name) == user.mobile
    except InvalidMobileError:
        return False


def sign_in_records(model: type[Any], user: User) -> list[Any]:
    """The sign-in records (a django-axes model: ``AccessLog``, ``AccessAttempt``, ``AccessFailureLog``) under the
    names a person signs in with, oldest first. They keep the name as it was typed, and the sign-in takes the user
    name, or the mobile number in any form ``mobile_normalise`` reads ("+66 80 000 0005", "(080) 000-0005"): one
    query for the user name and every row that may be the number typed some way, then each is checked with
    ``mobile_normalise``."""
    match = Q(username=user.username)
    if user.mobile:
        match |= Q(username__regex=_typed_mobile_pattern(user.mobile))
    rows = model.objects.filter(match).order_by("attempt_time", "pk")
    return [r for r in rows if _is_sign_in_name(r.username, user)]


def _sign_ins(user: User) -> list[dict[str, Any]]:
    """The person's own sign-ins (successful ones: failed tries under their name may be anyone's, and are not
    theirs to be given), as the sign-in records keep them: when, from which address, with which browser."""
    from axes.models import AccessLog

    return [
        {
            "at": _when(r.attempt_time),
            "signed_out_at": _when(r.logout_time),
            "ip_address": r.ip_address,
            "user_agent": r.user_agent,
        }
        for r in sign_in_records(AccessLog, user)
    ]


def _requests(user: User) -> dict[str, Any]:
    erasures = ErasureRequest.objects.filter(user=user).order_by("requested_at", "pk")
    events = DataRequestEvent.objects.filter(subject=user).order_by("at", "pk")
    return {
        "erasure_requests": [
            {
                "id": str(r.public_id),
                "status": r.status,
                "requested_at": _when(r.requested_at),
                "due_on": _when(r.due_on),
                "cancelled_at": _when(r.cancelled_at),
                "carried_out_at": _when(r.carried_out_at),
            }
            for r in erasures
        ],
        "events": [
            {"kind": e.kind, "channel": e.channel, "at": _when(e.at), "by_self": e.actor_id == user.pk} for e in events
        ],
    }


def personal_data_of(*, viewer: Actor, subject: User) -> dict[str, Any]:
    """Everything Thamdee holds about ``subject``, as one JSON-ready document: for the person alone (anyone else,
    site admins included, is told it is not there)."""
    require(can_export_data, viewer, subject)
    user = User.objects.select_related("home_area").get(pk=subject.pk)
    return {
        "format": FORMAT,
        "generated_at": _when(timezone.now()),
        "profile": _profile(user),
        "consents": _consents(user),
        "family_links": _family(user),
        "memberships": _memberships(user),
        "agency_posts": _agency_posts(user),
        "deeds": _deeds(user),
        "passbook": _passbook(user),
        "vouchers": _vouchers(user),
        "recognition": _recognition(user),
        "notices": _notices(user),
        "stories": _stories(user),
        "sign_ins": _sign_ins(user),
        "data_requests": _requests(user),
    }


def honour_photo_for_holder(*, viewer: Actor, public_id: Any) -> Any:
    """The photo kept with an honour (the one its holder gave with their consent), for the holder alone: anyone
    else, and an honour with no photo, is not found. The export links to it."""
    honour = recognition_selectors.honour_get_for_holder(viewer=viewer, public_id=public_id)
    if not honour.photo:
        raise NotFoundError()
    return honour.photo


# --- erasure ---------------------------------------------------------------------------------------------------------


def erasure_open_for(user: User) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(user=user, status=ErasureStatus.REQUESTED).first()


def erasure_list_for(user: User) -> list[ErasureRequest]:
    return list(ErasureRequest.objects.filter(user=user).order_by("-requested_at", "-pk"))


def erasure_get_own(*, viewer: Actor, public_id: Any) -> ErasureRequest:
    request = ErasureRequest.objects.filter(public_id=public_id).first()
    if request is None or getattr(viewer, "pk", None) != request.user_id:
        raise NotFoundError()
    return request


def erasure_queue(*, viewer: Actor, status: str = ErasureStatus.REQUESTED) -> QuerySet[ErasureRequest]:
    """Erasure requests for site admins, the nearest due date first; to anyone else the queue is not there."""
    require(can_carry_out_erasure, viewer)
    qs = ErasureRequest.objects.select_related("user", "carried_out_by")
    if status in ErasureStatus.values:
        qs = qs.filter(status=status)
    return qs.order_by("due_on", "requested_at", "pk")


def erasure_get_for_admin(*, viewer: Actor, public_id: Any) -> ErasureRequest:
    require(can_carry_out_erasure, viewer)
    request = ErasureRequest.objects.select_related("user").filter(public_id=public_id).first()
    if request is None:
        raise NotFoundError()
    return request


def erasure_blockers(user: User) -> list[Any]:
    """What stands in the way of erasing ``user`` now, as the errors that carrying it out would raise (none: it can
    be carried out). Shown to the person when they ask, and to the site admin in the queue."""
    blockers: list[Any] = []
    if user.is_superuser:
        blockers.append(ErasureSiteAdminError())
    admin_of = Membership.objects.filter(user=user, is_active=True, is_admin=True, organisation__is_active=True)
    others = Membership.objects.filter(is_active=True, is_admin=True).exclude(user=user)
    for membership in admin_of.select_related("organisation").exclude(
        organisation_id__in=others.values("organisation_id")
    ):
        blockers.append(ErasureLastAdminError(organisation=membership.organisation.name_th))
    counts: dict[str, Any] = {
        "deeds": Deed.objects.filter(member=user, status__in=[DeedStatus.PENDING, DeedStatus.AWAITING_SECOND]).count(),
        "appeals": Appeal.objects.filter(member=user, status=Appeal.Status.OPEN).count(),
        "vouchers": reward_selectors.voucher_list_for_member(viewer=user, status=VoucherStatus.HELD).count(),
        "nominations": Nomination.objects.filter(
            nominee=user, status=NominationStatus.SUBMITTED, round__status__in=[RoundStatus.OPEN, RoundStatus.SCORING]
        ).count(),
        # A judge of a round not yet decided: selection waits for every judge's scores, and the panel can be
        # changed only while nominations are open (the round's managers replace them then, or decide the round).
        "panel_seats": PanelMember.objects.filter(
            user=user, round__status__in=[RoundStatus.OPEN, RoundStatus.SCORING]
        ).count(),
    }
    if any(counts.values()):
        blockers.append(ErasureOpenMattersError(**counts))
    return blockers


def wallet_balance_of(user: User) -> int:
    return ledger_selectors.balance_of(user)
