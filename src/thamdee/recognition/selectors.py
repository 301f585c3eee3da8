"""Reads for recognition, scoped to who is asking."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q, QuerySet

from thamdee.assessments.models import Framework, Indicator
from thamdee.common.errors import NotFoundError
from thamdee.common.i18n import localised
from thamdee.common.ids import parse_uuid
from thamdee.creditrules.engine import Level, level_for
from thamdee.creditrules.selectors import levels_held, levels_of_programme
from thamdee.deeds.models import DeedStatus
from thamdee.ledger import selectors as ledger_selectors
from thamdee.ledger.models import Programme
from thamdee.orgs.models import Organisation
from thamdee.orgs.roles import roles_for
from thamdee.people.models import User
from thamdee.people.types import Actor
from thamdee.recognition import badges as rules_of_badges
from thamdee.recognition import credentials as vc
from thamdee.recognition import results
from thamdee.recognition.models import (
    BadgeAward,
    BadgeDefinition,
    ConsentState,
    Credential,
    ExemplarCriterion,
    ExemplarRound,
    Honour,
    Issuer,
    Nomination,
    OrganisationBadgeSetting,
    PanelMember,
    RoundStatus,
    Score,
    StatusList,
)
from thamdee.recognition.permissions import (
    can_manage_round,
    can_nominate_for,
    can_view_credential,
    can_view_round,
    has_conflict,
    is_panel_member,
)


def _uuid(value: Any) -> uuid.UUID:
    """A public id from a URL or a request; anything that is not one is simply not found."""
    parsed = parse_uuid(value)
    if parsed is None:
        raise NotFoundError()
    return parsed


# --- a member's standing ------------------------------------------------------------------------------------------


# The programme a member's level is read in: the one most of their verified deeds belong to, else the first
# active programme. Plain SQL: the home page asks it on every visit.
_PROGRAMME_SQL = """
SELECT t.programme_id
  FROM deeds_deed d
  JOIN deeds_deedtype t ON t.id = d.deed_type_id
  JOIN ledger_programme p ON p.id = t.programme_id
 WHERE d.member_id = %s AND d.status = %s AND p.is_active
 GROUP BY t.programme_id
 ORDER BY count(*) DESC, t.programme_id
 LIMIT 1
"""
_FIRST_ACTIVE_PROGRAMME_SQL = "(SELECT id FROM ledger_programme WHERE is_active ORDER BY id LIMIT 1)"

# The levels the member reached in the home card's programme (codes joined by commas: level codes are slugs), as
# creditrules.selectors.levels_held reads them, here inside the card's one statement.
_HELD_SQL = "SELECT {aggregate} FROM recognition_levelaward WHERE member_id = %s AND programme_id = x.programme_id"


def _held_sql() -> str:
    aggregate = "string_agg(level_code, ',')" if connection.vendor == "postgresql" else "group_concat(level_code, ',')"
    return _HELD_SQL.format(aggregate=aggregate)


# For the home page's card, in one statement: that programme, how many badges the member holds, the names of the
# latest one, and the levels reached in the programme.
_HOME_SQL = f"""
SELECT x.programme_id,
       (SELECT count(*) FROM recognition_badgeaward WHERE member_id = %s),
       latest.name_th, latest.name_en,
       ({{held}})
  FROM (SELECT COALESCE(({_PROGRAMME_SQL}), {_FIRST_ACTIVE_PROGRAMME_SQL}) AS programme_id) x
  LEFT JOIN (SELECT d.name_th, d.name_en
               FROM recognition_badgeaward b JOIN recognition_badgedefinition d ON d.id = b.definition_id
              WHERE b.member_id = %s
              ORDER BY b.awarded_at DESC, b.id DESC
              LIMIT 1) latest ON 1 = 1
