"""A confirmed assessment result is also an Open Badges 3.0 credential, signed by the agency that confirmed it: about
the organisation or province assessed (never a person), verifiable offline, revocable by that agency's staff over
the subject's area, and signed for results confirmed before this existed by ``thamdee recognition sign-results``."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of, national_id
from thamdee.assessments import hooks
from thamdee.assessments import services as assessments
from thamdee.assessments.frameworks import install_examples
from thamdee.assessments.models import Assessment, Framework, Indicator, Level, Score
from thamdee.common.errors import NotFoundError
from thamdee.common.pdf import pdf_fold, pdf_text
from thamdee.people import services as people
from thamdee.privacy import services as privacy
from thamdee.recognition import credentials as vc
from thamdee.recognition import services
from thamdee.recognition.models import Credential, CredentialKind, IssuerKey
from thamdee.recognition.permissions import can_view_credential

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    org: Any
    admin: Any  # the organisation's admin, who assesses it
    member: Any
    provincial: Any  # agency staff of Kanchanaburi (71), where the organisation is
    elsewhere: Any  # staff of the same agency, posted to Nakhon Ratchasima (30)
    national: Any  # agency staff with the whole country in scope (another agency)
    site_admin: Any

    @property
    def agency(self) -> Any:
        return self.provincial.agency_posts.get().agency


@pytest.fixture
def scene(db, settings, tmp_path) -> Scene:
    settings.MEDIA_ROOT = tmp_path / "media"
    install_examples()
    org = OrganisationFactory(area=area("710911"))
    provincial = AgencyStaffFactory(scope_area=area("71"))
    return Scene(
        org=org,
        admin=member_of(org, is_admin=True),
        member=member_of(org),
        provincial=provincial.user,
        elsewhere=AgencyStaffFactory(agency=provincial.agency, scope_area=area("30")).user,
        national=AgencyStaffFactory().user,
        site_admin=UserFactory(is_superuser=True),
    )


def submitted(scene: Scene, score: int = 2) -> Assessment:
    a = assessments.assessment_open(actor=scene.admin, organisation=scene.org)
    assessments.assessment_score(
        actor=scene.admin, assessment=a, scores={n: (score, f"หลักฐานข้อ {n}") for n in range(1, 10)}
    )
    return assessments.assessment_submit(actor=scene.admin, assessment=a)


def confirmed(scene: Scene, reviewer: Any = None, score: int = 2) -> Assessment:
    return assessments.assessment_review(
        actor=reviewer or scene.provincial, assessment=submitted(scene, score), confirm=True
    )


def province_confirmed(scene: Scene) -> Assessment:
    filler = AgencyStaffFactory(agency=scene.agency, scope_area=area("71")).user
    a = assessments.assessment_open(actor=filler, province=area("71"))
    assessments.assessment_score(actor=filler, assessment=a, scores={n: (2, f"หลักฐานข้อ {n}") for n in range(1, 11)})
    a = assessments.assessment_submit(actor=filler, assessment=a)
    return assessments.assessment_review(actor=scene.national, assessment=a, confirm=True)


# --- issuing ------------------------------------------------------------------------------------------------------


def test_a_result_confirmed_at_a_level_is_signed_once_by_the_agency_and_verifies_offline(scene, no_network):
    # Given people with national IDs on both sides of the assessment
    people.user_set_national_id(actor=scene.admin, user=scene.admin, national_id=national_id(11))
    people.user_set_national_id(actor=scene.provincial, user=scene.provincial, national_id=national_id(12))
    # When the provincial office confirms the organisation's result at คุณธรรมต้นแบบ
    a = confirmed(scene)
    # Then exactly one credential exists, of the result, signed by the agency's own key
    [credential] = Credential.objects.select_related("issuer__organisation").all()
    assert (credential.kind, credential.assessment_id, credential.member_id) == (CredentialKind.RESULT, a.pk, None)
    assert credential.issuer.organisation == a.confirmed_by_agency == scene.agency
    key = IssuerKey.objects.get(issuer=credential.issuer, retired_at__isnull=True)
    assert jwt.get_unverified_header(credential.token)["kid"] == key.key_id
    # and it verifies, with no network, as valid
    result = vc.verify_token(credential.token)
    assert (result.status, result.reason) == (vc.VALID, "ok") and result.credential == credential
    # Its subject is the organisation (its opaque id and its name); no person, no national ID
    payload = vc.decode_segment(credential.token)
    subject = payload["credentialSubject"]
    assert subject["id"] == payload["sub"] == f"urn:uuid:{scene.org.public_id}"
    assert vc.summary(payload)["recipient_name"] == scene.org.name_th == credential.recipient_name
    assert subject["achievement"]["achievementType"] == "Award"
    assert subject["achievement"]["id"] == vc.achievement_url("result", f"{a.framework.code}-{Level.MODEL}")
    assert subject["achievement"]["name"] == "องค์กรคุณธรรมต้นแบบ"
    assert str(a.fiscal_year + 543) in payload["name"]
    text = json.dumps(payload, ensure_ascii=False)
    for person in (scene.admin, scene.provincial, scene.member):
        for value in (person.full_name, person.first_name, person.last_name, person.username, str(person.public_id)):
            assert value not in text, value
    for nid in (national_id(11), national_id(12)):
        assert nid not in text
    assert payload["issuer"]["id"] == credential.issuer.did and scene.agency.name_th in text


def test_a_province_s_result_names_the_province_by_its_public_address(scene, no_network):
    a = province_confirmed(scene)
    credential = Credential.objects.get(assessment=a)
    assert credential.issuer.organisation == a.confirmed_by_agency  # the national staff's agency
    payload = vc.decode_segment(credential.token)
    assert payload["sub"] == str(settings.SITE_URL).rstrip("/") + "/api/v1/areas/71/"
    assert vc.summary(payload)["recipient_name"] == area("71").display_name("th")
    assert payload["credentialSubject"]["achievement"]["name"] == "จังหวัดคุณธรรมต้นแบบ"
    assert vc.verify_token(credential.token).status == vc.VALID


def test_a_return_or_a_result_at_no_level_is_not_signed(scene):
    a = submitted(scene)
    assessments.assessment_review(actor=scene.provincial, assessment=a, confirm=False, note="ขอหลักฐานเพิ่ม")
    assert not Credential.objects.exists()
    other = OrganisationFactory(area=area("710911"))
    scene.org, scene.admin = other, member_of(other, is_admin=True)
    none = confirmed(scene, score=0)
    assert none.confirmed_level == Level.NONE and not none.has_certificate
    assert not Credential.objects.exists()


def test_a_site_admin_confirming_for_no_agency_signs_nothing(scene):
    a = confirmed(scene, reviewer=scene.site_admin)
    assert a.confirmed_by_agency is None and a.has_certificate
    assert not Credential.objects.exists()


def test_the_credential_is_issued_in_the_confirmation_s_transaction(scene, monkeypatch):
    a = submitted(scene)

    def fail(*args: Any) -> None:
        raise RuntimeError("signing failed")

    monkeypatch.setattr(services, "_issue", fail)
    with pytest.raises(RuntimeError):
        assessments.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    a.refresh_from_db()
    assert a.status == "submitted" and not Credential.objects.exists()


# --- revocation ---------------------------------------------------------------------------------------------------


def test_the_agency_s_staff_over_the_area_revoke_it_and_both_pages_say_so(scene, client, no_network):
    a = confirmed(scene)
    credential = Credential.objects.get(assessment=a)
    page = client.get(reverse("assessments:verify", args=[a.public_id])).content.decode()
    assert 'data-status="confirmed"' in page and reverse("recognition:verify_id", args=[credential.public_id]) in page
    # When the provincial office revokes it through its page
    client.force_login(scene.provincial)
    assert client.get(reverse("recognition:credential", args=[credential.public_id])).status_code == 200
    response = client.post(reverse("recognition:revoke", args=[credential.public_id]), {"reason": "ข้อมูลไม่ถูกต้อง"})
    assert response.status_code == 302
    client.logout()
    # Then the signature check says revoked, and so does the assessment's public page
    assert vc.verify_token(credential.token).status == vc.REVOKED
    signed = client.get(reverse("recognition:verify_id", args=[credential.public_id])).content.decode()
    assert 'data-status="revoked"' in signed
    page = client.get(reverse("assessments:verify", args=[a.public_id])).content.decode()
    assert 'data-status="revoked"' in page and 'data-status="confirmed"' not in page
    # it leaves the roll, and no certificate is made for it
    roll = client.get(reverse("assessments:roll"), {"fy": a.fiscal_year}).content.decode()
    assert str(a.public_id) not in roll
    client.force_login(scene.admin)
    assert client.get(reverse("assessments:certificate", args=[a.public_id])).status_code == 404


@pytest.mark.parametrize("who", ["elsewhere", "national", "admin", "member"])
def test_no_one_else_may_revoke_it_or_open_its_page(scene, client, who):
    a = confirmed(scene)
    credential = Credential.objects.get(assessment=a)
    outsider = getattr(scene, who)
    with pytest.raises(NotFoundError):
        services.credential_revoke(actor=outsider, credential=credential, reason="ไม่ใช่ผู้ออก")
    client.force_login(outsider)
    assert client.get(reverse("recognition:credential", args=[credential.public_id])).status_code == 404
    url = reverse("recognition:revoke", args=[credential.public_id])
    assert client.post(url, {"reason": "x"}).status_code == 404
    api = APIClient()
    api.force_authenticate(outsider)
    url = reverse("api:credential-revoke", args=[credential.public_id])
    assert api.post(url, {"reason": "x"}, format="json").status_code == 404
    credential.refresh_from_db()
    assert credential.revoked_at is None


def test_a_province_s_result_is_revoked_only_by_national_staff_never_by_whoever_filled_it(scene):
    """Only national staff confirm a province's result, so only they revoke it: not the provincial staff of the same
    agency, not even the one who filled it in."""
    a = province_confirmed(scene)
    credential = Credential.objects.get(assessment=a)
    for outsider in (a.submitted_by, scene.provincial, scene.elsewhere):
        with pytest.raises(NotFoundError):
            services.credential_revoke(actor=outsider, credential=credential, reason="ไม่ใช่ผู้รับรอง")
    services.credential_revoke(actor=scene.national, credential=credential, reason="ข้อมูลตัวชี้วัดไม่ถูกต้อง")
    assert vc.verify_token(credential.token).status == vc.REVOKED


def test_staff_who_helped_fill_a_result_in_do_not_revoke_it(scene):
    """Whoever wrote a score or added a file does not confirm a result, so does not revoke it either."""
    a = assessments.assessment_open(actor=scene.admin, organisation=scene.org)
    helper = AgencyStaffFactory(agency=scene.agency, scope_area=area("71")).user
    assessments.assessment_score(actor=scene.admin, assessment=a, scores=dict.fromkeys(range(1, 10), (2, "หลักฐาน")))
    # The helper wrote the first activity's score (as staff recording a site visit might)
    Score.objects.filter(assessment=a, indicator__number=1).update(written_by=helper)
    a = assessments.assessment_submit(actor=scene.admin, assessment=a)
    a = assessments.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    credential = Credential.objects.get(assessment=a)
    with pytest.raises(NotFoundError):
        services.credential_revoke(actor=helper, credential=credential, reason="ขอเพิกถอน")
    assert Credential.objects.get(pk=credential.pk).revoked_at is None


def test_a_revocation_is_in_the_result_s_history_and_its_people_are_told_why(scene, client):
    from thamdee.assessments.models import AssessmentEvent, EventAction
    from thamdee.inbox.models import Notification

    a = confirmed(scene)
    second_admin = member_of(scene.org, is_admin=True)
    credential = Credential.objects.get(assessment=a)
    services.credential_revoke(actor=scene.provincial, credential=credential, reason="หลักฐานกิจกรรมที่ 3 ไม่ตรง")
    event = AssessmentEvent.objects.filter(assessment=a).latest("at", "pk")
    assert (event.action, event.actor, event.note, event.level) == (
        EventAction.REVOKED,
        scene.provincial,
        "หลักฐานกิจกรรมที่ 3 ไม่ตรง",
        Level.MODEL,
    )
    told = Notification.objects.filter(kind="assessment_revoked")
    assert set(told.values_list("user_id", flat=True)) == {scene.admin.pk, second_admin.pk}
    assert all("หลักฐานกิจกรรมที่ 3 ไม่ตรง" in n.body_th for n in told)
    assert scene.member.pk not in set(told.values_list("user_id", flat=True))
    client.force_login(scene.admin)
    sheet = client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()
    assert 'data-testid="certificate-revoked"' in sheet and "หลักฐานกิจกรรมที่ 3 ไม่ตรง" in sheet


def test_a_revoked_result_is_returned_and_counts_at_no_level_for_agencies(scene):
    from thamdee.assessments import selectors

    a = confirmed(scene)
    credential = Credential.objects.get(assessment=a)
    assert selectors.results_summary(viewer=scene.provincial, fiscal_year=a.fiscal_year).organisations[Level.MODEL] == 1
    services.credential_revoke(actor=scene.provincial, credential=credential, reason="ออกผิด")
    a.refresh_from_db()
    assert (a.status, a.confirmed_level, a.confirmed_by_agency, a.review_note, a.reviewed_by) == (
        "returned",
        None,
        None,
        "ออกผิด",
        scene.provincial,
    )
    assert a.level == Level.MODEL  # what the scores reached stays, as for any return
    summary = selectors.results_summary(viewer=scene.provincial, fiscal_year=a.fiscal_year)
    assert summary.confirmed == 0 and summary.waiting == 0
    assert selectors.results_by_area(viewer=scene.provincial, fiscal_year=a.fiscal_year) == []
    _headers, rows = selectors.results_rows(viewer=scene.provincial, fiscal_year=a.fiscal_year)
    assert [(row[5], row[7]) for row in rows] == [("ส่งกลับให้แก้ไข", "")]


def test_a_revoked_result_corrected_and_confirmed_again_is_signed_anew(scene, client, no_network):
    """Revoking returns the result for correction: its organisation corrects it (or sends it as it was, to contest)
    and the agency reviews it again. Confirmed again, it gets a new credential; the revoked one stays revoked, and
    the result's pages name the new one."""
    a = confirmed(scene)
    old = Credential.objects.get(assessment=a)
    top = Indicator.objects.filter(framework=a.framework, level=Level.MODEL).order_by("number").first()
    services.credential_revoke(actor=scene.provincial, credential=old, reason=f"หลักฐานกิจกรรมที่ {top.number} ไม่ตรง")
    # The organisation corrects that activity (it was not done) and sends the result again
    a.refresh_from_db()
    assessments.assessment_score(actor=scene.admin, assessment=a, scores={top.number: (0, "ยังไม่ได้ทำ")})
    a = assessments.assessment_submit(actor=scene.admin, assessment=a)
    assert a.review_note == ""
    a = assessments.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    new = Credential.objects.get(assessment=a, revoked_at__isnull=True)
    assert new.pk != old.pk and Credential.objects.filter(assessment=a).count() == 2
    assert vc.verify_token(old.token).status == vc.REVOKED
    assert vc.verify_token(new.token).status == vc.VALID
    assert a.confirmed_level == Level.MORAL  # an activity of ต้นแบบ at 0 reaches คุณธรรม
    assert f"level-{Level.MORAL}" in json.dumps(jwt.decode(new.token, options={"verify_signature": False}))
    # The public page stands again, with the new credential; the roll lists it again
    page = client.get(reverse("assessments:verify", args=[a.public_id])).content.decode()
    assert 'data-status="confirmed"' in page and str(new.public_id) in page and str(old.public_id) not in page
    roll = client.get(reverse("assessments:roll"), {"fy": a.fiscal_year}).content.decode()
    assert str(a.public_id) in roll
    # The old credential's own check still says revoked
    signed = client.get(reverse("recognition:verify_id", args=[old.public_id])).content.decode()
    assert 'data-status="revoked"' in signed
    client.force_login(scene.admin)
    assert client.get(reverse("assessments:certificate", args=[a.public_id])).status_code == 200
    api = APIClient()
    api.force_authenticate(scene.admin)
    data = api.get(reverse("api:assessment", args=[a.public_id])).json()["assessment"]["credential"]
    assert (data["id"], data["revoked"]) == (str(new.public_id), False)
    # and signing again finds nothing to do
    assert services.results_sign() == []


