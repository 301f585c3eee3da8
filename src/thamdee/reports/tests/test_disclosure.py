"""Agencies see aggregates, and no cell that counts fewer people than AGENCY_MIN_CELL (5 in production): not on the
dashboard, its drill-down, its exports and PDF, nor in the reports API. (The suite runs with the minimum off; these
tests set it.)"""

from __future__ import annotations

import io

import pytest
from django.db.models import ProtectedError
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, area
from tests.worlds import build_world, verified_deeds
from thamdee.common.errors import DomainError
from thamdee.reports import selectors
from thamdee.reports.selectors import Figures, protect

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
    assert children["71091101"].suppressed and children["71091101"].deeds == 0
    # Shown beside the subdistrict's total (85), village 01 alone hidden would be 85 - 30 - 35 = 20: so the
    # smallest other village with people in it is hidden too, and looks the same (a dash, no "<5" on either).
    assert children["71091102"].suppressed and children["71091102"] == children["71091101"] == Figures(suppressed=True)
    assert not children["71091103"].suppressed and children["71091103"].credits_issued == 35
    assert not children["71091104"].suppressed and children["71091104"].is_empty()  # nobody: zeros, not hidden
    assert selectors.headline("71091101", w.fy).suppressed
    total = selectors.headline("710911", w.fy)
    assert not total.suppressed and total.participants == 17 and total.credits_issued == 85
    months = [f for _y, _m, f in selectors.by_month("71091101", w.fy)]
    assert any(f.suppressed for f in months)
    assert all(f.suppressed or f.is_empty() or f.participants >= MINIMUM for f in months)


def test_one_hidden_cell_among_many_hides_the_smallest_other_one():
    cells = [Figures(deeds=3, participants=3), Figures(), Figures(deeds=9, participants=6)]
    cells += [Figures(deeds=20, participants=12)]
    out = protect(cells, 5)
    assert [f.suppressed for f in out] == [True, False, True, False]
    assert out[1:4:2] == cells[1:4:2]  # the others as they were
    assert protect([Figures(deeds=30, participants=12)] * 2, 5) == [Figures(deeds=30, participants=12)] * 2


def test_the_dashboard_drill_down_and_exports_show_less_than_five(client, one_person_in_a_village):
    w = one_person_in_a_village
    client.force_login(w.staff)
    html = client.get(reverse("reports:area", args=["710911"]), {"fy": w.fy}).content.decode()
    # Beside their total, the small village and the one hidden to protect it look the same: a dash, no "<5"
    row = html[html.index('data-area-code="71091101"') :].split("</tr>")[0]
    assert "—" in row and "&lt;" not in row and ">20<" not in row and ">4<" not in row
    row = html[html.index('data-area-code="71091102"') :].split("</tr>")[0]
    assert "—" in row and "&lt;" not in row and ">30<" not in row
    headline = html[html.index('data-testid="headline"') :].split("</div></div></div></div>")[0]
    assert ">17<" in headline  # the subdistrict's total: 17 deeds, shown
    csv = client.get(reverse("reports:export", args=["areas", "csv"]), {"fy": w.fy, "area": "710911"}).content.decode(
        "utf-8-sig"
    )
    line = next(line for line in csv.splitlines() if line.startswith("71091101"))
    assert "—" in line and "<5" not in line and ",20," not in line and ",4," not in line
    line = next(line for line in csv.splitlines() if line.startswith("71091102"))
    assert "—" in line and ",30," not in line and ",6," not in line
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


# --- one person counted in many cells ------------------------------------------------------------------------------
# A cell counts each person once, but a sum of cells (an area over its villages, target areas together,
# organisations of a kind) adds up those counts: one person active in five villages would count as five and
# unlock a threshold of five on their own. The threshold is tested against the people themselves.

VILLAGES = ["71091101", "71091102", "71091103", "71091104", "71091105"]


def _deeds_of(w, member, villages):  # type: ignore[no-untyped-def]
    """One verified deed of ``member`` in each of ``villages`` (several entries for a village: several deeds)."""
    import datetime as dt

    from thamdee.deeds import services

    entries = [
        services.DeedInput(
            member=member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=1, area=area(v)
        )
        for v in villages
    ]
    deeds = services.deed_record_for(actor=w.organiser, entries=entries)
    services.deed_verify_bulk(actor=w.verifier, deeds=deeds)
    return deeds


@pytest.fixture
def one_person_in_five_villages(minimum):  # type: ignore[no-untyped-def]
    w = build_world()
    deeds = _deeds_of(w, w.member, VILLAGES)
    w.fy = deeds[0].fiscal_year
    w.staff = AgencyStaffFactory(scope_area=area("71")).user
    return w