"""


def _codes(joined: str | None) -> frozenset[str]:
    return frozenset(code for code in (joined or "").split(",") if code)


def programme_id_of(member: User) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(({_PROGRAMME_SQL}), {_FIRST_ACTIVE_PROGRAMME_SQL})", [member.pk, DeedStatus.VERIFIED]
        )
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else None


def programme_of(member: User) -> Programme | None:
    """The programme a member's level is read in (see ``programme_id_of``)."""
    programme_id = programme_id_of(member)
    return Programme.objects.filter(pk=programme_id).first() if programme_id is not None else None


def _level_name(level: Level | None) -> str:
    return localised(level.name_th, level.name_en) if level is not None else ""


@dataclass
class Standing:
    earned_total: int
    programme: Programme | None
    level: Level | None
    next_level: Level | None
    levels: tuple[Level, ...]

    @property
    def level_name(self) -> str:
        return _level_name(self.level)

    @property
    def next_level_name(self) -> str:
        return _level_name(self.next_level)

    @property
    def credits_to_next(self) -> int:
        return max(0, self.next_level.min_credits - self.earned_total) if self.next_level else 0


def standing_of(member: User, *, earned_total: int | None = None) -> Standing:
    """A member's level, from lifetime verified credits (spending never lowers it), and the next one.

    ``earned_total``: the member's lifetime credits when the caller has just read the wallet."""
    earned = ledger_selectors.earned_total_of(member) if earned_total is None else earned_total
    programme = programme_of(member)
    return _standing(earned, programme.pk if programme else None, programme, member_id=member.pk)


def _standing(
    earned: int,
    programme_id: int | None,
    programme: Programme | None,
    *,
    member_id: int,
    held: frozenset[str] | None = None,
) -> Standing:
    """The level is the highest the lifetime credits reach under the version in force, or one the member reached
    before (a later version raising its threshold takes nothing away); the next is the first above it. ``held``:
    the levels reached, when the caller read them already."""
    levels = levels_of_programme(programme_id) if programme_id is not None else ()
    ordered = tuple(sorted(levels, key=lambda lvl: lvl.min_credits))
    if held is None:
        held = levels_held(member_id, programme_id) if programme_id is not None and ordered else frozenset()
    level = level_for(earned, ordered, held)
    above = ordered[ordered.index(level) + 1 :] if level is not None else ordered
    upcoming = next((lvl for lvl in above if lvl.min_credits > earned), None)
    return Standing(earned_total=earned, programme=programme, level=level, next_level=upcoming, levels=ordered)


@dataclass
class BadgeProgress:
    definition: BadgeDefinition
    value: int
    threshold: int


@dataclass
class MemberRecognition:
    standing: Standing
    badges: list[BadgeAward]
    upcoming: list[BadgeProgress]
    honours: list[Honour]
    credentials: list[Credential] = field(default_factory=list)


def recognition_of(member: User, *, upcoming: int = 4) -> MemberRecognition:
    """What the member's own page shows: level, badges, the nearest badges to come, honours, credentials."""
    from thamdee.recognition.services import badges_disabled_org_ids, member_records

    badge_awards = list(
        BadgeAward.objects.filter(member=member).select_related("definition", "credential", "organisation")
    )
    held = {a.definition_id for a in badge_awards}
    record = member_records([member.pk], badges_disabled_org_ids())[member.pk]
    progress = []
    for definition in BadgeDefinition.objects.filter(is_active=True).exclude(pk__in=held):
        value, threshold = rules_of_badges.progress(
            rules_of_badges.Rule(definition.code, definition.kind, definition.threshold, definition.subject), record
        )
        if value > 0:
            progress.append(BadgeProgress(definition, value, threshold))
    progress.sort(key=lambda p: (-(p.value / p.threshold), p.definition.ordering))
    return MemberRecognition(
        standing=standing_of(member),
        badges=badge_awards,
        upcoming=progress[:upcoming],
        honours=list(Honour.objects.filter(member=member).select_related("credential", "agency", "area")),
        credentials=list(credentials_of(member)),
    )


