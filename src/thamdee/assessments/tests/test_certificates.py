"""The certificate of a confirmed result: a Thai PDF naming the organisation (or province), the level, the fiscal
year and the agency that confirmed it, with a QR code to a public verification page that names no person."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AgencyStaffFactory, OrganisationFactory, area
from thamdee.assessments import certificates, services
from thamdee.assessments.models import Assessment, AssessmentStatus, Level
from thamdee.assessments.tests.conftest import all_scores
from thamdee.common.pdf import pdf_fold, pdf_text
from thamdee.common.thaitime import be_year
from thamdee.orgs.models import OrgKind

pytestmark = pytest.mark.django_db


def confirmed(scene, reviewer=None, score: int = 2) -> Assessment:
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(score))
    services.assessment_submit(actor=scene.admin, assessment=a)
    return services.assessment_review(actor=reviewer or scene.provincial, assessment=a, confirm=True)


def test_the_confirmation_records_the_agency_of_the_reviewer_s_post(scene):
    a = confirmed(scene)
    post = scene.provincial.agency_posts.get()
    assert a.confirmed_by_agency == post.agency
    assert certificates.issuer_name(a) == post.agency.name_th


def test_the_narrowest_post_covering_the_subject_names_the_agency(scene):
    office = OrganisationFactory(kind=OrgKind.AGENCY, name_th="สำนักงานวัฒนธรรมจังหวัดกาญจนบุรี")
    AgencyStaffFactory(user=scene.national, agency=office, scope_area=area("71"))
    AgencyStaffFactory(user=scene.national, agency=OrganisationFactory(kind=OrgKind.AGENCY), scope_area=area("30"))
    a = confirmed(scene, reviewer=scene.national)
    assert a.confirmed_by_agency == office  # the Kanchanaburi post, not the national one nor Nakhon Ratchasima's


def test_a_site_admin_without_a_post_confirms_for_no_agency(scene):
    a = confirmed(scene, reviewer=scene.site_admin)
    assert a.confirmed_by_agency is None
    assert "Thamdee" in certificates.issuer_name(a)


def test_a_return_names_no_agency(scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(2))
    services.assessment_submit(actor=scene.admin, assessment=a)
    a = services.assessment_review(actor=scene.provincial, assessment=a, confirm=False, note="ขอหลักฐานเพิ่ม")
    assert a.confirmed_by_agency is None


def test_the_database_refuses_an_agency_on_a_result_not_confirmed(scene):
    from django.db import IntegrityError, transaction

    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    agency = scene.provincial.agency_posts.get().agency
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.filter(pk=a.pk).update(confirmed_by_agency=agency)


def test_the_certificate_reads_the_subject_the_level_the_year_and_the_agency(client, scene):
    a = confirmed(scene)
    client.force_login(scene.admin)
    response = client.get(reverse("assessments:certificate", args=[a.public_id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    text = pdf_fold(pdf_text(response.content))
    for expected in (
        scene.org.name_th,
        "คุณธรรมต้นแบบ",
        f"พ.ศ. {be_year(a.fiscal_year)}",
        a.confirmed_by_agency.name_th,
        str(a.public_id),
        certificates.verify_url(a),
    ):
        assert pdf_fold(expected) in text, expected
    # no person is named on it
    for person in (scene.admin, scene.provincial):
        assert pdf_fold(person.full_name) not in text


@pytest.mark.parametrize("viewer", ["admin", "organiser", "provincial"])
def test_those_who_see_the_assessment_download_its_certificate(client, scene, viewer):
    a = confirmed(scene)
    client.force_login(getattr(scene, viewer))
    assert client.get(reverse("assessments:certificate", args=[a.public_id])).status_code == 200
    page = client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()
    assert 'data-testid="certificate-link"' in page and 'data-testid="verify-link"' in page


def test_no_certificate_for_anyone_else_nor_before_confirmation_nor_without_a_level(client, scene):
    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    client.force_login(scene.admin)
    url = reverse("assessments:certificate", args=[a.public_id])
    assert client.get(url).status_code == 404  # a draft
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(0))
    services.assessment_submit(actor=scene.admin, assessment=a)
    assert client.get(url).status_code == 404  # waiting
    a = services.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    assert (a.status, a.confirmed_level) == (AssessmentStatus.CONFIRMED, Level.NONE)
    assert client.get(url).status_code == 404  # confirmed at no level
    assert (
        'data-testid="certificate-link"'
        not in client.get(reverse("assessments:detail", args=[a.public_id])).content.decode()
    )
    for outsider in (scene.member, scene.elsewhere):
        client.force_login(outsider)
        assert client.get(url).status_code == 404


def test_anyone_verifies_a_certificate_and_sees_no_person(client, scene):
    a = confirmed(scene)
    response = client.get(reverse("assessments:verify", args=[a.public_id]))  # signed out
    body = response.content.decode()
    assert response.status_code == 200 and response["X-Robots-Tag"] == "noindex"
    assert 'data-testid="verify-result"' in body
    assert scene.org.name_th in body and "คุณธรรมต้นแบบ" in body
    assert a.confirmed_by_agency.name_th in body
    for person in (scene.admin, scene.provincial):
        assert person.full_name not in body
    assert "หลักฐาน" not in body  # neither scores nor evidence


def test_verification_finds_nothing_but_a_confirmed_result_at_a_level(client, scene):
    import uuid

    a = services.assessment_open(actor=scene.admin, organisation=scene.org)
    url = reverse("assessments:verify", args=[a.public_id])
    assert client.get(url).status_code == 404
    services.assessment_score(actor=scene.admin, assessment=a, scores=all_scores(0))
    services.assessment_submit(actor=scene.admin, assessment=a)
    assert client.get(url).status_code == 404
    services.assessment_review(actor=scene.provincial, assessment=a, confirm=True)
    assert client.get(url).status_code == 404  # no level reached: nothing to certify
    assert client.get(reverse("assessments:verify", args=[uuid.uuid4()])).status_code == 404


def test_a_province_s_certificate_names_the_province_and_the_national_agency(client, scene):
    province = area("71")
    a = services.assessment_open(actor=scene.provincial, province=province)
    services.assessment_score(actor=scene.provincial, assessment=a, scores=all_scores(2, count=10))
    services.assessment_submit(actor=scene.provincial, assessment=a)
    a = services.assessment_review(actor=scene.national, assessment=a, confirm=True)
    assert a.confirmed_by_agency == scene.national.agency_posts.get().agency
    client.force_login(scene.national)
    text = pdf_fold(pdf_text(client.get(reverse("assessments:certificate", args=[a.public_id])).content))
    assert pdf_fold(province.name_th) in text and pdf_fold(a.confirmed_by_agency.name_th) in text


def test_the_verification_page_reads_in_the_viewer_s_language_with_the_whole_area(client, scene):
    from django.utils import translation

    a = confirmed(scene)
    agency = a.confirmed_by_agency
    agency.name_en = "Kanchanaburi Culture Office"
    agency.save(update_fields=["name_en"])
    url = reverse("assessments:verify", args=[a.public_id])
    with translation.override("en"):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Kanchanaburi Culture Office" in body and ">Organisation<" in body
    thai = client.get(url, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert agency.name_th in thai
    assert all(name in thai for name in ("หนองสาหร่าย", "พนมทวน", "กาญจนบุรี"))  # subdistrict, district, province
