"""Pattern review: the patterns found in recent deeds, found once, put before the right reviewers, and changing
nothing else; a reviewer's decision, by the right person, once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.factories import AgencyStaffFactory, area, member_of
from tests.worlds import build_world
from thamdee.anomalies import selectors, services
from thamdee.anomalies.errors import AnomalyAlreadyReviewedError, AnomalyReviewInvalidError
from thamdee.anomalies.models import Anomaly, AnomalyKind, AnomalyStatus
from thamdee.common.errors import NotFoundError
from thamdee.deeds import services as deeds
from thamdee.deeds.models import Deed, DeedStatus
from thamdee.ledger.models import Journal

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    world = build_world()
    world.org_admin = member_of(world.org, is_admin=True)
    return world


def report(w, who, *, deed_type=None, hours=2, days_ago=1):
    return deeds.deed_report(
        actor=who, deed_type=deed_type or w.care, done_on=w.today - dt.timedelta(days=days_ago), hours=hours
    )


def kinds() -> list[str]:
    return sorted(Anomaly.objects.values_list("kind", flat=True))


# --- the patterns ---------------------------------------------------------------------------------------------


def test_two_people_who_verify_each_others_deeds_are_put_before_the_organisations_admins(w):
    # Given two verifiers of the organisation who each verified a deed of the other's
    deeds.deed_verify(actor=w.verifier2, deed=report(w, w.verifier))
    deeds.deed_verify(actor=w.verifier, deed=report(w, w.verifier2, hours=3))
    deeds.deed_verify(actor=w.verifier2, deed=report(w, w.member))  # an ordinary verification beside them
    before = (list(Deed.objects.values_list("pk", "status", "credits")), Journal.objects.count())

    # When detection runs
    result = services.anomalies_detect()

    # Then one pattern names the pair and both deeds, in their organisation
    assert (result.created, result.by_kind) == (1, {AnomalyKind.RECIPROCAL: 1})
    pattern = Anomaly.objects.get()
    assert pattern.kind == AnomalyKind.RECIPROCAL and pattern.organisation == w.org
    assert {pattern.person_id, pattern.other_id} == {w.verifier.pk, w.verifier2.pk}
    assert pattern.figures == {"person_approved_for_other": 1, "other_approved_for_person": 1}
    assert len(pattern.deed_ids) == 2 and pattern.status == AnomalyStatus.OPEN
    # And nothing else changed: no deed, credit or journal, and the two are not told
    assert (list(Deed.objects.values_list("pk", "status", "credits")), Journal.objects.count()) == before
    assert not w.verifier.notifications.exists() or not w.verifier.notifications.filter(kind="anomalies_found")
    assert not w.verifier2.notifications.filter(kind="anomalies_found").exists()
    # The organisation's admin is told there is something to review
    notice = w.org_admin.notifications.get(kind="anomalies_found")
    assert "1" in notice.title_th


def test_one_way_verification_is_no_pattern(w):
    deeds.deed_verify(actor=w.verifier2, deed=report(w, w.verifier))
    deeds.deed_verify(actor=w.verifier2, deed=report(w, w.member))
    assert services.anomalies_detect().created == 0 and not Anomaly.objects.exists()


def test_the_same_deed_recorded_twice_on_one_day_is_a_possible_duplicate(w):
    report(w, w.member, hours=2)
    report(w, w.member, hours=2)
    report(w, w.member, hours=3)  # another amount the same day: not the same deed
    report(w, w.member, hours=2, days_ago=2)  # the same amount another day
    services.anomalies_detect()
    pattern = Anomaly.objects.get()
    assert pattern.kind == AnomalyKind.DUPLICATE and pattern.person == w.member
    assert pattern.figures == {"deeds": 2} and pattern.on_date == w.today - dt.timedelta(days=1)


def test_more_hours_in_a_day_than_a_person_has_awake_is_a_long_day(w):
    report(w, w.member, hours=9)
    report(w, w.member, hours=8.5)
    report(w, w.verifier, hours=8)
    report(w, w.verifier, hours=8)  # 16 hours is not over the line (and a duplicate of its own)
    services.anomalies_detect()
    long_day = Anomaly.objects.get(kind=AnomalyKind.LONG_DAY)
    assert long_day.person == w.member and long_day.figures["hours"] == 17.5
    assert kinds() == [AnomalyKind.DUPLICATE, AnomalyKind.LONG_DAY]


def test_many_deeds_in_one_day_is_a_burst(w, settings):
    settings.THAMDEE = {**settings.THAMDEE, "ANOMALY_BURST_DEEDS": 3}
    for hours in (1, 2):
        report(w, w.member, hours=hours)
    services.anomalies_detect()
    assert not Anomaly.objects.filter(kind=AnomalyKind.BURST).exists()
    report(w, w.member, deed_type=w.lost, hours=0)
    services.anomalies_detect()
    burst = Anomaly.objects.get(kind=AnomalyKind.BURST)
    assert burst.figures == {"deeds": 3, "hours": 3.0, "threshold_deeds": 3} and len(burst.deed_ids) == 3


def test_rejected_deeds_and_deeds_outside_the_window_are_left_alone(w):
    first, second = report(w, w.member), report(w, w.member)
    deeds.deed_reject(actor=w.verifier, deed=second, reason="บันทึกซ้ำ")
    assert services.anomalies_detect().created == 0
    report(w, w.member, hours=2, days_ago=20)
    report(w, w.member, hours=2, days_ago=20)
    assert services.anomalies_detect(days=10).created == 0
    assert services.anomalies_detect(days=30).created == 1
    assert Deed.objects.get(pk=first.pk).status == DeedStatus.PENDING


def test_detection_run_again_updates_open_patterns_and_never_reopens_reviewed_ones(w):
    report(w, w.member)
    report(w, w.member)
    assert services.anomalies_detect().created == 1
    again = services.anomalies_detect()
    assert (again.created, again.updated, again.kept) == (0, 1, 0)
    report(w, w.member)  # a third copy: the open pattern now names three
    services.anomalies_detect()
    pattern = Anomaly.objects.get()
    assert pattern.figures == {"deeds": 3} and len(pattern.deed_ids) == 3
    services.anomaly_review(actor=w.org_admin, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="ทำจริงสามครั้ง")
    later = services.anomalies_detect()
    assert (later.created, later.updated, later.kept) == (0, 0, 1)
    assert Anomaly.objects.get().status == AnomalyStatus.DISMISSED
    assert w.org_admin.notifications.filter(kind="anomalies_found").count() == 1  # told once, when it was new


# --- review -----------------------------------------------------------------------------------------------------


@pytest.fixture
def pair(w):
    """A reciprocal pattern between the two verifiers; the second is also an admin of the organisation."""
    w.verifier2.memberships.filter(organisation=w.org).update(is_admin=True)
    deeds.deed_verify(actor=w.verifier2, deed=report(w, w.verifier))
    deeds.deed_verify(actor=w.verifier, deed=report(w, w.verifier2))
    services.anomalies_detect()
    return Anomaly.objects.get()


def test_the_admin_reviews_and_the_decision_is_kept(w, pair):
    reviewed = services.anomaly_review(
        actor=w.org_admin, anomaly=pair, outcome=AnomalyStatus.ACTIONED, note="คุยกับทั้งสองคนแล้ว ให้คนอื่นรับรองแทน"
    )
    stored = Anomaly.objects.get(pk=pair.pk)
    assert stored.status == AnomalyStatus.ACTIONED and stored.reviewed_by == w.org_admin and stored.reviewed_at
    assert stored.review_note.startswith("คุยกับ") and reviewed.status == AnomalyStatus.ACTIONED
    with pytest.raises(AnomalyAlreadyReviewedError):
        services.anomaly_review(actor=w.admin, anomaly=pair, outcome=AnomalyStatus.DISMISSED, note="ซ้ำ")


@pytest.mark.parametrize(("outcome", "note"), [(AnomalyStatus.DISMISSED, "  "), ("open", "x"), ("delete", "x")])
def test_a_review_needs_an_outcome_and_a_reason(w, pair, outcome, note):
    with pytest.raises(AnomalyReviewInvalidError):
        services.anomaly_review(actor=w.org_admin, anomaly=pair, outcome=outcome, note=note)
    assert Anomaly.objects.get(pk=pair.pk).status == AnomalyStatus.OPEN


def test_who_may_review(w, pair):
    other_admin = member_of(w.other, is_admin=True)
    agency = AgencyStaffFactory(scope_area=area("71")).user
    refused = {
        "an admin who is in the pattern": w.verifier2,
        "the other person in it": w.verifier,
        "an organiser": w.organiser,
        "a member": w.member,
        "an admin of another organisation": other_admin,
        "agency staff over the area (aggregates only)": agency,
    }
    for who, person in refused.items():
        with pytest.raises(NotFoundError):
            services.anomaly_review(actor=person, anomaly=pair, outcome=AnomalyStatus.DISMISSED, note="x")
        with pytest.raises(NotFoundError):
            selectors.anomaly_get(viewer=person, public_id=pair.public_id)
        assert not selectors.anomaly_list_for_reviewer(viewer=person, status="all").exists(), who
    assert list(selectors.anomaly_list_for_reviewer(viewer=w.org_admin)) == [pair]
    assert list(selectors.anomaly_list_for_reviewer(viewer=w.admin)) == [pair]  # a site admin
    assert selectors.anomaly_get(viewer=w.org_admin, public_id=pair.public_id) == pair
    # The admin in the pattern was not told of it; the other admin was
    assert not w.verifier2.notifications.filter(kind="anomalies_found").exists()
    assert w.org_admin.notifications.filter(kind="anomalies_found").exists()
    assert selectors.can_review_any(w.org_admin) and not selectors.can_review_any(agency)


def test_the_queue_filters_by_status_and_kind(w, pair):
    report(w, w.member)
    report(w, w.member)
    services.anomalies_detect()
    services.anomaly_review(actor=w.org_admin, anomaly=pair, outcome=AnomalyStatus.DISMISSED, note="ไม่มีปัญหา")
    queue = selectors.anomaly_list_for_reviewer
    assert [a.kind for a in queue(viewer=w.org_admin)] == [AnomalyKind.DUPLICATE]
    assert [a.kind for a in queue(viewer=w.org_admin, status="dismissed")] == [AnomalyKind.RECIPROCAL]
    assert queue(viewer=w.org_admin, status="all").count() == 2
    assert queue(viewer=w.org_admin, status="all", kind=AnomalyKind.RECIPROCAL).get() == pair
    assert [d.pk for d in selectors.anomaly_deeds(anomaly=pair)] == sorted(pair.deed_ids, reverse=True)


def test_the_detection_command_prints_what_it_found(w, capsys):
    from django.core.management import call_command

    report(w, w.member)
    report(w, w.member)
    call_command("anomalies", "detect", "--days", "7")
    assert "duplicate 1" in capsys.readouterr().out and Anomaly.objects.count() == 1


# --- what the review of 6 December found ------------------------------------------------------------------------


def test_whoever_recorded_or_verified_the_deeds_may_not_review_them(w):
    # Given an admin who records a member's deeds for them and another admin who verifies them: a duplicate
    recorder = member_of(w.org, is_admin=True, is_organiser=True)
    checker = member_of(w.org, is_admin=True, is_verifier=True)
    entry = deeds.DeedInput(member=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=2)
    for deed in deeds.deed_record_for(actor=recorder, entries=[entry, entry]):
        deeds.deed_verify(actor=checker, deed=deed)
    services.anomalies_detect()
    pattern = Anomaly.objects.get()
    assert pattern.involved_ids() == {w.member.pk, recorder.pk, checker.pk}
    # Then neither of them sees, reviews or is told of it; the organisation's other admin does
    for person in (recorder, checker):
        assert not selectors.anomaly_list_for_reviewer(viewer=person, status="all").exists()
        with pytest.raises(NotFoundError):
            services.anomaly_review(actor=person, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="ไม่มีอะไร")
        assert not person.notifications.filter(kind="anomalies_found").exists()
    assert selectors.anomaly_list_for_reviewer(viewer=w.org_admin).get() == pattern


def test_a_reviewed_pair_stays_closed_and_new_deeds_open_a_new_pattern(w):
    first = report(w, w.verifier)
    deeds.deed_verify(actor=w.verifier2, deed=first)
    deeds.deed_verify(actor=w.verifier, deed=report(w, w.verifier2, days_ago=2))
    deeds.deed_verify(actor=w.verifier2, deed=report(w, w.verifier, hours=4, days_ago=3))
    services.anomalies_detect()
    pattern = Anomaly.objects.get()
    assert len(pattern.deed_ids) == 3
    # When the reviewer reverses one of the deeds and closes the pattern as dealt with
    deeds.deed_reverse(actor=w.org_admin, deed=first, reason="รับรองให้กันเอง")
    services.anomaly_review(actor=w.org_admin, anomaly=pattern, outcome=AnomalyStatus.ACTIONED, note="กลับรายการ 1")
    # Then the rest of the same deeds do not open it again
    assert (services.anomalies_detect().kept, Anomaly.objects.count()) == (1, 1)
    # But a new verification between the two is a new pattern, naming the new deed
    newer = report(w, w.verifier2, hours=5)
    deeds.deed_verify(actor=w.verifier, deed=newer)
    assert services.anomalies_detect().created == 1
    reopened = Anomaly.objects.get(status=AnomalyStatus.OPEN)
    assert newer.pk in reopened.deed_ids and reopened.key == pattern.key


def test_a_dismissed_duplicate_with_a_new_copy_is_put_before_the_reviewer_again(w):
    report(w, w.member)
    report(w, w.member)
    services.anomalies_detect()
    services.anomaly_review(
        actor=w.org_admin, anomaly=Anomaly.objects.get(), outcome=AnomalyStatus.DISMISSED, note="ทำสองครั้งจริง"
    )
    report(w, w.member)
    assert services.anomalies_detect().created == 1
    assert Anomaly.objects.get(status=AnomalyStatus.OPEN).figures == {"deeds": 3}


def test_one_deed_of_twenty_hours_is_a_long_day(w):
    report(w, w.member, hours=20)
    services.anomalies_detect()
    assert Anomaly.objects.get().kind == AnomalyKind.LONG_DAY


def test_check_ins_of_two_activities_on_one_day_are_not_duplicates(w):
    now = timezone.now()
    for title in ("ทีมหนึ่ง", "ทีมสอง"):  # two sessions open at once (check-in is open only while they run)
        activity = deeds.activity_create(
            actor=w.organiser,
            deed_type=w.care,
            title=title,
            area=area("710911"),
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=1),
            hours=2,
        )
        deeds.activity_roster(actor=w.organiser, activity=activity, members=[w.member])
    assert Deed.objects.filter(member=w.member, activity__isnull=False).count() == 2
    assert services.anomalies_detect().created == 0


def test_deeds_counted_per_period_make_no_burst(w, settings):
    settings.THAMDEE = {**settings.THAMDEE, "ANOMALY_BURST_DEEDS": 2}
    others = [member_of(w.org) for _ in range(2)]
    entries = [
        deeds.DeedInput(member=person, deed_type=w.save, done_on=w.today - dt.timedelta(days=1), quantity=1)
        for person in others
    ]
    deeds.deed_record_for(actor=w.organiser, entries=entries)
    entry = deeds.DeedInput(member=w.member, deed_type=w.save, done_on=w.today - dt.timedelta(days=1), quantity=1)
    deeds.deed_record_for(actor=w.organiser, entries=[entry])
    deeds.deed_record_for(
        actor=w.organiser,
        entries=[deeds.DeedInput(member=w.member, deed_type=w.lost, done_on=w.today - dt.timedelta(days=1))],
    )
    services.anomalies_detect()
    assert not Anomaly.objects.filter(kind=AnomalyKind.BURST).exists()


def test_erasure_clears_the_reviewers_notes_about_the_person(w):
    from thamdee.privacy import services as privacy

    for deed in (report(w, w.member), report(w, w.member)):
        deeds.deed_verify(actor=w.verifier, deed=deed)  # nothing left open, so the erasure may go ahead
    services.anomalies_detect()
    pattern = Anomaly.objects.get()
    services.anomaly_review(actor=w.org_admin, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="คุณสมใจทำจริง")
    erasure = privacy.erasure_request(actor=w.member, confirmed=True)
    privacy.erasure_carry_out(actor=w.admin, erasure=erasure)
    pattern.refresh_from_db()
    assert "สมใจ" not in pattern.review_note and pattern.status == AnomalyStatus.DISMISSED


def test_reciprocal_pairs_are_read_in_a_fixed_number_of_queries_and_each_counts_its_own_deeds(
    w, django_assert_num_queries
):
    from thamdee.anomalies.services import _reciprocal

    # Given three pairs of verifiers who verify each other's deeds, the first pair more than once one way
    verifiers = [w.verifier, w.verifier2] + [member_of(w.org, is_verifier=True) for _ in range(4)]
    for a, b in zip(verifiers[::2], verifiers[1::2], strict=True):
        deeds.deed_verify(actor=b, deed=report(w, a))
        deeds.deed_verify(actor=a, deed=report(w, b, hours=3))
    deeds.deed_verify(actor=w.verifier2, deed=report(w, w.verifier, hours=4))
    # and one verifier of the first pair who verified a deed of the second pair's (one way: no pattern)
    deeds.deed_verify(actor=w.verifier, deed=report(w, verifiers[2], hours=5))

    # When the reciprocal patterns are read, then it takes two queries whatever the number of pairs
    since = timezone.now() - dt.timedelta(days=30)
    with django_assert_num_queries(2):
        found = _reciprocal(since)

    # And each pair counts only the approvals between its two people
    figures = {frozenset((f.person_id, f.other_id)): (f.figures, len(f.deed_ids), f.organisation_id) for f in found}
    first = frozenset((w.verifier.pk, w.verifier2.pk))
    assert len(figures) == 3
    assert figures[first][1] == 3 and figures[first][2] == w.org.pk
    assert sorted(figures[first][0].values()) == [1, 2]
    for a, b in zip(verifiers[2::2], verifiers[3::2], strict=True):
        assert figures[frozenset((a.pk, b.pk))][:2] == (
            {"person_approved_for_other": 1, "other_approved_for_person": 1},
            2,
        )


def _second_organisation(w):
    """The world's other organisation, with an elder-care type and an allotment, where w.verifier is a member and
    w.member a verifier: the same two people in two organisations, as in a village whose council and savings group
    share their people."""
    from tests.factories import MembershipFactory
    from thamdee.ledger import services as ledger

    ledger.allotment_top_up(
        actor=w.admin, organisation=w.other, programme=w.programme, amount=10_000, idempotency_key="other:topup"
    )
    care = deeds.deed_type_create(
        actor=w.admin,
        programme=w.programme,
        organisation=w.other,
        code="elder-care",
        name_th="ดูแลผู้สูงอายุ",
        criterion="นับชั่วโมง",
        unit="hour",
        virtues=["volunteering"],
        dimensions=["health"],
    )
    MembershipFactory(user=w.verifier, organisation=w.other)
    MembershipFactory(user=w.member, organisation=w.other, is_verifier=True)
    other_admin = member_of(w.other, is_admin=True)
    return care, other_admin


def test_a_pair_who_verify_each_other_in_two_organisations_goes_to_site_admins_only(w, client):
    from django.urls import reverse

    from tests.factories import UserFactory

    care_b, other_admin = _second_organisation(w)
    site_admin = UserFactory(is_superuser=True)
    # Given w.verifier verified a deed of w.member's in the first organisation, and w.member verified one of
    # w.verifier's in the second: no organisation sees both halves
    deeds.deed_verify(actor=w.verifier, deed=report(w, w.member))
    mine = deeds.deed_report(actor=w.verifier, deed_type=care_b, done_on=w.today - dt.timedelta(days=1), hours=2)
    deeds.deed_verify(actor=w.member, deed=mine)

    # When detection runs
    assert services.anomalies_detect().by_kind == {AnomalyKind.RECIPROCAL: 1}

    # Then one pattern across organisations names the pair and both deeds
    pattern = Anomaly.objects.get()
    assert pattern.organisation is None and {pattern.person_id, pattern.other_id} == {w.verifier.pk, w.member.pk}
    assert pattern.figures["across_organisations"] is True and len(pattern.deed_ids) == 2
    # and only site admins are told, and may open it, with both organisations' deeds
    assert site_admin.notifications.filter(kind="anomalies_found").count() == 1
    assert not w.org_admin.notifications.filter(kind="anomalies_found").exists()
    assert not other_admin.notifications.filter(kind="anomalies_found").exists()
    for admin in (w.org_admin, other_admin):
        assert not selectors.anomaly_list_for_reviewer(viewer=admin).exists()
        with pytest.raises(NotFoundError):
            selectors.anomaly_get(viewer=admin, public_id=pattern.public_id)
    assert {d.organisation_id for d in selectors.anomaly_deeds(anomaly=pattern)} == {w.org.pk, w.other.pk}
    client.force_login(site_admin)
    page = client.get(reverse("anomalies:detail", args=[pattern.public_id])).content.decode()
    assert 'data-testid="across-organisations"' in page and w.other.display_name() in page
    services.anomaly_review(actor=site_admin, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="คนละกลุ่มงาน")
    assert Anomaly.objects.get().status == AnomalyStatus.DISMISSED


def test_a_pair_reciprocal_within_one_organisation_is_not_also_a_pattern_across_organisations(w):
    from thamdee.orgs.models import Membership
    from thamdee.orgs.roles import roles_forget

    care_b, _admin = _second_organisation(w)
    Membership.objects.filter(user=w.member, organisation=w.org).update(is_verifier=True)
    roles_forget(w.member)
    # Within the first organisation both ways, and once more across the two
    deeds.deed_verify(actor=w.verifier, deed=report(w, w.member))
    deeds.deed_verify(actor=w.member, deed=report(w, w.verifier, hours=3))
    mine = deeds.deed_report(actor=w.verifier, deed_type=care_b, done_on=w.today - dt.timedelta(days=1), hours=2)
    deeds.deed_verify(actor=w.member, deed=mine)
    services.anomalies_detect()
    pattern = Anomaly.objects.get()
    assert pattern.organisation == w.org and "across_organisations" not in pattern.figures


# --- long days across organisations -----------------------------------------------------------------------------


def _report_in(w, who, deed_type, *, hours, days_ago=1):
    return deeds.deed_report(actor=who, deed_type=deed_type, done_on=w.today - dt.timedelta(days=days_ago), hours=hours)


def test_a_long_day_split_over_two_organisations_goes_to_site_admins_only(w):
    from tests.factories import UserFactory

    care_b, other_admin = _second_organisation(w)
    site_admin = UserFactory(is_superuser=True)
    # Given a member who records 10 hours in each of two organisations on one day: neither alone is over 16
    here, there = report(w, w.member, hours=10), _report_in(w, w.member, care_b, hours=10)

    # When detection runs
    assert services.anomalies_detect().by_kind == {AnomalyKind.LONG_DAY: 1}

    # Then one long day across organisations names the member, the day and both deeds
    pattern = Anomaly.objects.get()
    assert (pattern.kind, pattern.organisation, pattern.person) == (AnomalyKind.LONG_DAY, None, w.member)
    assert pattern.key == f"long_day:across:{w.member.pk}:{(w.today - dt.timedelta(days=1)).isoformat()}"
    assert pattern.on_date == w.today - dt.timedelta(days=1)
    assert pattern.figures == {
        "deeds": 2,
        "hours": 20.0,
        "threshold_hours": 16,
        "organisations": 2,
        "across_organisations": True,
    }
    assert sorted(pattern.deed_ids) == sorted([here.pk, there.pk]) and w.member.pk in pattern.involved_ids()
    # and only site admins are told, and may open and close it; neither organisation's admins
    assert site_admin.notifications.filter(kind="anomalies_found").count() == 1
    for admin in (w.org_admin, other_admin):
        assert not admin.notifications.filter(kind="anomalies_found").exists()
        assert not selectors.anomaly_list_for_reviewer(viewer=admin, status="all").exists()
        with pytest.raises(NotFoundError):
            selectors.anomaly_get(viewer=admin, public_id=pattern.public_id)
        with pytest.raises(NotFoundError):
            services.anomaly_review(actor=admin, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="x")
    assert selectors.anomaly_list_for_reviewer(viewer=site_admin).get() == pattern
    assert {d.organisation_id for d in selectors.anomaly_deeds(anomaly=pattern)} == {w.org.pk, w.other.pk}
    services.anomaly_review(actor=site_admin, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="สองงานจริง")
    assert Anomaly.objects.get().status == AnomalyStatus.DISMISSED


@pytest.mark.parametrize(
    ("here", "there", "expected"),
    [
        # one organisation alone is over the line: that organisation's long day, not also one across
        (17, 3, [(AnomalyKind.LONG_DAY, "org")]),
        # the sum is not over the line (16 is the line itself)
        (8, 8, []),
        (6, 7, []),
    ],
)
def test_a_day_is_a_long_day_across_organisations_only_when_no_organisation_alone_has_one(w, here, there, expected):
    care_b, _admin = _second_organisation(w)
    report(w, w.member, hours=here)
    _report_in(w, w.member, care_b, hours=there)
    services.anomalies_detect()
    found = [(a.kind, "org" if a.organisation_id == w.org.pk else a.organisation_id) for a in Anomaly.objects.all()]
    assert found == expected
    assert not Anomaly.objects.filter(key__startswith="long_day:across:").exists()


def test_rejected_deeds_make_no_long_day_across_organisations(w):
    care_b, _admin = _second_organisation(w)
    report(w, w.member, hours=10)
    _report_in(w, w.member, care_b, hours=5)
    rejected = _report_in(w, w.member, care_b, hours=5)
    deeds.deed_reject(actor=w.foreign_verifier, deed=rejected, reason="ไม่ได้ทำ")
    assert services.anomalies_detect().created == 0
    # The same day with the deed standing is one
    _report_in(w, w.member, care_b, hours=4)
    assert services.anomalies_detect().by_kind == {AnomalyKind.LONG_DAY: 1}
    assert Anomaly.objects.get().figures["hours"] == 19.0


def test_a_long_day_across_organisations_is_reported_once(w):
    care_b, _admin = _second_organisation(w)
    report(w, w.member, hours=10)
    _report_in(w, w.member, care_b, hours=10)
    assert services.anomalies_detect().created == 1
    # Run again: the open pattern is updated, not opened twice; with one more deed its figures follow
    again = services.anomalies_detect()
    assert (again.created, again.updated, again.kept) == (0, 1, 0)
    _report_in(w, w.member, care_b, hours=1, days_ago=1)
    services.anomalies_detect()
    pattern = Anomaly.objects.get()
    assert (pattern.figures["hours"], pattern.figures["deeds"], len(pattern.deed_ids)) == (21.0, 3, 3)
    # Once reviewed, the same deeds keep it closed
    services.anomaly_review(actor=w.admin, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="ทำจริง")
    later = services.anomalies_detect()
    assert (later.created, later.updated, later.kept, Anomaly.objects.count()) == (0, 0, 1, 1)


def test_an_organisations_admin_never_reads_a_pattern_with_no_organisation_as_another(w):
    # The pattern's own number is the organisation's: no admin of that organisation may open it for that
    # (orgs.permissions.is_org_admin reads an object with no organisation by its own pk).
    pattern = Anomaly.objects.create(
        pk=w.org.pk,
        kind=AnomalyKind.LONG_DAY,
        key="long_day:across:test",
        organisation=None,
        person=w.member,
        figures={"deeds": 2, "hours": 20.0, "threshold_hours": 16, "organisations": 2, "across_organisations": True},
    )
    with pytest.raises(NotFoundError):
        selectors.anomaly_get(viewer=w.org_admin, public_id=pattern.public_id)
    with pytest.raises(NotFoundError):
        services.anomaly_review(actor=w.org_admin, anomaly=pattern, outcome=AnomalyStatus.DISMISSED, note="x")
    assert selectors.anomaly_get(viewer=w.admin, public_id=pattern.public_id) == pattern


@pytest.mark.parametrize(
    ("kind", "allowed"),
    [
        (AnomalyKind.RECIPROCAL, True),
        (AnomalyKind.LONG_DAY, True),
        (AnomalyKind.DUPLICATE, False),
        (AnomalyKind.BURST, False),
    ],
)
def test_only_reciprocal_pairs_and_long_days_may_have_no_organisation(w, kind, allowed):
    from django.db import IntegrityError, transaction

    def create():
        with transaction.atomic():
            Anomaly.objects.create(kind=kind, key=f"{kind}:across:test", organisation=None, person=w.member)

    if allowed:
        create()
        assert Anomaly.objects.get().organisation is None
    else:
        with pytest.raises(IntegrityError):
            create()
        assert not Anomaly.objects.exists()


def test_long_days_are_read_in_a_fixed_number_of_queries(w, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from thamdee.anomalies.services import _per_day

    care_b, _admin = _second_organisation(w)
    since = w.today - dt.timedelta(days=30)
    # Given one long day within one organisation and one across two
    report(w, member_of(w.org), hours=17)
    report(w, w.member, hours=9)
    _report_in(w, w.member, care_b, hours=9)
    with CaptureQueriesContext(connection) as one:
        long_days, _bursts = _per_day(since)
    assert len([f for f in long_days if f.organisation_id is None]) == 1

    # When there are three more across organisations, for two people on two days
    for who, days_ago in ((w.member, 2), (w.verifier, 1), (w.verifier, 3)):
        report(w, who, hours=9, days_ago=days_ago)
        _report_in(w, who, care_b, hours=9, days_ago=days_ago)

    # Then reading them takes the same four queries (days and their deeds, within and across organisations)
    with django_assert_num_queries(4):
        long_days, _bursts = _per_day(since)
    assert len(one) == 4
    across = {(f.person_id, f.on_date): f for f in long_days if f.organisation_id is None}
    assert len(across) == 4 and len(long_days) == 5
    assert all(len(f.deed_ids) == 2 and f.figures["hours"] == 18.0 for f in across.values())
