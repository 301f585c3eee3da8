"""The export: everything Thamdee holds about a person, for that person alone, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory
from thamdee.common.errors import NotFoundError
from thamdee.deeds import services as deeds
from thamdee.privacy import selectors
from thamdee.privacy.tests.conftest import APPEAL_REASON, DESCRIPTION, GIFT_MESSAGE

pytestmark = pytest.mark.django_db


def test_the_export_holds_every_part_of_the_record(person):
    w = person
    data = selectors.personal_data_of(viewer=w.member, subject=w.member)
    json.dumps(data)  # one JSON document, nothing that JSON cannot hold
    assert data["format"] == "thamdee.personal-data/1"
    assert set(data) == {
        "format",
        "generated_at",
        "profile",
        "consents",
        "family_links",
        "memberships",
        "agency_posts",
        "deeds",
        "passbook",
        "vouchers",
        "recognition",
        "notices",
        "stories",
        "sign_ins",
        "data_requests",
    }
    profile = data["profile"]
    assert profile["id"] == str(w.member.public_id)
    assert (profile["first_name"], profile["mobile"], profile["birth_year"]) == (
        w.member.first_name,
        w.member.mobile,
        1980,
    )
    assert profile["home_area"]["code"] == "71091101"
    # The national ID: only whether one is on file, never the number nor its fingerprint.
    assert profile["national_id_on_file"] is True
    assert w.member.national_id_hmac not in json.dumps(data)
    # Consents with their history: the photo consent given, then withdrawn.
    purposes = [(c["purpose"], c["active"]) for c in data["consents"]]
    assert purposes == [("publish_name", True), ("publish_photo", False)]
    assert data["consents"][1]["withdrawn_at"] is not None
    assert [(f["direction"], f["person"]["id"]) for f in data["family_links"]] == [
        ("named_by_me", str(w.relative.public_id))
    ]
    assert [m["organisation"]["id"] for m in data["memberships"]] == [str(w.org.public_id)]


def test_deeds_carry_status_credits_and_the_reasons(person):
    data = selectors.personal_data_of(viewer=person.member, subject=person.member)
    verified, rejected = sorted(data["deeds"], key=lambda d: d["status"], reverse=True)
    assert verified["status"] == "verified" and verified["credits"] == 15 and verified["hours"] == 3
    assert verified["description"] == DESCRIPTION
    assert verified["explanation"] and {"th", "en"} <= set(verified["explanation"][0])
    assert len(verified["evidence"]) == 1 and verified["evidence"][0]["url"].startswith("/deeds/evidence/")
    assert rejected["status"] == "rejected"
    assert [x["reason"] for x in rejected["decisions"]] == ["ไม่มีพยาน", "ตรวจแล้ว"]
    assert [(a["reason"], a["status"]) for a in rejected["appeals"]] == [(APPEAL_REASON, "dismissed")]
    # Dates are ISO 8601.
    assert dt.date.fromisoformat(verified["done_on"])
    assert dt.datetime.fromisoformat(verified["submitted_at"]).utcoffset() is not None


def test_the_passbook_runs_oldest_first_with_its_balance(person):
    data = selectors.personal_data_of(viewer=person.member, subject=person.member)
    book = data["passbook"]
    amounts = [line["amount"] for line in book["lines"]]
    assert amounts == [15, -2, -1]  # the award, the gift, the voucher
    assert [line["running_balance"] for line in book["lines"]] == [15, 13, 12]
    assert book["balance"] == 12 and book["earned_total"] == 15
    assert book["lines"][1]["memo"] == GIFT_MESSAGE


def test_vouchers_recognition_notices_and_stories(person):
    w = person
    data = selectors.personal_data_of(viewer=w.member, subject=w.member)
    assert [(v["code"], v["status"]) for v in data["vouchers"]] == [(w.voucher.display_code, "confirmed")]
    recognition = data["recognition"]
    assert "first-deed" in {b["code"] for b in recognition["badges"]}
    assert [lvl["level_code"] for lvl in recognition["levels"]] == ["doer"]
    assert [(h["id"], h["consent"], h["show_name"]) for h in recognition["honours"]] == [
        (str(w.honour.public_id), "consented", True)
    ]
    assert recognition["credentials"] and all(c["token"].count(".") == 2 for c in recognition["credentials"])
    assert {"deed_verified", "badge_awarded"} <= {n["kind"] for n in data["notices"]}
    assert [s["id"] for s in data["stories"]["shown_in"]] == [str(w.story.public_id)]
    assert data["stories"]["written"] == []


def test_the_stories_a_person_wrote_carry_their_text_while_they_may_read_it(person):
    from tests.factories import area
    from thamdee.orgs.models import Membership
    from thamdee.orgs.roles import roles_forget
    from thamdee.reports import services as reports

    # Given an organiser who wrote the published story and a draft, and another organiser's draft
    w = person
    draft = reports.story_save(
        actor=w.organiser,
        organisation=w.org,
        title="ร่าง",
        summary="s",
        body="ร่างของฉัน",
        lessons="บทเรียน",
        area=area("710911"),
    )
    reports.story_save(
        actor=w.admin, organisation=w.org, title="อื่น", summary="s", body="ร่างของคนอื่น", area=area("710911")
    )
    written = selectors.personal_data_of(viewer=w.organiser, subject=w.organiser)["stories"]["written"]
    texts = {s["id"]: (s.get("body"), s.get("lessons")) for s in written}
    assert texts[str(w.story.public_id)][0] == w.story.body and texts[str(draft.public_id)] == ("ร่างของฉัน", "บทเรียน")
    assert "ร่างของคนอื่น" not in json.dumps(written, ensure_ascii=False)
    # When they no longer write for the organisation, the draft's text is no longer theirs to read; the published
    # story's still is
    Membership.objects.filter(user=w.organiser, organisation=w.org).update(is_organiser=False, is_admin=False)
    roles_forget(w.organiser)
    written = selectors.personal_data_of(viewer=w.organiser, subject=w.organiser)["stories"]["written"]
    texts = {s["id"]: s.get("body") for s in written}
    assert texts == {str(w.story.public_id): w.story.body, str(draft.public_id): None}


def test_honour_consents_carry_the_guardian_named_and_sign_ins_their_time_address_and_browser(person, client):
    from thamdee.recognition import services as recognition

    w = person
    recognition.honour_consent(
        actor=w.member, honour=w.honour, show_name=True, show_photo=False, show_story=False, guardian_name="นางแม่"
    )
    other = UserFactory()
    for username, ip in ((w.member.mobile, "203.0.113.5"), (other.mobile, "203.0.113.6")):
        client.post(
            reverse("people:login"),
            {"username": username, "password": "correct-horse-42"},
            REMOTE_ADDR=ip,
            HTTP_USER_AGENT="Mozilla/5.0 (Android) ทดสอบ",
        )
    data = selectors.personal_data_of(viewer=w.member, subject=w.member)
    events = data["recognition"]["honours"][0]["consent_events"]
    assert [(e["action"], e["guardian_name"], e["by_self"]) for e in events] == [
        ("consent", "", True),
        ("consent", "นางแม่", True),
    ]
    assert [(s["ip_address"], s["user_agent"]) for s in data["sign_ins"]] == [
        ("203.0.113.5", "Mozilla/5.0 (Android) ทดสอบ")
    ]
    assert dt.datetime.fromisoformat(data["sign_ins"][0]["at"]).utcoffset() is not None


def test_nobody_reads_someone_elses_data_not_even_a_site_admin(person):
    for viewer in (person.organiser, person.verifier, person.relative, person.admin, person.staff71):
        with pytest.raises(NotFoundError):
            selectors.personal_data_of(viewer=viewer, subject=person.member)


def test_the_export_costs_the_same_queries_for_a_long_record(person):
    """No N+1: ten more deeds (each verified, with a passbook line and decisions) add no query."""
    w = person

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.personal_data_of(viewer=w.member, subject=w.member)
        return len(ctx.captured_queries)

    before = count()
    for day in range(3, 13):
        deed = deeds.deed_report(actor=w.member, deed_type=w.lost, done_on=w.today - dt.timedelta(days=day), quantity=1)
        deeds.deed_verify(actor=w.verifier, deed=deed)
    assert count() == before


def test_an_empty_record_exports_too():
    user = UserFactory()
    data = selectors.personal_data_of(viewer=user, subject=user)
    assert data["deeds"] == [] and data["passbook"] == {"balance": 0, "earned_total": 0, "lines": []}


def test_the_export_links_to_the_honour_photo_given_with_consent(person):
    from thamdee.deeds.tests.test_services import jpeg_with_gps
    from thamdee.recognition import services as recognition

    w = person
    assert selectors.personal_data_of(viewer=w.member, subject=w.member)["recognition"]["honours"][0]["photo"] is None
    recognition.honour_consent(
        actor=w.member, honour=w.honour, show_name=True, show_photo=True, show_story=True, photo=jpeg_with_gps()
    )
    honour = selectors.personal_data_of(viewer=w.member, subject=w.member)["recognition"]["honours"][0]
    assert honour["photo"] == {"url": reverse("privacy:honour_photo", args=[w.honour.public_id])}


def test_sign_ins_with_the_mobile_number_typed_any_way_are_the_persons_and_no_one_elses(person, client):
    """A sign-in is recorded under the account's user name however the number was typed; the wider match the
    export and erasure make for the number as typed takes no one else's records with it."""
    w = person
    mobile = w.member.mobile
    for username, ip in ((f"+66 {mobile[1:3]} {mobile[3:6]} {mobile[6:]}", "203.0.113.7"), (mobile, "203.0.113.8")):
        response = client.post(
            reverse("people:login"), {"username": username, "password": "correct-horse-42"}, REMOTE_ADDR=ip
        )
        assert response.status_code == 302  # signed in
        client.logout()
    # Someone else's sign-in whose user name ends in the same digits is not theirs.
    other = UserFactory(username=f"x{mobile}")
    client.post(reverse("people:login"), {"username": other.username, "password": "correct-horse-42"})
    data = selectors.personal_data_of(viewer=w.member, subject=w.member)
    assert [s["ip_address"] for s in data["sign_ins"]] == ["203.0.113.7", "203.0.113.8"]
