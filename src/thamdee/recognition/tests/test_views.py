"""Pages and API endpoints of recognition."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from thamdee.common.pdf import pdf_text
from thamdee.people.models import ConsentPurpose
from thamdee.people.services import consent_grant
from thamdee.recognition import credentials as vc
from thamdee.recognition import services
from thamdee.recognition.models import CertificateStatus, Credential, CredentialKind, IssuerKey
from thamdee.web.tests.test_views import assert_csp_clean

from .conftest import select_nominee, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge(world) -> Credential:
    verified(world, hours=3)  # 15 credits: the first badge and the level "ผู้ทำดี"
    return Credential.objects.get(member=world.member, kind=CredentialKind.BADGE)


def test_the_members_page_shows_level_badges_and_credentials(client, world, badge):
    client.force_login(world.member)
    page = client.get(reverse("recognition:mine"))
    assert page.status_code == 200
    assert_csp_clean(page)
    html = page.content.decode()
    assert 'data-testid="level-name">ผู้ทำดี<' in html and 'data-testid="earned-total">15<' in html
    assert 'data-testid="badge-first-deed"' in html and str(badge.public_id) in html


def test_the_home_page_shows_the_level(client, world, badge):
    client.force_login(world.member)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="home-recognition"' in html and "ผู้ทำดี" in html


def test_a_credential_page_has_its_qr_and_files_for_its_holder_only(client, world, badge):
    client.force_login(world.member)
    page = client.get(reverse("recognition:credential", args=[badge.public_id]))
    assert page.status_code == 200
    assert_csp_clean(page)
    assert 'data-testid="credential-qr"' in page.content.decode()
    jwt_file = client.get(reverse("recognition:credential_file", args=[badge.public_id, "jwt"]))
    assert jwt_file.content.decode() == badge.token
    svg = client.get(reverse("recognition:credential_file", args=[badge.public_id, "svg"]))
    assert vc.extract_token(svg.content) == badge.token
    client.force_login(world.verifier)
    assert client.get(reverse("recognition:credential", args=[badge.public_id])).status_code == 404


def test_asking_for_a_certificate_then_downloading_it(client, world, badge, django_capture_on_commit_callbacks):
    client.force_login(world.member)
    url = reverse("recognition:certificate", args=[badge.public_id])
    with django_capture_on_commit_callbacks(execute=False):
        fragment = client.post(url, HTTP_HX_REQUEST="true")
    assert 'data-status="pending"' in fragment.content.decode()  # "being prepared", polled by htmx
    assert "hx-trigger" in fragment.content.decode()
    assert client.get(url).status_code == 302  # not ready yet: back to the credential page
    services.certificate_render(public_id=str(badge.public_id))
    status = client.get(reverse("recognition:certificate_status", args=[badge.public_id]))
    assert 'data-status="ready"' in status.content.decode()
    pdf = client.get(url)
    assert pdf["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(pdf.streaming_content))
    be_year = str(timezone.localtime(badge.issued_at).year + 543)
    assert world.member.first_name in text and be_year in text


def test_a_revoked_credentials_certificate_is_no_longer_served(
    client, world, badge, django_capture_on_commit_callbacks
):
    # Given the holder's certificate, made and downloadable
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_request(actor=world.member, credential=badge)
    badge.refresh_from_db()
    stored, storage = badge.certificate.name, badge.certificate.storage
    assert badge.certificate_status == CertificateStatus.READY and storage.exists(stored)
    # When the issuer revokes the credential
    with django_capture_on_commit_callbacks(execute=True):
        services.credential_revoke(actor=world.admin, credential=badge, reason="ออกซ้ำ")
    # Then the web and the API no longer serve it, and its file is gone
    client.force_login(world.member)
    download = client.get(reverse("recognition:certificate", args=[badge.public_id]))
    assert download.status_code == 302 and download["Location"].endswith(f"/credentials/{badge.public_id}/")
    api = APIClient()
    api.force_authenticate(world.member)
    state = api.get(f"/api/v1/recognition/credentials/{badge.public_id}/certificate/").json()
    assert state["certificate_url"] is None and state["certificate_status"] == CertificateStatus.NONE
    assert not storage.exists(stored)
    page = client.get(reverse("recognition:credential", args=[badge.public_id])).content.decode()
    assert "ใบรับรองนี้ถูกเพิกถอนแล้ว" in page and 'data-testid="certificate-download"' not in page


def test_agency_staff_outside_the_holders_area_find_no_credential_on_the_web_or_the_api(client, world, badge):
    from tests.factories import AgencyStaffFactory, area

    # Given the member's level credential (issued by the programme's agency; she lives and belongs in 71)
    level = Credential.objects.get(member=world.member, kind=CredentialKind.LEVEL)
    outside = AgencyStaffFactory(agency=world.agency, scope_area=area("40")).user
    inside = AgencyStaffFactory(agency=world.agency, scope_area=area("71")).user
    page = reverse("recognition:credential", args=[level.public_id])
    # When staff of the same agency over another province open it, download it or revoke it
    client.force_login(outside)
    assert client.get(page).status_code == 404
    assert client.get(reverse("recognition:credential_file", args=[level.public_id, "jwt"])).status_code == 404
    assert client.get(reverse("recognition:certificate_status", args=[level.public_id])).status_code == 404
    assert client.post(reverse("recognition:revoke", args=[level.public_id]), {"reason": "x"}).status_code == 404
    api = APIClient()
    api.force_authenticate(outside)
    for answer in (
        api.get(f"/api/v1/recognition/credentials/{level.public_id}/"),
        api.post(f"/api/v1/recognition/credentials/{level.public_id}/revoke/", {"reason": "x"}, format="json"),
    ):
        # Then it is not there, and it looks just like a credential that does not exist
        assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
        assert answer.json()["code"] == "not_found"
    level.refresh_from_db()
    assert level.revoked_at is None
    # Its public verification stays public
    assert APIClient().get(f"/api/v1/recognition/verify/{level.public_id}/").json()["status"] == "valid"
    # And staff over the member's province open and revoke it
    client.force_login(inside)
    assert 'data-testid="credential-qr"' in client.get(page).content.decode()
    api.force_authenticate(inside)
    revoked = api.post(
        f"/api/v1/recognition/credentials/{level.public_id}/revoke/", {"reason": "ออกผิดคน"}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


def test_anyone_verifies_by_pasting_or_uploading_or_from_the_qr_url(client, world, badge):
    page = client.get(reverse("recognition:verify"))
    assert page.status_code == 200
    assert_csp_clean(page)
    pasted = client.post(reverse("recognition:verify"), {"credential": badge.token})
    assert 'data-testid="verify-result" data-status="valid"' in pasted.content.decode()
    assert world.member.full_name in pasted.content.decode()
    upload = SimpleUploadedFile("badge.jwt", badge.token.encode(), content_type="application/octet-stream")
    uploaded = client.post(reverse("recognition:verify"), {"file": upload})
    assert 'data-status="valid"' in uploaded.content.decode()
    tampered = client.post(reverse("recognition:verify"), {"credential": badge.token[:-4] + "AAAA"})
    assert 'data-status="tampered"' in tampered.content.decode()
    assert world.member.full_name not in tampered.content.decode()  # claims of a forgery are not shown
    qr = client.get(vc.verify_url(badge.public_id).replace(vc.site_url(), ""))
    assert 'data-status="valid"' in qr.content.decode()
    assert_csp_clean(qr)
    services.credential_revoke(actor=world.admin, credential=badge, reason="ออกซ้ำ")
    assert (
        'data-status="revoked"' in client.get(reverse("recognition:verify_id", args=[badge.public_id])).content.decode()
    )


def test_keys_status_lists_and_contexts_are_published(client, badge):
    issuer = badge.issuer
    did = client.get(reverse("recognition:issuer_did", args=[issuer.public_id]))
    assert did["Content-Type"] == "application/did+json" and did["Access-Control-Allow-Origin"] == "*"
    assert json.loads(did.content)["id"] == issuer.did
    key = IssuerKey.objects.get(issuer=issuer)
    assert (
        json.loads(client.get(reverse("recognition:issuer_jwks", args=[issuer.public_id])).content)["keys"][0]["kid"]
        == key.key_id
    )
    status = client.get(reverse("recognition:status_list", args=[issuer.public_id, "revocation"]))
    assert status.content.decode() == badge.status_list.token
    context = client.get(reverse("recognition:context", args=["credentials-v2.json"]))
    assert context["Content-Type"] == "application/ld+json" and json.loads(context.content)["@context"]
    assert client.get(reverse("recognition:context", args=["settings.py"])).status_code == 404
    assert client.get("/recognition/contexts/..%2Fsettings.py").status_code == 404
    listing = json.loads(client.get(reverse("recognition:contexts")).content)
    assert {c["url"] for c in listing["contexts"]} >= set(vc.decode_segment(badge.token)["@context"])
    achievement = client.get(badge.achievement_id.replace(vc.site_url(), ""))
    assert achievement.status_code == 200 and "ก้าวแรกของความดี" in achievement.content.decode()
    issuer_page = client.get(reverse("recognition:issuer", args=[issuer.public_id]))
    assert issuer.did in issuer_page.content.decode()


@pytest.mark.parametrize(
    "code", ["zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz.self", "00000000-0000-0000-0000-000000000000.self", "x.self"]
)
def test_an_honour_achievement_with_a_malformed_or_unknown_round_is_not_found(client, code):
    """The achievement page is public: a round id of the right length that is not a UUID answered 500."""
    assert client.get(reverse("recognition:achievement", args=["honour", code])).status_code == 404


def test_the_public_honour_page_shows_nothing_before_consent_and_only_what_was_consented(client, exemplar):
    w = exemplar
    honour = select_nominee(w)
    story = w.nomination.public_story
    html = client.get(reverse("recognition:honours")).content.decode()
    assert w.member.full_name not in html and story not in html and 'data-testid="public-honour"' not in html
    api = APIClient().get("/api/v1/recognition/honours/").json()
    assert api["count"] == 0
    # Consent to the story but not the name (her profile consents to publishing her name: the story follows it)
    consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)
    services.honour_consent(actor=w.member, honour=honour, show_name=False, show_photo=False, show_story=True)
    page = client.get(reverse("recognition:honours"))
    assert_csp_clean(page)
    html = page.content.decode()
    assert story in html and w.member.full_name not in html and "ไม่ประสงค์ออกนาม" in html
    [row] = APIClient().get("/api/v1/recognition/honours/").json()["results"]
    assert row["name"] is None and row["story"] == story and row["photo_url"] is None
    # Withdrawn: gone
    services.honour_consent_withdraw(actor=w.member, honour=honour)
    assert story not in client.get(reverse("recognition:honours")).content.decode()
    assert APIClient().get("/api/v1/recognition/honours/").json()["count"] == 0


def _consent_to_everything(w):  # type: ignore[no-untyped-def]
    """The honoured member consents on the honour to her name, photo and story, and on her profile to her name and
    photo being published."""
    from thamdee.deeds.tests.test_services import jpeg_with_gps

    honour = select_nominee(w)
    for purpose in (ConsentPurpose.PUBLISH_NAME, ConsentPurpose.PUBLISH_PHOTO):
        consent_grant(actor=w.member, user=w.member, purpose=purpose)
    services.honour_consent(
        actor=w.member, honour=honour, show_name=True, show_photo=True, show_story=True, photo=jpeg_with_gps()
    )
    return honour


def test_the_honour_roll_follows_the_profiles_consent_to_publish_a_name_and_a_photo(client, exemplar):
    from thamdee.people.services import consent_withdraw

    w = exemplar
    honour = _consent_to_everything(w)
    story, name = w.nomination.public_story, w.member.full_name
    photo = reverse("recognition:honour_photo", args=[honour.public_id])

    def shown() -> tuple[dict, str]:  # type: ignore[type-arg]
        [row] = APIClient().get("/api/v1/recognition/honours/").json()["results"]
        return row, client.get(reverse("recognition:honours")).content.decode()

    # Given both consents, on the honour and on the profile: name, photo and story on the web and the API
    row, html = shown()
    assert (row["name"], row["story"], row["photo_url"]) == (name, story, photo)
    assert name in html and story in html and photo in html
    served = client.get(photo)
    assert served.status_code == 200
    # No cache keeps it on trust: each view asks again, and is told "unchanged" while it is.
    assert "no-cache" in served["Cache-Control"] and "max-age" not in served["Cache-Control"]
    assert client.get(photo, HTTP_IF_NONE_MATCH=served["ETag"]).status_code == 304
    # When she withdraws the consent to publish her photo on her profile: the photo goes, at once, everywhere
    consent_withdraw(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_PHOTO)
    row, html = shown()
    assert row["photo_url"] is None and photo not in html and row["name"] == name and name in html
    assert client.get(photo).status_code == 404
    assert client.get(photo, HTTP_IF_NONE_MATCH=served["ETag"]).status_code == 404  # a cache asking again
    # When she withdraws the consent to publish her name: the name goes, and the story with it (it would name her)
    consent_withdraw(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)
    row, html = shown()
    assert (row["name"], row["story"], row["photo_url"]) == (None, None, None)
    assert name not in html and story not in html and "ไม่ประสงค์ออกนาม" in html
    # And giving them again is as easy: what the honour's consent allows comes back
    consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)
    consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_PHOTO)
    row, _html = shown()
    assert (row["name"], row["story"], row["photo_url"]) == (name, story, photo)


def test_the_honour_roll_asks_a_fixed_number_of_queries(client, exemplar):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import member_of

    w = exemplar
    _consent_to_everything(w)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as web:
            assert client.get(reverse("recognition:honours")).status_code == 200
        with CaptureQueriesContext(connection) as api:
            assert APIClient().get("/api/v1/recognition/honours/").status_code == 200
        return len(web), len(api)

    count()  # per-process caches warm, as in a running server
    one = count()
    # Given two more honours in another round, one of them with the profile's consents too
    from thamdee.recognition.models import ExemplarRound

    round_ = services.round_create(
        actor=w.round_staff,
        agency=w.agency,
        fiscal_year=2026,
        level="province",
        area=w.round.area,
        title_th="รอบก่อน",
        criteria=[services.CriterionInput(text_th="ต่อเนื่อง", max_score=10)],
    )
    services.panel_set(actor=w.round_staff, round=round_, members=[*w.panel_outsiders, w.panel_insider])
    people = [member_of(w.org), member_of(w.org)]
    nominations = [
        services.nomination_submit(
            actor=w.organiser, round=round_, organisation=w.org, nominee=p, category=c, reasons="ดี", public_story="ดี"
        )
        for p, c in zip(people, ["honesty", "discipline"], strict=True)
    ]
    round_ = ExemplarRound.objects.get(pk=round_.pk)
    services.round_close_nominations(actor=w.round_staff, round=round_)
    for nomination in nominations:
        for judge in w.panel_outsiders:
            services.score_submit(actor=judge, nomination=nomination, scores={"c1": 8})
        honour = services.nomination_select(actor=w.round_staff, nomination=nomination)
        services.honour_consent(
            actor=nomination.nominee, honour=honour, show_name=True, show_photo=False, show_story=True
        )
    consent_grant(actor=people[0], user=people[0], purpose=ConsentPurpose.PUBLISH_NAME)
    # Then the roll, three honours long, asks as many queries as with one
    assert count() == one


def test_consent_is_asked_on_a_screen_of_its_own_with_nothing_ticked(client, exemplar):
    w = exemplar
    honour = select_nominee(w)
    url = reverse("recognition:consent", args=[honour.public_id])
    client.force_login(w.organiser)
    assert client.get(url).status_code == 404  # only the person themselves
    client.force_login(w.member)
    page = client.get(url)
    assert page.status_code == 200
    assert_csp_clean(page)
    html = page.content.decode()
    assert 'data-testid="consent-no"' in html and "checked" not in html
    # Her profile does not yet consent to publishing her name or photo: the screen says the roll will not show them
    assert 'data-testid="profile-consent-off"' in html and reverse("people:profile") in html
    consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)  # on her profile
    consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_PHOTO)
    assert 'data-testid="profile-consent-off"' not in client.get(url).content.decode()
    assert client.post(url, {"action": "consent", "show_name": "on"}).status_code == 302
    honour.refresh_from_db()
    assert honour.consent == "consented" and honour.show_name and not honour.show_story
    assert w.member.full_name in client.get(reverse("recognition:honours")).content.decode()
    client.post(reverse("recognition:withdraw", args=[honour.public_id]))
    assert w.member.full_name not in client.get(reverse("recognition:honours")).content.decode()


def test_a_nominee_can_decline_from_the_consent_screen(client, exemplar):
    honour = select_nominee(exemplar)
    client.force_login(exemplar.member)
    client.post(reverse("recognition:consent", args=[honour.public_id]), {"action": "decline"})
    honour.refresh_from_db()
    assert honour.consent == "declined"


def test_round_pages_for_the_agency_the_nominator_and_the_panel(client, exemplar):
    w = exemplar
    client.force_login(w.round_staff)
    page = client.get(reverse("recognition:round", args=[w.round.public_id]))
    assert page.status_code == 200
    assert_csp_clean(page)
    client.force_login(w.organiser)
    assert client.get(reverse("recognition:nominate", args=[w.round.public_id])).status_code == 200
    assert client.get(reverse("recognition:rounds")).status_code == 200
    services.round_close_nominations(actor=w.round_staff, round=w.round)
    client.force_login(w.panel_insider)
    page = client.get(reverse("recognition:nomination", args=[w.nomination.public_id]))
    assert 'data-testid="conflict"' in page.content.decode()
    refused = client.post(
        reverse("recognition:nomination", args=[w.nomination.public_id]), {"score_c1": "9", "score_c2": "9"}
    )
    assert refused.status_code == 403
    client.force_login(w.panel_outsiders[0])
    done = client.post(
        reverse("recognition:nomination", args=[w.nomination.public_id]), {"score_c1": "9", "score_c2": "8"}
    )
    assert done.status_code == 302


def test_an_agency_opens_a_round_from_the_form(client, exemplar):
    client.force_login(exemplar.round_staff)
    page = client.get(reverse("recognition:round_new"))
    assert page.status_code == 200
    assert_csp_clean(page)
    # The criteria are kept in Thai: an English page says so beside its Thai example
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Written in Thai" in client.get(reverse("recognition:round_new")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "th"
    response = client.post(
        reverse("recognition:round_new"),
        {
            "agency": exemplar.agency.pk,
            "title_th": "รอบอำเภอ",
            "fiscal_year": "2570",
            "level": "district",
            "area_district": "7109",
            "area_province": "71",
            "criteria": "ต่อเนื่อง | 10\nแบบอย่าง | 5",
        },
    )
    assert response.status_code == 302
    from thamdee.recognition.models import ExemplarRound

    created = ExemplarRound.objects.get(title_th="รอบอำเภอ")
    assert created.fiscal_year == 2027 and created.area.code == "7109" and created.criteria.count() == 2


def test_badge_settings_page_for_organisation_admins(client, world):
    from tests.factories import member_of

    admin = member_of(world.org, is_admin=True)
    client.force_login(world.organiser)
    assert client.get(reverse("recognition:badge_settings", args=[world.org.public_id])).status_code == 404
    client.force_login(admin)
    url = reverse("recognition:badge_settings", args=[world.org.public_id])
    assert_csp_clean(client.get(url))
    client.post(url, {"enabled": "0"})
    assert 'data-testid="badges-enabled">ปิด<' in client.get(url).content.decode()


class TestApi:
    def test_verify_api_is_public_and_tells_the_status_and_reason(self, badge):
        api = APIClient()
        ok = api.post("/api/v1/recognition/verify/", {"credential": badge.token}, format="json")
        assert ok.status_code == 200
        body = ok.json()
        assert body["status"] == "valid" and body["credential"]["recipient_name"] == badge.member.full_name
        bad = api.post("/api/v1/recognition/verify/", {"credential": "x.y.z"}, format="json").json()
        assert bad["status"] == "tampered" and bad["reason"] == "malformed" and bad["credential"] is None
        by_id = api.get(f"/api/v1/recognition/verify/{badge.public_id}/").json()
        assert by_id["status"] == "valid"
        missing = api.post("/api/v1/recognition/verify/", {}, format="json")
        assert missing.status_code == 400 and missing["Content-Type"] == "application/problem+json"

    def test_me_credentials_and_certificate(self, world, badge, django_capture_on_commit_callbacks):
        api = APIClient()
        api.force_authenticate(world.member)
        me = api.get("/api/v1/recognition/me/").json()
        assert me["earned_total"] == 15 and me["level"]["code"] == "doer" and me["next_level"]["code"] == "pillar"
        assert [b["badge"]["code"] for b in me["badges"]] == ["first-deed"]
        listed = api.get("/api/v1/recognition/credentials/").json()
        assert listed["count"] == 2
        detail = api.get(f"/api/v1/recognition/credentials/{badge.public_id}/").json()
        assert detail["token"] == badge.token
        with django_capture_on_commit_callbacks(execute=True):
            asked = api.post(f"/api/v1/recognition/credentials/{badge.public_id}/certificate/")
        assert asked.status_code == 202
        state = api.get(f"/api/v1/recognition/credentials/{badge.public_id}/certificate/").json()
        assert state["certificate_status"] == CertificateStatus.READY and state["certificate_url"]

    def test_a_conflicted_panel_member_gets_a_problem(self, exemplar):
        w = exemplar
        services.round_close_nominations(actor=w.round_staff, round=w.round)
        api = APIClient()
        api.force_authenticate(w.panel_insider)
        url = f"/api/v1/recognition/nominations/{w.nomination.public_id}/scores/"
        refused = api.post(url, {"scores": {"c1": 9, "c2": 9}}, format="json")
        assert refused.status_code == 403 and refused.json()["code"] == "conflict_of_interest"
        api.force_authenticate(w.panel_outsiders[0])
        scored = api.post(url, {"scores": {"c1": 9, "c2": 9}}, format="json")
        assert scored.status_code == 200 and scored.json()["my_scores"] == {"c1": 9, "c2": 9}

    def test_a_whole_round_through_the_api(self, exemplar):
        w = exemplar
        staff, nominator = APIClient(), APIClient()
        staff.force_authenticate(w.round_staff)
        nominator.force_authenticate(w.organiser)
        created = staff.post(
            "/api/v1/recognition/rounds/",
            {
                "agency": str(w.agency.public_id),
                "fiscal_year": 2027,
                "level": "community",
                "area": "710911",
                "title_th": "รอบตำบล",
                "criteria": [{"text_th": "ต่อเนื่อง", "max_score": 10}],
            },
            format="json",
        )
        assert created.status_code == 201, created.json()
        rid = created.json()["id"]
        panel = [str(u.public_id) for u in [*w.panel_outsiders, w.panel_insider]]
        assert (
            staff.post(f"/api/v1/recognition/rounds/{rid}/panel/", {"members": panel}, format="json").status_code == 200
        )
        nominated = nominator.post(
            f"/api/v1/recognition/rounds/{rid}/nominations/",
            {
                "organisation": str(w.org.public_id),
                "nominee": str(w.member.public_id),
                "category": "gratitude",
                "reasons": "ดูแลพ่อแม่",
            },
            format="json",
        )
        assert nominated.status_code == 201, nominated.json()
        nid = nominated.json()["id"]
        assert staff.post(f"/api/v1/recognition/rounds/{rid}/close/").json()["status"] == "scoring"
        for judge in w.panel_outsiders:
            api = APIClient()
            api.force_authenticate(judge)
            api.post(f"/api/v1/recognition/nominations/{nid}/scores/", {"scores": {"c1": 8}}, format="json")
        honour = staff.post(f"/api/v1/recognition/nominations/{nid}/select/")
        assert honour.status_code == 201 and honour.json()["consent"] == "pending"
        member = APIClient()
        member.force_authenticate(w.member)
        consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)  # on her profile
        consented = member.post(
            f"/api/v1/recognition/honours/{honour.json()['id']}/consent/", {"show_name": True}, format="json"
        )
        assert consented.json()["consent"] == "consented"
        [public] = APIClient().get("/api/v1/recognition/honours/").json()["results"]
        assert public["name"] == w.member.full_name and public["story"] is None
        assert staff.post(f"/api/v1/recognition/rounds/{rid}/decide/").json()["status"] == "decided"
