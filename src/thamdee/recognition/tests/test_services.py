"""Levels, badges and exemplars, through the services."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AgencyFactory, AgencyStaffFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError
from thamdee.deeds import services as deeds
from thamdee.deeds.models import Deed
from thamdee.inbox.models import Notification
from thamdee.ledger import services as ledger
from thamdee.ledger.selectors import balance_of, earned_total_of
from thamdee.recognition import badges, errors, selectors, services
from thamdee.recognition import credentials as vc
from thamdee.recognition.models import (
    BadgeAward,
    ConsentState,
    Credential,
    CredentialKind,
    HonourConsentEvent,
    HonourLevel,
    LevelAward,
    OrganisationBadgeSetting,
    PanelMember,
    RoundStatus,
)

from .conftest import select_nominee, verified

pytestmark = pytest.mark.django_db


# --- levels --------------------------------------------------------------------------------------------------


def test_a_level_comes_from_lifetime_credits_and_spending_never_lowers_it(world):
    # Given 15 verified credits (3 hours of care at 5 an hour): past "ผู้ทำดี" at 10
    verified(world, hours=3)
    standing = selectors.standing_of(world.member)
    assert standing.earned_total == 15 and standing.level.code == "doer"
    assert standing.next_level.code == "pillar" and standing.credits_to_next == 25
    # When she gives away most of her balance
    ledger.gift_send(actor=world.member, recipient=world.verifier, amount=12, idempotency_key="gift-1")
    # Then the balance falls but lifetime credits, and the level, do not
    assert balance_of(world.member) == 3 and earned_total_of(world.member) == 15
    assert selectors.standing_of(world.member).level.code == "doer"


def test_reaching_a_level_records_it_once_with_a_credential_from_the_programme_agency(world):
    verified(world, hours=3)  # 15 credits: "doer"
    award = LevelAward.objects.get(member=world.member)
    assert (award.level_code, award.min_credits, award.credits_when_reached) == ("doer", 10, 15)
    assert award.credential.kind == CredentialKind.LEVEL
    assert award.credential.issuer.organisation == world.agency  # the agency that runs the programme
    verified(world, hours=1, days_ago=2)  # 20 credits: still "doer"
    assert LevelAward.objects.filter(member=world.member).count() == 1
    assert Notification.objects.filter(user=world.member, kind="level_reached").count() == 1
    # The starting level (0 credits) is not an award
    assert not LevelAward.objects.filter(level_code="seed").exists()


# --- badges ------------------------------------------------------------------------------------------------------


def test_a_first_verified_deed_earns_the_first_badge_issued_by_the_organisation(world):
    verified(world, hours=1)
    award = BadgeAward.objects.get(member=world.member, definition__code="first-deed")
    assert award.organisation == world.org
    assert award.credential.issuer.organisation == world.org and award.credential.kind == CredentialKind.BADGE
    assert vc.verify_token(award.credential.token).status == vc.VALID
    assert Notification.objects.filter(user=world.member, kind="badge_awarded").count() == 1


def test_hours_virtue_and_dimension_badges(world):
    for day in range(1, 6):  # five deeds of elder care (volunteering, health), 2 hours each
        verified(world, hours=2, days_ago=day)
    codes = set(BadgeAward.objects.filter(member=world.member).values_list("definition__code", flat=True))
    assert {"first-deed", "hours-10", "virtue-volunteering-5", "dimension-health-5"} <= codes
    assert "virtue-honesty-5" not in codes and "hours-50" not in codes


def test_a_pending_or_rejected_deed_earns_nothing(world):
    deed = deeds.deed_report(actor=world.member, deed_type=world.care, done_on=world.today, hours=2)
    deeds.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
    assert not BadgeAward.objects.exists() and not Credential.objects.exists()


def test_an_upheld_appeal_reinstates_the_deed_and_its_badge(world):
    deed = deeds.deed_report(actor=world.member, deed_type=world.care, done_on=world.today, hours=2)
    deeds.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
    appeal = deeds.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
    deeds.appeal_decide(actor=world.verifier2, appeal=appeal, uphold=True, reason="ตรวจแล้ว")
    assert BadgeAward.objects.filter(member=world.member, definition__code="first-deed").exists()


def test_monthly_streaks_count_consecutive_months():
    assert badges.longest_monthly_streak([(2025, 11), (2025, 12), (2026, 1), (2026, 3)]) == 3
    assert badges.longest_monthly_streak([]) == 0
    record = badges.MemberRecord(deeds=4, months={(2025, 11), (2025, 12), (2026, 1)})
    assert badges.reached(badges.Rule("streak-3", "streak", 3), record)
    assert not badges.reached(badges.Rule("streak-6", "streak", 6), record)


def test_a_streak_badge_from_deeds_in_consecutive_months(world):
    # Given verified deeds done in three consecutive months (dates moved back after verification)
    deeds_done = [verified(world, hours=1, days_ago=d) for d in (1, 2, 3)]
    for months_back, deed in enumerate(deeds_done):
        Deed.objects.filter(pk=deed.pk).update(done_on=dt.date(2026, 1, 10) - dt.timedelta(days=31 * months_back))
    # When recognition is recomputed
    services.recognition_recompute(member_ids=[world.member.pk])
    # Then the three-month streak badge is awarded
    assert BadgeAward.objects.filter(member=world.member, definition__code="streak-3").exists()


def test_an_organisation_that_turns_badges_off_awards_none_until_it_turns_them_on(
    world, django_capture_on_commit_callbacks
):
    services.badge_setting_set(actor=world.admin, organisation=world.org, enabled=False)
    verified(world, hours=2)
    assert not BadgeAward.objects.exists()
    assert LevelAward.objects.filter(member=world.member).exists()  # levels are not badges
    with django_capture_on_commit_callbacks(execute=True):
        services.badge_setting_set(actor=world.admin, organisation=world.org, enabled=True)
    assert BadgeAward.objects.filter(member=world.member, definition__code="first-deed").exists()


def test_only_an_organisation_admin_sets_badges(world):
    with pytest.raises(NotFoundError):
        services.badge_setting_set(actor=world.organiser, organisation=world.org, enabled=False)
    admin = member_of(world.org, is_admin=True)
    assert services.badge_setting_set(actor=admin, organisation=world.org, enabled=False).badges_enabled is False


def _pending_deeds_for(world, count):  # type: ignore[no-untyped-def]
    people = [member_of(world.org) for _ in range(count)]
    return people, [
        deeds.deed_report(actor=p, deed_type=world.lost, done_on=world.today, hours=0, quantity=1) for p in people
    ]


def test_bulk_verification_awards_every_member_in_a_fixed_number_of_queries(world):
    # Given badges are off while two batches of deeds are verified (2 and 20 members)
    OrganisationBadgeSetting.objects.create(organisation=world.org, badges_enabled=False, changed_by=world.admin)
    _, small = _pending_deeds_for(world, 2)
    _, large = _pending_deeds_for(world, 20)
    warm = verified(world, hours=1)
    deeds.deed_verify_bulk(actor=world.verifier, deeds=small + large)
    OrganisationBadgeSetting.objects.update(badges_enabled=True)
    services.recognise_verified([warm])  # the issuer, its key and its status list exist from here on
    small = list(Deed.objects.filter(pk__in=[d.pk for d in small]))
    large = list(Deed.objects.filter(pk__in=[d.pk for d in large]))
    # When the hook runs for each batch
    with CaptureQueriesContext(connection) as two:
        services.recognise_verified(small)
    with CaptureQueriesContext(connection) as twenty:
        services.recognise_verified(large)
    # Then every member got their first badge, and twenty cost the same queries as two
    assert BadgeAward.objects.filter(definition__code="first-deed").count() == 23
    assert len(twenty.captured_queries) == len(two.captured_queries)


def test_bulk_verification_awards_badges_inside_its_transaction(world):
    people, pending = _pending_deeds_for(world, 5)
    deeds.deed_verify_bulk(actor=world.verifier, deeds=pending)
    assert BadgeAward.objects.filter(member__in=people, definition__code="first-deed").count() == 5
    assert Credential.objects.filter(member__in=people).values("status_index").distinct().count() == 5


def test_credentials_carry_the_name_and_an_opaque_id_but_no_national_id_or_phone(world):
    from tests.factories import national_id
    from thamdee.people.services import user_set_national_id

    number = national_id(seed=7)
    user_set_national_id(actor=world.member, user=world.member, national_id=number)
    verified(world, hours=1)
    credential = Credential.objects.filter(member=world.member).first()
    text = json.dumps(vc.decode_segment(credential.token), ensure_ascii=False)
    assert world.member.full_name in text and str(world.member.public_id) in text
    assert world.member.mobile not in text and number not in text
    assert world.member.national_id_hmac not in text and "national" not in text.lower()


# --- revocation --------------------------------------------------------------------------------------------------


def test_the_issuing_organisation_revokes_a_credential_with_a_reason(world):
    verified(world, hours=1)
    credential = Credential.objects.get(member=world.member, kind=CredentialKind.BADGE)
    with pytest.raises(NotFoundError):
        services.credential_revoke(actor=world.member, credential=credential, reason="x")
    admin = member_of(world.org, is_admin=True)
    with pytest.raises(Exception, match="เหตุผล"):
        services.credential_revoke(actor=admin, credential=credential, reason=" ")
    services.credential_revoke(actor=admin, credential=credential, reason="บันทึกซ้ำ")
    assert vc.verify_token(credential.token).status == vc.REVOKED
    with pytest.raises(errors.CredentialRevokedError):
        services.credential_revoke(actor=admin, credential=credential, reason="อีกครั้ง")
    assert Notification.objects.filter(user=world.member, kind="credential_revoked").exists()


def test_a_reversed_deed_does_not_revoke_the_badges_it_helped_earn(world):
    deed = verified(world, hours=1)
    deeds.deed_reverse(actor=world.verifier, deed=deed, reason="บันทึกซ้ำ")
    credential = BadgeAward.objects.get(member=world.member).credential
    assert credential.revoked_at is None and vc.verify_token(credential.token).status == vc.VALID


# --- exemplars -----------------------------------------------------------------------------------------------------


def test_only_the_agency_over_the_area_opens_a_round_and_the_area_fits_the_level(world):
    staff_71 = AgencyStaffFactory(agency=world.agency, scope_area=area("71")).user
    other_agency_staff = AgencyStaffFactory(agency=AgencyFactory(), scope_area=None).user
    criteria = [services.CriterionInput(text_th="ทำดีต่อเนื่อง", max_score=10)]
    common = {"agency": world.agency, "fiscal_year": 2027, "title_th": "รอบ", "criteria": criteria}
    with pytest.raises(NotFoundError):
        services.round_create(actor=other_agency_staff, level=HonourLevel.PROVINCE, area=area("71"), **common)
    with pytest.raises(NotFoundError):  # outside her scope
        services.round_create(actor=staff_71, level=HonourLevel.PROVINCE, area=area("40"), **common)
    with pytest.raises(NotFoundError):  # a national round needs national staff
        services.round_create(actor=staff_71, level=HonourLevel.NATIONAL, area=None, **common)
    with pytest.raises(errors.RoundAreaError):
        services.round_create(actor=staff_71, level=HonourLevel.DISTRICT, area=area("71"), **common)
    with pytest.raises(errors.CriteriaRequiredError):
        services.round_create(actor=staff_71, level=HonourLevel.PROVINCE, area=area("71"), **{**common, "criteria": []})
    round_ = services.round_create(actor=staff_71, level=HonourLevel.DISTRICT, area=area("7109"), **common)
    assert round_.status == RoundStatus.OPEN and round_.criteria.count() == 1


def test_a_panel_has_at_least_three_members_set_while_nominations_are_open(exemplar):
    w = exemplar
    everyone = [*w.panel_outsiders, w.panel_insider]
    with pytest.raises(errors.PanelTooSmallError):
        services.panel_set(actor=w.round_staff, round=w.round, members=w.panel_outsiders)
    with pytest.raises(NotFoundError):  # an organisation's verifier does not set an agency's panel
        services.panel_set(actor=w.verifier, round=w.round, members=everyone)
    PanelMember.objects.filter(round=w.round, user=w.panel_insider).delete()
    with pytest.raises(errors.PanelTooSmallError):
        services.round_close_nominations(actor=w.round_staff, round=w.round)
    services.panel_set(actor=w.round_staff, round=w.round, members=everyone)
    services.round_close_nominations(actor=w.round_staff, round=w.round)
    with pytest.raises(errors.RoundStateError):
        services.panel_set(actor=w.round_staff, round=w.round, members=everyone)


def test_nominations_come_from_an_organisation_for_its_own_members_in_the_area(exemplar):
    w = exemplar
    kwargs = {"round": w.round, "category": "honesty", "reasons": "ส่งคืนของหายเสมอ"}
    with pytest.raises(NotFoundError):  # a plain member cannot nominate
        services.nomination_submit(actor=w.member, organisation=w.org, nominee=w.verifier, **kwargs)
    with pytest.raises(errors.NomineeNotMemberError):
        services.nomination_submit(actor=w.organiser, organisation=w.org, nominee=UserFactory(), **kwargs)
    other_admin = member_of(w.other, is_admin=True)  # Khon Kaen: outside the Kanchanaburi round
    with pytest.raises(errors.NominationOutsideAreaError):
        services.nomination_submit(actor=other_admin, organisation=w.other, nominee=w.foreign_verifier, **kwargs)
    with pytest.raises(errors.NominationExistsError):
        services.nomination_submit(
            actor=w.organiser, organisation=w.org, nominee=w.member, **{**kwargs, "category": "volunteering"}
        )
    with pytest.raises(errors.ReasonsRequiredError):
        services.nomination_submit(
            actor=w.organiser, organisation=w.org, nominee=w.verifier, **{**kwargs, "reasons": " "}
        )


def test_a_panel_member_from_the_nominating_organisation_cannot_score_it(exemplar):
    w = exemplar
    services.round_close_nominations(actor=w.round_staff, round=w.round)
    with pytest.raises(errors.ConflictOfInterestError):
        services.score_submit(actor=w.panel_insider, nomination=w.nomination, scores={"c1": 10, "c2": 10})
    with pytest.raises(NotFoundError):  # not on the panel at all
        services.score_submit(actor=w.verifier, nomination=w.nomination, scores={"c1": 10, "c2": 10})
    with pytest.raises(errors.ScoreRangeError):
        services.score_submit(actor=w.panel_outsiders[0], nomination=w.nomination, scores={"c1": 11, "c2": 1})
    with pytest.raises(errors.ScoreRangeError):
        services.score_submit(actor=w.panel_outsiders[0], nomination=w.nomination, scores={"c1": 5})
    scores = services.score_submit(actor=w.panel_outsiders[0], nomination=w.nomination, scores={"c1": 8, "c2": 7})
    assert sorted(s.score for s in scores) == [7, 8]
    assert [p.user for p in services.eligible_panel(w.nomination)] == w.panel_outsiders


def test_selection_waits_for_every_panel_member_without_a_conflict(exemplar):
    w = exemplar
    services.round_close_nominations(actor=w.round_staff, round=w.round)
    services.score_submit(actor=w.panel_outsiders[0], nomination=w.nomination, scores={"c1": 8, "c2": 7})
    with pytest.raises(errors.ScoresIncompleteError):
        services.nomination_select(actor=w.round_staff, nomination=w.nomination)
    services.score_submit(actor=w.panel_outsiders[1], nomination=w.nomination, scores={"c1": 9, "c2": 9})
    with pytest.raises(NotFoundError):  # a panel member does not select
        services.nomination_select(actor=w.panel_outsiders[0], nomination=w.nomination)
    honour = services.nomination_select(actor=w.round_staff, nomination=w.nomination)
    assert honour.consent == ConsentState.PENDING and honour.fiscal_year == 2027
    assert honour.level == HonourLevel.PROVINCE and honour.credential.kind == CredentialKind.HONOUR
    assert honour.credential.issuer.organisation == w.agency
    assert Notification.objects.filter(user=w.member, kind="honour_selected").exists()


def test_one_selection_per_category_and_the_rest_are_closed_when_decided(exemplar):
    w = exemplar
    second = services.nomination_submit(
        actor=w.organiser,
        round=w.round,
        organisation=w.org,
        nominee=w.verifier,
        category="volunteering",
        reasons="จิตอาสาทุกสัปดาห์",
    )
    select_nominee(w)
    for judge in w.panel_outsiders:
        services.score_submit(actor=judge, nomination=second, scores={"c1": 5, "c2": 5})
    with pytest.raises(errors.AlreadySelectedError):
        services.nomination_select(actor=w.round_staff, nomination=second)
    services.round_decide(actor=w.round_staff, round=w.round)
    second.refresh_from_db()
    assert second.status == "not_selected"


def test_nothing_of_a_nominee_is_public_before_consent_and_withdrawal_removes_it(exemplar):
    w = exemplar
    honour = select_nominee(w)
    # Before consent: nothing public
    assert not selectors.honours_public().exists()
    # Someone else cannot consent for her
    with pytest.raises(NotFoundError):
        services.honour_consent(actor=w.organiser, honour=honour, show_name=True, show_photo=False, show_story=True)
    # She consents to her name and story
    services.honour_consent(actor=w.member, honour=honour, show_name=True, show_photo=False, show_story=True)
    public = list(selectors.honours_public())
    assert [h.pk for h in public] == [honour.pk] and public[0].show_name and not public[0].show_photo
    # She withdraws: gone at once, and what she chose is cleared
    services.honour_consent_withdraw(actor=w.member, honour=honour)
    honour.refresh_from_db()
    assert not selectors.honours_public().exists()
    assert honour.consent == ConsentState.WITHDRAWN and not (honour.show_name or honour.show_story)
    actions = list(HonourConsentEvent.objects.filter(honour=honour).values_list("action", flat=True))
    assert actions == ["consent", "withdraw"]


def test_a_declined_honour_is_never_public_but_stays_the_persons(exemplar):
    w = exemplar
    honour = select_nominee(w)
    services.honour_decline(actor=w.member, honour=honour)
    honour.refresh_from_db()
    assert honour.consent == ConsentState.DECLINED and not selectors.honours_public().exists()
    assert vc.verify_token(honour.credential.token).status == vc.VALID
    with pytest.raises(errors.ConsentStateError):
        services.honour_consent_withdraw(actor=w.member, honour=honour)


def test_a_photo_is_published_only_when_consented_and_given(exemplar):
    from thamdee.deeds.tests.test_services import jpeg_with_gps

    w = exemplar
    honour = select_nominee(w)
    with pytest.raises(Exception, match="ภาพถ่าย"):
        services.honour_consent(actor=w.member, honour=honour, show_name=False, show_photo=True, show_story=False)
    services.honour_consent(
        actor=w.member, honour=honour, show_name=False, show_photo=True, show_story=False, photo=jpeg_with_gps()
    )
    honour.refresh_from_db()
    assert honour.photo and honour.show_photo
    from PIL import Image

    with honour.photo.open("rb") as handle:
        assert not Image.open(handle).getexif()  # no GPS, no EXIF
    services.honour_consent_withdraw(actor=w.member, honour=honour)
    honour.refresh_from_db()
    assert not honour.photo


def test_a_child_under_ten_needs_a_guardian_to_consent(exemplar):
    w = exemplar
    honour = select_nominee(w)
    w.member.birth_year = w.today.year - 8
    w.member.save()
    with pytest.raises(errors.GuardianConsentRequiredError):
        services.honour_consent(actor=w.member, honour=honour, show_name=True, show_photo=False, show_story=False)
    services.honour_consent(
        actor=w.member, honour=honour, show_name=True, show_photo=False, show_story=False, guardian_name="นางแม่"
    )
    assert HonourConsentEvent.objects.get(honour=honour).guardian_name == "นางแม่"


def test_a_judge_of_a_round_not_yet_decided_is_erased_only_once_it_is(exemplar, django_capture_on_commit_callbacks):
    from thamdee.privacy import services as privacy
    from thamdee.privacy.errors import ErasureOpenMattersError

    w = exemplar
    services.round_close_nominations(actor=w.round_staff, round=w.round)
    first, second = w.panel_outsiders
    services.score_submit(actor=first, nomination=w.nomination, scores={"c1": 8, "c2": 9})
    # The second judge asks for erasure before scoring: refused while the round is being scored, since selection
    # waits for every judge without a conflict and the panel can no longer be changed
    request = privacy.erasure_request(actor=second, confirmed=True)
    with pytest.raises(ErasureOpenMattersError) as caught:
        privacy.erasure_carry_out(actor=w.admin, erasure=request)
    assert caught.value.params["panel_seats"] == 1
    second.refresh_from_db()
    assert second.is_active
    # The judge scores, the nominee is selected and the round decided: then the erasure goes ahead
    services.score_submit(actor=second, nomination=w.nomination, scores={"c1": 7, "c2": 8})
    services.nomination_select(actor=w.round_staff, nomination=w.nomination)
    services.round_decide(actor=w.round_staff, round=w.round)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erasure_carry_out(actor=w.admin, erasure=request)
    second.refresh_from_db()
    assert not second.is_active
