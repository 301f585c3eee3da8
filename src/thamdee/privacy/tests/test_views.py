"""The pages and the API: the person downloads and asks; a site admin carries out; nobody else does either."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from thamdee.privacy import services
from thamdee.privacy.models import DataRequestEvent, ErasureRequest, ErasureStatus
from thamdee.recognition.models import Credential

pytestmark = pytest.mark.django_db


def test_the_profile_page_links_to_the_download_and_the_rights_page(client, person):
    client.force_login(person.member)
    page = client.get(reverse("people:profile")).content.decode()
    assert reverse("privacy:export") in page and reverse("privacy:mine") in page


def test_the_person_downloads_their_data_as_one_json_file(client, person):
    client.force_login(person.member)
    assert client.get(reverse("privacy:export")).status_code == 405  # a POST: no link fetches it by itself
    response = client.post(reverse("privacy:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="thamdee-my-data-')
    assert response["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["profile"]["id"] == str(person.member.public_id)
    assert [e["kind"] for e in data["data_requests"]["events"]] == ["export"]


def test_the_api_gives_the_same_document(person):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person.member).key}")
    response = api.get("/api/v1/me/data/")
    assert response.status_code == 200
    data = response.json()
    assert data["profile"]["id"] == str(person.member.public_id) and len(data["deeds"]) == 2
    assert DataRequestEvent.objects.get(subject=person.member).channel == "api"
    assert APIClient().get("/api/v1/me/data/").status_code in (401, 403)


def test_the_api_schema_documents_the_export():
    schema = APIClient().get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/me/data/"]["get"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert {"profile", "deeds", "passbook", "data_requests"} <= set(schema["components"]["schemas"][ref]["properties"])


def test_asking_and_cancelling_from_the_rights_page(client, person):
    client.force_login(person.member)
    page = client.get(reverse("privacy:mine")).content.decode()
    assert 'data-testid="erasure-request"' in page and 'data-testid="erasure-balance"' in page
    # Without ticking the warning: nothing is recorded.
    client.post(reverse("privacy:erasure_request"))
    assert not ErasureRequest.objects.exists()
    client.post(reverse("privacy:erasure_request"), {"confirm": "1"})
    request = ErasureRequest.objects.get(user=person.member)
    page = client.get(reverse("privacy:mine")).content.decode()
    assert 'data-testid="erasure-open"' in page
    client.post(reverse("privacy:erasure_cancel", args=[request.public_id]))
    request.refresh_from_db()
    assert request.status == ErasureStatus.CANCELLED


def test_asking_and_cancelling_through_the_api(person):
    from thamdee.orgs.models import Membership

    Membership.objects.filter(user=person.member, organisation=person.org).update(is_admin=True)
    api = APIClient()
    api.force_authenticate(person.member)
    mine = api.get("/api/v1/me/erasure/").json()
    assert mine["open"] is None and mine["requests"] == []
    assert "erasure_last_admin" in {b["code"] for b in mine["blockers"]}  # may ask anyway; told what stands in the way
    refused = api.post("/api/v1/me/erasure/", {"confirm": False}, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "erasure_confirm_required"
    assert not ErasureRequest.objects.exists()
    asked = api.post("/api/v1/me/erasure/", {"confirm": True}, format="json")
    assert asked.status_code == 201 and asked.json()["status"] == "requested"
    again = api.post("/api/v1/me/erasure/", {"confirm": True}, format="json")
    assert (again.status_code, again.json()["id"]) == (200, asked.json()["id"])  # one open request per person
    assert api.get("/api/v1/me/erasure/").json()["open"]["id"] == asked.json()["id"]
    # someone else neither sees nor cancels it
    api.force_authenticate(person.relative)
    assert api.get("/api/v1/me/erasure/").json()["requests"] == []
    assert api.post(f"/api/v1/me/erasure/{asked.json()['id']}/cancel/").status_code == 404
    api.force_authenticate(person.member)
    cancelled = api.post(f"/api/v1/me/erasure/{asked.json()['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    twice = api.post(f"/api/v1/me/erasure/{asked.json()['id']}/cancel/")
    assert twice.status_code == 409 and twice.json()["code"] == "erasure_state"
    assert [e.channel for e in DataRequestEvent.objects.filter(subject=person.member).order_by("pk")] == ["api", "api"]
    assert APIClient().get("/api/v1/me/erasure/").status_code in (401, 403)


def test_the_page_warns_of_what_stands_in_the_way(client, person):
    from thamdee.orgs.models import Membership

    Membership.objects.filter(user=person.member, organisation=person.org).update(is_admin=True)
    client.force_login(person.member)
    page = client.get(reverse("privacy:mine")).content.decode()
    assert 'data-error-code="erasure_last_admin"' in page and person.org.name_th in page


def test_nobody_cancels_someone_elses_request(client, person):
    request = services.erasure_request(actor=person.member, confirmed=True)
    client.force_login(person.relative)
    assert client.post(reverse("privacy:erasure_cancel", args=[request.public_id])).status_code == 404
    assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.REQUESTED


def test_only_site_admins_see_the_queue_and_carry_out(client, person):
    request = services.erasure_request(actor=person.member, confirmed=True)
    detail = reverse("privacy:erasure_detail", args=[request.public_id])
    carry_out = reverse("privacy:erasure_carry_out", args=[request.public_id])
    for someone in (person.member, person.organiser, person.verifier, person.staff71):
        client.force_login(someone)
        assert client.get(reverse("privacy:queue")).status_code == 404
        assert client.get(detail).status_code == 404
        assert client.post(carry_out, {"confirm": "1"}).status_code == 404
    assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.REQUESTED
    client.force_login(person.admin)
    queue = client.get(reverse("privacy:queue")).content.decode()
    assert detail in queue
    assert client.post(carry_out).status_code == 400  # the confirmation is not ticked
    assert client.post(carry_out, {"confirm": "1"}).status_code == 302
    assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.CARRIED_OUT


def test_a_refusal_is_shown_to_the_admin_with_its_code(client, person):
    from thamdee.orgs.models import Membership

    Membership.objects.filter(user=person.member, organisation=person.org).update(is_admin=True)
    request = services.erasure_request(actor=person.member, confirmed=True)
    client.force_login(person.admin)
    page = client.get(reverse("privacy:erasure_detail", args=[request.public_id])).content.decode()
    assert 'data-error-code="erasure_last_admin"' in page and 'data-testid="erasure-carry-out"' not in page
    response = client.post(reverse("privacy:erasure_carry_out", args=[request.public_id]), {"confirm": "1"})
    assert response.status_code == 409 and 'data-error-code="erasure_last_admin"' in response.content.decode()


def test_after_erasure_the_session_ends_and_sign_in_is_refused(client, person):
    member_client = client
    member_client.force_login(person.member)
    old_mobile = person.member.mobile
    request = services.erasure_request(actor=person.member, confirmed=True)
    services.erasure_carry_out(actor=person.admin, erasure=request)
    # The session signed in before no longer signs anyone in (the account is inactive: Django's check of the
    # session's user refuses it on every request).
    response = member_client.get(reverse("privacy:mine"))
    assert response.status_code == 302 and reverse("people:login") in response["Location"]
    response = member_client.post(
        reverse("people:login"), {"username": old_mobile, "password": "correct-horse-42"}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 200  # the sign-in form again, with its error
    assert member_client.get(reverse("privacy:mine")).status_code == 302  # still signed out


def test_a_revoked_credential_of_an_erased_person_is_not_found_from_its_qr_code(client, person):
    credential = Credential.objects.filter(member=person.member).first()
    url = reverse("recognition:verify_id", args=[credential.public_id])
    assert person.member.first_name in client.get(url).content.decode()
    services.erasure_carry_out(
        actor=person.admin, erasure=services.erasure_request(actor=person.member, confirmed=True)
    )
    assert client.get(url).status_code == 404
    assert APIClient().get(f"/api/v1/recognition/verify/{credential.public_id}/").status_code == 404


def test_a_stranger_is_asked_to_sign_in():
    from django.test import Client

    response = Client().get(reverse("privacy:mine"))
    assert response.status_code == 302
    UserFactory()  # nothing to see without signing in


def test_the_honour_photo_is_served_to_its_holder_alone(client, person):
    from thamdee.deeds.tests.test_services import jpeg_with_gps
    from thamdee.recognition import services as recognition

    w = person
    url = reverse("privacy:honour_photo", args=[w.honour.public_id])
    client.force_login(w.member)
    assert client.get(url).status_code == 404  # no photo given yet
    recognition.honour_consent(
        actor=w.member, honour=w.honour, show_name=True, show_photo=True, show_story=True, photo=jpeg_with_gps()
    )
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"].startswith("private") and response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    for someone in (w.relative, w.organiser, w.admin):
        client.force_login(someone)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page