def test_one_person_in_five_villages_unlocks_no_sum_of_them(one_person_in_five_villages):
    w = one_person_in_five_villages
    for code in ("710911", "7109", "71", ""):
        headline = selectors.headline(code, w.fy)
        assert headline.suppressed and headline.below == MINIMUM and headline.deeds == 0, code
    assert {a.code: f.suppressed for a, f in selectors.by_child_area("7109", w.fy)}["710911"]
    assert {a.code: f.suppressed for a, f in selectors.by_child_area("71", w.fy)}["7109"]
    assert {a.code: f.suppressed for a, f in selectors.by_child_area("", w.fy)}["71"]
    assert all(f.suppressed or f.is_empty() for _y, _m, f in selectors.by_month("710911", w.fy))
    assert all(f.suppressed or f.is_empty() for _v, f in selectors.by_virtue("710911", w.fy))
    assert all(f.suppressed or f.is_empty() for _d, f in selectors.by_dimension("710911", w.fy))


def test_one_person_in_five_villages_unlocks_no_target_area(one_person_in_five_villages):
    from thamdee.reports import services as report_services

    w = one_person_in_five_villages
    report_services.target_area_designate(actor=w.staff, programme=w.programme, fiscal_year=w.fy, area=area("710911"))
    inside, outside, each = selectors.target_vs_other("71", w.fy)
    assert inside.suppressed and inside.deeds == 0
    assert outside.is_empty()
    assert [(a.code, f.suppressed) for a, f in each] == [("710911", True)]


def test_one_person_in_five_villages_is_hidden_on_the_dashboard_and_in_the_api(client, one_person_in_five_villages):
    w = one_person_in_five_villages
    client.force_login(w.staff)
    page = client.get(reverse("reports:area", args=["7109"]), {"fy": w.fy})
    assert page.status_code == 200  # a hidden headline renders as "<5" (it was a template error)
    html = page.content.decode()
    headline = html[html.index('data-testid="headline"') :].split("</div></div></div></div>")[0]
    assert "&lt;5" in headline and ">5<" not in headline
    row = html[html.index('data-area-code="710911"') :].split("</tr>")[0]
    assert "—" in row and ">25<" not in row
    api = APIClient()
    api.force_authenticate(w.staff)
    body = api.get("/api/v1/reports/areas/710911/", {"fy": w.fy}).json()
    assert body["totals"]["suppressed"] is True and body["totals"]["participants"] is None


def test_one_person_in_ten_villages_unlocks_nothing_on_the_public_page(client):
    w = build_world()
    deeds = _deeds_of(w, w.member, VILLAGES) + _deeds_of(w, w.member, [f"710912{n:02d}" for n in range(1, 6)])
    national, provinces = selectors.public_figures(deeds[0].fiscal_year)
    assert national.suppressed and national.below == 10
    assert all(f.suppressed or f.is_empty() for _a, f in provinces)


def test_one_person_in_five_organisations_unlocks_no_filtered_headline(minimum):
    from tests.factories import OrganisationFactory
    from thamdee.deeds.models import Deed, DeedStatus
    from thamdee.orgs.models import OrgKind
    from thamdee.reports import rollups

    w = build_world()
    for _ in range(5):
        Deed.objects.create(
            member=w.member,
            deed_type=w.care,
            organisation=OrganisationFactory(area=area("710911"), kind=OrgKind.SAVINGS_GROUP),
            area=area("71091101"),
            done_on=w.today,
            hours=1,
            credits=5,
            status=DeedStatus.VERIFIED,
            recorded_by=w.organiser,
        )
    rollups.rebuild()
    fy = Deed.objects.first().fiscal_year
    figures = selectors.filtered_headline("71", fy, kind=OrgKind.SAVINGS_GROUP)
    assert figures.suppressed and figures.deeds == 0


def test_different_people_spread_thinly_over_villages_are_shown(minimum):
    """Two people in each of three villages: no village may be shown, their subdistrict (six people) may."""
    w = build_world()
    from tests.factories import member_of

    for village in VILLAGES[:3]:
        for person in (member_of(w.org), member_of(w.org)):
            _deeds_of(w, person, [village])
    fy = selectors.current_and_recent_years()[0]
    headline = selectors.headline("710911", fy)
    assert not headline.suppressed and headline.participants == 6
    children = {a.code: f for a, f in selectors.by_child_area("710911", fy)}
    assert all(children[v].suppressed for v in VILLAGES[:3])


def test_two_people_counted_in_three_villages_stay_hidden(minimum):
    """Five per-village counts, two people: hidden."""
    w = build_world()
    from tests.factories import member_of

    other = member_of(w.org)
    _deeds_of(w, w.member, VILLAGES[:3])
    deeds = _deeds_of(w, other, VILLAGES[:2])
    assert selectors.headline("710911", deeds[0].fiscal_year).suppressed


def test_too_many_cells_to_count_leave_the_sum_hidden(minimum, monkeypatch):
    """Where counting the people would read more cells than allowed, the sum is hidden, never shown on a guess."""
    w = build_world()
    from tests.factories import member_of

    for village in VILLAGES[:3]:
        for person in (member_of(w.org), member_of(w.org)):
            _deeds_of(w, person, [village])
    monkeypatch.setattr(selectors, "MAX_CELLS_COUNTED", 2)
    headline = selectors.headline("710911", selectors.current_and_recent_years()[0])
    assert headline.suppressed and headline.below == MINIMUM