def test_the_verification_page_of_a_revoked_result_names_the_level_it_had_and_its_agency(scene, client):
    a = confirmed(scene)
    services.credential_revoke(
        actor=scene.provincial, credential=Credential.objects.get(assessment=a), reason="ข้อมูลไม่ถูกต้อง"
    )
    page = client.get(reverse("assessments:verify", args=[a.public_id])).content.decode()
    assert 'data-status="revoked"' in page
    assert "<s>คุณธรรมต้นแบบ</s>" in page and scene.agency.name_th in page
    assert 'data-testid="verify-roll"' not in page
    # sent again, it is still revoked until confirmed again
    a.refresh_from_db()
    assessments.assessment_submit(actor=scene.admin, assessment=a)
    page = client.get(reverse("assessments:verify", args=[a.public_id])).content.decode()
    assert 'data-status="revoked"' in page
    # a result never confirmed has no such page
    other = OrganisationFactory(area=area("710911"))
    draft = assessments.assessment_open(actor=member_of(other, is_admin=True), organisation=other)
    assert client.get(reverse("assessments:verify", args=[draft.public_id])).status_code == 404


def test_the_database_keeps_one_credential_in_force_per_result(scene):
    a = confirmed(scene)
    old = Credential.objects.get(assessment=a)
    services.credential_revoke(actor=scene.provincial, credential=old, reason="ออกผิด")
    a.refresh_from_db()
    a = assessments.assessment_submit(actor=scene.admin, assessment=a)
    assessments.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    table = Credential._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET revoked_at = NULL, revoked_reason = '' WHERE id = %s", [old.pk])