def home_context(user: Any, *, earned_total: int | None = None) -> dict[str, Any]:
    """For the member's home page: the level's name, how many badges and the latest one's name. Two statements
    (the card's figures in one, the levels in the other); the standing carries no Programme instance, since the
    card does not show it."""
    if not getattr(user, "is_authenticated", False):
        return {}
    earned = ledger_selectors.earned_total_of(user) if earned_total is None else earned_total
    with connection.cursor() as cursor:
        cursor.execute(
            _HOME_SQL.replace("{held}", _held_sql()),
            [user.pk, user.pk, user.pk, DeedStatus.VERIFIED, user.pk],
        )
        programme_id, badge_count, latest_th, latest_en, held = cursor.fetchone()
    standing = _standing(
        earned,
        int(programme_id) if programme_id is not None else None,
        None,
        member_id=user.pk,
        held=_codes(held),
    )
    latest = localised(latest_th, latest_en) if latest_th else ""
    return {
        "level": standing.level_name,
        "recognition_standing": standing,
        "recognition_latest_badge": latest,
        "recognition_badge_count": int(badge_count or 0),
    }


# --- credentials -------------------------------------------------------------------------------------------------


def credentials_of(member: User) -> QuerySet[Credential]:
    return Credential.objects.filter(member=member).select_related("issuer__organisation").order_by("-issued_at")


def credential_get_visible_to(*, viewer: Actor, public_id: Any) -> Credential:
    """A credential for its holder, or for the issuing body (to revoke it); anyone else: not found."""
    credential = (
        Credential.objects.select_related("issuer__organisation", "member", "status_list")
        .filter(public_id=_uuid(public_id))
        .first()
    )
    if credential is None or not can_view_credential.test(viewer, credential):
        raise NotFoundError()
    return credential


def credential_get_public(public_id: Any) -> Credential:
    """The credential a certificate's QR code points at (its id is the capability: no sign-in). A credential whose
    holder had their data erased keeps no signed copy (it named them): it is not found."""
    credential = Credential.objects.select_related("issuer__organisation").filter(public_id=_uuid(public_id)).first()
    if credential is None or not credential.token:
        raise NotFoundError()
    return credential


def issuer_get(public_id: Any) -> Issuer:
    issuer = Issuer.objects.select_related("organisation").filter(public_id=_uuid(public_id)).first()
    if issuer is None:
        raise NotFoundError()
    return issuer


def status_list_get(issuer: Issuer, purpose: str) -> StatusList:
    status = StatusList.objects.filter(issuer=issuer, purpose=purpose).exclude(token="").first()
    if status is None:
        raise NotFoundError()
    return status


def credentials_issued_by(*, viewer: Actor, organisation: Organisation) -> QuerySet[Credential]:
    """What an issuing body has issued, to find and revoke: only what the viewer may open (an agency's staff, what
    lies in their area scope; see ``permissions.issued_credentials_reach``)."""
    from thamdee.recognition.permissions import issued_credentials_reach

    reach = issued_credentials_reach(viewer, organisation)
    issuer = Issuer.objects.filter(organisation=organisation).first()
    if issuer is None or reach is None:
        return Credential.objects.none()
    return Credential.objects.filter(reach, issuer=issuer).select_related("member").order_by("-issued_at")


def result_achievement_get(code: str) -> vc.AchievementSpec | None:
    """The achievement of a result at a level under a framework (``<framework code>-<level>``), for its public page;
    None when there is no such framework or level."""
    parsed = results.parse_code(code)
    framework = Framework.objects.filter(code=parsed[0]).first() if parsed is not None else None
    if parsed is None or framework is None:
        return None
    indicators = list(Indicator.objects.filter(framework=framework).order_by("number"))
    return results.result_achievement(framework, parsed[1], indicators)


# --- badges ------------------------------------------------------------------------------------------------------


def badge_definitions() -> QuerySet[BadgeDefinition]:
    return BadgeDefinition.objects.filter(is_active=True).order_by("ordering", "code")


