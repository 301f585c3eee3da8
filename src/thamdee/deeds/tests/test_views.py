from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from thamdee.deeds.models import Deed, DeedStatus
from thamdee.ledger.selectors import balance_of
from thamdee.web.tests.test_views import assert_csp_clean

from .conftest import report
from .test_services import jpeg_with_gps

pytestmark = pytest.mark.django_db


def test_a_member_reports_a_deed_with_a_photo_from_the_form(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.member)
    page = client.get(reverse("deeds:report"))
    assert page.status_code == 200
    assert_csp_clean(page)
    response = client.post(
        reverse("deeds:report"),
        {
            "deed_type": str(world.care.public_id),
            "done_on": world.today.isoformat(),
            "hours": "2",
            "description": "พายายไปหาหมอ",
            "photos": [SimpleUploadedFile("IMG_0001.HEIC.jpg", jpeg_with_gps(), content_type="image/jpeg")],
        },
    )
    assert response.status_code == 302
    deed = Deed.objects.get()
    assert deed.evidence.count() == 1


def test_a_bad_photo_is_refused_with_a_clear_message_and_nothing_is_saved(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.member)
    response = client.post(
        reverse("deeds:report"),
        {
            "deed_type": str(world.care.public_id),
            "done_on": world.today.isoformat(),
            "hours": "2",
            "photos": [SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")],
        },
    )
    assert response.status_code == 400
    assert "JPEG" in response.content.decode()
    assert not Deed.objects.exists()


def test_the_queue_bulk_approval_and_csp(client, world):
    deeds = [report(world, hours=1, days_ago=d) for d in range(1, 4)]
    client.force_login(world.verifier)
    page = client.get(reverse("deeds:queue"), {"org": str(world.org.public_id)})
    assert page.status_code == 200
    assert_csp_clean(page)
    response = client.post(reverse("deeds:bulk_verify"), {"deeds": [str(d.public_id) for d in deeds]})
    assert response.status_code == 302
    assert Deed.objects.filter(status=DeedStatus.VERIFIED).count() == 3
    assert balance_of(world.member) == 15


def test_the_queue_says_when_a_sensitive_deeds_consent_was_withdrawn_and_offers_no_approval(client, world):
    from thamdee.people.models import ConsentPurpose
    from thamdee.people.services import consent_grant, consent_withdraw

    world.lost.is_sensitive = True
    world.lost.save()
    consent_grant(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
    sensitive = report(world, deed_type=world.lost, hours=0)
    other = report(world, hours=1)
    client.force_login(world.verifier)
    url, query = reverse("deeds:queue"), {"org": str(world.org.public_id)}
    html = client.get(url, query).content.decode()
    assert f'data-testid="approve-{sensitive.public_id}"' in html
    assert f'data-testid="consent-withdrawn-{sensitive.public_id}"' not in html
    consent_withdraw(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
    html = client.get(url, query).content.decode()
    assert f'data-testid="consent-withdrawn-{sensitive.public_id}"' in html
    assert f'data-testid="approve-{sensitive.public_id}"' not in html and f'value="{sensitive.public_id}"' not in html
    assert f'data-testid="approve-{other.public_id}"' in html
    # approving it anyway (a page left open) draws its row again with the error and the note
    row = client.post(reverse("deeds:decide", args=[sensitive.public_id, "approve"]), HTTP_HX_REQUEST="true")
    text = row.content.decode()
    assert row.status_code == 400 and 'data-error-code="sensitive_consent_withdrawn"' in text
    assert f'data-testid="consent-withdrawn-{sensitive.public_id}"' in text


def test_the_queue_page_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    for d in range(1, 31):
        report(world, hours=1, days_ago=d % 25 + 1)
    client.force_login(world.verifier)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("deeds:queue"), {"org": str(world.org.public_id)}).status_code == 200


def test_the_queue_links_only_to_the_pages_its_viewer_may_open(client, world):
    """A verifier neither records for others nor edits the catalogue: the queue must not show them links that
    answer 404; an organiser gets all three, and each opens."""
    links = [reverse(f"deeds:{name}", args=[world.org.public_id]) for name in ("grid", "import", "catalogue")]
    for user, may in ((world.verifier, False), (world.organiser, True)):
        client.force_login(user)
        page = client.get(reverse("deeds:queue"), {"org": str(world.org.public_id)}).content.decode()
        for link in links:
            assert (f'href="{link}"' in page) is may, link
            assert client.get(link).status_code == (200 if may else 404), link


def test_malformed_ids_in_a_bulk_approval_or_an_adoption_are_refused_not_a_server_error(client, world):
    deed = report(world)
    client.force_login(world.verifier)
    response = client.post(reverse("deeds:bulk_verify"), {"deeds": ["not-a-uuid", str(deed.public_id)]})
    assert response.status_code == 302
    deed.refresh_from_db()
    assert deed.status == DeedStatus.VERIFIED  # the well-formed id is still approved
    client.force_login(world.organiser)
    adopt = client.post(reverse("deeds:catalogue", args=[world.org.public_id]), {"adopt": "not-a-uuid"})
    assert adopt.status_code == 404


@pytest.mark.parametrize("htmx", [False, True])
def test_a_malformed_deed_type_filter_on_the_queue_is_ignored(client, world, htmx):
    report(world)
    client.force_login(world.verifier)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    params = {"org": str(world.org.public_id), "deed_type": "-1"}
    response = client.get(reverse("deeds:queue"), params, **headers)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 1


def test_htmx_approval_of_one_row(client, world):
    deed = report(world)
    client.force_login(world.verifier)
    response = client.post(reverse("deeds:decide", args=[deed.public_id, "approve"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "+10" in response.content.decode()


def test_the_grid_records_for_many_members(client, world):
    from tests.factories import member_of

    others = [member_of(world.org) for _ in range(3)]
    client.force_login(world.organiser)
    data = {
        "deed_type": str(world.care.public_id),
        "done_on": world.today.isoformat(),
        "member": [str(m.public_id) for m in others],
    }
    for m in others:
        data[f"amount-{m.public_id}"] = "2"
    response = client.post(reverse("deeds:grid", args=[world.org.public_id]), data)
    assert response.status_code == 302
    assert Deed.objects.filter(source="organiser").count() == 3


def test_the_grid_keeps_what_the_organiser_typed_when_it_refuses(client, world):
    client.force_login(world.organiser)
    url = reverse("deeds:grid", args=[world.org.public_id])
    key, other = str(world.member.public_id), str(world.verifier.public_id)
    # Given the empty grid: today, the first deed type, nobody ticked, 1 each
    html = client.get(url).content.decode()
    assert f'value="{world.today.isoformat()}"' in html and " selected" not in html
    assert f'name="amount-{key}" value="1"' in html and f'id="m-{key}" checked' not in html
    # When a deed date older than the catalogue allows is refused
    too_old = world.today - dt.timedelta(days=40)
    data = {"deed_type": str(world.lost.public_id), "done_on": too_old.isoformat(), "member": [key]}
    response = client.post(url, {**data, f"amount-{key}": "3", f"amount-{other}": "2"})
    # Then the page says why and shows what was typed, for the organiser to correct
    html = response.content.decode()
    assert response.status_code == 400 and not Deed.objects.exists()
    assert "ย้อนหลังได้ไม่เกิน 30 วัน" in html
    assert f'<option value="{world.lost.public_id}" selected>' in html
    assert f'<option value="{world.care.public_id}">' in html
    assert f'value="{too_old.isoformat()}"' in html
    assert f'name="amount-{key}" value="3"' in html and f'id="m-{key}" checked' in html
    assert f'name="amount-{other}" value="2"' in html and f'id="m-{other}" checked' not in html


def test_a_refusal_of_one_entry_in_the_grid_names_its_member_on_the_page_and_in_the_api(client, world):
    from tests.factories import member_of

    others = [member_of(world.org) for _ in range(3)]
    client.force_login(world.organiser)
    day = (world.today - dt.timedelta(days=1)).isoformat()
    data = {"deed_type": str(world.care.public_id), "done_on": day, "member": [str(m.public_id) for m in others]}
    amounts = {f"amount-{m.public_id}": "2" for m in others} | {f"amount-{others[1].public_id}": "30"}
    response = client.post(reverse("deeds:grid", args=[world.org.public_id]), {**data, **amounts})
    html = response.content.decode()
    assert response.status_code == 400 and not Deed.objects.exists()
    assert f"{others[1].full_name}: " in html
    assert f"{others[0].full_name}: " not in html and f"{others[2].full_name}: " not in html
    # The API's problem says which entry and whose
    api = APIClient()
    api.force_authenticate(world.organiser)
    answer = api.post(
        "/api/v1/deeds/record/",
        {"deed_type": str(world.care.public_id), "done_on": day,
         "entries": [{"member": str(m.public_id), "hours": "30" if m == others[1] else "2"} for m in others]},
        format="json",
    )  # fmt: skip
    assert answer.status_code == 400, answer.content
    assert (answer.json()["entry"], answer.json()["member"]) == (2, str(others[1].public_id))
    assert not Deed.objects.exists()


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity", "abc"])
def test_an_amount_that_is_not_a_number_in_the_grid_is_refused_by_its_member(client, world, amount):
    client.force_login(world.organiser)
    key = str(world.member.public_id)
    response = client.post(
        reverse("deeds:grid", args=[world.org.public_id]),
        {
            "deed_type": str(world.care.public_id),
            "done_on": (world.today - dt.timedelta(days=1)).isoformat(),
            "member": [key],
            f"amount-{key}": amount,
        },
    )
    assert response.status_code == 400 and not Deed.objects.exists()
    assert f"จำนวนของ {world.member.full_name} ไม่ถูกต้อง" in response.content.decode()
    assert f'name="amount-{key}" value="{amount}"' in response.content.decode()


def test_an_import_naming_a_member_by_an_id_that_is_not_a_uuid_is_refused_by_its_row(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.organiser)
    day = (world.today - dt.timedelta(days=1)).isoformat()
    upload = SimpleUploadedFile(
        "deeds.csv", f"member,deed_type,date,hours\n{'x' * 36},elder-care,{day},2\n".encode(), content_type="text/csv"
    )
    response = client.post(reverse("deeds:import", args=[world.org.public_id]), {"file": upload})
    assert response.status_code == 400 and not Deed.objects.exists()
    assert "ไม่พบสมาชิก" in response.content.decode()


class TestActivities:
    def activity(self, world):  # type: ignore[no-untyped-def]
        from django.utils import timezone

        from thamdee.deeds import services

        return services.activity_create(
            actor=world.organiser,
            deed_type=world.care,
            title="ทำความสะอาดวัด",
            area=world.org.area,
            starts_at=timezone.now() - dt.timedelta(hours=1),
            ends_at=timezone.now() + dt.timedelta(hours=2),
        )

    def test_a_check_in_code_that_names_no_activity_is_a_clear_refusal(self, client, world):
        client.force_login(world.member)
        page = client.post(reverse("deeds:checkin", args=["not-a-uuid.1.abcdef"]))
        assert page.status_code == 400 and "QR โค้ดนี้หมดอายุหรือไม่ถูกต้อง" in page.content.decode()
        api = APIClient()
        api.force_authenticate(world.member)
        answer = api.post(reverse("api:activity-checkin"), {"token": "not-a-uuid.1.abcdef"}, format="json")
        assert answer.status_code == 400 and answer.json()["code"] == "checkin_token_invalid"
        assert not Deed.objects.exists()

    def test_only_the_organisations_organisers_show_an_activitys_qr_code(self, client, world):
        from tests.factories import member_of

        item = self.activity(world)
        for person, answer in (
            (world.organiser, 200),
            (member_of(world.org, is_admin=True), 200),
            (world.verifier, 404),
            (world.member, 404),
            (world.foreign_verifier, 404),
        ):
            client.force_login(person)
            for page in ("deeds:activity", "deeds:activity_qr"):
                assert client.get(reverse(page, args=[item.public_id])).status_code == answer, (person, page)

    def test_the_api_refuses_an_activity_coarser_than_a_subdistrict(self, world):
        from django.utils import timezone

        from thamdee.deeds.models import Activity

        api = APIClient()
        api.force_authenticate(world.organiser)
        url = reverse("api:activities") + f"?organisation={world.org.public_id}"
        body = {
            "deed_type": str(world.care.public_id),
            "title": "x",
            "area": "71",
            "starts_at": timezone.now().isoformat(),
            "ends_at": (timezone.now() + dt.timedelta(hours=2)).isoformat(),
            "hours": "1",
        }
        refused = api.post(url, body, format="json")
        assert refused.status_code == 400 and refused.json()["code"] == "deed_area"
        assert not Activity.objects.exists()
        assert api.post(url, {**body, "area": world.org.area.code}, format="json").status_code == 201


def test_the_public_rules_page_shows_catalogue_and_versions(client, world):
    page = client.get(reverse("creditrules:organisation", args=[world.org.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert world.care.name_th in html
    assert "ฉบับที่ 1" in html and "5 เครดิตต่อชั่วโมง" in html
    assert_csp_clean(page)


def test_hours_statement_page_and_pdf(client, world):
    from thamdee.common.pdf import pdf_text
    from thamdee.deeds import services

    deed = report(world, hours=3)
    services.deed_verify(actor=world.verifier, deed=deed)
    client.force_login(world.member)
    assert 'data-testid="total-hours">3<' in client.get(reverse("deeds:hours")).content.decode()
    pdf = client.get(reverse("deeds:hours"), {"format": "pdf"})
    text = pdf_text(pdf.content)
    assert world.member.first_name in text and "ชั่วโมง" in text


class TestApi:
    def test_report_verify_and_explain(self, world):
        api = APIClient()
        api.force_authenticate(world.member)
        created = api.post(
            "/api/v1/deeds/",
            {
                "deed_type": str(world.care.public_id),
                "hours": "2",
                "done_on": (world.today - dt.timedelta(days=1)).isoformat(),
            },
            format="json",
        )
        assert created.status_code == 201, created.json()
        deed_id = created.json()["id"]
        api.force_authenticate(world.verifier)
        verified = api.post(f"/api/v1/deeds/{deed_id}/verify/")
        assert verified.json()["status"] == "verified"
        assert verified.json()["credits"] == 10
        assert verified.json()["explanation"][-1] == "รวม 10 เครดิต"

    def test_self_verification_is_problem_json(self, world):
        deed = report(world, member=world.verifier)
        api = APIClient()
        api.force_authenticate(world.verifier)
        response = api.post(f"/api/v1/deeds/{deed.public_id}/verify/")
        assert response.status_code == 403
        assert response.json()["code"] == "self_verification"

    def test_a_foreign_verifier_gets_404(self, world):
        deed = report(world)
        api = APIClient()
        api.force_authenticate(world.foreign_verifier)
        assert api.post(f"/api/v1/deeds/{deed.public_id}/verify/").status_code == 404
        assert api.get(f"/api/v1/organisations/{world.org.public_id}/deed-queue/").status_code == 404

    def test_import_errors_come_back_by_row(self, world):
        from django.core.files.uploadedfile import SimpleUploadedFile

        api = APIClient()
        api.force_authenticate(world.organiser)
        data = b"mobile,deed_type,date,hours\n0899999999,elder-care,2026-01-01,1\n"
        response = api.post(
            f"/api/v1/organisations/{world.org.public_id}/deed-import/",
            {"file": SimpleUploadedFile("x.csv", data)},
            format="multipart",
        )
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "import_invalid" and body["rows"][0]["row"] == 2

    def test_rules_are_public_and_a_preview_explains(self, world):
        api = APIClient()
        books = api.get("/api/v1/rulebooks/").json()["results"]
        assert books[0]["versions"][0]["number"] == 1
        preview = api.post(
            "/api/v1/rules/preview/",
            {
                "deed_type": str(world.care.public_id),
                "area": "71091101",
                "done_on": world.today.isoformat(),
                "quantity": "4",
            },
            format="json",
        ).json()
        assert preview["credits"] == 20


@pytest.mark.postgres
def test_the_report_form_reads_its_choices_without_a_server_side_cursor(client, world, django_assert_max_num_queries):
    # A model choice field iterates its queryset; behind PgBouncer in transaction mode a cursor WITH HOLD cannot
    # work, and for a handful of rows it costs three round trips
    client.force_login(world.member)
    with django_assert_max_num_queries(7) as captured:
        page = client.get(reverse("deeds:report"))
    assert page.status_code == 200 and world.care.display_name() in page.content.decode()
    assert not [q["sql"] for q in captured.captured_queries if "CURSOR" in q["sql"].upper()]


def test_a_decision_never_redirects_to_another_site(client, world):
    deed = report(world, hours=1)
    client.force_login(world.verifier)
    response = client.post(reverse("deeds:decide", args=[deed.public_id, "approve"]), {"next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("deeds:detail", args=[deed.public_id])
    response = client.post(reverse("deeds:bulk_verify"), {"deeds": [], "next": "//evil.example/"})
    assert response.status_code == 302 and "evil.example" not in response["Location"]


def test_a_report_sent_twice_is_one_deed(client, world):
    client.force_login(world.member)
    page = client.get(reverse("deeds:report")).content.decode()
    import re

    token = re.search(r'name="token" value="([0-9a-f-]+)"', page).group(1)
    data = {
        "deed_type": str(world.care.public_id),
        "done_on": (world.today - dt.timedelta(days=1)).isoformat(),
        "hours": "2",
        "token": token,
    }
    first = client.post(reverse("deeds:report"), data)
    again = client.post(reverse("deeds:report"), data)  # a double tap, or a retry after a slow answer
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Deed.objects.filter(member=world.member).count() == 1
    data["token"] = ""  # an old page without a token still reports
    assert client.post(reverse("deeds:report"), data).status_code == 302
    assert Deed.objects.filter(member=world.member).count() == 2


def test_the_queue_pages_keep_their_filters(client, world):
    from thamdee.deeds import services

    entries = [
        services.DeedInput(member=world.member, deed_type=world.care, done_on=world.today, hours=1) for _ in range(101)
    ]
    services.deed_record_for(actor=world.organiser, entries=entries)
    client.force_login(world.verifier)
    query = {"org": str(world.org.public_id), "deed_type": str(world.care.public_id), "q": world.member.first_name}
    page = client.get(reverse("deeds:queue"), query)
    assert page.context["page"].has_next()
    from html import unescape
    from urllib.parse import parse_qs, urlsplit

    link = next(a for a in page.content.decode().split('href="')[1:] if "page=2" in a.split('"')[0]).split('"')[0]
    kept = {k: v[0] for k, v in parse_qs(urlsplit(unescape(link)).query).items()}
    assert kept == {**query, "page": "2"}  # the next page of the same filtered queue


class TestAgencyVerifiers:
    """The detail page, the decisions and the API give agency verifiers their programme's national templates'
    deeds inside their scope, and nothing of an organisation's own types."""

    def test_the_web_pages(self, client, world, national):
        ours, local = report(world, deed_type=national.adopted), report(world)
        client.force_login(national.verifier)
        page = client.get(reverse("deeds:detail", args=[ours.public_id]))
        assert page.status_code == 200
        assert reverse("deeds:decide", args=[ours.public_id, "approve"]) in page.content.decode()
        assert client.get(reverse("deeds:detail", args=[local.public_id])).status_code == 404
        assert client.post(reverse("deeds:decide", args=[local.public_id, "approve"])).status_code == 404
        for stranger in (national.other_agency, national.elsewhere):
            client.force_login(stranger)
            assert client.get(reverse("deeds:detail", args=[ours.public_id])).status_code == 404
            assert client.post(reverse("deeds:decide", args=[ours.public_id, "approve"])).status_code == 404
        client.force_login(national.verifier)
        assert client.post(reverse("deeds:decide", args=[ours.public_id, "approve"])).status_code == 302
        ours.refresh_from_db()
        local.refresh_from_db()
        assert (ours.status, local.status) == (DeedStatus.VERIFIED, DeedStatus.PENDING)

    def test_the_api(self, world, national):
        ours = [report(world, deed_type=national.adopted, days_ago=d) for d in (1, 2, 3)]
        local = report(world)
        api = APIClient()
        for stranger in (national.other_agency, national.elsewhere):
            api.force_authenticate(stranger)
            assert api.get(f"/api/v1/deeds/{ours[0].public_id}/").status_code == 404
            assert api.post(f"/api/v1/deeds/{ours[0].public_id}/verify/").status_code == 404
            assert api.post(f"/api/v1/deeds/{ours[0].public_id}/reject/", {"reason": "x"}).status_code == 404
            bulk = api.post("/api/v1/deeds/verify-bulk/", {"deeds": [str(ours[1].public_id)]}, format="json")
            assert bulk.status_code == 404
        api.force_authenticate(national.verifier)
        assert api.get(f"/api/v1/deeds/{local.public_id}/").status_code == 404
        assert api.post(f"/api/v1/deeds/{local.public_id}/verify/").status_code == 404
        assert api.get(f"/api/v1/deeds/{ours[0].public_id}/").json()["id"] == str(ours[0].public_id)
        assert api.post(f"/api/v1/deeds/{ours[0].public_id}/verify/").json()["status"] == "verified"
        rejected = api.post(f"/api/v1/deeds/{ours[1].public_id}/reject/", {"reason": "ไม่มีพยาน"}, format="json")
        assert rejected.json()["status"] == "rejected"
        mixed = [str(ours[2].public_id), str(local.public_id)]
        assert api.post("/api/v1/deeds/verify-bulk/", {"deeds": mixed}, format="json").status_code == 404
        bulk = api.post("/api/v1/deeds/verify-bulk/", {"deeds": mixed[:1]}, format="json")
        assert bulk.json()["verified"] == 1
        local.refresh_from_db()
        assert local.status == DeedStatus.PENDING

    def test_the_agency_queue_holds_the_deeds_they_verify_and_nothing_else(self, client, world, national):
        from tests.factories import AgencyStaffFactory

        ours = [report(world, deed_type=national.adopted, days_ago=d) for d in (1, 2)]
        local = report(world)
        client.force_login(national.verifier)
        page = client.get(reverse("deeds:agency_queue"))
        assert page.status_code == 200
        assert_csp_clean(page)
        body = page.content.decode()
        assert all(f'value="{d.public_id}"' in body for d in ours)
        assert str(local.public_id) not in body
        assert world.org.display_name() in body  # across organisations, each row names its own
        # the agency's other templates filter the queue; the verified ones are one filter away
        filtered = client.get(reverse("deeds:agency_queue"), {"deed_type": str(national.template.public_id)})
        assert str(ours[0].public_id) in filtered.content.decode()
        # another agency's verifier over the same province, and the same agency's in another province: an empty queue
        for stranger in (national.other_agency, national.elsewhere):
            client.force_login(stranger)
            empty = client.get(reverse("deeds:agency_queue"))
            assert empty.status_code == 200
            assert not any(str(d.public_id) in empty.content.decode() for d in ours)
        # neither an organisation's verifier nor agency staff who do not verify have one
        for outsider in (world.verifier, AgencyStaffFactory(agency=world.programme.agency, is_verifier=False).user):
            client.force_login(outsider)
            assert client.get(reverse("deeds:agency_queue")).status_code == 404
            assert reverse("deeds:agency_queue") not in client.get(reverse("web:home")).content.decode()
        client.force_login(national.verifier)
        assert reverse("deeds:agency_queue") in client.get(reverse("web:home")).content.decode()

    def test_bulk_approval_from_the_agency_queue(self, client, world, national):
        ours = [report(world, deed_type=national.adopted, days_ago=d) for d in (1, 2, 3)]
        client.force_login(national.verifier)
        back = reverse("deeds:agency_queue")
        response = client.post(
            reverse("deeds:bulk_verify"), {"deeds": [str(d.public_id) for d in ours[:2]], "next": back}
        )
        assert response.status_code == 302 and response["Location"] == back
        assert [Deed.objects.get(pk=d.pk).status for d in ours] == [
            DeedStatus.VERIFIED,
            DeedStatus.VERIFIED,
            DeedStatus.PENDING,
        ]
        assert str(ours[0].public_id) not in client.get(back).content.decode()  # the queue shows what is open
        assert str(ours[0].public_id) in client.get(back, {"status": "verified"}).content.decode()
        # one row's approval through htmx answers with the row, decided
        row = client.post(reverse("deeds:decide", args=[ours[2].public_id, "approve"]), HTTP_HX_REQUEST="true")
        assert row.status_code == 200 and 'data-testid="approve-' not in row.content.decode()

    def test_the_organisations_queue_says_the_agency_verifies_its_deeds(self, client, world, national):
        ours, local = report(world, deed_type=national.adopted), report(world)
        client.force_login(world.verifier)
        body = client.get(reverse("deeds:queue"), {"org": str(world.org.public_id)}).content.decode()
        assert f'data-testid="agency-verifies-{ours.public_id}"' in body
        assert f'data-testid="approve-{ours.public_id}"' not in body
        assert f'value="{ours.public_id}"' not in body  # no checkbox for bulk approval either
        assert f'data-testid="approve-{local.public_id}"' in body

    def test_the_agency_queue_in_the_api(self, world, national):
        ours = [report(world, deed_type=national.adopted, days_ago=d) for d in (1, 2)]
        report(world)
        api = APIClient()
        api.force_authenticate(national.verifier)
        listed = api.get("/api/v1/deeds/agency-queue/").json()
        assert {row["id"] for row in listed["results"]} == {str(d.public_id) for d in ours}
        # a malformed template id is refused by its name (it was a 500, then ignored)
        assert api.get("/api/v1/deeds/agency-queue/", {"deed_type": "not-a-uuid"}).status_code == 400  # not ignored
        for stranger in (national.other_agency, national.elsewhere):
            api.force_authenticate(stranger)
            assert api.get("/api/v1/deeds/agency-queue/").json()["count"] == 0
        api.force_authenticate(world.verifier)
        assert api.get("/api/v1/deeds/agency-queue/").status_code == 404

    def test_the_agency_queue_asks_a_fixed_number_of_queries(self, client, world, national):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(national.verifier)
        counts = []
        for n in (2, 8):
            while Deed.objects.filter(deed_type=national.adopted).count() < n:
                report(world, deed_type=national.adopted, days_ago=1 + n % 3, member=None)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(reverse("deeds:agency_queue")).status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1]

    def test_an_organisation_cannot_mark_its_own_type_verified_by_the_agency(self, client, world):
        from thamdee.deeds.models import DeedType

        data = {
            "t-code": "clean-canal",
            "t-name_th": "ลอกคลอง",
            "t-criterion": "ครั้งละ",
            "t-virtues": ["volunteering"],
            "t-dimensions": ["environment"],
            "t-unit": "occurrence",
            "t-evidence": "none",
            "t-verified_by": "agency",
            "t-max_backdate_days": "30",
        }
        client.force_login(world.organiser)
        response = client.post(reverse("deeds:catalogue", args=[world.org.public_id]), data)
        assert response.status_code == 400
        assert not DeedType.objects.filter(code="clean-canal").exists()
        data["t-verified_by"] = "organisation"  # the same type, verified by the organisation, is added
        assert client.post(reverse("deeds:catalogue", args=[world.org.public_id]), data).status_code == 302
        # and through the API the refusal carries its code
        api = APIClient()
        api.force_authenticate(world.organiser)
        body = {
            "organisation": str(world.org.public_id),
            "programme": str(world.programme.public_id),
            "code": "sweep-temple",
            "name_th": "กวาดลานวัด",
            "criterion": "ครั้งละ",
            "virtues": ["volunteering"],
            "dimensions": ["society"],
            "verified_by": "agency",
        }
        refused = api.post("/api/v1/deed-types/", body, format="json")
        assert refused.status_code == 400
        assert refused.json()["code"] == "agency_verifies_templates_only"
        assert not DeedType.objects.filter(code="sweep-temple").exists()


class TestAppealsOnTheDetailPage:
    """The page offers what the services allow: an appeal against the latest rejection or reversal, inside its
    window, and the decision to those who may take it."""

    def test_a_deed_reversed_again_after_an_upheld_appeal_may_be_appealed_again(self, client, world):
        from thamdee.deeds import services

        deed = report(world, hours=2)
        services.deed_verify(actor=world.verifier, deed=deed)
        services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด 1")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
        services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
        services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด 2")
        client.force_login(world.member)
        url = reverse("deeds:detail", args=[deed.public_id])
        page = client.get(url).content.decode()
        assert reverse("deeds:appeal", args=[deed.public_id]) in page
        assert 'data-testid="appeal-until"' in page
        response = client.post(reverse("deeds:appeal", args=[deed.public_id]), {"reason": "ถูกอีก"})
        assert response.status_code == 302 and deed.appeals.count() == 2
        # once appealed, the decision is not offered for appeal again
        assert reverse("deeds:appeal", args=[deed.public_id]) not in client.get(url).content.decode()

    def test_no_appeal_is_offered_once_the_published_window_has_passed(self, client, world):
        from django.utils import timezone

        from thamdee.deeds import services
        from thamdee.deeds.models import Decision

        deed = report(world, hours=2)
        services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
        client.force_login(world.member)
        url = reverse("deeds:detail", args=[deed.public_id])
        Decision.objects.filter(deed=deed).update(at=timezone.now() - dt.timedelta(days=29))
        assert reverse("deeds:appeal", args=[deed.public_id]) in client.get(url).content.decode()
        Decision.objects.filter(deed=deed).update(at=timezone.now() - dt.timedelta(days=31))  # the rules: 30 days
        assert reverse("deeds:appeal", args=[deed.public_id]) not in client.get(url).content.decode()

    def test_only_the_agency_is_offered_the_decision_on_its_templates_deed(self, client, world, national):
        from tests.factories import AgencyStaffFactory, member_of
        from thamdee.deeds import services

        deed = report(world, deed_type=national.adopted)
        services.deed_reject(actor=national.verifier, deed=deed, reason="ไม่มีหลักฐาน")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
        decide = reverse("deeds:appeal_decide", args=[appeal.public_id])
        second = AgencyStaffFactory(agency=world.programme.agency, is_verifier=True).user
        for person, offered in (
            (member_of(world.org, is_admin=True), False),
            (world.organiser, False),
            (national.verifier, False),  # who rejected it
            (second, True),
        ):
            client.force_login(person)
            page = client.get(reverse("deeds:detail", args=[deed.public_id]))
            assert page.status_code == 200
            assert (decide in page.content.decode()) is offered, person


def test_more_photos_than_a_deed_carries_are_refused_before_any_is_read_and_nothing_is_saved(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from thamdee.deeds.evidence import MAX_PHOTOS_PER_DEED

    client.force_login(world.member)
    form = {
        "deed_type": str(world.care.public_id),
        "done_on": world.today.isoformat(),
        "hours": "2",
        "description": "พายายไปหาหมอ",
    }
    assert "ไม่เกิน 6 รูป รูปละไม่เกิน 15 MB" in client.get(reverse("deeds:report")).content.decode()
    photos = [SimpleUploadedFile(f"p{i}.jpg", jpeg_with_gps(), content_type="image/jpeg") for i in range(7)]
    assert len(photos) > MAX_PHOTOS_PER_DEED
    response = client.post(reverse("deeds:report"), {**form, "photos": photos})
    assert response.status_code == 400
    assert f"ไม่เกิน {MAX_PHOTOS_PER_DEED} รูป" in response.content.decode()
    assert not Deed.objects.exists()
    # The API refuses the same, as a problem.
    api = APIClient()
    api.force_authenticate(world.member)
    photos = [SimpleUploadedFile(f"p{i}.jpg", jpeg_with_gps(), content_type="image/jpeg") for i in range(7)]
    answer = api.post(
        "/api/v1/deeds/",
        {"deed_type": str(world.care.public_id), "done_on": world.today.isoformat(), "hours": "2", "photos": photos},
        format="multipart",
    )
    assert answer.status_code == 400 and "photos" in answer.content.decode()
    assert not Deed.objects.exists()
    # As many as a deed carries are taken.
    photos = [
        SimpleUploadedFile(f"p{i}.jpg", jpeg_with_gps(), content_type="image/jpeg") for i in range(MAX_PHOTOS_PER_DEED)
    ]
    assert client.post(reverse("deeds:report"), {**form, "photos": photos}).status_code == 302
    assert Deed.objects.get().evidence.count() == MAX_PHOTOS_PER_DEED


def test_a_too_large_photo_is_refused_from_its_size_before_it_is_read_on_the_page_and_the_api(
    client, world, monkeypatch
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from thamdee.deeds import evidence, services

    def never(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the photo was read and checked instead of refused from its size")

    monkeypatch.setattr(evidence, "MAX_BYTES", 1000)
    monkeypatch.setattr(evidence, "process_evidence", never)
    monkeypatch.setattr(services, "process_evidence", never)
    form = {"deed_type": str(world.care.public_id), "done_on": world.today.isoformat(), "hours": "2"}
    client.force_login(world.member)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + bytes(2000), content_type="image/jpeg")
    response = client.post(reverse("deeds:report"), {**form, "photos": [big]})
    assert response.status_code == 400 and "ไฟล์รูปใหญ่เกินไป" in response.content.decode()
    api = APIClient()
    api.force_authenticate(world.member)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + bytes(2000), content_type="image/jpeg")
    answer = api.post("/api/v1/deeds/", {**form, "photos": [big]}, format="multipart")
    assert answer.status_code == 400 and answer.json()["code"] == "evidence_too_large"
    assert not Deed.objects.exists()


@pytest.mark.parametrize("language", ["th", "en"])
def test_a_deed_s_award_reads_in_the_reader_s_era_and_language_and_an_appeal_s_is_marked(client, world, language):
    from django.conf import settings

    from thamdee.common.thaitime import format_date
    from thamdee.deeds import services

    deed = report(world, hours=2, days_ago=3)
    services.deed_verify(actor=world.verifier, deed=deed)
    services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด")
    appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
    services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
    client.force_login(world.member)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = client.get(reverse("ledger:passbook")).content.decode()
    assert deed.done_on.isoformat() not in html and "(อุทธรณ์)" not in html  # the ledger's own memo, never shown
    assert ("ตามผลอุทธรณ์" if language == "th" else "upheld on appeal") in html
    from django.utils import translation

    with translation.override(language):
        assert format_date(deed.done_on) in html  # in the title: Buddhist Era in Thai, Common Era in English
    # And the entry of the appeal's award likewise
    from thamdee.ledger.models import CauseKind, Journal, JournalKind

    award = Journal.objects.filter(kind=JournalKind.AWARD, cause_kind=CauseKind.DEED, cause_id=deed.pk).latest("id")
    html = client.get(reverse("ledger:entry", args=[award.idempotency_key])).content.decode()
    assert deed.done_on.isoformat() not in html and "(อุทธรณ์)" not in html
    assert ("ตามผลอุทธรณ์" if language == "th" else "upheld on appeal") in html
