from __future__ import annotations

import io

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, OrganisationFactory, area, member_of
from tests.worlds import build_world, verified_deeds
from thamdee.common.pdf import pdf_text
from thamdee.reports.models import KpiBaseline
from thamdee.web.tests.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db


class TestPublic:
    def test_a_province_with_9_people_is_hidden_on_the_page_and_in_exports(self, client):
        w = build_world()
        deeds = verified_deeds(w, 9)
        fy = deeds[0].fiscal_year
        page = client.get(reverse("reports:public"), {"fy": fy})
        html = page.content.decode()
        assert_csp_clean(page)
        assert "น้อยกว่า 10 คน" in html
        assert ">45<" not in html  # 9 deeds x 5 credits never shows
        assert 'data-testid="count-note"' in html  # how participants are counted, under the headline
        csv = client.get(reverse("reports:public"), {"fy": fy, "format": "csv"}).content.decode("utf-8-sig")
        assert "<10" in csv and ",45," not in csv
        xlsx = client.get(reverse("reports:public"), {"fy": fy, "format": "xlsx"}).content
        from openpyxl import load_workbook

        cells = [c.value for row in load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row]
        assert 45 not in cells and "<10" in cells

    def test_ten_people_are_shown(self, client):
        w = build_world()
        deeds = verified_deeds(w, 10)
        html = client.get(reverse("reports:public"), {"fy": deeds[0].fiscal_year}).content.decode()
        assert ">50<" in html

    def test_the_public_page_names_no_person(self, client):
        w = build_world()
        deeds = verified_deeds(w, 12)
        html = client.get(reverse("reports:public"), {"fy": deeds[0].fiscal_year}).content.decode()
        assert deeds[0].member.first_name not in html or deeds[0].member.last_name not in html


class TestScope:
    def test_staff_of_province_a_cannot_see_province_b_detail_in_web_or_api(self, client):
        w = build_world()
        verified_deeds(w, 3)
        area("400114")
        staff_a = AgencyStaffFactory(scope_area=area("40")).user
        client.force_login(staff_a)
        assert client.get(reverse("reports:dashboard")).status_code == 200
        assert client.get(reverse("reports:area", args=["4001"])).status_code == 200
        for url in (
            reverse("reports:area", args=["71"]),
            reverse("reports:area", args=["7109"]),
            reverse("reports:area", args=["710911"]),
            f"{reverse('reports:dashboard')}?area=71",
            reverse("reports:area_pdf", args=["71"]),
            f"{reverse('reports:export', args=['areas', 'csv'])}?area=7109",
        ):
            assert client.get(url).status_code == 404, url
        api = APIClient()
        api.force_authenticate(staff_a)
        assert api.get("/api/v1/reports/areas/7109/").status_code == 404
        assert api.get("/api/v1/reports/areas/40/").status_code == 200

    def test_members_and_anonymous_visitors_have_no_dashboard(self, client):
        w = build_world()
        client.force_login(w.member)
        assert client.get(reverse("reports:dashboard")).status_code == 404
        client.logout()
        assert client.get(reverse("reports:dashboard")).status_code == 302  # to sign in


