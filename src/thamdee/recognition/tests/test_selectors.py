"""Reads of a member's standing: the programme it is read in, and the home page's card."""

from __future__ import annotations

import pytest
from django.utils import translation

from thamdee.ledger.models import Programme
from thamdee.recognition import selectors
from thamdee.recognition.models import BadgeAward

from .conftest import verified

pytestmark = pytest.mark.django_db


def test_the_home_card_agrees_with_the_full_standing_before_and_after_deeds(world):
    # Given a member with no verified deed yet
    card = selectors.home_context(world.member)
    assert card["recognition_standing"].level.code == selectors.standing_of(world.member).level.code == "seed"
    assert (card["recognition_badge_count"], card["recognition_latest_badge"]) == (0, "")
    # When 15 credits are verified (the first badge, and the level "ผู้ทำดี")
    verified(world, hours=3)
    card = selectors.home_context(world.member)
    # Then the card shows what the member's own page shows
    standing = selectors.standing_of(world.member)
    assert card["recognition_standing"].level.code == standing.level.code == "doer"
    assert card["level"] == "ผู้ทำดี" and card["recognition_standing"].credits_to_next == standing.credits_to_next
    awards = list(BadgeAward.objects.filter(member=world.member).select_related("definition").order_by("-awarded_at"))
    assert awards and card["recognition_badge_count"] == len(awards)
    assert card["recognition_latest_badge"] == awards[0].definition.name_th


def test_the_home_card_speaks_english_when_asked(world):
    verified(world, hours=3)
    with translation.override("en"):
        card = selectors.home_context(world.member)
    assert card["level"] == "Doer of good"
    latest = BadgeAward.objects.filter(member=world.member).select_related("definition").latest("awarded_at")
    assert card["recognition_latest_badge"] == (latest.definition.name_en or latest.definition.name_th)


def test_a_level_is_read_in_the_active_programme_of_the_members_verified_deeds(world):
    verified(world, hours=1)
    later = Programme.objects.create(code="later", name_th="โครงการใหม่", agency=world.agency)
    # The programme of the member's verified deeds, though another is active
    assert selectors.programme_id_of(world.member) == world.programme.pk
    assert selectors.programme_of(world.member) == world.programme
    # When that programme closes, the first programme still active
    Programme.objects.filter(pk=world.programme.pk).update(is_active=False)
    assert selectors.programme_id_of(world.member) == later.pk
    # And with none active, none
    Programme.objects.update(is_active=False)
    assert selectors.programme_id_of(world.member) is None and selectors.programme_of(world.member) is None
    card = selectors.home_context(world.member)
    assert card["recognition_standing"].level is None and card["level"] == ""
