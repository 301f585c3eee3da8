"""The public roll of organisations and provinces confirmed at a level: anyone reads it, on the web and through the
API, by year, area, level, subject and name; it lists only results confirmed at one of the three levels and names
no person."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from tests.factories import OrganisationFactory, area, member_of
from thamdee.assessments import services, views
from thamdee.assessments.models import Assessment, Level
from thamdee.assessments.tests.conftest import all_scores
from thamdee.common.thaitime import current_fiscal_year

pytestmark = pytest.mark.django_db

ROLL = reverse("assessments:roll")
API = "/api/v1/assessments/roll/"


def result(admin, reviewer, *, organisation=None, province=None, score=2, count=9, confirm=True, year=None):
    """An assessment scored ``score`` on every activity (None: only the first level's activities passed), submitted,
    and confirmed (True), returned (False) or left waiting (None)."""
    a = services.assessment_open(actor=admin, organisation=organisation, province=province, fiscal_year=year)
    if score is None:
        first = set(a.framework.indicators.filter(level=Level.PROMOTING).values_list("number", flat=True))
        scores = {n: (2 if n in first else 0, f"หลักฐานข้อ {n}") for n in range(1, count + 1)}
    else:
        scores = all_scores(score, count=count)
    services.assessment_score(actor=admin, assessment=a, scores=scores)
    services.assessment_submit(actor=admin, assessment=a)
    if confirm is None:
        return a  # submitted, waiting
    return services.assessment_review(actor=reviewer, assessment=a, confirm=confirm, note="" if confirm else "ขอแก้")


@pytest.fixture
def roll(scene):
    """A model organisation in Kanchanaburi, a promoting one in Nakhon Ratchasima, Kanchanaburi's own result, and
    results that must not be listed: one that reached no level, one waiting, one returned, one a draft."""
    korat = OrganisationFactory(area=area("300101"), name_th="วัดบ้านโคราช", name_en="Ban Korat Temple")
    korat_admin = member_of(korat, is_admin=True)
    listed = {
        "model": result(scene.admin, scene.provincial, organisation=scene.org),
        "promoting": result(korat_admin, scene.elsewhere, organisation=korat, score=None),
        "province": result(scene.provincial, scene.national, province=area("71"), count=10),
    }
    hidden = {}
    for name, kwargs in {
        "none": {"score": 0},
        "waiting": {"confirm": None},
        "returned": {"confirm": False},
        "draft": {},
    }.items():
        org = OrganisationFactory(area=area("710911"), name_th=f"กลุ่มไม่แสดง {name}")
        admin = member_of(org, is_admin=True)
        if name == "draft":
            hidden[name] = services.assessment_open(actor=admin, organisation=org)
        else:
            hidden[name] = result(admin, scene.provincial, organisation=org, **kwargs)
    assert listed["model"].confirmed_level == Level.MODEL
    assert listed["promoting"].confirmed_level == Level.PROMOTING
    assert hidden["none"].confirmed_level == Level.NONE
    return listed, hidden, korat_admin


def names(body: str, *items: Assessment) -> list[bool]:
    """Whether each item is listed: its verification link is on the page (a province's name is also in the filter)."""
    return [str(item.public_id) in body for item in items]


def test_anyone_reads_the_roll_of_results_confirmed_at_a_level_and_nothing_else(client, scene, roll):
    listed, hidden, korat_admin = roll
    response = client.get(ROLL)  # signed out
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('data-testid="roll-line"') == 3
    assert all(names(body, *listed.values()))
    assert not any(names(body, *hidden.values()))
    assert "คุณธรรมต้นแบบ" in body and "ส่งเสริมคุณธรรม" in body
    for a in listed.values():
        assert reverse("assessments:verify", args=[a.public_id]) in body
    for person in (scene.admin, scene.provincial, scene.national, scene.elsewhere, korat_admin):
        assert person.full_name not in body
    assert "หลักฐาน" not in body  # no scores, no evidence
    # Highest level first: the model organisation comes before the promoting one.
    assert body.index(listed["model"].subject_name) < body.index(listed["promoting"].subject_name)


def test_the_roll_filters_by_area_level_subject_and_name(client, roll):
    listed, _hidden, _ = roll

    def shown(**params):
        body = client.get(ROLL, params).content.decode()
        return {key for key, a in listed.items() if str(a.public_id) in body}

    assert shown() == {"model", "promoting", "province"}
    assert shown(area="30") == {"promoting"}
    assert shown(area="71") == {"model", "province"}
    assert shown(area="7109") == {"model"}  # a district: the province's own result is not within it
    assert shown(level=Level.MODEL.value) == {"model", "province"}
    assert shown(level=Level.PROMOTING.value) == {"promoting"}
    assert shown(subject="province") == {"province"}
    assert shown(subject="organisation") == {"model", "promoting"}
    assert shown(q="korat") == {"promoting"}  # the English name too
    assert shown(q="โคราช") == {"promoting"}


def test_a_year_s_roll_lists_that_year_s_results_only_and_opens_on_the_latest_year_with_results(client, scene):
    this, last = current_fiscal_year(), current_fiscal_year() - 1
    assert 'data-testid="roll-line"' not in client.get(ROLL).content.decode()  # no results at all: this year, empty
    old = result(scene.admin, scene.provincial, organisation=scene.org, year=last)
    assert old.fiscal_year == last
    # Only last year has results (a year is often confirmed after it ends): the roll opens on it
    opened = client.get(ROLL).content.decode()
    assert str(old.public_id) in opened and f'<option value="{last}" selected>' in opened
    assert str(old.public_id) not in client.get(ROLL, {"fy": this}).content.decode()
    # Once this year has a result, the roll opens on this year, and last year's is one choice away
    korat = OrganisationFactory(area=area("300101"))
    new = result(member_of(korat, is_admin=True), scene.elsewhere, organisation=korat, year=this)
    opened = client.get(ROLL).content.decode()
    assert str(new.public_id) in opened and str(old.public_id) not in opened
    assert str(old.public_id) in client.get(ROLL, {"fy": last}).content.decode()
    # The API opens on the same year
    assert [line["id"] for line in client.get(API).json()["results"]] == [str(new.public_id)]


@pytest.mark.parametrize(
    "params", [{"fy": "abc"}, {"fy": "1999"}, {"level": "0"}, {"level": "9"}, {"area": "xx"}, {"subject": "person"}]
)
def test_a_filter_out_of_range_falls_back_to_all(client, roll, params):
    body = client.get(ROLL, params).content.decode()
    assert body.count('data-testid="roll-line"') == 3  # this year, every area, level and subject


def test_the_roll_pages_through_long_lists(client, roll, monkeypatch):
    monkeypatch.setattr(views, "ROLL_PAGE_SIZE", 2)
    first = client.get(ROLL).content.decode()
    second = client.get(ROLL, {"page": 2}).content.decode()
    assert first.count('data-testid="roll-line"') == 2 and second.count('data-testid="roll-line"') == 1
    assert "1 / 2" in first and "2 / 2" in second


def test_the_roll_downloads_as_csv_with_every_line_and_its_verification_address(client, roll):
    listed, hidden, _ = roll
    response = client.get(ROLL, {"format": "csv", "area": "71"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "ปีงบประมาณ" and len(rows) == 3  # headers, the organisation, the province
    by_name = {row[2]: row for row in rows[1:]}
    model = by_name[listed["model"].subject_name]
    assert model[3:6] == ["กาญจนบุรี", "พนมทวน", "หนองสาหร่าย"]
    assert model[6] == "คุณธรรมต้นแบบ" and model[7] == listed["model"].confirmed_by_agency.name_th
    assert model[9].endswith(reverse("assessments:verify", args=[listed["model"].public_id]))
    assert not any(a.subject_name in by_name for a in hidden.values())


def test_the_roll_downloads_as_excel_with_the_same_lines(client, roll):
    from openpyxl import load_workbook

    response = client.get(ROLL, {"format": "xlsx", "area": "71"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "ปีงบประมาณ" and len(rows) == 3
    assert {row[1] for row in rows[1:]} == {"องค์กร", "จังหวัด"}  # a choice's label, written as text


def test_the_roll_reads_in_a_fixed_number_of_queries(client, scene, roll, django_assert_num_queries):
    year = {"fy": current_fiscal_year()}
    client.get(ROLL, year)  # warm the per-process caches (menus, levels)
    with django_assert_num_queries(4):  # count, page, area names, provinces for the filter
        client.get(ROLL, year)
    with django_assert_num_queries(5):  # and, with no year asked for, the latest year with results
        client.get(ROLL)
    more = [OrganisationFactory(area=area("710911"), name_th=f"องค์กรเพิ่ม {n}") for n in range(3)]
    for org in more:
        result(member_of(org, is_admin=True), scene.provincial, organisation=org)
    with django_assert_num_queries(4):
        assert client.get(ROLL, year).content.decode().count('data-testid="roll-line"') == 6


def test_the_verification_page_leads_to_the_year_s_roll(client, roll):
    listed, _hidden, _ = roll
    a = listed["model"]
    body = client.get(reverse("assessments:verify", args=[a.public_id])).content.decode()
    assert f"{ROLL}?fy={a.fiscal_year}" in body


def test_the_public_menu_leads_to_the_roll(client):
    assert f'href="{ROLL}"' in client.get(reverse("web:about")).content.decode()


# --- the API ------------------------------------------------------------------------------------------------------


def test_anyone_reads_the_roll_through_the_api(client, scene, roll):
    listed, hidden, _ = roll
    response = client.get(API)  # no token, no session
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    by_id = {line["id"]: line for line in data["results"]}
    assert set(by_id) == {str(a.public_id) for a in listed.values()}
    model = by_id[str(listed["model"].public_id)]
    assert model["name"] == scene.org.name_th and model["subject"] == "organisation"
    assert (model["province"], model["district"], model["subdistrict"]) == ("กาญจนบุรี", "พนมทวน", "หนองสาหร่าย")
    assert model["level"] == Level.MODEL and model["level_label"] == "คุณธรรมต้นแบบ"
    assert model["confirmed_by"] == listed["model"].confirmed_by_agency.name_th
    assert model["verify_url"].endswith(reverse("assessments:verify", args=[listed["model"].public_id]))
    province = by_id[str(listed["province"].public_id)]
    assert province["subject"] == "province" and province["district"] == "" and province["area_code"] == "71"
    assert [line["level"] for line in data["results"]] == sorted(
        (line["level"] for line in data["results"]), reverse=True
    )
    assert not {str(a.public_id) for a in hidden.values()} & set(by_id)


def test_the_api_filters_the_roll(client, roll):
    listed, _hidden, _ = roll

    def ids(**params):
        return {line["id"] for line in client.get(API, params).json()["results"]}

    assert ids(area="30") == {str(listed["promoting"].public_id)}
    assert ids(level=3, subject="organisation") == {str(listed["model"].public_id)}
    assert ids(q="Korat") == {str(listed["promoting"].public_id)}
    assert ids(fiscal_year=current_fiscal_year() - 1) == set()


@pytest.mark.parametrize(
    "params, field",
    [
        ({"level": 0}, "level"),
        ({"level": 9}, "level"),
        ({"area": "99"}, "area"),
        ({"fiscal_year": 1999}, "fiscal_year"),
        ({"fiscal_year": current_fiscal_year() - 5}, "fiscal_year"),  # the page's five years, no more
    ],
)
def test_the_api_refuses_a_filter_out_of_range_with_a_problem(client, params, field):
    response = client.get(API, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "invalid" and field in str(response.json())