class TestExports:
    def test_xlsx_opens_with_thai_headers(self, client):
        w = build_world()
        verified_deeds(w, 3)
        client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
        response = client.get(reverse("reports:export", args=["areas", "xlsx"]))
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        headers = [c.value for c in sheet[1]]
        assert headers[:3] == ["รหัสพื้นที่", "พื้นที่", "ความดี (รายการ)"]
        assert any(row[0].value == "7109" for row in sheet.iter_rows(min_row=2))
        months = client.get(reverse("reports:export", args=["months", "csv"])).content.decode("utf-8-sig")
        assert months.splitlines()[0].startswith("เดือน,")
        assert "ต.ค. " in months  # Buddhist Era month labels

    def test_the_fiscal_year_report_pdf_names_the_area_and_the_be_year(self, client):
        from thamdee.common.thaitime import be_year

        w = build_world()
        deeds = verified_deeds(w, 3)
        client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
        fy = deeds[0].fiscal_year
        text = pdf_text(client.get(reverse("reports:area_pdf", args=["71"]), {"fy": fy}).content)
        assert "กาญจนบุรี" in text
        assert f"ปีงบประมาณ {be_year(fy)}" in text

    def test_a_district_officer_s_breadcrumb_starts_at_their_district(self, client):
        w = build_world()
        verified_deeds(w, 2)
        district = w.org.area.code[:4]
        client.force_login(AgencyStaffFactory(scope_area=area(district)).user)
        for url, params in (
            (reverse("reports:dashboard"), {"area": w.org.area.code[:6]}),
            (reverse("reports:area", args=[w.org.area.code[:6]]), {}),
        ):
            html = client.get(url, params).content.decode()
            assert f"area={district}" in html or reverse("reports:area", args=[district]) in html
            # No link to the province above, which the officer may not open
            assert 'area=71"' not in html and f"{reverse('reports:area', args=['71'])}?" not in html
            assert client.get(reverse("reports:area", args=["71"])).status_code == 404

    def test_the_no_virtue_row_reaches_the_exports_the_pdf_and_the_api(self, client):
        """Deeds of a type without a main virtue or dimension are a row of their own wherever the splits go."""
        from thamdee.deeds.models import DeedType
        from thamdee.reports import rollups

        w = build_world()
        deeds = verified_deeds(w, 3)
        DeedType.objects.filter(pk=w.care.pk).update(main_virtue=None, main_dimension=None)
        rollups.rebuild()
        staff = AgencyStaffFactory(scope_area=area("71")).user
        client.force_login(staff)
        fy = deeds[0].fiscal_year
        virtues = client.get(reverse("reports:export", args=["virtues", "csv"]), {"fy": fy, "area": "71"})
        row = next(line for line in virtues.content.decode("utf-8-sig").splitlines() if "ไม่ระบุคุณธรรม" in line)
        assert row.split(",")[1] == "3"  # its three deeds
        dimensions = client.get(reverse("reports:export", args=["dimensions", "csv"]), {"fy": fy, "area": "71"})
        assert "ไม่ระบุมิติ" in dimensions.content.decode("utf-8-sig")
        text = pdf_text(client.get(reverse("reports:area_pdf", args=["71"]), {"fy": fy}).content)
        assert "ไม่ระบุคุณธรรม" in text and "ไม่ระบุมิติ" in text
        api = APIClient()
        api.force_authenticate(staff)
        body = api.get("/api/v1/reports/areas/71/", {"fiscal_year": fy}, HTTP_ACCEPT_LANGUAGE="en").json()
        assert {"key": rollups.NONE, "label": "No virtue"}.items() <= body["virtues"][-1].items()
        assert body["virtues"][-1]["figures"]["deeds"] == 3
        assert sum(v["figures"]["deeds"] for v in body["virtues"]) == body["totals"]["deeds"] == 3


