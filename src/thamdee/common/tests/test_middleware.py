import pytest

pytestmark = pytest.mark.django_db


def test_a_nul_character_in_an_api_query_is_a_clear_400_problem(client):
    response = client.get("/api/v1/areas/", {"q": "กา\x00ญ"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "nul_character"
    assert body["detail_th"] and body["detail_en"]


def test_a_nul_character_in_a_page_query_is_a_400_page(client):
    response = client.get("/", {"x\x00": "1"})
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_ordinary_thai_queries_pass(client):
    assert client.get("/api/v1/areas/", {"q": "กาญจนบุรี"}).status_code == 200


def test_a_body_larger_than_the_site_takes_is_refused_from_its_declared_length_before_it_is_read(client, settings):
    from django.conf import settings as live

    limit = live.THAMDEE["MAX_REQUEST_BYTES"]
    assert limit == 160 * 1024 * 1024  # ten evidence files of 15 MB and the form around them
    too_big = str(limit + 1)
    # The API answers a problem; the body (a few bytes here) is never read, so nothing downstream sees it.
    response = client.post("/api/v1/auth/token/", data=b"{}", content_type="application/json", CONTENT_LENGTH=too_big)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "request_too_large" and "160" in body["detail_th"] and "160" in body["detail_en"]
    # A page answers the error page, in Thai.
    page = client.post(
        "/accounts/login/", data=b"x=1", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH=too_big
    )
    assert page.status_code == 413 and "160 MB" in page.content.decode()
    # Under the limit it goes through to the view's own answer.
    assert client.post("/api/v1/auth/token/", data=b"{}", content_type="application/json").status_code == 400
    assert (
        client.post(
            "/api/v1/auth/token/", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(limit)
        ).status_code
        != 413
    )


def test_the_limit_is_the_settings_and_counts_a_real_multipart_upload(client, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.THAMDEE = {**settings.THAMDEE, "MAX_REQUEST_BYTES": 1024}
    response = client.post("/api/v1/deeds/", {"photos": [SimpleUploadedFile("a.jpg", b"\xff" * 4096)]})
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
