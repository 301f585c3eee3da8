"""Reads of rulebooks: the levels in force."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.worlds import RULES, build_world
from thamdee.creditrules import selectors
from thamdee.creditrules import services as rules

pytestmark = pytest.mark.django_db


def test_the_levels_in_force_follow_each_newly_published_version() -> None:
    w = build_world()
    today = timezone.localdate()
    assert [lvl.code for lvl in selectors.levels_of_programme(w.programme.pk)] == ["seed"]
    # A new version, in force from tomorrow, with two levels
    levels = [
        {"code": "seed", "name_th": "ต้นกล้า", "name_en": "Seedling", "min_credits": 0},
        {"code": "tree", "name_th": "ต้นไม้", "name_en": "Tree", "min_credits": 50},
    ]
    draft = rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules={**RULES, "levels": levels})
    rules.rulebook_version_publish(actor=w.admin, version=draft, effective_from=today + dt.timedelta(days=1))
    # Today the earlier version is still in force; from tomorrow, the new one
    assert [lvl.code for lvl in selectors.levels_of_programme(w.programme.pk)] == ["seed"]
    tomorrow = selectors.levels_of_programme(w.programme.pk, today + dt.timedelta(days=1))
    assert [(lvl.code, lvl.min_credits) for lvl in tomorrow] == [("seed", 0), ("tree", 50)]
    # A programme without a published rulebook has no levels
    assert selectors.levels_of_programme(w.programme.pk + 1000) == ()
