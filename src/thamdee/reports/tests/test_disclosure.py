"""Agencies see aggregates, and no cell that counts fewer people than AGENCY_MIN_CELL (5 in production): not on the
dashboard, its drill-down, its exports and PDF, nor in the reports API. (The suite runs with the minimum off; these
tests set it.)"""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, area
from tests.worlds import build_world, verified_deeds
from thamdee.reports import selectors

pytestmark = pytest.mark.django_db

MINIMUM = 5


@pytest.fixture
def minimum(settings):  # type: ignore[no-untyped-def]
    settings.THAMDEE = {**settings.THAMDEE, "AGENCY_MIN_CELL": MINIMUM}


@pytest.fixture
def one_person_in_a_village(minimum):  # type: ignore[no-untyped-def]
    """Four people in one village (too few to show), six and seven in two others of the same subdistrict, and a
    fourth village with nobody."""
    w = build_world()
    small = verified_deeds(w, 4, village="71091101")  # 4 deeds x 5 credits = 20 in village 01
    verified_deeds(w, 6, village="71091102")  # 30 credits in village 02
    verified_deeds(w, 7, village="71091103")  # 35 credits in village 03
    area("71091104")
    w.fy = small[0].fiscal_year
    w.staff = AgencyStaffFactory(scope_area=area("71")).user
    return w


def test_the_selectors_hide_every_figure_of_a_small_cell(one_person_in_a_village):
    w = one_person_in_a_village
    children = {a.code: f for a, f in selectors.by_child_area("710911", w.fy)}
    assert children["71091101"].suppressed and children["71091101"].deeds == 0 and children["71091101"].below == 5
    # Shown beside the subdistrict's total (85), village 01 alone hidden would be 85 - 30 - 35 = 20: so the
    # smallest other village with people in it is hidden too, as a dash.
    assert children["71091102"].suppressed and children["71091102"].below == 0
    assert not children["71091103"].suppressed and children["71091103"].credits_issued == 35
    assert not children["71091104"].suppressed and children["71091104"].is_empty()  # nobody: zeros, not hidden
    assert selectors.headline("71091101", w.fy).suppressed
    total = selectors.headline("710911", w.fy)
    assert not total.suppressed and total.participants == 17 and total.credits_issued == 85
    months = [f for _y, _m, f in selectors.by_month("71091101", w.fy)]
    assert any(f.suppressed for f in months)
    assert all(f.suppressed or f.is_empty() or f.participants >= MINIMUM for f in months)


def test_one_hidden_cell_among_many_hides_the_smallest_other_one():
    from thamdee.reports.selectors import Figures, protect

    cells = [Figures(deeds=3, participants=3).suppress_below(5), Figures(), Figures(deeds=9, participants=6)]
    cells += [Figures(deeds=20, participants=12)]
    out = protect(cells)
    assert [f.suppressed for f in out] == [True, False, True, False]
    assert protect(out) == out  # two hidden: nothing more to hide
    assert protect([Figures(deeds=30, participants=12)] * 2) == [Figures(deeds=30, participants=12)] * 2


def test_the_dashboard_drill_down_and_exports_show_less_than_five(client, one_person_in_a_village):
    w = one_person_in_a_village
    client.force_login(w.staff)
    html = client.get(reverse("reports:area", args=["710911"]), {"fy": w.fy}).content.decode()
    row = html[html.index('data-area-code="71091101"') :].split("</tr>")[0]
    assert "&lt;5" in row and ">20<" not in row and ">4<" not in row
    row = html[html.index('data-area-code="71091102"') :].split("</tr>")[0]
    assert "—" in row and ">30<" not in row
    csv = client.get(reverse("reports:export", args=["areas", "csv"]), {"fy": w.fy, "area": "710911"}).content.decode(
        "utf-8-sig"
    )
    line = next(line for line in csv.splitlines() if line.startswith("71091101"))
    assert "<5" in line and ",20," not in line and ",4," not in line
    xlsx = client.get(reverse("reports:export", args=["months", "xlsx"]), {"fy": w.fy, "area": "71091101"}).content
    from openpyxl import load_workbook

    cells = [c.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row]
    assert 20 not in cells and 4 not in cells
    pdf = client.get(reverse("reports:area_pdf", args=["71091101"]), {"fy": w.fy})
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_the_reports_api_gives_nulls_for_a_small_cell_and_small_organisations(one_person_in_a_village):
    w = one_person_in_a_village
    api = APIClient()
    api.force_authenticate(w.staff)
    body = api.get("/api/v1/reports/areas/71091101/", {"fy": w.fy}).json()
    assert body["minimum_people_per_cell"] == MINIMUM
    assert body["totals"]["suppressed"] is True and body["totals"]["deeds"] is None
    assert any(m["figures"]["suppressed"] for m in body["months"])
    assert all(m["figures"]["suppressed"] or m["figures"]["participants"] in (0,) for m in body["months"])
    shown = api.get("/api/v1/reports/areas/710911/", {"fy": w.fy}).json()
    assert shown["totals"]["suppressed"] is False and shown["totals"]["participants"] == 17
    organisations = api.get("/api/v1/reports/areas/71/organisations/", {"fy": w.fy}).json()
    assert organisations and all(o["suppressed"] is False and o["participants"] >= MINIMUM for o in organisations)


def test_an_organisation_with_fewer_participants_than_the_minimum_is_named_without_figures(minimum, client):
    w = build_world()
    deeds = verified_deeds(w, 3)
    client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
    rows = selectors.top_organisations("71", deeds[0].fiscal_year)
    assert len(rows) == 1 and rows[0]["suppressed"] and rows[0]["credits_issued"] is None
    api = APIClient()
    api.force_authenticate(AgencyStaffFactory(scope_area=area("71")).user)
    (row,) = api.get("/api/v1/reports/areas/71/organisations/", {"fy": deeds[0].fiscal_year}).json()
    assert row["suppressed"] is True and row["participants"] is None and row["name_th"] == w.org.name_th
    csv = client.get(
        reverse("reports:export", args=["organisations", "csv"]), {"fy": deeds[0].fiscal_year, "area": "71"}
    ).content.decode("utf-8-sig")
    assert w.org.name_th in csv and "<5" in csv and ",15," not in csv


def test_the_public_page_keeps_its_own_larger_minimum(minimum, client):
    w = build_world()
    deeds = verified_deeds(w, 7)  # shown to agencies (7 >= 5), hidden from the public (7 < 10)
    fy = deeds[0].fiscal_year
    national, _provinces = selectors.public_figures(fy)
    assert national.suppressed and national.below == 10
    assert not selectors.headline("71", fy).suppressed
