"""Numeric query parameters read as numbers only when they are plain ASCII digits of a sensible length: a
superscript ("²", which str.isdigit() accepts and int() refuses), other scripts' digits, or thousands of digits
(which int() refuses too) fall back to the default, never a 500. Web pages and the API, for every kind of caller."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import AgencyStaffFactory, OrganisationFactory, area, member_of

pytestmark = pytest.mark.django_db

SUP_YEAR = "²⁰²⁷"  # superscript digits: "²⁰²⁷".isdigit() is True, int("²⁰²⁷") raises
ARABIC_YEAR = "٢٠٢٧"  # Arabic-Indic digits: int() reads them
MANY = "9" * 5000  # more digits than int() converts

URLS = [
    # API
    "/api/v1/areas/?level=²",
    f"/api/v1/areas/?level={MANY}",
    "/api/v1/areas/?q=71&level=²",
    "/api/v1/areas/?parent=71²",
    "/api/v1/organisations/?area=7²",
    f"/api/v1/reports/public/?fiscal_year={SUP_YEAR}",
    f"/api/v1/reports/public/?fiscal_year={ARABIC_YEAR}",
    f"/api/v1/passbook/?fiscal_year={SUP_YEAR}",
    "/api/v1/passbook/?limit=²",
    "/api/v1/passbook/?offset=٣",
    f"/api/v1/passbook/?offset={MANY}",
    f"/api/v1/reports/areas/TH/?fiscal_year={SUP_YEAR}",
    "/api/v1/reports/areas/TH/organisations/?limit=²",
    f"/api/v1/reports/areas/TH/organisations/?limit={MANY}",
    f"/api/v1/recognition/honours/?fiscal_year={SUP_YEAR}",
    f"/api/v1/passbook/hours/?fiscal_year={SUP_YEAR}",
    f"/api/v1/areas/?q={SUP_YEAR}",
    # web
    "/orgs/?province=7²",
    f"/passbook/?fy={SUP_YEAR}",
    "/passbook/?page=²",
    f"/passbook/?page={MANY}",
    f"/passbook/statement.pdf?fy={SUP_YEAR}",
    f"/reports/?fy={SUP_YEAR}",
    f"/reports/public/?fy={SUP_YEAR}",
    f"/reports/area/71/?fy={SUP_YEAR}",
    "/recognition/honours/?fy=²",
    f"/recognition/honours/?fy={MANY}",
    "/assessments/?fy=²",
    "/assessments/results/?fy=²",
    "/assessments/roll/?fy=²&level=²",
    "/assessments/roll/?area=7²",
    f"/deeds/hours/?fy={SUP_YEAR}",
    "/areas/search/?q=7²&level=²",
    "/areas/options/district/?field=area&area_province=7²",
]


@pytest.fixture
def caller(request):  # type: ignore[no-untyped-def]
    """A client: anonymous, a signed-in member of an organisation, or national agency staff."""
    area("710911")
    client = Client(raise_request_exception=False)
    if request.param == "member":
        client.force_login(member_of(OrganisationFactory(area=area("710911"))))
    elif request.param == "agency":
        client.force_login(AgencyStaffFactory(scope_area=None).user)
    return client


@pytest.mark.parametrize("caller", ["anonymous", "member", "agency"], indirect=True)
@pytest.mark.parametrize("url", URLS)
def test_a_number_that_is_not_plain_ascii_digits_is_never_a_500(caller, url):
    response = caller.get(url)
    assert response.status_code < 500, (url, response.status_code)
