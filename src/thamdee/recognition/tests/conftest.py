from __future__ import annotations

import datetime as dt
import socket
from unittest import mock

import pytest

from tests.factories import AgencyStaffFactory, UserFactory, area, member_of
from tests.worlds import RULES, build_world
from thamdee.creditrules import services as rules
from thamdee.deeds import services as deeds
from thamdee.recognition import keys, services
from thamdee.recognition.models import ExemplarRound, HonourLevel

LEVELS = [
    {"code": "seed", "name_th": "ต้นกล้า", "name_en": "Seedling", "min_credits": 0},
    {"code": "doer", "name_th": "ผู้ทำดี", "name_en": "Doer of good", "min_credits": 10},
    {"code": "pillar", "name_th": "เสาหลักความดี", "name_en": "Pillar", "min_credits": 40},
]


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    """Each test keeps its issuers' private keys in a directory of its own."""
    settings.RECOGNITION_KEY_DIR = tmp_path / "keys"
    keys.forget_cached()
    yield settings.RECOGNITION_KEY_DIR
    keys.forget_cached()


@pytest.fixture
def world(db):
    """build_world() with a programme rulebook that has three levels (0, 10 and 40 lifetime credits)."""
    w = build_world()
    draft = rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules={**RULES, "levels": LEVELS})
    rules.rulebook_version_publish(actor=w.admin, version=draft, effective_from=w.today, allow_past=True)
    w.agency = w.programme.agency
    return w


def verified(w, *, member=None, deed_type=None, hours=2, days_ago=1, quantity=None):  # type: ignore[no-untyped-def]
    """A deed reported by a member (default: w.member) and verified by w.verifier."""
    member = member or w.member
    deed = deeds.deed_report(
        actor=member,
        deed_type=deed_type or w.care,
        done_on=w.today - dt.timedelta(days=days_ago),
        hours=hours,
        quantity=quantity,
    )
    return deeds.deed_verify(actor=w.verifier if member != w.verifier else w.verifier2, deed=deed)


@pytest.fixture
def exemplar(world):
    """An open provincial round (Kanchanaburi) of the programme's agency, a panel of three (one of them belongs to
    the nominating organisation), and a nomination of w.member by w.org."""
    w = world
    w.round_staff = AgencyStaffFactory(agency=w.agency, scope_area=area("71")).user
    round_ = services.round_create(
        actor=w.round_staff,
        agency=w.agency,
        fiscal_year=2027,
        level=HonourLevel.PROVINCE,
        area=area("71"),
        title_th="คัดเลือกแบบอย่างความดีจังหวัดกาญจนบุรี",
        criteria=[
            services.CriterionInput(text_th="ทำความดีต่อเนื่อง", max_score=10),
            services.CriterionInput(text_th="เป็นแบบอย่างแก่ผู้อื่น", max_score=10),
        ],
    )
    w.panel_outsiders = [UserFactory(), UserFactory()]
    w.panel_insider = member_of(w.org)  # a member of the nominating organisation
    services.panel_set(actor=w.round_staff, round=round_, members=[*w.panel_outsiders, w.panel_insider])
    w.nomination = services.nomination_submit(
        actor=w.organiser,
        round=round_,
        organisation=w.org,
        nominee=w.member,
        category="volunteering",
        reasons="ดูแลผู้สูงอายุในหมู่บ้านทุกสัปดาห์มาสามปี",
        evidence="บันทึกของ อสม.",
        public_story="ป้ามาลีพาผู้สูงอายุไปหาหมอทุกเดือน",
    )
    w.round = ExemplarRound.objects.get(pk=round_.pk)
    return w


def select_nominee(w):  # type: ignore[no-untyped-def]
    """Close nominations, let the two panel members without a conflict score, select the nominee."""
    services.round_close_nominations(actor=w.round_staff, round=w.round)
    for judge in w.panel_outsiders:
        services.score_submit(actor=judge, nomination=w.nomination, scores={"c1": 8, "c2": 9})
    return services.nomination_select(actor=w.round_staff, nomination=w.nomination)


def _refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("verification tried to open a network connection")


@pytest.fixture
def no_network():
    """Any attempt to connect anywhere fails the test: verifying a credential must need no network."""
    with (
        mock.patch.object(socket.socket, "connect", _refuse),
        mock.patch.object(socket.socket, "connect_ex", _refuse),
        mock.patch.object(socket, "create_connection", _refuse),
        mock.patch.object(socket, "getaddrinfo", _refuse),
    ):
        yield
