import pytest
from django.urls import reverse

from tests.factories import area

pytestmark = pytest.mark.django_db


def test_the_picker_loads_districts_of_a_province_and_resets_lower_levels(client):
    area("840503")
    area("840101")
    response = client.get(
        reverse("areas:options", args=["district"]), {"field": "home", "home_province": "84"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="8405"' in html and 'value="8401"' in html
    # The subdistrict and village selects are emptied out of band.
    assert 'hx-swap-oob="innerHTML:#id_home_subdistrict"' in html
    assert 'hx-swap-oob="innerHTML:#id_home_village"' in html


def test_unknown_levels_are_not_found(client):
    assert client.get(reverse("areas:options", args=["planet"])).status_code == 404


def test_search_suggestions_show_the_full_path(client):
    area("840503")
    html = client.get(reverse("areas:search"), {"q": "เกาะเต่า", "field": "home"}).content.decode()
    assert 'data-area-choice="840503"' in html
    assert "เกาะเต่า เกาะพะงัน สุราษฎร์ธานี" in html
