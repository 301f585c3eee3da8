"""Reads of results: the totals of a fiscal year within an area (``results_summary``), counted by level for
organisations and provinces, within what the viewer may see, in one query; they add up to ``results_by_area``."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import OrganisationFactory, area, member_of
from thamdee.assessments import selectors, services
from thamdee.assessments.models import Assessment, AssessmentStatus, Level
from thamdee.assessments.tests.conftest import all_scores
from thamdee.common.thaitime import current_fiscal_year
from thamdee.orgs.roles import roles_for

pytestmark = pytest.mark.django_db

# Scores of the example framework's nine activities (three a level) that reach each level.
REACHES = {
    Level.NONE: dict.fromkeys(range(1, 10), 0),
    Level.PROMOTING: {**dict.fromkeys(range(1, 10), 0), 1: 1, 2: 1, 3: 1},
    Level.MORAL: {**dict.fromkeys(range(1, 10), 0), **dict.fromkeys(range(1, 7), 1)},
    Level.MODEL: dict.fromkeys(range(1, 10), 1),
}


def assessed(
    *,
    code: str,
    reviewer: Any,
    status: str = AssessmentStatus.CONFIRMED,
    level: Level = Level.MODEL,
    fiscal_year: int | None = None,
) -> Assessment:
    """A new organisation in ``code`` whose assessment of the year is at ``status`` (its scores reaching ``level``),
    through the services: its admin scores and submits it, ``reviewer`` confirms or returns it."""
    org = OrganisationFactory(area=area(code))
    admin = member_of(org, is_admin=True)
    a = services.assessment_open(actor=admin, organisation=org, fiscal_year=fiscal_year)
    scores = {n: (s, f"หลักฐานข้อ {n}") for n, s in REACHES[level].items()}
    services.assessment_score(actor=admin, assessment=a, scores=scores)
    if status != AssessmentStatus.DRAFT:
        a = services.assessment_submit(actor=admin, assessment=a)
    if status in (AssessmentStatus.CONFIRMED, AssessmentStatus.RETURNED):
        confirm = status == AssessmentStatus.CONFIRMED
        a = services.assessment_review(actor=reviewer, assessment=a, confirm=confirm, note="" if confirm else "แก้ไข")
    assert a.status == status
    return a


def province_assessed(*, code: str, staff: Any, reviewer: Any, status: str = AssessmentStatus.CONFIRMED) -> Assessment:
    """The province's own assessment of this year, filled by its staff and confirmed by ``reviewer`` (national)."""
    a = services.assessment_open(actor=staff, province=area(code))
    services.assessment_score(actor=staff, assessment=a, scores=all_scores(1, count=10))
    a = services.assessment_submit(actor=staff, assessment=a)
    if status == AssessmentStatus.CONFIRMED:
        a = services.assessment_review(actor=reviewer, assessment=a, confirm=True)
    return a


@pytest.fixture
def results(scene):
    """This year in Kanchanaburi (71): organisations confirmed at every level, and one submitted, one returned, one
    still a draft; last year one more; in Nakhon Ratchasima (30) one confirmed; both provinces confirmed their own."""
    year = current_fiscal_year()
    for code, level in [
        ("710911", Level.MODEL),
        ("710911", Level.MODEL),
        ("710101", Level.MORAL),  # another district of the province
        ("710911", Level.PROMOTING),
        ("710911", Level.NONE),
    ]:
        assessed(code=code, level=level, reviewer=scene.provincial)
    assessed(code="710911", status=AssessmentStatus.SUBMITTED, reviewer=scene.provincial)
    assessed(code="710911", status=AssessmentStatus.RETURNED, reviewer=scene.provincial)
    assessed(code="710911", status=AssessmentStatus.DRAFT, reviewer=scene.provincial)
    assessed(code="710911", level=Level.PROMOTING, fiscal_year=year - 1, reviewer=scene.provincial)
    assessed(code="300101", level=Level.MODEL, reviewer=scene.elsewhere)
    province_assessed(code="71", staff=scene.provincial, reviewer=scene.national)
    province_assessed(code="30", staff=scene.elsewhere, reviewer=scene.national)
    return year