def test_the_people_are_counted_only_when_the_rollups_leave_it_open(one_person_in_a_village, django_assert_num_queries):
    """Villages of 4, 6 and 7 people: the largest alone shows their subdistrict; one village is one cell."""
    w = one_person_in_a_village
    # (whether the area is hidden in the lists above it is a read of its own, ``hidden_above``)
    with django_assert_num_queries(1):
        assert not selectors.headline("710911", w.fy, hidden=False).suppressed
    with django_assert_num_queries(1):
        assert selectors.headline("71091101", w.fy, hidden=False).suppressed


# --- hidden cells beside their total ---------------------------------------------------------------------------------
# The total less the cells shown gives the hidden cells' figures together: those must count at least the minimum
# people together, each once, or the total must be hidden (``selectors.protect``).


def _worked_out(children, total):  # type: ignore[no-untyped-def]
    """What the total less the cells shown gives: the hidden cells' people and credits together."""
    shown = [f for _a, f in children if not f.suppressed]
    return (
        total.participants - sum(f.participants for f in shown),
        total.credits_issued - sum(f.credits_issued for f in shown),
    )


def test_two_people_alone_in_their_villages_are_not_given_away_by_the_total(minimum):
    """The reviewer's case: villages of 1, 1 and 7 people. Both small villages hidden, the 7 and the total (9
    people, 45 credits) shown, would give 2 people and 10 credits for the two together, and each of the two
    the other's figures. The 7 is hidden too: the total then gives nothing that 5 people do not share."""
    w = build_world()
    fy = verified_deeds(w, 1, village="71091101")[0].fiscal_year
    verified_deeds(w, 1, village="71091102")
    verified_deeds(w, 7, village="71091103")
    children = selectors.by_child_area("710911", fy)
    total = selectors.headline("710911", fy)
    assert not total.suppressed and (total.participants, total.credits_issued) == (9, 45)
    assert {a.code for a, f in children if f.suppressed} == {"71091101", "71091102", "71091103"}
    assert _worked_out(children, total) == (9, 45)  # the hidden cells together: 9 people, not 2
    # The village hidden to protect the others looks like them: no "<5" on the small ones to tell them apart
    assert len({(f.suppressed, f.below, f.deeds) for _a, f in children if f.suppressed}) == 1
    api = APIClient()
    api.force_authenticate(AgencyStaffFactory(scope_area=area("71")).user)
    body = api.get("/api/v1/reports/areas/710911/", {"fy": fy}).json()
    rows = {row["key"]: row["figures"] for row in body["areas"]}
    assert rows["71091103"] == rows["71091101"] and rows["71091103"]["participants"] is None
    assert body["totals"]["participants"] == 9


def test_three_small_villages_of_different_people_protect_each_other(minimum, django_assert_num_queries):
    """Villages of 2, 2 and 2 different people and one of 7: the three small ones hidden hold 6 people together,
    counted once from their deeds (one more read), so the 7 is shown."""
    w = build_world()
    from tests.factories import member_of

    for village in VILLAGES[:3]:
        for person in (member_of(w.org), member_of(w.org)):
            _deeds_of(w, person, [village])
    verified_deeds(w, 7, village=VILLAGES[3])
    fy = selectors.current_and_recent_years()[0]
    # the sums, the areas, and the hidden villages' people counted together (in a savepoint of its own: 3, and on
    # PostgreSQL one more, to turn its JIT off)
    from django.db import connection

    with django_assert_num_queries(5 + (connection.vendor == "postgresql")):
        children = selectors.by_child_area("710911", fy, hidden=False)
    assert children == selectors.by_child_area("710911", fy)  # the subdistrict is not hidden above
    assert {a.code for a, f in children if f.suppressed} == set(VILLAGES[:3])
    assert _worked_out(children, selectors.headline("710911", fy))[0] == 6


def test_three_small_villages_of_the_same_two_people_do_not(minimum):
    """The same two people in three villages: 2 + 2 + 2 per village, but two people. Hidden alone, the total less
    the rest would give those two people's figures: the 7 is hidden too."""
    w = build_world()
    from tests.factories import member_of

    other = member_of(w.org)
    _deeds_of(w, w.member, VILLAGES[:3])
    _deeds_of(w, other, VILLAGES[:3])
    verified_deeds(w, 7, village=VILLAGES[3])
    fy = selectors.current_and_recent_years()[0]
    children = selectors.by_child_area("710911", fy)
    assert {a.code for a, f in children if f.suppressed} == set(VILLAGES[:4])
    total = selectors.headline("710911", fy)
    assert not total.suppressed and total.participants == 13  # 2 x 3 + 7 per village; 9 people
    assert _worked_out(children, total)[0] == 13


