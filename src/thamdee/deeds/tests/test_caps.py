"""A programme's cap per deed type and month counts every deed its rulebooks know by that type's code: the copies of
one national template in two organisations share it, one deed at a time, in bulk and in a bulk ingest."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.factories import MembershipFactory, OrganisationFactory, area, member_of
from tests.worlds import RULES
from thamdee.creditrules import services as rules
from thamdee.deeds import services
from thamdee.deeds.ingest import deeds_ingest
from thamdee.deeds.models import Deed
from thamdee.ledger import services as ledger
from thamdee.ledger.selectors import balance_of

from .conftest import report

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_copies(world: Any) -> Any:
    """The programme's rulebook pays 10 a tree planted, at most 10 a member a month; its national template
    "plant-trees" adopted by the world's organisation and by a second one, which the world's member also belongs to."""
    w = world
    doc = copy.deepcopy(RULES)
    doc["rates"].append({"id": "trees", "deed_type": "plant-trees", "per": "occurrence", "credits": 10})
    doc["caps"]["deed_type_month"] = {"plant-trees": 10}
    version = rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules=doc)
    rules.rulebook_version_publish(
        actor=w.admin, version=version, effective_from=w.today - dt.timedelta(days=5), allow_past=True
    )
    template = services.deed_type_create(
        actor=w.admin,
        programme=w.programme,
        organisation=None,
        code="plant-trees",
        name_th="ปลูกต้นไม้",
        criterion="ปลูกแล้วรอด",
        unit="occurrence",
        virtues=["volunteering"],
        dimensions=["environment"],
    )
    w.org_b = OrganisationFactory(area=area("710911"))
    ledger.allotment_top_up(
        actor=w.staff, organisation=w.org_b, programme=w.programme, amount=1000, idempotency_key="caps:topup:b"
    )
    w.copy_a = services.deed_type_adopt(actor=w.admin, template=template, organisation=w.org)
    w.copy_b = services.deed_type_adopt(actor=w.admin, template=template, organisation=w.org_b)
    MembershipFactory(organisation=w.org_b, user=w.member)
    w.verifier_b = member_of(w.org_b, is_verifier=True)
    return w


def test_one_at_a_time_the_copies_share_the_cap(two_copies):
    w = two_copies
    a = services.deed_verify(actor=w.verifier, deed=report(w, deed_type=w.copy_a, days_ago=1))
    b = services.deed_verify(actor=w.verifier_b, deed=report(w, deed_type=w.copy_b, days_ago=1))
    assert (a.credits, b.credits) == (10, 0) and balance_of(w.member) == 10


def test_in_bulk_the_copies_share_the_cap(two_copies):
    w = two_copies
    services.deed_verify(actor=w.verifier, deed=report(w, deed_type=w.copy_a, days_ago=2))
    result = services.deed_verify_bulk(actor=w.verifier_b, deeds=[report(w, deed_type=w.copy_b, days_ago=1)])
    assert [d.credits for d in result.verified] == [0] and balance_of(w.member) == 10


@pytest.mark.postgres
def test_a_bulk_ingest_counts_the_other_copys_deeds_too(two_copies, tmp_path: Path):
    w = two_copies
    services.deed_verify(actor=w.verifier, deed=report(w, deed_type=w.copy_a, days_ago=2))
    done = w.today - dt.timedelta(days=1)
    path = tmp_path / "deeds.csv"
    path.write_text(
        "ref,member,organisation,deed_type,done_on,verified_on,verifier\n"
        f"t1,{w.member.username},{w.org_b.public_id},plant-trees,{done.isoformat()},{w.today.isoformat()},"
        f"{w.verifier_b.username}\n",
        encoding="utf-8",
    )
    deeds_ingest(actor=w.admin, path=path)
    assert Deed.objects.get(deed_type=w.copy_b).credits == 0 and balance_of(w.member) == 10