def test_the_province_sees_its_organisations_by_level_and_its_own_result(scene, results):
    summary = selectors.results_summary(viewer=scene.provincial, fiscal_year=results, scope_code="71")
    assert summary.organisations == {0: 1, 1: 1, 2: 1, 3: 2}
    assert summary.confirmed == 5
    # Submitted is waiting; a draft and a returned one are neither waiting nor a result
    assert summary.waiting == 1
    assert summary.provinces == {0: 0, 1: 0, 2: 0, 3: 1} and summary.provinces_waiting == 0
    assert [(level, orgs, provinces) for level, orgs, provinces in summary.rows] == [
        (Level.NONE, 1, 0),
        (Level.PROMOTING, 1, 0),
        (Level.MORAL, 1, 0),
        (Level.MODEL, 2, 1),
    ]
    assert not summary.is_empty


def test_the_fiscal_year_and_the_area_narrow_the_totals(scene, results):
    last_year = selectors.results_summary(viewer=scene.provincial, fiscal_year=results - 1, scope_code="71")
    assert last_year.organisations == {0: 0, 1: 1, 2: 0, 3: 0} and last_year.waiting == 0
    assert last_year.provinces == dict.fromkeys(Level.values, 0)
    district = selectors.results_summary(viewer=scene.provincial, fiscal_year=results, scope_code="7109")
    assert district.organisations == {0: 1, 1: 1, 2: 0, 3: 2} and district.waiting == 1
    assert district.provinces is None  # a district holds no province
    assert [provinces for _level, _orgs, provinces in district.rows] == [None] * 4
    empty = selectors.results_summary(viewer=scene.provincial, fiscal_year=results, scope_code="7102")
    assert empty.is_empty and empty.organisations == dict.fromkeys(Level.values, 0)


def test_nobody_counts_beyond_what_they_may_see(scene, results):
    # Staff of Kanchanaburi asking for the whole country still count only their province
    mine = selectors.results_summary(viewer=scene.provincial, fiscal_year=results)
    assert mine.organisations == {0: 1, 1: 1, 2: 1, 3: 2} and mine.provinces == {0: 0, 1: 0, 2: 0, 3: 1}
    # and nothing of another province
    other = selectors.results_summary(viewer=scene.provincial, fiscal_year=results, scope_code="30")
    assert other.is_empty
    # National staff count both provinces
    national = selectors.results_summary(viewer=scene.national, fiscal_year=results)
    assert national.organisations == {0: 1, 1: 1, 2: 1, 3: 3} and national.provinces == {0: 0, 1: 0, 2: 0, 3: 2}
    # A member counts nothing; an organisation's admin only their own organisation, and no province
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(
        actor=scene.admin, assessment=a, scores={n: (s, "") for n, s in REACHES[Level.MORAL].items()}
    )
    services.assessment_submit(actor=scene.admin, assessment=a)
    services.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    assert selectors.results_summary(viewer=scene.member, fiscal_year=results).is_empty
    own = selectors.results_summary(viewer=scene.admin, fiscal_year=results)
    assert own.organisations == {0: 0, 1: 0, 2: 1, 3: 0} and own.waiting == 0
    assert own.provinces == dict.fromkeys(Level.values, 0)


def test_a_province_waiting_for_confirmation_is_counted_as_waiting(scene):
    year = current_fiscal_year()
    province_assessed(code="71", staff=scene.provincial, reviewer=scene.national, status=AssessmentStatus.SUBMITTED)
    summary = selectors.results_summary(viewer=scene.national, fiscal_year=year, scope_code="71")
    assert summary.provinces == dict.fromkeys(Level.values, 0) and summary.provinces_waiting == 1
    assert summary.waiting == 0 and not summary.is_empty


@pytest.mark.parametrize(("who", "scope"), [("provincial", "71"), ("provincial", "7109"), ("national", "")])
def test_the_totals_add_up_to_the_results_by_area(scene, results, who, scope):
    viewer = getattr(scene, who)
    rows = selectors.results_by_area(viewer=viewer, fiscal_year=results, scope_code=scope)
    summary = selectors.results_summary(viewer=viewer, fiscal_year=results, scope_code=scope)
    for level in Level.values:
        assert summary.organisations[level] == sum(row.counts.get(level, 0) for row in rows)
    assert summary.waiting == sum(row.waiting for row in rows)


def test_the_totals_are_one_query(scene, results, django_assert_num_queries):
    roles_for(scene.national)  # read once per request, before any page reads this
    with django_assert_num_queries(1):
        selectors.results_summary(viewer=scene.national, fiscal_year=results, scope_code="71")
    with django_assert_num_queries(1):
        selectors.results_summary(viewer=scene.national, fiscal_year=results)