def test_when_no_cell_is_left_to_hide_the_total_is_hidden(minimum):
    """Villages of 2 and 2 people, and nobody elsewhere: both hidden, and no cell is left to hide with them. Only
    hiding the total protects them, and it is hidden, by its own threshold: 4 people."""
    w = build_world()
    fy = verified_deeds(w, 2, village="71091101")[0].fiscal_year
    verified_deeds(w, 2, village="71091102")
    children = {a.code: f for a, f in selectors.by_child_area("710911", fy)}
    assert children["71091101"].suppressed and children["71091102"].suppressed
    assert selectors.headline("710911", fy).suppressed
    assert protect([Figures(deeds=2, participants=2), Figures(deeds=2, participants=2), Figures()], 5) == [
        Figures(suppressed=True),
        Figures(suppressed=True),
        Figures(),
    ]


def test_the_public_page_hides_a_province_beside_the_national_total(client):
    """Provinces of 9 and 12 people beside a national total of 21 (minimum 10): the 12 is hidden with the 9."""
    w = build_world()
    fy = verified_deeds(w, 9, village="71091101")[0].fiscal_year
    verified_deeds(w, 12, village="10010101")
    national, provinces = selectors.public_figures(fy)
    assert not national.suppressed and national.participants == 21
    hidden = {a.code for a, f in provinces if f.suppressed}
    assert hidden == {"71", "10"}
    csv = client.get(reverse("reports:public"), {"fy": fy, "format": "csv"}).content.decode("utf-8-sig")
    assert ",60," not in csv and ",45," not in csv and ",105," in csv  # 12 x 5, 9 x 5 hidden; 21 x 5 shown


# --- across pages: an area hidden in the list above it ---------------------------------------------------------------
# A list protects its hidden cells against its own total. Another page must not undo that: the page of an area
# hidden in the list above it (small, or hidden to protect a small sibling) hides its total and its splits, and
# the areas below it do not add up to it (``selectors.hidden_above``).


def test_the_village_hidden_to_protect_a_small_one_is_hidden_on_its_own_page(client, one_person_in_a_village):
    """Villages of 4, 6 and 7 people: the 6 is hidden beside the 4 in their subdistrict's list. Its own page
    showed its 30 credits, and the subdistrict's 85 less the 35 shown less those 30 gave the 4 people's 20."""
    w = one_person_in_a_village
    assert selectors.hidden_above("71091102", w.fy) and selectors.hidden_above("71091101", w.fy)
    assert not selectors.hidden_above("71091103", w.fy) and not selectors.hidden_above("710911", w.fy)
    own = selectors.headline("71091102", w.fy)
    assert own == Figures(suppressed=True) and own.below == 0  # a dash, as in the list: not "<5"
    for split in (selectors.by_month, selectors.by_virtue, selectors.by_dimension):
        cells = [row[-1] for row in split("71091102", w.fy)]
        assert all(f.suppressed or f.is_empty() for f in cells), split.__name__
        assert any(f.suppressed for f in cells), split.__name__
    assert not selectors.headline("71091103", w.fy).suppressed  # the village shown in the list is shown alone
    # the dashboard, its drill-down, the API and the export say the same
    client.force_login(w.staff)
    page = client.get(reverse("reports:dashboard"), {"fy": w.fy, "area": "71091102"}).content.decode()
    panel = client.get(reverse("reports:area", args=["71091102"]), {"fy": w.fy}).content.decode()
    for html in (page, panel):
        headline = html[html.index('data-testid="headline"') :].split("</div></div></div></div>")[0]
        assert ">30<" not in headline and ">6<" not in headline and "—" in headline
        assert 'data-testid="hidden-above-note"' in html
    assert ">30<" not in page
    shown = client.get(reverse("reports:area", args=["71091103"]), {"fy": w.fy}).content.decode()
    assert 'data-testid="hidden-above-note"' not in shown and ">35<" in shown
    csv = client.get(reverse("reports:export", args=["months", "csv"]), {"fy": w.fy, "area": "71091102"})
    assert ",30," not in csv.content.decode("utf-8-sig")
    api = APIClient()
    api.force_authenticate(w.staff)
    body = api.get("/api/v1/reports/areas/71091102/", {"fy": w.fy}).json()
    assert body["totals"]["suppressed"] is True and body["totals"]["credits_issued"] is None
    assert all(row["figures"]["credits_issued"] in (None, 0) for row in body["months"] + body["virtues"])