def test_a_site_admin_may_revoke_it_and_nobody_holds_it(scene):
    from django.contrib.auth.models import AnonymousUser

    credential = Credential.objects.get(assessment=confirmed(scene))
    assert not can_view_credential.test(AnonymousUser(), credential)  # no holder: None is not a match
    services.credential_revoke(actor=scene.site_admin, credential=credential, reason="ออกผิด")
    assert vc.verify_token(credential.token).status == vc.REVOKED


# --- the database, privacy --------------------------------------------------------------------------------------


def test_the_database_refuses_a_credential_with_both_or_neither_subject(scene):
    credential = Credential.objects.get(assessment=confirmed(scene))
    table = Credential._meta.db_table
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET member_id = %s WHERE id = %s", [scene.member.pk, credential.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET assessment_id = NULL WHERE id = %s", [credential.pk])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET kind = 'badge' WHERE id = %s", [credential.pk])


def test_erasing_the_reviewer_leaves_the_result_s_credential_as_it_was(scene, django_capture_on_commit_callbacks):
    credential = Credential.objects.get(assessment=confirmed(scene))
    before = Credential.objects.filter(pk=credential.pk).values().get()
    request = privacy.erasure_request(actor=scene.provincial, confirmed=True)
    with django_capture_on_commit_callbacks(execute=True):
        privacy.erasure_carry_out(actor=scene.site_admin, erasure=request)
    assert Credential.objects.filter(pk=credential.pk).values().get() == before
    assert vc.verify_token(credential.token).status == vc.VALID


