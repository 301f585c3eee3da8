from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from tests.factories import AgencyStaffFactory, area, member_of, national_id
from tests.worlds import RULES, build_world
from thamdee.creditrules import services as rules
from thamdee.deeds import services as deeds
from thamdee.deeds.tests.test_services import jpeg_with_gps
from thamdee.ledger import services as ledger
from thamdee.people import services as people
from thamdee.people.models import ConsentPurpose
from thamdee.recognition import keys
from thamdee.recognition import services as recognition
from thamdee.recognition.models import ExemplarRound, HonourLevel
from thamdee.recognition.tests.conftest import LEVELS
from thamdee.reports import services as reports
from thamdee.rewards import services as rewards
from thamdee.rewards.tests.conftest import approved_partner, make_offer, redeem

DESCRIPTION = "ช่วยยายสมศรีข้ามถนนหน้าวัด"
GIFT_MESSAGE = "ขอบคุณที่ดูแลแม่"
APPEAL_REASON = "มีพยานคือผู้ใหญ่บ้าน"


@pytest.fixture(autouse=True)
def key_dir(settings, tmp_path):
    """Each test keeps its issuers' private keys in a directory of its own."""
    settings.RECOGNITION_KEY_DIR = tmp_path / "keys"
    keys.forget_cached()
    yield settings.RECOGNITION_KEY_DIR
    keys.forget_cached()


def build_person() -> SimpleNamespace:
    """build_world() and, for w.member, something of everything Thamdee keeps about a person: a national ID, a home,
    consents, a confirmed family link, deeds (verified with a photo, rejected and appealed), a gift, vouchers (one
    used), badges, a level and their credentials, an honour shown publicly with consent, a published story that
    shows them, a nomination's papers, and notices."""
    w = build_world()
    draft = rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules={**RULES, "levels": LEVELS})
    rules.rulebook_version_publish(actor=w.admin, version=draft, effective_from=w.today, allow_past=True)
    m = w.member
    people.user_set_national_id(actor=m, user=m, national_id=national_id(7))
    people.consent_grant(actor=m, user=m, purpose=ConsentPurpose.PUBLISH_NAME)
    people.consent_grant(actor=m, user=m, purpose=ConsentPurpose.PUBLISH_PHOTO)
    people.consent_withdraw(actor=m, user=m, purpose=ConsentPurpose.PUBLISH_PHOTO)
    w.relative = member_of(w.org)
    link = people.family_link_add(actor=m, relative_mobile=w.relative.mobile, relation="parent")
    people.family_link_confirm(actor=w.relative, link_id=link.pk)
    # Deeds: one verified, with a description and a photo; one rejected, appealed and dismissed.
    w.deed = deeds.deed_report(
        actor=m,
        deed_type=w.care,
        done_on=w.today - dt.timedelta(days=1),
        hours=3,
        description=DESCRIPTION,
        photos=[jpeg_with_gps()],
    )
    deeds.deed_verify(actor=w.verifier, deed=w.deed)
    w.rejected = deeds.deed_report(actor=m, deed_type=w.lost, done_on=w.today - dt.timedelta(days=2), quantity=1)
    deeds.deed_reject(actor=w.verifier, deed=w.rejected, reason="ไม่มีพยาน")
    appeal = deeds.appeal_file(actor=m, deed=w.rejected, reason=APPEAL_REASON)
    deeds.appeal_decide(actor=w.verifier2, appeal=appeal, uphold=False, reason="ตรวจแล้ว")
    ledger.gift_send(actor=m, recipient=w.relative, amount=2, idempotency_key="privacy:gift:1", message=GIFT_MESSAGE)
    # A voucher, used at a partner.
    staff71 = AgencyStaffFactory(scope_area=area("71")).user
    w.partner, w.partner_staff = approved_partner(staff71)
    offer = make_offer(w.partner_staff, w.partner, cost=1)
    w.voucher = redeem(m, offer)
    rewards.voucher_confirm(actor=w.partner_staff, text=w.voucher.code)
    w.offer = offer
    # An honour: nominated, selected, consented to with the name shown.
    w.agency = w.programme.agency
    round_staff = AgencyStaffFactory(agency=w.agency, scope_area=area("71")).user
    round_ = recognition.round_create(
        actor=round_staff,
        agency=w.agency,
        fiscal_year=2027,
        level=HonourLevel.PROVINCE,
        area=area("71"),
        title_th="คัดเลือกแบบอย่างความดีจังหวัดกาญจนบุรี",
        criteria=[recognition.CriterionInput(text_th="ทำความดีต่อเนื่อง", max_score=10)],
    )
    judges = [member_of(w.other) for _ in range(3)]
    recognition.panel_set(actor=round_staff, round=round_, members=judges)
    w.nomination = recognition.nomination_submit(
        actor=w.organiser,
        round=round_,
        organisation=w.org,
        nominee=m,
        category="volunteering",
        reasons="ดูแลผู้สูงอายุในหมู่บ้านทุกสัปดาห์",
        evidence="บันทึกของ อสม.",
        public_story="ป้ามาลีพาผู้สูงอายุไปหาหมอทุกเดือน",
    )
    round_ = ExemplarRound.objects.get(pk=round_.pk)
    recognition.round_close_nominations(actor=round_staff, round=round_)
    for judge in judges:
        recognition.score_submit(actor=judge, nomination=w.nomination, scores={"c1": 9}, comment="ป้ามาลีเป็นที่รักของชุมชน")
    w.honour = recognition.nomination_select(actor=round_staff, nomination=w.nomination)
    recognition.honour_consent(actor=m, honour=w.honour, show_name=True, show_photo=False, show_story=True)
    # A story that shows them, approved and public (they consented to their name being published).
    w.story = reports.story_save(
        actor=w.organiser,
        organisation=w.org,
        title="ธนาคารเวลาบ้านหนองสาหร่าย",
        summary="ผู้สูงอายุได้รับการดูแล",
        body="ป้ามาลีกับเพื่อนบ้านผลัดกันดูแลผู้สูงอายุ",
        area=area("710911"),
        people_shown=[m],
    )
    reports.story_submit(actor=w.organiser, story=w.story)
    reports.story_review(actor=staff71, story=w.story, approve=True)
    m.refresh_from_db()
    w.staff71 = staff71
    return w


@pytest.fixture
def person(db):
    return build_person()