def test_the_areas_below_an_area_hidden_above_do_not_add_up_to_it(minimum, django_assert_num_queries):
    """In district 7109: subdistrict 710911 of 2 people, 710912 of 6 + 7 (two villages) and 710901 of 20. The
    district's list hides 710911 and, to protect it, 710912. Were both villages of 710912 shown, they would add up
    to it, and the district less 710901 less 710912 would give the two people's figures: one of them is hidden
    too, and the two hidden together count eight people."""
    w = build_world()
    fy = verified_deeds(w, 2, village="71091101")[0].fiscal_year
    verified_deeds(w, 6, village="71091201")
    verified_deeds(w, 7, village="71091202")
    verified_deeds(w, 20, village="71090101")
    district = {a.code: f for a, f in selectors.by_child_area("7109", fy)}
    assert district["710911"].suppressed and district["710912"].suppressed and not district["710901"].suppressed
    assert selectors.headline("710912", fy).suppressed
    villages = {a.code: f for a, f in selectors.by_child_area("710912", fy)}
    assert villages["71091201"].suppressed and not villages["71091202"].suppressed
    assert villages["71091202"].participants == 7
    # what every page shown gives, put together: the district less what is shown of it, to the village
    total = selectors.headline("7109", fy)
    shown = [district["710901"], villages["71091202"]]
    assert total.participants - sum(f.participants for f in shown) == 8  # 2 + 6 people, never the 2 alone
    # the village hidden below the hidden subdistrict is hidden on its own page, and its months with it
    assert selectors.hidden_above("71091201", fy) and selectors.headline("71091201", fy).suppressed
    assert all(f.suppressed or f.is_empty() for _y, _m, f in selectors.by_month("71091201", fy))
    assert not selectors.hidden_above("71091202", fy) and not selectors.headline("71091202", fy).suppressed
    # with the minimum off (as in the rest of the suite), nothing is hidden and nothing is read for it
    from django.conf import settings
    from django.test import override_settings

    with override_settings(THAMDEE={**settings.THAMDEE, "AGENCY_MIN_CELL": 0}):
        with django_assert_num_queries(0):
            assert not selectors.hidden_above("71091201", fy)
        assert selectors.headline("710912", fy).participants == 13


def _deeds_of_type(w, deed_type, people: int):  # type: ignore[no-untyped-def]
    import datetime as dt

    from tests.factories import member_of
    from thamdee.deeds import services

    entries = [
        services.DeedInput(
            member=member_of(w.org),
            deed_type=deed_type,
            done_on=w.today - dt.timedelta(days=1),
            hours=1,
            area=area("71091101"),
        )
        for _ in range(people)
    ]
    deeds = services.deed_record_for(actor=w.organiser, entries=entries)
    services.deed_verify_bulk(actor=w.verifier, deeds=deeds)
    return deeds


def test_a_small_virtue_is_not_given_away_by_the_total_less_the_others(minimum):
    """Ten people's care (volunteering, health) and two people's returned property (honesty, society) in one
    village: the honesty cell is hidden, and volunteering with it, since the village's total less volunteering
    would give the two people's figures. The same for the dimensions."""
    w = build_world()
    fy = _deeds_of_type(w, w.care, 10)[0].fiscal_year
    _deeds_of_type(w, w.lost, 2)
    total = selectors.headline("71091101", fy)
    assert not total.suppressed and total.participants == 12
    virtues = {v.code: f for v, f in selectors.by_virtue("71091101", fy)}
    assert virtues["honesty"].suppressed and virtues["volunteering"].suppressed
    assert virtues["honesty"] == virtues["volunteering"] == Figures(suppressed=True)
    dimensions = {d.code: f for d, f in selectors.by_dimension("71091101", fy)}
    assert dimensions["society"].suppressed and dimensions["health"].suppressed
    # a third virtue of five or more people is the one hidden with the small one when it is the smallest shown
    _deeds_of_type(w, w.save, 5)
    virtues = {v.code: f for v, f in selectors.by_virtue("71091101", fy)}
    assert virtues["honesty"].suppressed and virtues["sufficiency"].suppressed
    assert not virtues["volunteering"].suppressed and virtues["volunteering"].participants == 10


def _typed(w, code: str, virtues: list[str], dimensions: list[str], **mains: str):  # type: ignore[no-untyped-def]
    from thamdee.deeds import services

    return services.deed_type_create(
        actor=w.admin,
        programme=w.programme,
        organisation=w.org,
        code=code,
        name_th=code,
        criterion="-",
        unit="hour",
        virtues=virtues,
        dimensions=dimensions,
        **mains,
    )


def _rows(split, code: str, fy: int) -> dict[str, Figures]:  # type: ignore[no-untyped-def]
    return {row.code: f for row, f in split(code, fy)}


