"""The limit on files drawn on request (PDF statements and reports, spreadsheets: ``common.ratelimit.take``),
counted with the API's rates (``api.throttling.count_files``). The suite runs with it off; these tests set it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AgencyStaffFactory, area
from tests.worlds import build_world
from thamdee.api.models import RateCount

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_rate(settings):  # type: ignore[no-untyped-def]
    def set_rate(rate: str | None) -> None:
        settings.THAMDEE = {**settings.THAMDEE, "FILE_RATE": rate}

    return set_rate


def _public_csv(client, address: str = "192.0.2.10"):  # type: ignore[no-untyped-def]
    return client.get(reverse("reports:public"), {"format": "csv"}, REMOTE_ADDR=address)


def test_files_over_the_rate_are_refused_with_a_clear_error_and_retry_after(client, file_rate):
    file_rate("2/h")
    assert [_public_csv(client).status_code for _ in range(2)] == [200, 200]
    refused = _public_csv(client)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 2 * 3600
    page = refused.content.decode()
    assert "ขอไฟล์บ่อยเกินไป" in page and "rate_limited" in page
    # the page itself is not a file, and is not counted; another address has a count of its own
    assert client.get(reverse("reports:public"), REMOTE_ADDR="192.0.2.10").status_code == 200
    assert _public_csv(client, "192.0.2.11").status_code == 200


def test_a_signed_in_person_is_counted_wherever_they_ask_from_and_alone(client, file_rate):
    file_rate("1/h")
    w = build_world()
    other = AgencyStaffFactory(scope_area=area("71")).user
    export = reverse("reports:export", args=["months", "csv"])
    client.force_login(w.staff)
    assert client.get(export, REMOTE_ADDR="192.0.2.1").status_code == 200
    assert client.get(export, REMOTE_ADDR="192.0.2.2").status_code == 429
    client.force_login(other)
    assert client.get(export, REMOTE_ADDR="192.0.2.1").status_code == 200


def test_a_member_statement_pdf_is_counted(client, file_rate):
    file_rate("1/h")
    w = build_world()
    client.force_login(w.member)
    first = client.get(reverse("deeds:hours"), {"format": "pdf"})
    assert first.status_code == 200 and first["Content-Type"] == "application/pdf"
    refused = client.get(reverse("ledger:statement_pdf"))
    assert refused.status_code == 429 and refused["Content-Type"].startswith("text/html")
    assert client.get(reverse("deeds:hours")).status_code == 200  # the page, not the file


def test_no_rate_no_count(client, file_rate):
    file_rate(None)
    assert [_public_csv(client).status_code for _ in range(3)] == [200, 200, 200]
    assert not RateCount.objects.exists()


def test_a_file_rate_written_wrong_stops_the_site_at_its_checks(file_rate):
    from thamdee.api.apps import check_api_rates

    file_rate("20/min")
    assert check_api_rates() == []
    file_rate("twenty")
    (error,) = check_api_rates()
    assert error.id == "api.E001" and "'files'" in error.msg and "THAMDEE_FILE_RATE" in error.hint