# --- results confirmed before they were signed --------------------------------------------------------------------


def test_sign_results_signs_the_old_ones_once(scene, monkeypatch, capsys):
    # Given results confirmed while nothing signed them (one for no agency, which stays unsigned)
    with monkeypatch.context() as m:
        m.setattr(hooks, "_confirmed", [])
        old = confirmed(scene)
        province = province_confirmed(scene)
        other = OrganisationFactory(area=area("710911"))
        scene.org, scene.admin = other, member_of(other, is_admin=True)
        confirmed(scene, reviewer=scene.site_admin)
    assert not Credential.objects.exists()
    # A dry run lists them and signs nothing
    call_command("recognition", "sign-results", "--dry-run")
    assert "2 result(s) to sign" in capsys.readouterr().out and not Credential.objects.exists()
    # The first run signs both, the second none
    call_command("recognition", "sign-results")
    assert "2 result(s) signed" in capsys.readouterr().out
    assert set(Credential.objects.values_list("assessment_id", flat=True)) == {old.pk, province.pk}
    call_command("recognition", "sign-results")
    assert "0 result(s) signed" in capsys.readouterr().out
    assert Credential.objects.count() == 2
    credential = Credential.objects.get(assessment=old)
    assert credential.issued_at == old.reviewed_at and vc.verify_token(credential.token).status == vc.VALID


