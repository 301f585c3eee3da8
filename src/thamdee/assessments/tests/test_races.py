"""Races with real threads, each on its own database connection (PostgreSQL and SQLite): a year's assessment is
opened once however many open it at once, and a submitted result is decided once."""

from __future__ import annotations

from collections import Counter

import pytest

from thamdee.assessments import services
from thamdee.assessments.models import Assessment, AssessmentStatus
from thamdee.assessments.tests.conftest import all_scores
from thamdee.rewards.tests.test_races import outcome, race

pytestmark = [pytest.mark.django_db(transaction=True)]


def test_ten_opening_the_same_year_at_once_get_one_assessment_made_by_one_of_them(scene):
    results = race([lambda: services.assessment_open_or_get(actor=scene.admin, organisation=scene.org)] * 10)
    assert Counter(outcome(r) for r in results) == {"ok": 10}
    assert Assessment.objects.count() == 1
    assert {a.pk for a, _created in results} == {Assessment.objects.get().pk}
    assert sorted(created for _a, created in results) == [False] * 9 + [True]  # the API answers 201 once


def test_two_reviewers_deciding_at_once_decide_once(scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(1))
    a = services.assessment_submit(actor=scene.admin, assessment=a)
    results = race(
        [
            lambda: services.assessment_review(actor=scene.provincial, assessment=a, confirm=True),
            lambda: services.assessment_review(actor=scene.national, assessment=a, confirm=False, note="ขาดหลักฐาน"),
        ]
    )
    assert Counter(outcome(r) for r in results) == {"ok": 1, "assessment_not_submitted": 1}
    final = Assessment.objects.get()
    assert final.status in (AssessmentStatus.CONFIRMED, AssessmentStatus.RETURNED)
    assert (final.confirmed_level is not None) == (final.status == AssessmentStatus.CONFIRMED)
