"""A level once reached is kept when a later rulebook raises its threshold, whichever levels the member holds: every
level reached counts, so a later version that adds a level below one reached, or drops the last one reached,
takes nothing away."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.worlds import RULES, build_world
from thamdee.creditrules import services as rules
from thamdee.deeds import services as deeds
from thamdee.recognition import selectors
from thamdee.recognition.models import LevelAward

pytestmark = pytest.mark.django_db

SEED = {"code": "seed", "name_th": "ต้นกล้า", "name_en": "Seedling", "min_credits": 0}
DOER = {"code": "doer", "name_th": "ผู้ทำดี", "name_en": "Doer of good", "min_credits": 10}
GUIDE = {"code": "guide", "name_th": "ผู้นำความดี", "name_en": "Guide", "min_credits": 2000}


def _publish(w, levels, effective_from):  # type: ignore[no-untyped-def]
    draft = rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules={**RULES, "levels": levels})
    rules.rulebook_version_publish(actor=w.admin, version=draft, effective_from=effective_from, allow_past=True)


def _earn_10(w, days_ago):  # type: ignore[no-untyped-def]
    deed = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=days_ago), hours=2)
    deeds.deed_verify(actor=w.verifier, deed=deed)


def _perk_doer_unlocked(w) -> bool:  # type: ignore[no-untyped-def]
    from thamdee.rewards import selectors as rewards
    from thamdee.rewards.models import Offer, OfferKind, Unlock

    perk = Offer(kind=OfferKind.PERK, unlock=Unlock.LEVEL, unlock_level="doer", programme=w.programme)
    return rewards.is_unlocked(perk, rewards.member_standing(w.member))


HELPER = {"code": "helper", "name_th": "ผู้ช่วย", "name_en": "Helper", "min_credits": 15}
PILLAR = {"code": "pillar", "name_th": "เสาหลักความดี", "name_en": "Pillar", "min_credits": 20}


def _lower_level_added():  # type: ignore[no-untyped-def]
    """Reached "doer" (10) under the first version; a later one raises "doer" to 1000 and adds "helper" at 15
    below it, which the member then reaches (20 credits) and is awarded."""
    w = build_world()
    _publish(w, [SEED, DOER, GUIDE], w.today - dt.timedelta(days=30))
    _earn_10(w, days_ago=10)
    assert LevelAward.objects.filter(member=w.member, level_code="doer").exists()
    _publish(w, [SEED, HELPER, {**DOER, "min_credits": 1000}, GUIDE], w.today)
    _earn_10(w, days_ago=5)
    assert LevelAward.objects.filter(member=w.member, level_code="helper").exists()
    return w


def _last_level_removed():  # type: ignore[no-untyped-def]
    """Reached "doer" (10) then "pillar" (20) under the first version; a later one drops "pillar" and raises
    "doer" to 1000."""
    w = build_world()
    _publish(w, [SEED, DOER, PILLAR], w.today - dt.timedelta(days=30))
    _earn_10(w, days_ago=10)
    _earn_10(w, days_ago=9)
    assert set(LevelAward.objects.filter(member=w.member).values_list("level_code", flat=True)) == {"doer", "pillar"}
    _publish(w, [SEED, {**DOER, "min_credits": 1000}, GUIDE], w.today)
    return w


SCENARIOS = pytest.mark.parametrize("scenario", [_lower_level_added, _last_level_removed], ids=["added", "removed"])


@SCENARIOS
def test_the_standing_keeps_the_level_reached(scenario):  # type: ignore[no-untyped-def]
    w = scenario()
    standing = selectors.standing_of(w.member)
    assert standing.earned_total == 20
    assert standing.level is not None and standing.level.code == "doer", standing.level
    assert standing.next_level is not None and standing.next_level.code == "guide", standing.next_level


@SCENARIOS
def test_the_home_card_keeps_the_level_reached(scenario):  # type: ignore[no-untyped-def]
    w = scenario()
    assert selectors.home_context(w.member)["level"] == "ผู้ทำดี"


@SCENARIOS
def test_a_perk_of_the_level_reached_stays_unlocked(scenario):  # type: ignore[no-untyped-def]
    w = scenario()
    assert _perk_doer_unlocked(w)


@SCENARIOS
def test_the_api_standing_keeps_the_level_reached(scenario):  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    w = scenario()
    api = APIClient()
    api.force_authenticate(w.member)
    body = api.get("/api/v1/recognition/me/").json()
    assert body["level"]["code"] == "doer", body
