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
    assert timezone.now()  # the command used the clock, not a fixed date
