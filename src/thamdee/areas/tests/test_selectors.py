import pytest

from tests.factories import area
from thamdee.areas import selectors
from thamdee.areas.errors import AreaNotFoundError
from thamdee.areas.models import AreaLevel

pytestmark = pytest.mark.django_db


@pytest.fixture
def some_areas():
    for code in ("840503", "840501", "710911", "71091101", "100101"):
        area(code)


def test_lookup_by_code(some_areas):
    assert selectors.area_get("840503").name_en == "Ko Tao"
    with pytest.raises(AreaNotFoundError):
        selectors.area_get("999999")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("เกาะเต่า", "840503"),
        ("ko tao", "840503"),
        ("ต.เกาะเต่า", "840503"),
        ("8405", "8405"),
        ("Surat", "84"),
        ("หนองสาหร่าย", "710911"),
    ],
)
def test_search_by_thai_or_english_name_or_code(some_areas, query, expected):
    codes = [a.code for a in selectors.area_search(query)]
    assert expected in codes


def test_search_can_be_limited_to_a_level_and_an_area(some_areas):
    assert [a.code for a in selectors.area_search("เกาะ", level=AreaLevel.SUBDISTRICT, within="8405")] == [
        "840501",
        "840503",
    ]


def test_children_and_path(some_areas):
    assert [a.code for a in selectors.area_list_children("710911")] == ["71091101"]
    assert [a.code for a in selectors.area_path(selectors.area_get("71091101"))] == ["71", "7109", "710911", "71091101"]
    assert selectors.area_label(selectors.area_get("840503")) == "เกาะเต่า เกาะพะงัน สุราษฎร์ธานี"