def badges_enabled(organisation: Organisation) -> bool:
    setting = OrganisationBadgeSetting.objects.filter(organisation=organisation).first()
    return setting.badges_enabled if setting else True


# --- honours -----------------------------------------------------------------------------------------------------


def _with_publication(qs: QuerySet[Honour]) -> QuerySet[Honour]:
    """Each honour carries what may be shown of it now: ``public_name`` while the honour's consent shows the name
    and the holder's consent to publish their name (profile) is active; ``public_photo`` likewise with the photo
    and the consent to publish their photo; ``public_story`` while the honour's consent shows the story and the
    consent to publish the name is active, since a story identifies its subject as surely as a name. Withdrawing a
    consent on the profile takes effect at once, with no change to the honour. Read in the same statement."""
    from thamdee.people.models import ConsentPurpose
    from thamdee.people.selectors import has_consent as active

    def both(field: str, purpose: str) -> ExpressionWrapper:
        return ExpressionWrapper(
            Q(consent=ConsentState.CONSENTED, **{field: True}) & Q(active(purpose)), output_field=BooleanField()
        )

    return qs.annotate(
        public_name=both("show_name", ConsentPurpose.PUBLISH_NAME),
        public_photo=both("show_photo", ConsentPurpose.PUBLISH_PHOTO),
        public_story=both("show_story", ConsentPurpose.PUBLISH_NAME),
    )


def honours_public(*, fiscal_year: int | None = None, level: str = "") -> QuerySet[Honour]:
    """The public honour roll: only honours whose holder consented, each carrying what may be shown of it
    (``public_name``, ``public_photo``, ``public_story``: see ``_with_publication``). The web page and the API
    show only those."""
    qs = Honour.objects.filter(consent=ConsentState.CONSENTED)
    if fiscal_year:
        qs = qs.filter(fiscal_year=fiscal_year)
    if level:
        qs = qs.filter(level=level)
    qs = qs.select_related("member", "area", "agency", "nomination")
    return _with_publication(qs).order_by("-fiscal_year", "level", "category")


def honour_years() -> list[int]:
    return list(
        Honour.objects.filter(consent=ConsentState.CONSENTED)
        .order_by("-fiscal_year")
        .values_list("fiscal_year", flat=True)
        .distinct()
    )


def honour_get_for_holder(*, viewer: Actor, public_id: Any) -> Honour:
    honour = (
        Honour.objects.select_related("member", "area", "agency", "nomination__round", "credential")
        .filter(public_id=_uuid(public_id))
        .first()
    )
    if honour is None or getattr(viewer, "pk", None) != honour.member_id:
        raise NotFoundError()
    return honour


def honour_get_public(public_id: Any) -> Honour:
    """A consented honour, carrying what may be shown of it (see ``_with_publication``)."""
    honour = _with_publication(
        Honour.objects.filter(public_id=_uuid(public_id), consent=ConsentState.CONSENTED)
    ).first()
    if honour is None:
        raise NotFoundError()
    return honour


# --- rounds --------------------------------------------------------------------------------------------------------


def rounds_for(viewer: Actor) -> list[ExemplarRound]:
    """Rounds the viewer runs, sits on the panel of, or may nominate in (open rounds over their organisations)."""
    roles = roles_for(viewer)
    if not getattr(viewer, "is_authenticated", False):
        return []
    qs = (
        ExemplarRound.objects.select_related("agency", "area")
        .prefetch_related("panel")
        .order_by("-fiscal_year", "-created_at")
    )
    if roles.is_site_admin:
        return list(qs[:200])
    q = Q(panel__user_id=viewer.pk)
    for post in roles.agency_posts:
        q |= Q(agency_id=post.agency_id) & (Q(area__code__startswith=post.scope_code) if post.scope_code else Q())
    nominating = roles.org_ids_with("admin", "organiser")
    if nominating:
        codes = list(Organisation.objects.filter(pk__in=nominating).values_list("area__code", flat=True))
        open_q = Q(level="national")
        for code in codes:
            for length in (2, 4, 6, 8):
                if len(code) >= length:
                    open_q |= Q(area__code=code[:length])
        q |= Q(status=RoundStatus.OPEN) & open_q
    return [r for r in qs.filter(q).distinct()[:200] if can_view_round.test(viewer, r)]