class TestDashboard:
    def test_the_dashboard_is_csp_clean_and_shows_the_figures(self, client):
        w = build_world()
        verified_deeds(w, 4)
        client.force_login(AgencyStaffFactory(scope_area=None).user)
        page = client.get(reverse("reports:dashboard"))
        assert page.status_code == 200
        assert_csp_clean(page)
        assert 'id="dashboard-data"' in page.content.decode()

    def test_the_organisation_view_is_for_its_organisers(self, client):
        w = build_world()
        verified_deeds(w, 2)
        client.force_login(w.organiser)
        page = client.get(reverse("reports:organisation", args=[w.org.public_id]))
        assert page.status_code == 200
        client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
        assert client.get(reverse("reports:organisation", args=[w.org.public_id])).status_code == 404

    def test_kpis_and_target_areas(self, client):
        from thamdee.reports import selectors
        from thamdee.reports import services as report_services

        w = build_world()
        deeds = verified_deeds(w, 3)
        national = AgencyStaffFactory(scope_area=None).user
        report_services.kpi_baseline_set(actor=national, kind="orgs_running", fiscal_year=2023, value=10)
        kpi = next(k for k in selectors.kpis(deeds[0].fiscal_year) if k.kind == "orgs_running")
        assert kpi.target == 11 and kpi.current >= 1
        report_services.target_area_designate(
            actor=national, programme=w.programme, fiscal_year=deeds[0].fiscal_year, area=area("7109")
        )
        inside, outside, each = selectors.target_vs_other("71", deeds[0].fiscal_year)
        assert inside.deeds == 3 and outside.deeds == 0 and each[0][0].code == "7109"
        client.force_login(national)
        assert client.get(reverse("reports:kpis")).status_code == 200
        assert client.get(reverse("reports:targets")).status_code == 200
        # a baseline too large for its column, or a kind that is not one, is refused with a reason (was a 500)
        for kind, value in (("orgs_running", "99999999999"), ("not-a-kpi", "5")):
            refused = client.post(reverse("reports:kpis"), {"kind": kind, "fiscal_year": "2566", "value": value})
            assert refused.status_code == 400
        assert KpiBaseline.objects.get(kind="orgs_running").value == 10
        assert not KpiBaseline.objects.filter(kind="not-a-kpi").exists()


