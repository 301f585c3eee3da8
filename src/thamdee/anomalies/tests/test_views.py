"""Pattern review on the web: the queue and a pattern's page for its organisation's admins and site admins, the
review form (a refusal keeps what was typed), not found for everyone else (people in the pattern included), the
menu item, and the page's fixed query count."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AgencyStaffFactory, UserFactory, area, member_of
from tests.worlds import build_world
from thamdee.anomalies import services
from thamdee.anomalies.models import Anomaly, AnomalyKind, AnomalyStatus
from thamdee.deeds import services as deeds
from thamdee.web.tests.test_views import _nav_links, assert_csp_clean

pytestmark = pytest.mark.django_db
_keys = itertools.count()


@pytest.fixture
def w():
    world = build_world()
    world.org_admin = member_of(world.org, is_admin=True)
    return world


def report(w, who, *, hours=2, days_ago=1):
    return deeds.deed_report(actor=who, deed_type=w.care, done_on=w.today - dt.timedelta(days=days_ago), hours=hours)


@pytest.fixture
def pair(w):
    """Two verifiers who verified each other's deeds (three one way, one the other), found by detection."""
    for hours in (1, 2, 3):
        deeds.deed_verify(actor=w.verifier2, deed=report(w, w.verifier, hours=hours))
    deeds.deed_verify(actor=w.verifier, deed=report(w, w.verifier2))
    assert services.anomalies_detect().created == 1
    return Anomaly.objects.get()


def make(w, person, *, other=None, kind=AnomalyKind.BURST, org=None, deed_ids=(), **fields) -> Anomaly:
    figures = {"deeds": 12, "hours": 6.5, "threshold_deeds": 10} if kind == AnomalyKind.BURST else {}
    return Anomaly.objects.create(
        kind=kind,
        key=f"test:{next(_keys)}",
        organisation=org or w.org,
        person=person,
        other=other,
        on_date=w.today - dt.timedelta(days=1),
        figures=fields.pop("figures", figures),
        deed_ids=list(deed_ids),
        **fields,
    )


def detail_url(anomaly: Anomaly) -> str:
    return reverse("anomalies:detail", args=[anomaly.public_id])


def review_url(anomaly: Anomaly) -> str:
    return reverse("anomalies:review", args=[anomaly.public_id])


# --- the organisation's admin ---------------------------------------------------------------------------------


def test_an_organisations_admin_sees_the_pattern_in_the_queue_and_on_its_page(client, w, pair):
    client.force_login(w.org_admin)

    queue = client.get(reverse("anomalies:queue"))
    assert queue.status_code == 200
    assert_csp_clean(queue)
    html = queue.content.decode()
    assert detail_url(pair) in html and str(AnomalyKind.RECIPROCAL.label) in html

    page = client.get(detail_url(pair))
    assert page.status_code == 200
    assert_csp_clean(page)
    html = page.content.decode()
    # What the pattern is, in plain Thai with its figures: the verifier verified 3 of the other's, and 1 back
    person, other = pair.person.full_name, pair.other.full_name
    given, received = pair.figures["person_approved_for_other"], pair.figures["other_approved_for_person"]
    assert sorted([given, received]) == [1, 3]
    assert f"{person} รับรองความดีให้ {other} {given} รายการ และ {other} รับรองให้ {person} {received} รายการ" in html
    # Every deed it names, each linked to its page
    from thamdee.deeds.models import Deed

    for deed in Deed.objects.filter(pk__in=pair.deed_ids):
        assert reverse("deeds:detail", args=[deed.public_id]) in html
    assert len(pair.deed_ids) == 4
    # The system changed nothing; action goes through rejecting or reversing, which the member can appeal
    assert 'data-testid="nothing-changed"' in html and "ไม่ได้เปลี่ยนแปลง" in html and "อุทธรณ์" in html
    assert 'data-testid="review-form"' in html and f'action="{review_url(pair)}"' in html


