"""Writes of rulebooks: a draft is checked when it is saved, so a version that cannot be applied is never published."""

from __future__ import annotations

import copy

import pytest

from tests.worlds import RULES
from thamdee.creditrules import services as rules
from thamdee.creditrules.engine import MAX_CREDITS
from thamdee.creditrules.errors import RulesInvalidError
from thamdee.creditrules.models import RulebookVersion
from thamdee.deeds import services as deeds
from thamdee.deeds.models import DeedStatus
from thamdee.ledger import services as ledger
from thamdee.ledger.selectors import balance_of


def test_a_huge_rate_is_refused_when_drafted_so_it_never_reaches_a_verification(world):
    # Given a rate of 10**400 credits (it used to be drafted, published, then make every verification a 500)
    doc = copy.deepcopy(RULES)
    doc["rates"][0]["credits"] = 10**400
    # When it is drafted, then it is refused, naming the field in both languages, and nothing is saved
    with pytest.raises(RulesInvalidError) as caught:
        rules.rulebook_version_draft(actor=world.admin, rulebook=world.book, rules=doc)
    assert "rates[0].credits" in caught.value.message_th and "rates[0].credits" in caught.value.message_en
    assert f"{MAX_CREDITS:,}" in caught.value.message_en
    assert not RulebookVersion.objects.filter(rulebook=world.book, published_at__isnull=True).exists()


def test_the_largest_rate_allowed_is_published_and_verified(world):
    # Given a version with the largest rate allowed, in force from today
    doc = copy.deepcopy(RULES)
    doc["rates"][0]["credits"] = MAX_CREDITS
    doc["caps"] = {}
    doc["two_approvers_above"] = None
    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=world.book, rules=doc)
    rules.rulebook_version_publish(actor=world.admin, version=draft, effective_from=world.today, allow_past=True)
    # When an hour of elder care today is verified, then it earns the rate, within the ledger's columns
    ledger.allotment_top_up(
        actor=world.staff,
        organisation=world.org,
        programme=world.programme,
        amount=MAX_CREDITS,
        idempotency_key=f"test:topup:{world.org.pk}:max",
    )
    deed = deeds.deed_report(actor=world.member, deed_type=world.care, done_on=world.today, hours=1)
    deeds.deed_verify(actor=world.verifier, deed=deed)
    deed.refresh_from_db()
    assert deed.status == DeedStatus.VERIFIED
    assert deed.credits == MAX_CREDITS
    assert balance_of(world.member) == MAX_CREDITS


def test_a_new_version_takes_effect_tomorrow_at_the_earliest_so_it_never_reprices_a_deed_already_done(world):
    import datetime as dt

    from thamdee.creditrules import selectors
    from thamdee.creditrules.errors import RetroactiveRuleError
    from thamdee.creditrules.models import Rulebook

    tomorrow = world.today + dt.timedelta(days=1)
    # Given a deed done and reported this morning under the rate in force (5 an hour)
    deed = deeds.deed_report(actor=world.member, deed_type=world.care, done_on=world.today, hours=2)
    cheaper = {**RULES, "rates": [{"id": "care", "deed_type": "elder-care", "per": "hour", "credits": 1}]}
    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=world.book, rules=cheaper)
    # When the rulebook's next version is published later the same day, "today" is refused with its reason
    assert selectors.earliest_effective_from(world.book) == tomorrow
    with pytest.raises(RetroactiveRuleError) as refused:
        rules.rulebook_version_publish(actor=world.admin, version=draft, effective_from=world.today)
    assert refused.value.code == "rules_retroactive" and "พรุ่งนี้" in refused.value.message_th
    assert "tomorrow" in refused.value.message_en
    rules.rulebook_version_publish(actor=world.admin, version=draft, effective_from=tomorrow)
    # Then this morning's deed is credited under the rule in force when it was done
    ledger.allotment_top_up(
        actor=world.staff, organisation=world.org, programme=world.programme, amount=100, idempotency_key="t"
    )
    assert deeds.deed_verify(actor=world.verifier, deed=deed).credits == 10
    # An organisation's local book is read with the programme's for its deeds: its first version waits for
    # tomorrow too. Only a book whose deeds no rule governs yet may start today.
    local = Rulebook.objects.create(programme=world.programme, organisation=world.org, name_th="กติกาขององค์กร")
    assert selectors.earliest_effective_from(local) == tomorrow
    from thamdee.ledger.models import Programme

    fresh = Programme.objects.create(code="fresh", name_th="โครงการใหม่", agency=world.programme.agency)
    assert selectors.earliest_effective_from(rules.rulebook_get_or_create(programme=fresh)) == world.today
    fresh_local = Rulebook.objects.create(programme=fresh, organisation=world.org, name_th="กติกาใหม่")
    assert selectors.earliest_effective_from(fresh_local) == world.today


def test_the_rulebook_form_offers_the_earliest_day_a_new_version_may_take_effect(client, world):
    import datetime as dt

    from django.urls import reverse

    client.force_login(world.admin)
    html = client.get(reverse("creditrules:edit", args=[world.book.public_id])).content.decode()
    tomorrow = (world.today + dt.timedelta(days=1)).isoformat()
    assert f'min="{tomorrow}" value="{tomorrow}"' in html