class TestStories:
    def test_a_story_carries_at_most_twelve_photos_across_its_edits(self):
        from thamdee.deeds.evidence import MAX_STORY_PHOTOS, EvidenceTooManyPhotosError
        from thamdee.deeds.tests.test_services import jpeg_with_gps
        from thamdee.reports import services as report_services

        w = build_world()
        fields = {"title": "t", "summary": "s", "body": "b", "area": w.org.area}
        story = report_services.story_save(
            actor=w.organiser, organisation=w.org, photos=[(jpeg_with_gps(), "")] * 10, **fields
        )
        with pytest.raises(EvidenceTooManyPhotosError):
            report_services.story_save(
                actor=w.organiser, organisation=w.org, story=story, photos=[(jpeg_with_gps(), "")] * 3, **fields
            )
        assert story.photos.count() == 10 and MAX_STORY_PHOTOS == 12
        report_services.story_save(
            actor=w.organiser, organisation=w.org, story=story, photos=[(jpeg_with_gps(), "")] * 2, **fields
        )
        assert story.photos.count() == MAX_STORY_PHOTOS

    def test_a_story_is_public_once_approved_and_everyone_shown_consented(self, client):
        from thamdee.people.models import ConsentPurpose
        from thamdee.people.services import consent_grant, consent_withdraw
        from thamdee.reports import selectors
        from thamdee.reports import services as report_services

        w = build_world()
        org = w.org
        story = report_services.story_save(
            actor=w.organiser,
            organisation=org,
            title="ธนาคารความดีหนองสาหร่าย",
            summary="ออมทุกเดือน",
            body="เรื่องเล่าการออมเพื่อสวัสดิการชุมชน",
            area=org.area,
            people_shown=[w.member],
        )
        report_services.story_submit(actor=w.organiser, story=story)
        staff = AgencyStaffFactory(scope_area=area("71")).user
        report_services.story_review(actor=staff, story=story, approve=True)
        assert not selectors.stories_published().exists()  # the member shown has not consented
        consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)
        assert list(selectors.stories_published("การออม")) == [story]
        assert list(selectors.stories_published("ไม่มีคำนี้")) == []
        html = client.get(reverse("reports:stories"), {"q": "ความดี"}).content.decode()
        assert "ธนาคารความดีหนองสาหร่าย" in html
        consent_withdraw(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)
        assert not selectors.stories_published().exists()
        assert client.get(reverse("reports:story", args=[story.public_id])).status_code == 404

    def test_a_story_showing_two_people_stays_private_until_both_consent(self, client):
        from thamdee.people.models import ConsentPurpose
        from thamdee.people.services import consent_grant, consent_withdraw
        from thamdee.reports import selectors
        from thamdee.reports import services as report_services

        w = build_world()
        neighbour = member_of(w.org)
        story = report_services.story_save(
            actor=w.organiser,
            organisation=w.org,
            title="สองเพื่อนบ้านช่วยกันดูแลผู้สูงอายุ",
            summary="x",
            body="y",
            area=w.org.area,
            people_shown=[w.member, neighbour],
        )
        report_services.story_submit(actor=w.organiser, story=story)
        report_services.story_review(actor=AgencyStaffFactory(scope_area=area("71")).user, story=story, approve=True)
        consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)
        assert not selectors.stories_published().exists()  # one of the two has not consented
        assert client.get(reverse("reports:story", args=[story.public_id])).status_code == 404
        consent_grant(actor=neighbour, user=neighbour, purpose=ConsentPurpose.PUBLISH_NAME)
        assert list(selectors.stories_published()) == [story]
        assert client.get(reverse("reports:story", args=[story.public_id])).status_code == 200
        consent_withdraw(actor=neighbour, user=neighbour, purpose=ConsentPurpose.PUBLISH_NAME)
        assert not selectors.stories_published().exists()

    def test_story_photos_are_public_only_with_everyone_s_photo_consent(self, client, django_assert_num_queries):
        import io

        from PIL import Image

        from thamdee.people.models import ConsentPurpose
        from thamdee.people.services import consent_grant
        from thamdee.reports import selectors
        from thamdee.reports import services as report_services

        w = build_world()
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
        story = report_services.story_save(
            actor=w.organiser,
            organisation=w.org,
            title="ปลูกป่าชายเลน",
            summary="x",
            body="y",
            area=w.org.area,
            people_shown=[w.member],
            photos=[(buffer.getvalue(), "ปลูกป่า.jpg")],
        )
        report_services.story_submit(actor=w.organiser, story=story)
        assert selectors.story_publication(story) == (False, False)  # submitted, not yet approved
        report_services.story_review(actor=AgencyStaffFactory(scope_area=area("71")).user, story=story, approve=True)
        consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_NAME)
        assert selectors.story_publication(story) == (True, False)
        photo = story.photos.get()
        full = reverse("reports:story_photo", args=[photo.public_id, "full"])
        thumb = reverse("reports:story_photo", args=[photo.public_id, "thumb"])
        # Name consent only: the story is public, its photo is not; the page reads the story, whether it is
        # published (and its photos public) and its tags, virtues, dimensions and photos
        with django_assert_num_queries(4):
            page = client.get(reverse("reports:story", args=[story.public_id]))
        assert page.status_code == 200 and full not in page.content.decode()
        assert thumb not in client.get(reverse("reports:stories")).content.decode()
        assert client.get(full).status_code == 404
        # The organiser who wrote it still sees the photo, with a note that it is not public.
        client.force_login(w.organiser)
        page = client.get(reverse("reports:story", args=[story.public_id])).content.decode()
        assert full in page and 'data-testid="photos-private"' in page
        assert client.get(full).status_code == 200
        client.logout()
        consent_grant(actor=w.member, user=w.member, purpose=ConsentPurpose.PUBLISH_PHOTO)
        assert selectors.story_publication(story) == (True, True)
        assert full in client.get(reverse("reports:story", args=[story.public_id])).content.decode()
        assert thumb in client.get(reverse("reports:stories")).content.decode()
        assert client.get(full).status_code == 200

    def test_the_photos_of_a_story_with_nobody_tagged_stay_private(self, client):
        from PIL import Image

        from thamdee.reports import selectors
        from thamdee.reports import services as report_services

        w = build_world()
        buffer = io.BytesIO()
        Image.new("RGB", (64, 48), (40, 120, 200)).save(buffer, "JPEG")
        client.force_login(w.organiser)
        form = client.get(reverse("reports:story_new"), {"org": str(w.org.public_id)}).content.decode()
        assert 'data-testid="photos-untagged-note"' in form
        client.logout()
        story = report_services.story_save(
            actor=w.organiser,
            organisation=w.org,
            title="ตลาดนัดแลกเปลี่ยน",
            summary="x",
            body="y",
            area=w.org.area,
            photos=[(buffer.getvalue(), "ตลาด.jpg")],
        )
        report_services.story_submit(actor=w.organiser, story=story)
        reviewer = AgencyStaffFactory(scope_area=area("71")).user
        client.force_login(reviewer)
        page = client.get(reverse("reports:story", args=[story.public_id])).content.decode()
        assert 'data-testid="photos-untagged"' in page  # the reviewer is told before approving
        client.logout()
        report_services.story_review(actor=reviewer, story=story, approve=True)
        # Its text is public (nobody is named in it); its photos, shown on nobody's consent, are not.
        assert list(selectors.stories_published()) == [story]
        assert not selectors.story_photos_public(story)
        assert not selectors.stories_published().get().photos_public
        photo = story.photos.get()
        full = reverse("reports:story_photo", args=[photo.public_id, "full"])
        thumb = reverse("reports:story_photo", args=[photo.public_id, "thumb"])
        page = client.get(reverse("reports:story", args=[story.public_id]))
        assert page.status_code == 200 and full not in page.content.decode()
        assert thumb not in client.get(reverse("reports:stories")).content.decode()
        assert client.get(full).status_code == 404 and client.get(thumb).status_code == 404
        # The writer still sees them, told why they are not public.
        client.force_login(w.organiser)
        page = client.get(reverse("reports:story", args=[story.public_id])).content.decode()
        assert full in page and 'data-testid="photos-untagged"' in page
        assert client.get(full).status_code == 200

    @pytest.mark.postgres
    def test_thai_search_can_use_the_trigram_index(self):
        from django.db import connection

        from thamdee.reports.models import Story

        qs = Story.objects.filter(search_text__icontains="ความดี")
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            sql, params = qs.query.sql_with_params()
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "reports_story_search_trgm" in plan, plan


