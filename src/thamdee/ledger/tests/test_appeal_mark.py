"""A deed's award shows ``appeal`` (posted when an appeal was upheld) where the deed itself may be seen: never on a
line withheld from an organiser (another organisation's deed, or a sensitive one), and in the API's passbook as in
the page's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import MembershipFactory, OrganisationFactory, area, member_of
from tests.worlds import build_world
from thamdee.deeds import services as deeds
from thamdee.ledger import selectors
from thamdee.ledger.models import CauseKind, Journal, JournalKind

pytestmark = pytest.mark.django_db

WITHHELD = "ความดีที่บันทึกกับองค์กรอื่น"


def _appealed(w):  # type: ignore[no-untyped-def]
    deed = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=3), hours=2)
    deeds.deed_verify(actor=w.verifier, deed=deed)
    deeds.deed_reverse(actor=w.verifier2, deed=deed, reason="ผิด")
    appeal = deeds.appeal_file(actor=w.member, deed=deed, reason="ถูก")
    deeds.appeal_decide(actor=w.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
    return deed


def test_an_organiser_of_another_organisation_is_not_told_that_a_withheld_deed_was_appealed():
    w = build_world()
    deed = _appealed(w)
    savings = OrganisationFactory(area=area("710911"))
    membership = MembershipFactory(user=w.member, organisation=savings)
    elsewhere = member_of(savings, is_organiser=True)
    # The member's own passbook marks the appeal's award (the commit's feature)
    with translation.override("th"):
        own = selectors.passbook_for(viewer=w.member, member=w.member).lines
    assert any(line.appeal for line in own)
    # The organiser of the other organisation sees the movements, but not the deed: nor that it was appealed
    with translation.override("th"):
        lines = selectors.passbook_for(viewer=elsewhere, member=w.member).lines
    withheld = [line for line in lines if line.cause is not None and line.cause.title == WITHHELD]
    assert withheld, [line.cause for line in lines]
    assert not any(line.appeal for line in withheld), "the appeal of a withheld deed is shown to another organiser"
    client = Client()
    client.force_login(elsewhere)
    client.cookies["django_language"] = "th"
    html = client.get(reverse("ledger:member_passbook", args=[membership.public_id])).content.decode()
    assert WITHHELD in html
    assert "ตามผลอุทธรณ์" not in html
    award = Journal.objects.filter(kind=JournalKind.AWARD, cause_kind=CauseKind.DEED, cause_id=deed.pk).latest("id")
    html = client.get(reverse("ledger:entry", args=[award.idempotency_key])).content.decode()
    assert WITHHELD in html
    assert "ตามผลอุทธรณ์" not in html


def test_the_api_passbook_still_tells_an_appeals_award_apart():
    from rest_framework.test import APIClient

    w = build_world()
    _appealed(w)
    api = APIClient()
    api.force_authenticate(w.member)
    lines = api.get("/api/v1/passbook/").json()["lines"]
    awards = [line for line in lines if line["kind"] == JournalKind.AWARD]
    assert len(awards) == 2, lines
    # Before this change the memo said " (อุทธรณ์)"; the page now shows a mark: the API must carry one too
    told = [line for line in awards if line.get("appeal") is True or "อุทธรณ์" in line["memo"]]
    assert len(told) == 1, awards