# --- where it shows -------------------------------------------------------------------------------------------------


def test_the_achievement_page_renders_and_an_unknown_one_is_not_found(scene, client):
    framework = Framework.objects.get(subject="organisation", is_active=True)
    page = client.get(reverse("recognition:achievement", args=["result", f"{framework.code}-3"]))
    assert page.status_code == 200 and "องค์กรคุณธรรมต้นแบบ" in page.content.decode()
    for code in (f"{framework.code}-0", f"{framework.code}-4", "no-such-framework-1", framework.code):
        assert client.get(reverse("recognition:achievement", args=["result", code])).status_code == 404


def test_the_signed_file_is_public_for_a_result(scene, client):
    credential = Credential.objects.get(assessment=confirmed(scene))
    response = client.get(reverse("recognition:verify_file", args=[credential.public_id]))
    assert response.status_code == 200 and response.content.decode() == credential.token
    assert response["Content-Type"].startswith("application/vc+jwt")


def test_the_certificate_and_the_api_name_the_credential(scene, client):
    a = confirmed(scene)
    credential = Credential.objects.select_related("issuer").get(assessment=a)
    client.force_login(scene.admin)
    text = pdf_fold(pdf_text(client.get(reverse("assessments:certificate", args=[a.public_id])).content))
    assert pdf_fold(credential.urn) in text and pdf_fold(credential.issuer.did) in text
    api = APIClient()
    api.force_authenticate(scene.admin)
    data = api.get(reverse("api:assessment", args=[a.public_id])).json()["assessment"]["credential"]
    assert data["id"] == str(credential.public_id) and data["revoked"] is False
    assert data["verify_url"] == vc.verify_url(credential.public_id)


@pytest.mark.django_db(transaction=True)
def test_the_migration_returns_results_revoked_before_it(scene):
    """Before ``recognition.0003`` a revoked result stayed confirmed with a revoked credential; the migration returns
    it, as a revocation does now, the revocation's reason as the return's."""
    from django.db.migrations.executor import MigrationExecutor

    a = confirmed(scene)
    credential = Credential.objects.get(assessment=a)
    services.credential_revoke(actor=scene.provincial, credential=credential, reason="ออกผิด")
    credential.refresh_from_db()
    executor = MigrationExecutor(connection)
    executor.migrate([("recognition", "0002_result_credentials")])
    # As the code before it left a revoked result
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE assessments_assessment SET status = 'confirmed', confirmed_level = %s, confirmed_by_agency_id = %s,"
            " review_note = '' WHERE id = %s",
            [Level.MODEL, scene.agency.pk, a.pk],
        )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    a.refresh_from_db()
    assert (a.status, a.confirmed_level, a.confirmed_by_agency_id, a.review_note, a.reviewed_by_id) == (
        "returned",
        None,
        None,
        "ออกผิด",
        scene.provincial.pk,
    )
    assert a.reviewed_at == credential.revoked_at