def round_get_visible_to(*, viewer: Actor, public_id: Any) -> ExemplarRound:
    round_ = (
        ExemplarRound.objects.select_related("agency", "area")
        .prefetch_related("panel__user", "criteria")
        .filter(public_id=_uuid(public_id))
        .first()
    )
    if round_ is None or not can_view_round.test(viewer, round_):
        raise NotFoundError()
    return round_


@dataclass
class NominationRow:
    nomination: Nomination
    total: int | None  # the sum of every score given (managers only)
    scorers: int
    eligible: int
    conflicted: bool  # the viewer may not score it
    my_scores: dict[str, int]
    can_score: bool


def nominations_of_round(*, viewer: Actor, round: ExemplarRound) -> list[NominationRow]:
    """The round's nominations as the viewer may see them: everything for its managers, the papers and the
    viewer's own scores for panel members, and only their own organisations' nominations for nominators."""
    manager = can_manage_round.test(viewer, round)
    panelist = is_panel_member.test(viewer, round)
    qs = Nomination.objects.filter(round=round).select_related("nominee", "organisation", "nominated_by")
    if not (manager or panelist):
        allowed = roles_for(viewer).org_ids_with("admin", "organiser")
        if not roles_for(viewer).is_site_admin:
            qs = qs.filter(organisation_id__in=allowed)
    nominations = list(qs.prefetch_related(Prefetch("scores", queryset=Score.objects.select_related("criterion"))))
    panel = list(PanelMember.objects.filter(round=round).select_related("user"))
    rows = []
    for nomination in nominations:
        scores = list(nomination.scores.all())
        eligible = [p for p in panel if not has_conflict.test(p.user, nomination)]
        seat = next((p for p in panel if p.user_id == getattr(viewer, "pk", None)), None)
        rows.append(
            NominationRow(
                nomination=nomination,
                total=sum(s.score for s in scores) if manager else None,
                scorers=len({s.panel_member_id for s in scores}),
                eligible=len(eligible),
                conflicted=bool(seat) and has_conflict.test(viewer, nomination),
                my_scores={s.criterion.code: s.score for s in scores if seat and s.panel_member_id == seat.pk},
                can_score=bool(seat)
                and not has_conflict.test(viewer, nomination)
                and round.status == RoundStatus.SCORING
                and nomination.status == "submitted",
            )
        )
    return rows


def nomination_get_visible_to(*, viewer: Actor, public_id: Any) -> Nomination:
    from thamdee.recognition.permissions import can_view_nomination

    nomination = (
        Nomination.objects.select_related("round__area", "round__agency", "organisation", "nominee")
        .filter(public_id=_uuid(public_id))
        .first()
    )
    if nomination is None or not can_view_nomination.test(viewer, nomination):
        raise NotFoundError()
    return nomination


def criteria_of(round: ExemplarRound) -> list[ExemplarCriterion]:
    return list(ExemplarCriterion.objects.filter(round=round).order_by("ordering", "pk"))


def nominating_orgs_for(viewer: Actor, round: ExemplarRound) -> list[Organisation]:
    """The viewer's organisations that may nominate in this round (inside its area)."""
    ids = roles_for(viewer).org_ids_with("admin", "organiser")
    qs = Organisation.objects.filter(pk__in=ids, is_active=True).select_related("area")
    if round.area_id:
        qs = qs.filter(area__code__startswith=round.area.code)  # type: ignore[union-attr]
    return [o for o in qs.order_by("name_th") if can_nominate_for.test(viewer, o)]