def test_the_admin_reviews_a_pattern_and_the_note_is_kept(client, w, pair):
    client.force_login(w.org_admin)
    response = client.post(review_url(pair), {"outcome": "dismissed", "note": "  คุยกับทั้งสองคนแล้ว เป็นคู่เวรปกติ  "})
    assert response.status_code == 302 and response["Location"] == reverse("anomalies:queue")

    pair.refresh_from_db()
    assert pair.status == AnomalyStatus.DISMISSED
    assert pair.reviewed_by == w.org_admin and pair.reviewed_at is not None
    assert pair.review_note == "คุยกับทั้งสองคนแล้ว เป็นคู่เวรปกติ"
    # It leaves the open queue, shows under its status and under all, and its page shows the decision, no form
    assert detail_url(pair) not in client.get(reverse("anomalies:queue")).content.decode()
    assert detail_url(pair) in client.get(reverse("anomalies:queue"), {"status": "dismissed"}).content.decode()
    assert detail_url(pair) in client.get(reverse("anomalies:queue"), {"status": "all"}).content.decode()
    assert detail_url(pair) not in client.get(reverse("anomalies:queue"), {"status": "actioned"}).content.decode()
    html = client.get(detail_url(pair)).content.decode()
    assert 'data-testid="review-record"' in html and "คุยกับทั้งสองคนแล้ว" in html and w.org_admin.full_name in html
    assert 'data-testid="review-form"' not in html