def test_organisation_outside_a_network_filter(client):
    from thamdee.orgs.models import Network, NetworkMembership

    w = build_world()
    verified_deeds(w, 2)
    network = Network.objects.create(name_th="เครือข่าย", kind="issue")
    NetworkMembership.objects.create(network=network, organisation=OrganisationFactory())
    client.force_login(AgencyStaffFactory(scope_area=None).user)
    page = client.get(reverse("reports:dashboard"), {"network": str(network.public_id)})
    assert page.status_code == 200
    assert page.context["headline"].deeds == 0


class TestAssessmentCard:
    """The dashboard's assessment card: the year's confirmed results by level and those waiting, in the dashboard's
    area, as counts only, with a link to the results by area."""

    @staticmethod
    def cell(html: str, testid: str) -> str:
        import re

        found = re.search(rf'data-testid="{testid}">([^<]*)<', html)
        assert found is not None, testid
        return found.group(1)

    @pytest.fixture
    def year(self, db):
        """This year in Kanchanaburi (71): two organisations confirmed at คุณธรรมต้นแบบ, one at คุณธรรม (in district
        7101), one at no level; one submitted, one draft; the province's own result confirmed. Last year one at
        ส่งเสริมคุณธรรม. Elsewhere (Nakhon Ratchasima, 30) one confirmed at คุณธรรมต้นแบบ."""
        from thamdee.assessments.frameworks import install_examples
        from thamdee.assessments.models import AssessmentStatus, Level
        from thamdee.assessments.tests.test_selectors import assessed, province_assessed
        from thamdee.common.thaitime import current_fiscal_year

        install_examples()
        provincial = AgencyStaffFactory(scope_area=area("71")).user
        korat = AgencyStaffFactory(scope_area=area("30")).user
        national = AgencyStaffFactory().user
        this_year = current_fiscal_year()
        for code, level in [
            ("710911", Level.MODEL),
            ("710911", Level.MODEL),
            ("710101", Level.MORAL),
            ("710911", Level.NONE),
        ]:
            assessed(code=code, level=level, reviewer=provincial)
        assessed(code="710911", status=AssessmentStatus.SUBMITTED, reviewer=provincial)
        assessed(code="710911", status=AssessmentStatus.DRAFT, reviewer=provincial)
        assessed(code="710911", level=Level.PROMOTING, fiscal_year=this_year - 1, reviewer=provincial)
        assessed(code="300101", level=Level.MODEL, reviewer=korat)
        province_assessed(code="71", staff=provincial, reviewer=national)
        return this_year

    def test_the_card_counts_confirmed_results_by_level_in_the_viewer_s_area_and_year(self, client, year):
        client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
        page = client.get(reverse("reports:dashboard"), {"fy": year})
        html = page.content.decode()
        assert page.status_code == 200
        assert_csp_clean(page)
        assert 'data-testid="assessment-card"' in html
        # Confirmed by level: no level 1, ส่งเสริมคุณธรรม 0, คุณธรรม 1, คุณธรรมต้นแบบ 2 (not Nakhon Ratchasima's)
        assert [self.cell(html, f"assessment-orgs-{level}") for level in range(4)] == ["1", "0", "1", "2"]
        # The submitted one waits; the draft is neither a result nor waiting
        assert self.cell(html, "assessment-orgs-waiting") == "1"
        # The province's own result, at คุณธรรมต้นแบบ
        assert [self.cell(html, f"assessment-provinces-{level}") for level in range(4)] == ["0", "0", "0", "1"]
        assert "คุณธรรมต้นแบบ" in html and "ยังไม่ผ่านระดับใด" in html
        assert f'href="/assessments/results/?fy={year}&area=71"' in html
        # Counts only: the organisations are not named
        assert "กลุ่มออมทรัพย์ทดสอบ" not in html.split('data-testid="assessment-card"')[1]

    def test_another_fiscal_year_and_a_narrower_area_change_the_counts(self, client, year):
        client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
        html = client.get(reverse("reports:dashboard"), {"fy": year - 1 + 543}).content.decode()  # a BE year, too
        assert [self.cell(html, f"assessment-orgs-{level}") for level in range(4)] == ["0", "1", "0", "0"]
        assert self.cell(html, "assessment-orgs-waiting") == "0"
        assert f'href="/assessments/results/?fy={year - 1}&area=71"' in html
        district = client.get(reverse("reports:dashboard"), {"fy": year, "area": "7109"}).content.decode()
        assert [self.cell(district, f"assessment-orgs-{level}") for level in range(4)] == ["1", "0", "0", "2"]
        assert 'data-testid="assessment-provinces-3"' not in district  # a district holds no province
        # A subdistrict's drill-down starts at its district: the results page goes no finer
        subdistrict = client.get(reverse("reports:dashboard"), {"fy": year, "area": "710911"}).content.decode()
        assert f'href="/assessments/results/?fy={year}&area=7109"' in subdistrict

    def test_an_organisation_outside_the_viewer_s_area_is_not_counted(self, client, year):
        client.force_login(AgencyStaffFactory(scope_area=area("30")).user)
        html = client.get(reverse("reports:dashboard"), {"fy": year}).content.decode()
        # Nakhon Ratchasima's one result, none of Kanchanaburi's, and no province result (Korat's was not assessed)
        assert [self.cell(html, f"assessment-orgs-{level}") for level in range(4)] == ["0", "0", "0", "1"]
        assert self.cell(html, "assessment-orgs-waiting") == "0"
        assert [self.cell(html, f"assessment-provinces-{level}") for level in range(4)] == ["0"] * 4
        client.force_login(AgencyStaffFactory().user)  # national staff: both provinces
        national = client.get(reverse("reports:dashboard"), {"fy": year}).content.decode()
        assert [self.cell(national, f"assessment-orgs-{level}") for level in range(4)] == ["1", "0", "1", "3"]
        assert self.cell(national, "assessment-provinces-3") == "1"

    def test_without_results_the_card_says_so(self, client, year):
        client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
        html = client.get(reverse("reports:dashboard"), {"fy": year - 2}).content.decode()
        assert 'data-testid="assessment-card"' in html and 'data-testid="assessment-none"' in html
        assert "ยังไม่มีผลการประเมิน" in html and 'data-testid="assessment-orgs-0"' not in html

    def test_a_filtered_dashboard_says_the_card_counts_every_organisation(self, client, year):
        client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
        html = client.get(reverse("reports:dashboard"), {"fy": year, "kind": "council"}).content.decode()
        assert self.cell(html, "assessment-orgs-3") == "2"  # savings groups all: the kind filter does not apply
        assert "ไม่ใช้ตัวกรองประเภทองค์กรหรือเครือข่าย" in html

    def test_a_member_or_an_organisation_s_admin_gets_no_card(self, client, year):
        org = OrganisationFactory(area=area("710911"))
        for person in (member_of(org), member_of(org, is_admin=True)):
            client.force_login(person)
            page = client.get(reverse("reports:dashboard"), {"fy": year})
            assert page.status_code == 404
            assert "assessment-card" not in page.content.decode()

    def test_the_card_is_left_out_for_a_viewer_who_may_not_use_assessments(self, year):
        from unittest import mock

        from thamdee.reports import views

        staff = AgencyStaffFactory(scope_area=area("71")).user
        assert views._assessment_card(staff, year, "71") is not None
        with mock.patch.object(views.assessments, "can_use", return_value=False):
            assert views._assessment_card(staff, year, "71") is None