def test_a_deed_counts_under_one_virtue_so_the_total_less_the_virtues_shown_gives_no_one_away(minimum):
    """Type X counts under sufficiency and volunteering (10 people), returned property under honesty (2 people).
    Counted under each of its virtues, X's deeds were in both, and the total (12) less volunteering (10, shown)
    gave honesty's two people. Each deed now counts under its type's main virtue (by default the first in the
    catalogue's order: sufficiency), so the virtues add up to the total and hiding honesty hides one more of them."""
    w = build_world()
    both = _typed(w, "both", ["volunteering", "sufficiency"], ["health", "economy"])
    assert (both.main_virtue.code, both.main_dimension.code) == ("sufficiency", "health")
    fy = _deeds_of_type(w, both, 10)[0].fiscal_year
    _deeds_of_type(w, w.lost, 2)
    virtues = _rows(selectors.by_virtue, "71091101", fy)
    assert virtues["volunteering"].is_empty() and not virtues["volunteering"].suppressed  # X is not counted here
    assert virtues["honesty"] == virtues["sufficiency"] == Figures(suppressed=True)
    assert sum(f.deeds for f in virtues.values() if not f.suppressed) == 0  # nothing shown to take from the total
    dimensions = _rows(selectors.by_dimension, "71091101", fy)
    assert dimensions["economy"].is_empty()
    assert dimensions["health"] == dimensions["society"] == Figures(suppressed=True)
    # with nothing hidden, the virtues add up to the total exactly
    _deeds_of_type(w, w.lost, 3)
    virtues = _rows(selectors.by_virtue, "71091101", fy)
    total = selectors.headline("71091101", fy)
    assert virtues["sufficiency"].participants == 10 and virtues["honesty"].participants == 5
    assert sum(f.deeds for f in virtues.values()) == total.deeds == 15
    assert sum(f.credits_issued for f in virtues.values()) == total.credits_issued
    # a main virtue named when the type is added, which must be one of its own
    named = _typed(w, "named", ["volunteering", "sufficiency"], ["health"], main_virtue="volunteering")
    _deeds_of_type(w, named, 5)
    assert _rows(selectors.by_virtue, "71091101", fy)["volunteering"].participants == 5
    with pytest.raises(DomainError) as refused:
        _typed(w, "wrong", ["volunteering"], ["health"], main_virtue="honesty")
    assert refused.value.code == "deed_type_main_not_chosen" and refused.value.status == 400


def test_deeds_of_a_type_of_no_virtue_are_a_row_of_their_own(minimum, settings):
    """Ten people's care and one person's deed of a type kept from before with no virtue and no dimension: they
    were counted under none, and the total less volunteering gave that person's deed. They are a row, "no virtue"
    ("no dimension"), hidden with volunteering; a virtue closed after its deeds is still listed."""
    from django.utils import translation

    from thamdee.deeds.models import DeedType, Virtue
    from thamdee.reports import rollups

    w = build_world()
    fy = _deeds_of_type(w, w.care, 10)[0].fiscal_year
    bare = _typed(w, "bare", ["honesty"], ["society"])
    DeedType.objects.filter(pk=bare.pk).update(main_virtue=None, main_dimension=None)
    bare.refresh_from_db()
    _deeds_of_type(w, bare, 1)
    virtues = _rows(selectors.by_virtue, "71091101", fy)
    assert virtues[rollups.NONE] == virtues["volunteering"] == Figures(suppressed=True)
    dimensions = _rows(selectors.by_dimension, "71091101", fy)
    assert dimensions[rollups.NONE] == dimensions["health"] == Figures(suppressed=True)
    with translation.override("en"):
        labels = [v.display_name() for v, _f in selectors.by_virtue("71091101", fy)]
    assert labels[-1] == "No virtue"
    Virtue.objects.filter(code="volunteering").update(is_active=False)
    settings.THAMDEE = {**settings.THAMDEE, "AGENCY_MIN_CELL": 0}
    virtues = _rows(selectors.by_virtue, "71091101", fy)
    assert virtues["volunteering"].deeds == 10 and virtues[rollups.NONE].deeds == 1
    assert "gratitude" in virtues  # active, with no deeds: a zero
    Virtue.objects.filter(code="gratitude").update(is_active=False)  # closed, with no deeds: not listed
    assert "gratitude" not in _rows(selectors.by_virtue, "71091101", fy)


def test_a_code_no_longer_in_the_catalogue_keeps_its_row(minimum):
    """Cells kept under a virtue's code that the catalogue no longer has (renamed in the database) are still a row,
    so that the total less the rows listed does not give them away: 10 people's care and 2 people's gratitude."""
    from thamdee.deeds.models import Virtue

    w = build_world()
    fy = _deeds_of_type(w, w.care, 10)[0].fiscal_year
    _deeds_of_type(w, _typed(w, "thanks", ["gratitude"], ["health"]), 2)
    Virtue.objects.filter(code="gratitude").update(code="thankfulness")
    virtues = _rows(selectors.by_virtue, "71091101", fy)
    assert virtues["gratitude"] == virtues["volunteering"] == Figures(suppressed=True)
    # a virtue that is a type's main one cannot be deleted
    with pytest.raises(ProtectedError):
        Virtue.objects.filter(code="thankfulness").delete()


def test_the_catalogue_order_changed_later_moves_no_deed(minimum):
    """The main virtue is kept on the type: a deed verified under it is reversed from it, whatever the catalogue's
    order has become since (read from the order at each step, the reversal took the deed from another virtue's
    cell, and was refused by the cell's own check when that one held none)."""
    from thamdee.deeds import services
    from thamdee.deeds.models import Virtue
    from thamdee.reports import rollups

    w = build_world()
    (care,) = _deeds_of_type(w, w.care, 1)
    services.deed_reverse(actor=w.verifier2, deed=care, reason="ผิด")  # a volunteering cell left at 0 deeds
    both = _typed(w, "both", ["volunteering", "sufficiency"], ["health"])
    (deed,) = _deeds_of_type(w, both, 1)
    Virtue.objects.filter(code="sufficiency").update(ordering=9)
    services.deed_reverse(actor=w.verifier2, deed=deed, reason="ผิด")
    assert rollups.check().ok