def test_an_empty_note_is_refused_with_the_note_box_shown_again_and_nothing_saved(client, w, pair):
    client.force_login(w.org_admin)
    response = client.post(review_url(pair), {"outcome": "actioned", "note": "   "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="review-note"' in html and "ต้องบันทึกเหตุผล" in html
    assert re.search(r'<input [^>]*value="actioned"[^>]*checked', html)  # the choice made is kept
    pair.refresh_from_db()
    assert (pair.status, pair.reviewed_by, pair.reviewed_at, pair.review_note) == (AnomalyStatus.OPEN, None, None, "")


def test_a_missing_or_unknown_outcome_is_refused_keeping_the_note_typed(client, w, pair):
    client.force_login(w.org_admin)
    for outcome in ({}, {"outcome": "open"}, {"outcome": "punished"}):
        response = client.post(review_url(pair), {**outcome, "note": "ตรวจแล้ว รายการที่ 2 ซ้ำ"})
        assert response.status_code == 400
        html = response.content.decode()
        assert "ตรวจแล้ว รายการที่ 2 ซ้ำ</textarea>" in html
    pair.refresh_from_db()
    assert pair.status == AnomalyStatus.OPEN and pair.reviewed_by is None


def test_a_pattern_closed_meanwhile_answers_409_with_the_decision_and_what_was_typed(client, w, pair):
    # Given another admin closed it first
    first = member_of(w.org, is_admin=True)
    services.anomaly_review(actor=first, anomaly=Anomaly.objects.get(pk=pair.pk), outcome="actioned", note="ก่อน")
    # When this admin sends their decision from the page they had open
    client.force_login(w.org_admin)
    response = client.post(review_url(pair), {"outcome": "dismissed", "note": "ของฉันเอง"})
    # Then it is refused and they see who decided, and what they typed
    assert response.status_code == 409
    html = response.content.decode()
    assert 'data-error-code="anomaly_already_reviewed"' in html
    assert 'data-testid="review-record"' in html and first.full_name in html
    assert "ของฉันเอง</textarea>" in html and 'data-testid="review-submit"' not in html
    pair.refresh_from_db()
    assert (pair.status, pair.reviewed_by, pair.review_note) == (AnomalyStatus.ACTIONED, first, "ก่อน")


def test_a_site_admin_reviews_any_organisations_pattern(client, w, pair):
    client.force_login(w.admin)  # a superuser, in no organisation
    assert detail_url(pair) in client.get(reverse("anomalies:queue")).content.decode()
    assert client.get(detail_url(pair)).status_code == 200
    assert client.post(review_url(pair), {"outcome": "actioned", "note": "กลับรายการแล้ว 1 รายการ"}).status_code == 302
    pair.refresh_from_db()
    assert pair.status == AnomalyStatus.ACTIONED and pair.reviewed_by == w.admin


# --- everyone else: not found ---------------------------------------------------------------------------------


def test_a_person_in_the_pattern_even_an_admin_neither_sees_nor_reviews_it(client, w):
    # Given two admins of the organisation, each in a pattern the other is not in
    admin_in = member_of(w.org, is_admin=True, is_verifier=True)
    theirs = make(w, admin_in, other=w.verifier, kind=AnomalyKind.RECIPROCAL, figures={})
    as_other = make(w, w.verifier2, other=admin_in, kind=AnomalyKind.RECIPROCAL, figures={})
    someone_elses = make(w, w.member)
    client.force_login(admin_in)
    # The queue lists only the pattern they are not in
    html = client.get(reverse("anomalies:queue"), {"status": "all"}).content.decode()
    assert detail_url(someone_elses) in html
    assert detail_url(theirs) not in html and detail_url(as_other) not in html
    # Their own patterns, as the person or as the other: not found, and nothing recorded
    for pattern in (theirs, as_other):
        assert client.get(detail_url(pattern)).status_code == 404
        assert client.post(review_url(pattern), {"outcome": "dismissed", "note": "ไม่มีอะไร"}).status_code == 404
        pattern.refresh_from_db()
        assert pattern.status == AnomalyStatus.OPEN and pattern.reviewed_by is None
    # The other admin sees both
    client.force_login(w.org_admin)
    assert client.get(detail_url(theirs)).status_code == 200 and client.get(detail_url(as_other)).status_code == 200


def test_admins_of_another_organisation_agency_staff_and_members_get_not_found(client, w, pair):
    foreign_admin = member_of(w.other, is_admin=True)
    agency_verifier = AgencyStaffFactory(scope_area=area("71"), is_verifier=True).user  # over the organisation
    national = AgencyStaffFactory(scope_area=None).user
    for user in (foreign_admin, agency_verifier, national, w.staff, w.verifier2, w.organiser, w.member):
        client.force_login(user)
        assert client.get(detail_url(pair)).status_code == 404, user
        assert client.post(review_url(pair), {"outcome": "dismissed", "note": "ดูแล้ว"}).status_code == 404, user
    pair.refresh_from_db()
    assert pair.status == AnomalyStatus.OPEN and pair.reviewed_by is None
    # The foreign admin reviews their own organisation's patterns: the queue opens, without this one
    client.force_login(foreign_admin)
    queue = client.get(reverse("anomalies:queue"), {"status": "all"})
    assert queue.status_code == 200 and detail_url(pair) not in queue.content.decode()
    # Agency staff and people who are no admin have no queue at all (aggregates only for agencies)
    for user in (agency_verifier, national, w.organiser, w.member):
        client.force_login(user)
        assert client.get(reverse("anomalies:queue")).status_code == 404, user


def test_an_unknown_pattern_is_not_found_and_a_visitor_is_sent_to_sign_in(client, w, pair):
    import uuid

    client.force_login(w.org_admin)
    assert client.get(reverse("anomalies:detail", args=[uuid.uuid4()])).status_code == 404
    assert client.post(reverse("anomalies:review", args=[uuid.uuid4()]), {"outcome": "dismissed"}).status_code == 404
    client.logout()
    for url in (reverse("anomalies:queue"), detail_url(pair)):
        response = client.get(url)
        assert response.status_code == 302 and reverse("people:login") in response["Location"]
    assert client.get(review_url(pair)).status_code in (302, 405)


# --- the queue's filters and pages ----------------------------------------------------------------------------


def test_the_queue_filters_by_status_and_kind_and_pages_through_keeping_the_filters(client, w):
    bursts = [make(w, w.member) for _ in range(55)]
    duplicate = make(w, w.member, kind=AnomalyKind.DUPLICATE, figures={"deeds": 2})
    client.force_login(w.org_admin)

    first = client.get(reverse("anomalies:queue"), {"kind": "burst"}).content.decode()
    assert first.count("list-group-item-action") == 50
    assert detail_url(duplicate) not in first
    assert "?kind=burst&amp;page=2" in first  # the next page keeps the filter
    second = client.get(reverse("anomalies:queue"), {"kind": "burst", "page": 2}).content.decode()
    shown = {b.public_id for b in bursts if detail_url(b) in first + second}
    assert len(shown) == 55
    # The figures in plain Thai
    assert "มีความดีในวันเดียว 12 รายการ ถึงเกณฑ์ตรวจทาน 10 รายการ" in first

    only_duplicates = client.get(reverse("anomalies:queue"), {"kind": "duplicate"}).content.decode()
    assert detail_url(duplicate) in only_duplicates and detail_url(bursts[0]) not in only_duplicates
    assert "ความดีประเภทเดียวกัน จำนวนเท่ากัน ในวันเดียวกัน 2 รายการ" in only_duplicates
    # Unknown filters fall back to open patterns of every kind
    fallback = client.get(reverse("anomalies:queue"), {"kind": "nope", "status": "nope"})
    assert fallback.status_code == 200 and detail_url(duplicate) in fallback.content.decode()


# --- the menu and the cost of the page ------------------------------------------------------------------------


def test_the_menu_offers_pattern_review_only_to_those_who_review(client, w):
    queue = reverse("anomalies:queue")
    for reviewer in (w.org_admin, w.admin):
        client.force_login(reviewer)
        assert queue in _nav_links(client.get("/").content.decode()), reviewer
    agency = AgencyStaffFactory(scope_area=area("71"), is_verifier=True).user
    for user in (w.member, w.verifier, w.organiser, w.staff, agency, UserFactory()):
        client.force_login(user)
        assert queue not in _nav_links(client.get("/").content.decode()), user
    # The organiser's other items stay for an admin who reviews
    client.force_login(w.org_admin)
    links = _nav_links(client.get("/").content.decode())
    assert {reverse("deeds:queue"), reverse("deeds:activities"), queue} <= links


def test_the_menu_item_costs_no_query_beyond_the_roles_every_page_reads(w, django_assert_num_queries):
    from thamdee.anomalies.selectors import can_review_any
    from thamdee.orgs.roles import roles_for

    for user, reviews in ((w.org_admin, True), (w.admin, True), (w.verifier, False), (w.staff, False)):
        roles_for(user)  # what the navigation reads first, once per request
        with django_assert_num_queries(0):
            assert can_review_any(user) is reviews


def test_the_pattern_page_runs_a_fixed_number_of_queries(client, w, django_assert_max_num_queries):
    few = [report(w, w.member, hours=1, days_ago=d) for d in (1, 2)]
    many = [report(w, w.member, hours=1, days_ago=d % 20 + 1) for d in range(40)]
    small = make(w, w.member, deed_ids=[d.pk for d in few])
    large = make(w, w.verifier, other=w.member, kind=AnomalyKind.RECIPROCAL, deed_ids=[d.pk for d in many])
    client.force_login(w.org_admin)
    client.get(detail_url(small))  # warm the process's caches

    with CaptureQueriesContext(connection) as with_two:
        assert client.get(detail_url(small)).status_code == 200
    # 8: one more than before a pattern kept everyone its deeds concern (read once, for the rule that keeps them
    # from reviewing it)
    with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as with_forty:
        response = client.get(detail_url(large))
        assert response.status_code == 200
    assert len(with_forty) == len(with_two)
    assert response.content.decode().count(reverse("deeds:detail", args=[many[0].public_id])) == 1


# --- a long day across organisations --------------------------------------------------------------------------


@pytest.fixture
def long_day_across(w):
    """w.member's 10 hours in each of the world's two organisations on one day, found by detection: a long day
    with no organisation. Returns the pattern and the other organisation's admin."""
    from .test_services import _second_organisation

    care_b, other_admin = _second_organisation(w)
    report(w, w.member, hours=10)
    deeds.deed_report(actor=w.member, deed_type=care_b, done_on=w.today - dt.timedelta(days=1), hours=10)
    assert services.anomalies_detect().created == 1
    pattern = Anomaly.objects.get()
    assert pattern.organisation is None and pattern.kind == AnomalyKind.LONG_DAY
    return pattern, other_admin


def test_a_site_admin_sees_a_long_day_across_organisations_with_both_organisations_deeds(client, w, long_day_across):
    pattern, _other_admin = long_day_across
    client.force_login(w.admin)
    summary = f"{w.member.full_name} มีความดีในวันเดียวรวม 20 ชั่วโมง (2 รายการ) จาก 2 องค์กร เกินเกณฑ์ตรวจทาน 16 ชั่วโมง"

    queue = client.get(reverse("anomalies:queue"), {"kind": "long_day"})
    assert queue.status_code == 200
    html = queue.content.decode()
    assert detail_url(pattern) in html and 'data-testid="across-organisations"' in html and summary in html

    page = client.get(detail_url(pattern))
    assert page.status_code == 200
    assert_csp_clean(page)
    html = page.content.decode()
    assert 'data-testid="across-organisations"' in html and summary in html
    # Each deed with its organisation (the column shown only for a pattern across organisations)
    assert w.org.display_name() in html and w.other.display_name() in html
    from thamdee.deeds.models import Deed

    for deed in Deed.objects.filter(pk__in=pattern.deed_ids):
        assert reverse("deeds:detail", args=[deed.public_id]) in html
    assert client.post(review_url(pattern), {"outcome": "dismissed", "note": "สองงานจริง"}).status_code == 302
    pattern.refresh_from_db()
    assert pattern.status == AnomalyStatus.DISMISSED and pattern.reviewed_by == w.admin


def test_neither_organisations_admin_sees_a_long_day_across_organisations(client, w, long_day_across):
    pattern, other_admin = long_day_across
    for admin in (w.org_admin, other_admin):
        client.force_login(admin)
        queue = client.get(reverse("anomalies:queue"), {"status": "all"})
        assert queue.status_code == 200 and detail_url(pattern) not in queue.content.decode(), admin
        assert client.get(detail_url(pattern)).status_code == 404, admin
        assert client.post(review_url(pattern), {"outcome": "dismissed", "note": "ดูแล้ว"}).status_code == 404
    pattern.refresh_from_db()
    assert pattern.status == AnomalyStatus.OPEN and pattern.reviewed_by is None
