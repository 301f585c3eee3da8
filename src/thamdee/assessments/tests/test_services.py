"""The yearly assessment: opened once a year by the organisation (or the province), scored 0 to 2 with evidence,
submitted whole, and confirmed or returned by a different person whose area covers it."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from tests.factories import OrganisationFactory, area, member_of
from thamdee.assessments import services
from thamdee.assessments.errors import (
    AssessmentIncompleteError,
    AssessmentInvalidError,
    AssessmentNoFrameworkError,
    AssessmentNotEditableError,
    AssessmentNotSubmittedError,
    AssessmentOwnReviewError,
)
from thamdee.assessments.models import Assessment, AssessmentStatus, Framework, Indicator, Level, Score
from thamdee.assessments.tests.conftest import all_scores
from thamdee.common.errors import NotFoundError
from thamdee.common.thaitime import current_fiscal_year

pytestmark = pytest.mark.django_db


# --- the level the scores reach -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        ({}, Level.NONE),
        ({1: 2, 2: 2, 3: 0, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 2}, Level.NONE),  # a level-1 activity at 0
        ({1: 1, 2: 1, 3: 1}, Level.PROMOTING),
        ({1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 0, 7: 2, 8: 2, 9: 2}, Level.PROMOTING),  # higher levels need the lower
        ({1: 2, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1}, Level.MORAL),
        (dict.fromkeys(range(1, 10), 1), Level.MODEL),
    ],
)
def test_a_level_is_reached_when_it_and_every_level_below_pass(scene, scores, expected):
    framework = Framework.objects.get(code="example-organisation")
    indicators = list(framework.indicators.all())
    by_number = {i.number: i.pk for i in indicators}
    assert services.level_reached(indicators, {by_number[n]: s for n, s in scores.items()}, 1) == expected


def test_a_stricter_pass_score_needs_twos(scene):
    framework = Framework.objects.get(code="example-organisation")
    indicators = list(framework.indicators.all())
    ones = {i.pk: 1 for i in indicators}
    assert services.level_reached(indicators, ones, 2) == Level.NONE
    assert services.level_reached(indicators, {**ones, **{i.pk: 2 for i in indicators if i.level == 1}}, 2) == 1


def test_a_level_with_no_activity_is_never_reached(scene):
    framework = Framework.objects.get(code="example-organisation")
    indicators = [i for i in framework.indicators.all() if i.level != Level.MORAL]
    assert services.level_reached(indicators, {i.pk: 2 for i in indicators}, 1) == Level.PROMOTING


# --- an organisation's year -------------------------------------------------------------------------------------


def test_an_organisation_assesses_itself_and_the_province_confirms(scene):
    # Given the organisation's admin, who opens this year's assessment
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    assert (a.status, a.fiscal_year, a.framework.code) == ("draft", current_fiscal_year(), "example-organisation")
    assert services.assessment_open(actor=scene.admin, organisation=scene.org) == a  # once a year
    assert services.assessment_open_or_get(actor=scene.admin, organisation=scene.org) == (a, False)

    # When they score part of it and try to submit, then they are told what is missing and nothing moves
    assert services.assessment_score(actor=scene.admin, assessment=a, scores={1: (2, "ประกาศ"), 2: (1, "")}) == 2
    with pytest.raises(AssessmentIncompleteError) as refused:
        services.assessment_submit(actor=scene.admin, assessment=a)
    assert refused.value.params["missing"] == 7 and refused.value.params["numbers"].startswith("3, 4")
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.DRAFT

    # When they score the rest (level 3 activities at 0) and submit
    services.assessment_score(actor=scene.admin, assessment=a, scores={**all_scores(2), 7: (0, ""), 8: (0, "")})
    a = services.assessment_submit(actor=scene.admin, assessment=a)

    # Then the level the scores reach is kept, and the province's staff are told
    assert (a.status, a.level, a.confirmed_level, a.submitted_by) == ("submitted", Level.MORAL, None, scene.admin)
    assert scene.provincial.notifications.filter(kind="assessment_submitted").count() == 1
    assert not scene.elsewhere.notifications.exists() and not scene.admin.notifications.exists()
    # and the scores can no longer change
    with pytest.raises(AssessmentNotEditableError):
        services.assessment_score(actor=scene.admin, assessment=a, scores={1: (0, "")})
    assert Score.objects.get(assessment=a, indicator__number=1).score == 2

    # Staff of another province do not find it; the organisation's own admin cannot confirm it
    with pytest.raises(NotFoundError):
        services.assessment_review(actor=scene.elsewhere, assessment=a, confirm=True)
    with pytest.raises(AssessmentOwnReviewError):
        services.assessment_review(actor=scene.admin, assessment=a, confirm=True)

    # When the provincial staff confirm it, then it is the year's result and the submitter is told
    a = services.assessment_review(actor=scene.provincial, assessment=a, confirm=True, note="ตรวจหลักฐานแล้ว")
    assert (a.status, a.confirmed_level, a.reviewed_by) == ("confirmed", Level.MORAL, scene.provincial)
    assert scene.admin.notifications.get(kind="assessment_reviewed").about == scene.provincial
    # and it is decided once
    with pytest.raises(AssessmentNotSubmittedError):
        services.assessment_review(actor=scene.national, assessment=a, confirm=False, note="ไม่")


def test_a_returned_assessment_is_corrected_and_sent_again(scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(1))
    services.assessment_submit(actor=scene.admin, assessment=a)
    with pytest.raises(AssessmentInvalidError):  # a return needs a reason
        services.assessment_review(actor=scene.provincial, assessment=a, confirm=False, note="  ")
    assert Assessment.objects.get(pk=a.pk).status == AssessmentStatus.SUBMITTED
    a = services.assessment_review(actor=scene.provincial, assessment=a, confirm=False, note="ขาดภาพกิจกรรมข้อ 4")
    assert (a.status, a.confirmed_level, a.review_note) == ("returned", None, "ขาดภาพกิจกรรมข้อ 4")
    assert "ส่งกลับ" in scene.admin.notifications.get(kind="assessment_reviewed").title_th
    services.assessment_score(actor=scene.admin, assessment=a, scores={4: (2, "ภาพกิจกรรม")})
    a = services.assessment_submit(actor=scene.admin, assessment=a)
    assert (a.status, a.level, a.reviewed_by) == ("submitted", Level.MODEL, None)
    a = services.assessment_review(actor=scene.national, assessment=a, confirm=True)
    assert a.confirmed_level == Level.MODEL


def test_only_the_organisation_s_admins_fill_it(scene):
    for outsider in (scene.member, scene.organiser, scene.provincial, member_of(scene.org, is_verifier=True)):
        with pytest.raises(NotFoundError):
            services.assessment_open(actor=outsider, organisation=scene.org)
    assert not Assessment.objects.exists()
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    with pytest.raises(NotFoundError):
        services.assessment_score(actor=scene.organiser, assessment=a, scores={1: (2, "")})
    with pytest.raises(NotFoundError):
        services.assessment_submit(actor=scene.provincial, assessment=a)


def test_a_site_admin_who_submitted_cannot_confirm_it(scene):
    a = services.assessment_open(actor=scene.site_admin, organisation=scene.org)
    services.assessment_score(actor=scene.site_admin, assessment=a, scores=all_scores())
    services.assessment_submit(actor=scene.site_admin, assessment=a)
    with pytest.raises(AssessmentOwnReviewError):
        services.assessment_review(actor=scene.site_admin, assessment=a, confirm=True)
    assert services.assessment_review(actor=scene.provincial, assessment=a, confirm=True).status == "confirmed"


def test_bad_scores_are_refused_and_nothing_is_saved(scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    with pytest.raises(AssessmentInvalidError):
        services.assessment_score(actor=scene.admin, assessment=a, scores={1: (2, "ดี"), 2: (3, "")})
    with pytest.raises(AssessmentInvalidError):
        services.assessment_score(actor=scene.admin, assessment=a, scores={1: (2, ""), 10: (1, "")})
    with pytest.raises(AssessmentInvalidError):
        services.assessment_score(actor=scene.admin, assessment=a, scores={1: (2, "x" * 2001)})
    assert not Score.objects.exists()
    # None clears a score that was given; evidence without a score is kept, and the activity is unscored
    services.assessment_score(actor=scene.admin, assessment=a, scores={1: (2, "ดี")})
    assert services.assessment_score(actor=scene.admin, assessment=a, scores={1: (None, "")}) == 0
    assert not Score.objects.exists()
    assert services.assessment_score(actor=scene.admin, assessment=a, scores={1: (None, "รอภาพ")}) == 0
    assert Score.objects.get().evidence == "รอภาพ"
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores())
    services.assessment_score(actor=scene.admin, assessment=a, scores={9: (None, "ยังไม่แน่ใจ")})
    with pytest.raises(AssessmentIncompleteError) as refused:
        services.assessment_submit(actor=scene.admin, assessment=a)
    assert refused.value.params["numbers"] == "9"


def test_only_this_fiscal_year_or_the_last_one(scene):
    year = current_fiscal_year()
    assert services.assessment_open(actor=scene.admin, organisation=scene.org, fiscal_year=year - 1).fiscal_year == (
        year - 1
    )
    for wrong in (year + 1, year - 2):
        with pytest.raises(AssessmentInvalidError):
            services.assessment_open(actor=scene.admin, organisation=scene.org, fiscal_year=wrong)


def test_without_a_framework_in_use_nothing_opens(scene):
    Framework.objects.update(is_active=False)
    with pytest.raises(AssessmentNoFrameworkError) as refused:
        services.assessment_open(actor=scene.admin, organisation=scene.org)
    assert refused.value.code == "assessment_no_framework" and "องค์กร" in refused.value.message_th


# --- a province's year ------------------------------------------------------------------------------------------


def test_a_province_is_assessed_by_its_staff_and_confirmed_by_national_staff(scene):
    from tests.factories import AgencyStaffFactory
    from thamdee.assessments import selectors

    kanchanaburi = area("71")
    # The province is offered to its provincial staff, not to district or national staff
    district = AgencyStaffFactory(scope_area=area("7109")).user
    year = current_fiscal_year()
    assert [p.code for p, _a in selectors.provinces_to_assess(viewer=scene.provincial, fiscal_year=year)] == ["71"]
    assert selectors.provinces_to_assess(viewer=district, fiscal_year=year) == []
    assert selectors.provinces_to_assess(viewer=scene.national, fiscal_year=year) == []
    with pytest.raises(NotFoundError):
        services.assessment_open(actor=district, province=kanchanaburi)
    with pytest.raises(NotFoundError):
        services.assessment_open(actor=scene.elsewhere, province=kanchanaburi)
    with pytest.raises(AssessmentInvalidError):
        services.assessment_open(actor=scene.provincial, province=area("7109"))  # a district
    a = services.assessment_open(actor=scene.provincial, province=kanchanaburi)
    assert a.framework.code == "example-province" and a.framework.indicators.count() == 10
    services.assessment_score(actor=scene.provincial, assessment=a, scores=all_scores(1, count=10))
    services.assessment_submit(actor=scene.provincial, assessment=a)
    assert scene.national.notifications.filter(kind="assessment_submitted").exists()
    with pytest.raises(NotFoundError):  # provincial staff of another province
        services.assessment_review(actor=scene.elsewhere, assessment=a, confirm=True)
    a = services.assessment_review(actor=scene.national, assessment=a, confirm=True)
    assert (a.status, a.confirmed_level) == ("confirmed", Level.MODEL)


# --- integrity in the database ----------------------------------------------------------------------------------


def test_the_database_keeps_one_assessment_a_year_and_scores_in_range(scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.create(
            framework=a.framework, organisation=scene.org, fiscal_year=a.fiscal_year, created_by=scene.admin
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(assessment=a, indicator=Indicator.objects.filter(framework=a.framework).first(), score=3)
    with pytest.raises(IntegrityError), transaction.atomic():  # a draft has no result (nor a submission)
        Assessment.objects.filter(pk=a.pk).update(status=AssessmentStatus.CONFIRMED, confirmed_level=2)
    with pytest.raises(IntegrityError), transaction.atomic():  # both subjects at once
        Assessment.objects.filter(pk=a.pk).update(province=area("71"))


def test_a_framework_in_use_is_fixed_in_the_admin(scene, client):
    from django.urls import reverse

    framework = Framework.objects.get(code="example-organisation")
    scene.site_admin.is_staff = True
    scene.site_admin.save(update_fields=["is_staff"])
    client.force_login(scene.site_admin)
    url = reverse("admin:assessments_framework_change", args=[framework.pk])
    assert 'name="indicators-0-title_th"' in client.get(url).content.decode()  # editable while unused
    services.assessment_open(actor=scene.admin, organisation=scene.org)
    page = client.get(url).content.decode()
    assert 'name="indicators-0-title_th"' not in page and 'name="pass_score"' not in page


def test_a_result_sent_again_after_a_return_no_longer_shows_the_return_s_reason(scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(0))
    services.assessment_submit(actor=scene.admin, assessment=a)
    services.assessment_review(actor=scene.provincial, assessment=a, confirm=False, note="ยังไม่มีหลักฐาน")
    a = services.assessment_submit(actor=scene.admin, assessment=a)
    assert (a.status, a.review_note, a.level) == (AssessmentStatus.SUBMITTED, "", Level.NONE)
    # a result that reaches no level is still confirmed as such
    a = services.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    assert a.confirmed_level == Level.NONE


def test_whoever_wrote_a_score_does_not_confirm_the_result(scene):
    from thamdee.assessments import selectors

    # Given a site admin who helped with one score, and the organisation's admin who finished and submitted it
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.site_admin, assessment=a, scores={1: (2, "ช่วยกรอก")})
    services.assessment_score(actor=scene.admin, assessment=a, scores=dict.fromkeys(range(2, 10), (1, "")))
    a = services.assessment_submit(actor=scene.admin, assessment=a)
    # Then the site admin may not confirm it, nor finds it in their queue; the provincial staff may
    assert not selectors.may_review(viewer=scene.site_admin, assessment=a)
    assert selectors.review_queue(viewer=scene.site_admin) == ([], 0)
    with pytest.raises(AssessmentOwnReviewError):
        services.assessment_review(actor=scene.site_admin, assessment=a, confirm=True)
    assert selectors.review_queue(viewer=scene.provincial) == ([a], 1)
    assert services.assessment_review(actor=scene.provincial, assessment=a, confirm=True).status == "confirmed"


def test_national_staff_confirm_a_province_but_do_not_fill_it(scene):
    with pytest.raises(NotFoundError):
        services.assessment_open(actor=scene.national, province=area("71"))


@pytest.mark.parametrize("who", ["organiser", "member_admin"])
def test_those_who_may_read_but_not_review_get_404_whatever_they_send(scene, who):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(1))
    a = services.assessment_submit(actor=scene.admin, assessment=a)
    actor = scene.organiser if who == "organiser" else member_of(scene.org, is_admin=True)
    for confirm, note in ((False, ""), (False, "x" * 3000), (True, "")):
        with pytest.raises(NotFoundError):
            services.assessment_review(actor=actor, assessment=a, confirm=confirm, note=note)


def test_every_submission_return_and_confirmation_is_kept_in_order(scene):
    from thamdee.assessments.models import AssessmentEvent

    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(0))
    services.assessment_submit(actor=scene.admin, assessment=a)
    services.assessment_review(actor=scene.provincial, assessment=a, confirm=False, note="ยังไม่มีหลักฐาน")
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(1))
    services.assessment_submit(actor=scene.admin, assessment=a)
    services.assessment_review(actor=scene.national, assessment=a, confirm=True, note="ครบ")
    history = [
        (e.action, e.actor_id, e.level, e.note, e.scores.get("1"))
        for e in AssessmentEvent.objects.filter(assessment=a).order_by("at", "pk")
    ]
    assert history == [
        ("submitted", scene.admin.pk, Level.NONE, "", 0),
        ("returned", scene.provincial.pk, None, "ยังไม่มีหลักฐาน", None),
        ("submitted", scene.admin.pk, Level.MODEL, "", 1),
        ("confirmed", scene.national.pk, Level.MODEL, "ครบ", None),
    ]


def test_submitting_tells_the_province_in_a_fixed_number_of_queries(scene, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import AgencyStaffFactory

    def submit_one() -> int:
        org = OrganisationFactory(area=area("710911"))
        admin = member_of(org, is_admin=True)
        a = services.assessment_open(actor=admin, organisation=org)
        services.assessment_score(actor=admin, assessment=a, scores=all_scores(1))
        with CaptureQueriesContext(connection) as queries:
            services.assessment_submit(actor=admin, assessment=a)
        return len(queries)

    one_officer = submit_one()
    for _ in range(5):
        AgencyStaffFactory(scope_area=area("71"))
    assert submit_one() == one_officer
    assert scene.provincial.notifications.filter(kind="assessment_submitted").count() == 2


def test_the_database_refuses_a_confirmation_by_its_submitter_or_a_return_without_reason(scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(1))
    services.assessment_submit(actor=scene.admin, assessment=a)
    rows = Assessment.objects.filter(pk=a.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(status=AssessmentStatus.CONFIRMED, confirmed_level=3, reviewed_by=scene.admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(status=AssessmentStatus.CONFIRMED, confirmed_level=None, reviewed_by=scene.provincial)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(status=AssessmentStatus.RETURNED, review_note="")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(level=4)
    rows.update(status=AssessmentStatus.CONFIRMED, confirmed_level=3, reviewed_by=scene.provincial)  # as it should be


def test_a_framework_with_no_activities_is_not_used(scene):
    Framework.objects.update(is_active=False)
    Framework.objects.create(code="empty", subject="organisation", name_th="ว่าง")
    with pytest.raises(AssessmentNoFrameworkError):
        services.assessment_open(actor=scene.admin, organisation=scene.org)