def test_district_staff_see_a_province_target_listed_without_its_figures(client):
    """A target wider than the viewer's scope is listed (it contains their district) but its figures are the whole
    province's, which its own page refuses them: a dash."""
    from thamdee.reports import services as report_services

    w = build_world()
    deeds = verified_deeds(w, 6)  # all in district 7109
    fy = deeds[0].fiscal_year
    report_services.target_area_designate(actor=w.admin, programme=w.programme, fiscal_year=fy, area=area("71"))
    report_services.target_area_designate(actor=w.admin, programme=w.programme, fiscal_year=fy, area=area("7109"))
    inside = AgencyStaffFactory(scope_area=area("7109")).user
    outsider = AgencyStaffFactory(scope_area=area("7101")).user  # another district of the same province
    client.force_login(outsider)
    assert client.get(reverse("reports:area", args=["71"]), {"fy": fy}).status_code == 404
    rows = {t.area.code: f for t, f in client.get(reverse("reports:targets"), {"fy": fy}).context["rows"]}
    assert set(rows) == {"71"} and rows["71"].suppressed and not rows["71"].deeds
    client.force_login(inside)
    rows = {t.area.code: f for t, f in client.get(reverse("reports:targets"), {"fy": fy}).context["rows"]}
    assert rows["71"].suppressed and (rows["7109"].deeds, rows["7109"].participants) == (6, 6)


