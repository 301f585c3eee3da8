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
