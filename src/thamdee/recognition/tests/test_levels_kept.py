"""A level once reached is kept: a later rulebook version that raises its threshold takes nothing away, neither the
level nor a perk it unlocked (positive only; rules are never applied retroactively)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.worlds import RULES, build_world
from thamdee.creditrules import services as rules
from thamdee.deeds import services as deeds
from thamdee.recognition import selectors
from thamdee.recognition.models import LevelAward

pytestmark = pytest.mark.django_db

LEVELS = [
    {"code": "seed", "name_th": "ต้นกล้า", "name_en": "Seedling", "min_credits": 0},
    {"code": "doer", "name_th": "ผู้ทำดี", "name_en": "Doer of good", "min_credits": 10},
    {"code": "guide", "name_th": "ผู้นำความดี", "name_en": "Guide", "min_credits": 2000},
]


def _publish(w, levels, effective_from):  # type: ignore[no-untyped-def]
    draft = rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules={**RULES, "levels": levels})
    # allow_past: a version published before today, in force from the day given (the test cannot wait a day)
    rules.rulebook_version_publish(actor=w.admin, version=draft, effective_from=effective_from, allow_past=True)


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    w = build_world()
    _publish(w, LEVELS, w.today - dt.timedelta(days=30))
    deed = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=5), hours=2)
    deeds.deed_verify(actor=w.verifier, deed=deed)  # 2 h x 5 = 10 credits: "doer"
    assert LevelAward.objects.filter(member=w.member, level_code="doer").exists()
    return w


def test_a_later_version_raising_a_threshold_takes_no_level_away(w):
    raised = [{**lvl, "min_credits": 1000} if lvl["code"] == "doer" else lvl for lvl in LEVELS]
    _publish(w, raised, w.today)

    standing = selectors.standing_of(w.member)

    assert standing.level.code == "doer" and standing.earned_total == 10
    assert standing.next_level.code == "guide" and standing.credits_to_next == 1990
    assert selectors.home_context(w.member)["level"] == "ผู้ทำดี"
    # A member who never reached it is placed by the version in force
    newcomer = deeds.deed_report(actor=w.verifier2, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=2)
    deeds.deed_verify(actor=w.verifier, deed=newcomer)
    fresh = selectors.standing_of(w.verifier2)
    assert fresh.earned_total == 10 and fresh.level.code == "seed" and fresh.next_level.code == "doer"


def test_a_perk_a_reached_level_unlocked_stays_unlocked(w):
    from thamdee.rewards import selectors as rewards
    from thamdee.rewards.models import Offer, OfferKind, Unlock

    perk = Offer(kind=OfferKind.PERK, unlock=Unlock.LEVEL, unlock_level="doer", programme=w.programme)
    assert rewards.is_unlocked(perk, rewards.member_standing(w.member))
    raised = [{**lvl, "min_credits": 1000} if lvl["code"] == "doer" else lvl for lvl in LEVELS]
    _publish(w, raised, w.today)

    assert rewards.is_unlocked(perk, rewards.member_standing(w.member))
    guide = Offer(kind=OfferKind.PERK, unlock=Unlock.LEVEL, unlock_level="guide", programme=w.programme)
    assert not rewards.is_unlocked(guide, rewards.member_standing(w.member))