@pytest.mark.django_db(transaction=True)  # SQLite's schema editor cannot drop a column inside the test's transaction
def test_the_migrations_choose_the_main_virtues_and_count_the_kept_splits_again():
    """Types kept from before get the first of their virtues (dimensions) in the catalogue's order as their main
    one (``deeds`` 0009), and the cells kept by the older code, which counted a deed under each of its type's
    virtues, are counted again under it (``reports`` 0008); the totals and months are left as they were."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from thamdee.deeds.models import DeedType
    from thamdee.reports import rollups
    from thamdee.reports.models import Rollup

    w = build_world()
    both = _typed(w, "both", ["volunteering", "sufficiency"], ["society", "health"], main_virtue="volunteering")
    fy = _deeds_of_type(w, both, 6)[0].fiscal_year
    unsplit = sorted(Rollup.objects.filter(virtue="", dimension="").values_list("area_code", "month", "deeds"))
    before = [("reports", "0007_rollup_year_totals"), ("deeds", "0008_agency_verifies_templates")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("reports", "Rollup")
    year = old.objects.get(area_code="71091101", fiscal_year=fy, month=0, virtue="volunteering")
    old.objects.create(  # the older code counted the deeds under each virtue of the type
        **{f.name: getattr(year, f.name) for f in old._meta.fields if f.name not in ("id", "virtue")},
        virtue="sufficiency",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    both.refresh_from_db()
    assert (both.main_virtue.code, both.main_dimension.code) == ("sufficiency", "health")
    cells = Rollup.objects.filter(area_code="71091101", fiscal_year=fy, month=0, deeds__gt=0)
    assert set(cells.exclude(virtue="").values_list("virtue", "deeds")) == {("sufficiency", 6)}
    assert set(cells.exclude(dimension="").values_list("dimension", "deeds")) == {("health", 6)}
    assert sorted(Rollup.objects.filter(virtue="", dimension="").values_list("area_code", "month", "deeds")) == unsplit
    assert rollups.check().ok
    assert DeedType.objects.get(pk=w.care.pk).main_virtue.code == "volunteering"


def test_a_small_target_area_is_not_given_away_by_the_targets_together(minimum):
    """Two target subdistricts, of 2 and 10 people, and a third of 9 in district 7109. The 10 is shown on its own
    page and in the district's list (which hides the 2 and the 9): so the targets together (12) less it would give
    the two people's figures. The targets together are hidden, and the rest with them (the total less the rest
    would give them); what every page shown gives is the 2 with the 9."""
    from thamdee.reports import services as report_services

    w = build_world()
    fy = verified_deeds(w, 2, village="71091101")[0].fiscal_year
    verified_deeds(w, 10, village="71091201")
    verified_deeds(w, 9, village="71090101")
    for code in ("710911", "710912"):
        report_services.target_area_designate(actor=w.staff, programme=w.programme, fiscal_year=fy, area=area(code))
    inside, outside, each = selectors.target_vs_other("7109", fy)
    assert inside.suppressed and outside.suppressed
    assert {a.code: f.suppressed for a, f in each} == {"710911": True, "710912": False}
    children = {a.code: f for a, f in selectors.by_child_area("7109", fy)}
    assert each[1][1] == children["710912"] and children["710901"].suppressed
    total = selectors.headline("7109", fy)
    assert total.participants - children["710912"].participants == 11
    # the targets page shows each target as its own page does
    rows = selectors.target_headlines(selectors.target_areas(fy), fy)
    assert {t.area.code: f.suppressed for t, f in rows} == {"710911": True, "710912": False}


def test_the_targets_of_an_area_hidden_above_and_the_rest_do_not_add_up_to_it(minimum):
    """District 7109 (51 people) is hidden beside district 7101 of 2. Its target subdistrict 710912 (20) is shown in
    its own list, which hides its 6: the targets together are known, so the rest (31) is hidden; shown, it would
    give 7109's total, and the province's less 7102's the 2 people's."""
    from thamdee.reports import services as report_services

    w = build_world()
    fy = verified_deeds(w, 2, village="71010101")[0].fiscal_year
    verified_deeds(w, 60, village="71020101")
    verified_deeds(w, 6, village="71090101")
    verified_deeds(w, 20, village="71091201")
    verified_deeds(w, 25, village="71090301")
    report_services.target_area_designate(actor=w.staff, programme=w.programme, fiscal_year=fy, area=area("710912"))
    assert selectors.hidden_above("7109", fy) and not selectors.hidden_above("710912", fy)
    inside, outside, _each = selectors.target_vs_other("7109", fy)
    assert not inside.suppressed and inside.participants == 20  # the target, as its own page shows it
    assert outside.suppressed


# --- the credits spent: counted by the spenders' home area, with a threshold of their own ---------------------------


def _spenders(w, village: str, people: int, cost: int = 5):  # type: ignore[no-untyped-def]
    """``people`` members living in ``village`` who each spend ``cost`` credits with a partner (and do no deed)."""
    from tests.factories import member_of
    from thamdee.rewards.tests.conftest import approved_partner, give, make_offer, redeem

    if not hasattr(w, "offer"):
        partner, staff = approved_partner(w.staff)
        w.offer = make_offer(staff, partner, cost=cost, stock=1000)
    for _ in range(people):
        person = member_of(w.org)
        person.home_area = area(village)
        person.save()
        give(w.org, person, cost)
        redeem(person, w.offer)


def test_one_residents_spending_is_hidden_beside_the_deeds_of_others(client, minimum):
    """Six people's deeds in a village, and one person living there who spent 5 credits: the village showed
    that one person's spending. Now the spending needs five spenders of its own; the deeds' figures stay."""
    w = build_world()
    fy = verified_deeds(w, 6, village="71091101")[0].fiscal_year
    _spenders(w, "71091101", 1)
    own = selectors.headline("71091101", fy)
    assert not own.suppressed and own.deeds == 6 and own.spent_hidden and own.credits_spent == 0
    listed = {a.code: f for a, f in selectors.by_child_area("710911", fy)}["71091101"]
    assert not listed.suppressed and listed.spent_hidden
    assert all(f.spent_hidden or not f.credits_spent for _y, _m, f in selectors.by_month("71091101", fy))
    client.force_login(w.staff)
    html = client.get(reverse("reports:area", args=["71091101"]), {"fy": fy}).content.decode()
    assert 'data-testid="spent-hidden-note"' in html
    api = APIClient()
    api.force_authenticate(w.staff)
    totals = api.get("/api/v1/reports/areas/71091101/", {"fy": fy}).json()["totals"]
    assert totals["credits_spent"] is None and totals["deeds"] == 6
    csv = client.get(reverse("reports:export", args=["areas", "csv"]), {"fy": fy, "area": "710911"})
    row = next(line for line in csv.content.decode("utf-8-sig").splitlines() if line.startswith("71091101"))
    assert row.split(",")[5] == "—" and row.split(",")[2] == "6"


def test_spending_of_five_spenders_is_shown_and_a_list_hides_it_all_or_none(minimum):
    """Five spenders in village 01 and one in village 02 (deeds of six people in each): village 01's spending is
    shown on its own page only while no list above hides spending. The subdistrict's list hides village 02's
    spending, so it hides village 01's too (the subdistrict's 30 less 01's 25 would give the one person's 5), and
    village 01's own page hides it as well. The subdistrict's spending (six spenders) is shown."""
    w = build_world()
    fy = verified_deeds(w, 6, village="71091101")[0].fiscal_year
    verified_deeds(w, 6, village="71091102")
    _spenders(w, "71091101", 5)
    assert selectors.headline("71091101", fy).credits_spent == 25  # alone, five spenders: shown
    _spenders(w, "71091102", 1)
    listed = {a.code: f for a, f in selectors.by_child_area("710911", fy)}
    assert listed["71091101"].spent_hidden and listed["71091102"].spent_hidden
    assert not listed["71091101"].suppressed and listed["71091101"].deeds == 6
    assert selectors.hidden_above("71091101", fy).spending and not selectors.hidden_above("71091101", fy).hidden
    own = selectors.headline("71091101", fy)
    assert own.spent_hidden and own.deeds == 6
    total = selectors.headline("710911", fy)
    assert not total.spent_hidden and total.credits_spent == 30
    # the rollups count the spenders by home area, and a rebuild gives what the hooks kept
    from thamdee.reports import rollups
    from thamdee.reports.models import Rollup

    kept = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == kept
    cell = Rollup.objects.get(area_code="71091101", fiscal_year=fy, month=0, virtue="", dimension="")
    assert (cell.credits_spent, cell.spenders) == (25, 5)


def test_a_dashboard_reads_the_lists_above_each_target_once(minimum, client):
    """Twenty target subdistricts: the lists above them are read once for all (``hidden_above_many``), not from
    the country down for each target."""
    import geothai
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from thamdee.reports import services as report_services

    w = build_world()
    fy = verified_deeds(w, 6, village="71091101")[0].fiscal_year
    staff = AgencyStaffFactory(scope_area=area("71")).user
    client.force_login(staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reports:dashboard"), {"fy": fy, "area": "71"}).status_code == 200
        return len(queries)

    subdistricts = [s.code for d in ("7101", "7102") for s in geothai.subdistricts(d)][:20]
    for code in subdistricts:
        verified_deeds(w, 5, village=code + "01")
    before = count()
    for code in subdistricts:
        report_services.target_area_designate(actor=w.staff, programme=w.programme, fiscal_year=fy, area=area(code))
    assert count() - before <= 2 * len(subdistricts) + 10