class TestTheStoryForm:
    @staticmethod
    def _story(w):  # type: ignore[no-untyped-def]
        from thamdee.deeds.models import Dimension, Virtue
        from thamdee.reports import services as report_services

        return report_services.story_save(
            actor=w.organiser,
            organisation=w.org,
            title="เดิม",
            summary="สรุป",
            body="เนื้อเรื่อง",
            area=w.org.area,
            virtues=list(Virtue.objects.filter(code="volunteering")),
            dimensions=list(Dimension.objects.filter(code="society")),
            people_shown=[w.member],
        )

    def test_editing_a_story_shows_its_virtues_dimensions_and_people_chosen(self, client):
        w = build_world()
        story = self._story(w)
        client.force_login(w.organiser)
        html = client.get(reverse("reports:story_edit", args=[story.public_id])).content.decode()
        assert 'name="virtues" value="volunteering" checked' in html
        assert 'name="dimensions" value="society" checked' in html
        assert f'<option value="{w.member.public_id}" selected>' in html
        # saved as the browser sends it back (the boxes ticked as shown), they are kept
        client.post(
            reverse("reports:story_edit", args=[story.public_id]),
            {"org": str(w.org.public_id), "title": "เดิม แก้คำผิด", "summary": "สรุป", "body": "เนื้อเรื่อง",
             "virtues": ["volunteering"], "dimensions": ["society"], "people": [str(w.member.public_id)]},
        )  # fmt: skip
        story.refresh_from_db()
        assert story.title == "เดิม แก้คำผิด" and [v.code for v in story.virtues.all()] == ["volunteering"]
        assert story.people_shown.get() == w.member

    def test_a_refused_story_is_shown_again_as_it_was_typed(self, client):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from thamdee.reports.models import Story

        w = build_world()
        client.force_login(w.organiser)
        answer = client.post(
            reverse("reports:story_new") + f"?org={w.org.public_id}",
            {"org": str(w.org.public_id), "title": "ชื่อเรื่องที่พิมพ์ไว้", "summary": "สรุปที่พิมพ์ไว้",
             "body": "เรื่องเล่าที่พิมพ์ไว้ยาวหลายย่อหน้า", "lessons": "บทเรียน", "virtues": ["honesty"],
             "photos": SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")},
        )  # fmt: skip
        html = answer.content.decode()
        assert answer.status_code == 400 and not Story.objects.exists()
        for typed in ("ชื่อเรื่องที่พิมพ์ไว้", "สรุปที่พิมพ์ไว้", "เรื่องเล่าที่พิมพ์ไว้ยาวหลายย่อหน้า", "บทเรียน"):
            assert typed in html
        assert 'name="virtues" value="honesty" checked' in html

    def test_the_menu_opens_the_form_for_the_first_organisation_the_person_writes_for_and_offers_the_others(
        self, client
    ):
        from thamdee.orgs.models import Membership

        w = build_world()
        second = OrganisationFactory(area=w.org.area, name_th="ฮ กลุ่มที่สอง")
        Membership.objects.create(user=w.organiser, organisation=second, is_organiser=True)
        client.force_login(w.organiser)
        url = reverse("reports:story_new")
        page = client.get(url)
        html = page.content.decode()
        assert page.status_code == 200 and w.org.display_name() in html
        assert f'<option value="{second.public_id}">' in html and f'<option value="{w.org.public_id}" selected>' in html
        assert f'name="org" value="{w.org.public_id}"' in html
        html = client.get(url, {"org": str(second.public_id)}).content.decode()
        assert f'name="org" value="{second.public_id}"' in html
        # Those who write no stories find no form
        client.force_login(w.member)
        assert client.get(url).status_code == 404

    def test_a_too_large_story_photo_is_refused_from_its_size_before_it_is_read(self, client, monkeypatch):
        from django.core.files.uploadedfile import SimpleUploadedFile

        from thamdee.deeds import evidence
        from thamdee.reports.models import Story

        def never(*args, **kwargs):
            raise AssertionError("the photo was read and checked instead of refused from its size")

        monkeypatch.setattr(evidence, "MAX_BYTES", 1000)
        monkeypatch.setattr(evidence, "process_evidence", never)
        w = build_world()
        client.force_login(w.organiser)
        answer = client.post(
            reverse("reports:story_new") + f"?org={w.org.public_id}",
            {"org": str(w.org.public_id), "title": "ชื่อเรื่อง", "summary": "สรุป", "body": "เนื้อเรื่อง",
             "photos": SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + bytes(2000), content_type="image/jpeg")},
        )  # fmt: skip
        assert answer.status_code == 400 and not Story.objects.exists()
        assert "ไฟล์รูปใหญ่เกินไป" in answer.content.decode() and "ชื่อเรื่อง" in answer.content.decode()

    def test_a_story_is_filed_under_its_organisations_area_only(self, client):
        from thamdee.reports.models import Story

        w = build_world()
        area("400114")
        client.force_login(w.organiser)
        answer = client.post(
            reverse("reports:story_new") + f"?org={w.org.public_id}",
            {"org": str(w.org.public_id), "title": "t", "summary": "s", "body": "b", "area": "400114", "submit": "1"},
        )
        assert answer.status_code == 400
        assert not Story.objects.exists()
        assert "พื้นที่ของเรื่องเล่าต้องเป็นพื้นที่ขององค์กร" in answer.content.decode()
