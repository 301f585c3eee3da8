"""Evidence files of an assessment: photos (kept as clean JPEGs) and PDF documents kept per activity while the
assessment may be edited, recorded with each submission, served only to those who may see the assessment; and
what the database itself keeps of an assessment's shape."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from PIL import Image

from tests.factories import OrganisationFactory, area, member_of, pdf_file
from thamdee.assessments import selectors, services
from thamdee.assessments.errors import (
    AssessmentInvalidError,
    AssessmentNotEditableError,
    AssessmentOwnReviewError,
    AssessmentTooManyFilesError,
)
from thamdee.assessments.models import (
    MAX_FILES_PER_ACTIVITY,
    Assessment,
    AssessmentEvent,
    EvidenceFile,
    Framework,
    Indicator,
    Score,
)
from thamdee.assessments.tests.conftest import all_scores
from thamdee.common.errors import NotFoundError
from thamdee.deeds.evidence import EvidenceRejectedError

pytestmark = pytest.mark.django_db


def photo(colour: tuple[int, int, int] = (200, 30, 30), *, gps: bool = False) -> bytes:
    image = Image.new("RGB", (120, 80), colour)
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "N", 2: (13.0, 45.0, 0.0)}  # GPS latitude
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


@pytest.fixture
def draft(scene) -> Assessment:
    return services.assessment_open(actor=scene.admin, organisation=scene.org)


def add(scene, assessment, data, number=1, name="photo.jpg", actor=None):
    return services.assessment_evidence_add(
        actor=actor or scene.admin, assessment=assessment, number=number, data=data, filename=name
    )


# --- the service ----------------------------------------------------------------------------------------------


def test_a_photo_is_kept_as_a_clean_jpeg_with_a_thumbnail(scene, draft):
    sent = photo(gps=True)
    item, created = add(scene, draft, sent, number=2, name="C:\\Users\\admin\\ประชุม<1>.heic")
    assert created
    assert item.indicator.number == 2 and item.content_type == "image/jpeg" and item.pages is None
    assert item.name == "ประชุม1.jpg"  # no folder, no characters a file system refuses, the kept format's name
    kept = default_storage.open(item.file.name).read()
    assert kept != sent and kept[:3] == b"\xff\xd8\xff"
    assert not Image.open(io.BytesIO(kept)).getexif()  # GPS, the maker: nothing of the original's metadata
    assert item.size == len(kept) and item.thumbnail.name


def test_a_pdf_is_kept_redrawn_with_its_pages(scene, draft):
    sent = pdf_file(pages=2, script=True)
    item, created = add(scene, draft, sent, number=3, name="minutes 2569.pdf")
    assert created and item.content_type == "application/pdf" and item.pages == 2
    kept = default_storage.open(item.file.name).read()
    assert kept != sent and kept.startswith(b"%PDF-") and b"JavaScript" not in kept
    assert item.name == "minutes 2569.pdf"
    thumbnail = Image.open(default_storage.open(item.thumbnail.name))  # the first page, small, as a JPEG
    assert thumbnail.format == "JPEG" and max(thumbnail.size) <= 320


def test_the_same_file_sent_again_for_the_same_activity_is_the_one_kept(scene, draft):
    first, created = add(scene, draft, pdf_file())
    again, created_again = add(scene, draft, pdf_file(), name="another name.pdf")
    assert created and not created_again and again.pk == first.pk
    other, created_other = add(scene, draft, pdf_file(), number=2)  # another activity: its own copy
    assert created_other and other.pk != first.pk
    assert EvidenceFile.objects.count() == 2


def test_at_most_ten_files_an_activity(scene, draft):
    for n in range(MAX_FILES_PER_ACTIVITY):
        add(scene, draft, pdf_file(pages=n + 1))
    with pytest.raises(AssessmentTooManyFilesError) as refused:
        add(scene, draft, pdf_file(pages=20))
    assert refused.value.code == "assessment_too_many_files"
    assert EvidenceFile.objects.count() == MAX_FILES_PER_ACTIVITY
    add(scene, draft, pdf_file(pages=20), number=2)  # another activity has room


def test_a_refused_file_saves_nothing(scene, draft):
    before = set(_stored())
    assert before == set()  # this test's own storage (conftest.own_media)
    with pytest.raises(EvidenceRejectedError) as refused:
        add(scene, draft, pdf_file(password="x"), name="x.pdf")
    assert refused.value.code == "evidence_encrypted"
    with pytest.raises(EvidenceRejectedError) as refused:
        add(scene, draft, b"PK\x03\x04 a zip", name="x.zip")
    assert refused.value.code == "evidence_type_not_allowed" and "PDF" in str(refused.value)
    assert not EvidenceFile.objects.exists()
    assert set(_stored()) == before


def test_only_activities_of_the_framework(scene, draft):
    with pytest.raises(AssessmentInvalidError):
        add(scene, draft, pdf_file(), number=99)
    assert not EvidenceFile.objects.exists()


def test_only_those_who_fill_it_add_files(scene, draft):
    for outsider in (scene.organiser, scene.member, scene.provincial, scene.elsewhere):
        with pytest.raises(NotFoundError):
            add(scene, draft, pdf_file(), actor=outsider)
    assert not EvidenceFile.objects.exists()


def test_files_are_frozen_once_submitted_and_open_again_when_returned(scene, draft):
    item, _ = add(scene, draft, pdf_file())
    services.assessment_score(actor=scene.admin, assessment=draft, scores=all_scores(2))
    services.assessment_submit(actor=scene.admin, assessment=draft)
    with pytest.raises(AssessmentNotEditableError):
        add(scene, draft, photo())
    with pytest.raises(AssessmentNotEditableError):
        services.assessment_evidence_remove(actor=scene.admin, item=item)
    assert EvidenceFile.objects.count() == 1
    services.assessment_review(actor=scene.provincial, assessment=draft, confirm=False, note="ขอรูปกิจกรรม")
    add(scene, draft, photo())
    assert EvidenceFile.objects.count() == 2


def test_removing_a_file_deletes_its_stored_copies_once_committed(scene, draft, django_capture_on_commit_callbacks):
    item, _ = add(scene, draft, photo())
    names = [item.file.name, item.thumbnail.name]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        services.assessment_evidence_remove(actor=scene.admin, item=item)
    assert not EvidenceFile.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_submission_records_the_files_it_was_sent_with(scene, draft):
    pdf, _ = add(scene, draft, pdf_file(), number=4, name="แผน.pdf")
    jpg, _ = add(scene, draft, photo(), number=1)
    services.assessment_score(actor=scene.admin, assessment=draft, scores=all_scores(2))
    services.assessment_submit(actor=scene.admin, assessment=draft)
    event = AssessmentEvent.objects.get()
    # by digest and type: no file name (which may name someone) in a history that is never changed
    assert event.files == {"1": [[jpg.sha256, "image/jpeg"]], "4": [[pdf.sha256, "application/pdf"]]}
    assert event.file_count == 2


def test_whoever_added_a_file_does_not_confirm_the_result(scene, draft):
    add(scene, draft, pdf_file(), actor=scene.site_admin)
    services.assessment_score(actor=scene.admin, assessment=draft, scores=all_scores(2))
    services.assessment_submit(actor=scene.admin, assessment=draft)
    assert selectors.review_queue(viewer=scene.site_admin) == ([], 0)
    with pytest.raises(AssessmentOwnReviewError):
        services.assessment_review(actor=scene.site_admin, assessment=draft, confirm=True)
    assert selectors.review_queue(viewer=scene.provincial)[1] == 1


def test_the_sheet_lists_each_activity_s_files(scene, draft):
    add(scene, draft, pdf_file(), number=2)
    add(scene, draft, photo(), number=2)
    rows = {row.indicator.number: row for group in selectors.assessment_sheet(assessment=draft) for row in group.rows}
    assert [f.content_type for f in rows[2].files] == ["application/pdf", "image/jpeg"]
    assert rows[1].files == []


# --- the pages ------------------------------------------------------------------------------------------------


def test_files_chosen_on_the_sheet_are_kept_with_the_scores_typed(client, scene, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(scene.admin)
    page = client.get(reverse("assessments:detail", args=[draft.public_id])).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'name="file_1"' in page
    response = client.post(
        reverse("assessments:scores", args=[draft.public_id]),
        {
            "action": "save",
            "score_1": "2",
            "evidence_1": "ประกาศนโยบาย",
            "file_1": [
                SimpleUploadedFile("policy.pdf", pdf_file(), "application/pdf"),
                SimpleUploadedFile("day.jpg", photo(), "image/jpeg"),
            ],
        },
    )
    assert response.status_code == 302
    assert Score.objects.get().score == 2
    assert sorted(EvidenceFile.objects.values_list("name", flat=True)) == ["day.jpg", "policy.pdf"]
    page = client.get(reverse("assessments:detail", args=[draft.public_id])).content.decode()
    assert page.count('data-testid="evidence-file"') == 2 and "policy.pdf" in page


def test_a_refused_file_on_the_sheet_keeps_what_was_typed_and_saves_nothing(client, scene, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(scene.admin)
    response = client.post(
        reverse("assessments:scores", args=[draft.public_id]),
        {
            "action": "save",
            "score_1": "2",
            "evidence_1": "ประกาศนโยบาย",
            "file_1": SimpleUploadedFile("locked.pdf", pdf_file(password="x"), "application/pdf"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert 'data-error-code="evidence_encrypted"' in body and "ประกาศนโยบาย" in body
    assert not Score.objects.exists() and not EvidenceFile.objects.exists()


def test_a_refusal_after_files_were_stored_leaves_none_behind(client, scene, draft):
    """A good photo and a refused PDF in one request, and a good file with a submission refused: the rows roll
    back and so do the stored copies."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    before = set(_stored())
    client.force_login(scene.admin)
    url = reverse("assessments:scores", args=[draft.public_id])
    mixed = client.post(
        url,
        {
            "action": "save",
            "file_1": SimpleUploadedFile("ok.jpg", photo()),
            "file_2": SimpleUploadedFile("locked.pdf", pdf_file(password="x")),
        },
    )
    assert mixed.status_code == 400
    refused = client.post(url, {"action": "submit", "file_3": SimpleUploadedFile("plan.pdf", pdf_file())})
    assert 'data-error-code="assessment_incomplete"' in refused.content.decode()
    assert not EvidenceFile.objects.exists()
    assert set(_stored()) == before


def test_enter_in_the_sheet_saves_and_never_removes_a_file(client, scene, draft):
    """The form's first submit button is its default (what Enter in a field presses): a plain save."""
    import re

    add(scene, draft, pdf_file())
    client.force_login(scene.admin)
    page = client.get(reverse("assessments:detail", args=[draft.public_id])).content.decode()
    form = page[page.index('data-testid="scores-form"') :]
    first = re.search(r"<button[^>]*>", form).group(0)
    assert 'value="save"' in first and 'data-testid="default-save"' in first
    assert form.index('data-testid="default-save"') < form.index('value="remove:')


def test_the_sweep_deletes_stored_files_no_row_names(scene, draft):
    import datetime as dt
    import os

    kept, _ = add(scene, draft, photo())
    orphan = default_storage.save("assessments/2026/01/left-behind.pdf", io.BytesIO(b"%PDF-1.7"))
    young = default_storage.save("assessments/2026/01/being-uploaded.pdf", io.BytesIO(b"%PDF-1.7"))
    old = dt.datetime.now().timestamp() - 2 * 3600
    os.utime(default_storage.path(orphan), (old, old))
    os.utime(default_storage.path(kept.file.name), (old, old))
    assert services.evidence_sweep() == [orphan]
    assert not default_storage.exists(orphan)
    assert default_storage.exists(young) and default_storage.exists(kept.file.name)
    assert default_storage.exists(kept.thumbnail.name)


def test_a_file_is_removed_from_the_sheet_and_the_rest_is_saved(client, scene, draft):
    item, _ = add(scene, draft, pdf_file())
    client.force_login(scene.admin)
    response = client.post(
        reverse("assessments:scores", args=[draft.public_id]),
        {"action": f"remove:{item.public_id}", "score_2": "1", "evidence_2": ""},
    )
    assert response.status_code == 302
    assert not EvidenceFile.objects.exists() and Score.objects.get().score == 1


def test_files_are_served_only_to_those_who_see_the_assessment(client, scene, draft):
    pdf, _ = add(scene, draft, pdf_file(), name="แผนงาน.pdf")
    jpg, _ = add(scene, draft, photo(), number=2)
    for viewer in (scene.admin, scene.organiser, scene.provincial):
        client.force_login(viewer)
        got = client.get(reverse("assessments:evidence", args=[pdf.public_id]))
        assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
        assert got["Content-Disposition"].startswith("attachment")  # a document is only downloaded
        assert b"".join(got.streaming_content) == default_storage.open(pdf.file.name).read()
        shown = client.get(reverse("assessments:evidence", args=[jpg.public_id]))
        assert shown["Content-Type"] == "image/jpeg" and shown["Content-Disposition"].startswith("inline")
        assert "sandbox" in shown["Content-Security-Policy"] and shown["X-Content-Type-Options"] == "nosniff"
        assert shown["Cache-Control"] == "private, no-cache"  # a removed file is not served from a browser's cache
        thumb = client.get(reverse("assessments:evidence-thumb", args=[jpg.public_id]))
        assert thumb.status_code == 200 and b"".join(thumb.streaming_content)[:3] == b"\xff\xd8\xff"
    for outsider in (scene.member, scene.elsewhere):
        client.force_login(outsider)
        assert client.get(reverse("assessments:evidence", args=[pdf.public_id])).status_code == 404
    client.logout()
    assert client.get(reverse("assessments:evidence", args=[pdf.public_id])).status_code == 302


def test_a_pdf_shows_its_first_page_on_the_sheet_and_one_kept_without_a_thumbnail_its_icon(client, scene, draft):
    new, _ = add(scene, draft, pdf_file(), name="แผนงาน.pdf")
    old, _ = add(scene, draft, pdf_file(pages=2), number=2, name="เก่า.pdf")
    EvidenceFile.objects.filter(pk=old.pk).update(thumbnail="")  # kept before PDFs had thumbnails
    client.force_login(scene.organiser)
    sheet = client.get(reverse("assessments:detail", args=[draft.public_id])).content.decode()
    thumb_url = reverse("assessments:evidence-thumb", args=[new.public_id])
    assert sheet.count('data-testid="pdf-thumbnail"') == 1 and f'src="{thumb_url}"' in sheet
    assert sheet.count("bi-file-earmark-pdf") == 1  # the old one
    thumb = client.get(thumb_url)
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert b"".join(thumb.streaming_content) == default_storage.open(new.thumbnail.name).read()
    assert "sandbox" in thumb["Content-Security-Policy"]
    # The document itself is still only downloaded.
    assert client.get(reverse("assessments:evidence", args=[new.public_id]))["Content-Disposition"].startswith(
        "attachment"
    )


def test_the_sheet_s_queries_do_not_grow_with_its_files(client, scene, draft, django_assert_num_queries):
    client.force_login(scene.admin)
    url = reverse("assessments:detail", args=[draft.public_id])
    client.get(url)
    with django_assert_num_queries(11):
        client.get(url)
    for number in (1, 2, 3):
        add(scene, draft, pdf_file(pages=number), number=number)
        add(scene, draft, photo((number * 40, 0, 0)), number=number)
    with django_assert_num_queries(11):
        assert client.get(url).content.decode().count('data-testid="evidence-file"') == 6


# --- what the database keeps ----------------------------------------------------------------------------------


def test_the_database_keeps_a_file_s_shape(scene, draft):
    """A photo always has a thumbnail and no pages; a PDF always its pages, with a thumbnail or (kept before they
    had one) without."""
    from django.db import IntegrityError, transaction

    pdf, _ = add(scene, draft, pdf_file())
    jpg, _ = add(scene, draft, photo(), number=2)
    EvidenceFile.objects.filter(pk=pdf.pk).update(thumbnail="")  # allowed
    for item, change in ((jpg, {"thumbnail": ""}), (jpg, {"pages": 1}), (pdf, {"pages": None})):
        with pytest.raises(IntegrityError), transaction.atomic():
            EvidenceFile.objects.filter(pk=item.pk).update(**change)


def test_the_database_refuses_a_score_or_file_of_another_framework(scene, draft):
    other = Framework.objects.get(subject="province")
    foreign = Indicator.objects.filter(framework=other).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        Score.objects.create(assessment=draft, indicator=foreign, score=1, written_by=scene.admin)
    item, _ = add(scene, draft, pdf_file())
    with pytest.raises(DatabaseError), transaction.atomic():
        EvidenceFile.objects.filter(pk=item.pk).update(indicator=foreign)


def test_the_database_refuses_a_framework_of_the_other_subject_or_a_province_that_is_not_one(scene, draft):
    organisations = Framework.objects.get(subject="organisation")
    provinces = Framework.objects.get(subject="province")
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.create(
            framework=provinces, organisation=OrganisationFactory(), fiscal_year=2020, created_by=scene.admin
        )
    with pytest.raises(DatabaseError), transaction.atomic():
        Assessment.objects.create(
            framework=organisations, province=area("71"), fiscal_year=2020, created_by=scene.admin
        )
    if connection.vendor == "postgresql":  # on SQLite the service alone keeps it (0003_integrity.sqlite.sql)
        with pytest.raises(DatabaseError), transaction.atomic():
            Assessment.objects.create(
                framework=provinces, province=area("7109"), fiscal_year=2020, created_by=scene.admin
            )
    Assessment.objects.create(framework=provinces, province=area("71"), fiscal_year=2020, created_by=scene.admin)
    with pytest.raises(DatabaseError), transaction.atomic():  # the framework an assessment was opened with stays
        Assessment.objects.filter(pk=draft.pk).update(framework=provinces)


def test_the_database_keeps_the_history_append_only(scene, draft):
    services.assessment_score(actor=scene.admin, assessment=draft, scores=all_scores(2))
    services.assessment_submit(actor=scene.admin, assessment=draft)
    event = AssessmentEvent.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AssessmentEvent.objects.filter(pk=event.pk).update(note="changed")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM assessments_assessmentevent")
    assert AssessmentEvent.objects.get().note == ""


def test_an_organisation_elsewhere_is_not_another_s_to_fill(scene):
    other = OrganisationFactory(area=area("300101"))
    admin = member_of(other, is_admin=True)
    theirs = services.assessment_open(actor=admin, organisation=other)
    with pytest.raises(NotFoundError):
        add(scene, theirs, pdf_file())


def _stored() -> list[str]:
    found = []
    root = "assessments"
    if not default_storage.exists(root):
        return found
    stack = [root]
    while stack:
        folder = stack.pop()
        dirs, files = default_storage.listdir(folder)
        found += [f"{folder}/{name}" for name in files]
        stack += [f"{folder}/{name}" for name in dirs]
    return found


# --- the API --------------------------------------------------------------------------------------------------


def api_for(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_files_through_the_api(scene, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = api_for(scene.admin)
    url = f"/api/v1/assessments/{draft.public_id}/files/"
    sent = api.post(url, {"activity": 2, "file": SimpleUploadedFile("plan.pdf", pdf_file(pages=2))}, format="multipart")
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["activity"] == 2 and body["pages"] == 2 and body["content_type"] == "application/pdf"
    assert body["url"] == reverse("assessments:evidence", args=[body["id"]])
    again = api.post(url, {"activity": 2, "file": SimpleUploadedFile("x.pdf", pdf_file(pages=2))}, format="multipart")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(db) as one_file:
        sheet = api.get(f"/api/v1/assessments/{draft.public_id}/").json()["sheet"]
    assert [f["name"] for f in sheet[1]["files"]] == ["plan.pdf"] and sheet[0]["files"] == []
    for number in (3, 4, 5):
        add(scene, draft, photo((number * 40, 0, 0)), number=number)
    with CaptureQueriesContext(db) as four_files:
        api.get(f"/api/v1/assessments/{draft.public_id}/")
    assert len(four_files) == len(one_file)  # the files' activities are read with them
    refused = api.post(
        url, {"activity": 1, "file": SimpleUploadedFile("s.pdf", pdf_file(password="x"))}, format="multipart"
    )
    assert refused.status_code == 400 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "evidence_encrypted"
    assert api.post(url, {"activity": 1}, format="multipart").status_code == 400  # no file
    assert EvidenceFile.objects.count() == 4
    # someone who may see it but not fill it
    assert (
        api_for(scene.provincial)
        .post(url, {"activity": 1, "file": SimpleUploadedFile("p.pdf", pdf_file())}, format="multipart")
        .status_code
        == 404
    )
    gone = api.delete(f"{url}{body['id']}/")
    assert gone.status_code == 204 and not EvidenceFile.objects.filter(public_id=body["id"]).exists()
    assert api.delete(f"{url}{body['id']}/").status_code == 404


def test_files_cannot_change_through_the_api_once_submitted(scene, draft):
    from django.core.files.uploadedfile import SimpleUploadedFile

    item, _ = add(scene, draft, pdf_file())
    services.assessment_score(actor=scene.admin, assessment=draft, scores=all_scores(2))
    services.assessment_submit(actor=scene.admin, assessment=draft)
    api = api_for(scene.admin)
    url = f"/api/v1/assessments/{draft.public_id}/files/"
    late = api.post(url, {"activity": 1, "file": SimpleUploadedFile("late.jpg", photo())}, format="multipart")
    assert late.status_code == 409 and late.json()["code"] == "assessment_not_editable"
    assert api.delete(f"{url}{item.public_id}/").status_code == 409
    assert EvidenceFile.objects.count() == 1


def test_the_sweep_command(scene, draft):
    import os

    from django.core.management import call_command

    orphan = default_storage.save("assessments/2026/01/left-behind.jpg", io.BytesIO(b"x"))
    os.utime(default_storage.path(orphan), (0, 0))
    out = io.StringIO()
    call_command("assessments", "sweep-files", stdout=out)
    assert f"deleted {orphan}" in out.getvalue() and "1 file(s) deleted" in out.getvalue()
    assert not default_storage.exists(orphan)


def test_discarding_never_deletes_a_file_whose_row_was_kept(scene, draft):
    item, _ = add(scene, draft, photo())
    services.evidence_discard([item])  # as if an error had come after the commit
    assert default_storage.exists(item.file.name) and default_storage.exists(item.thumbnail.name)


def test_a_stored_copy_that_cannot_be_deleted_after_a_removal_fails_nothing(
    client, scene, draft, monkeypatch, django_capture_on_commit_callbacks
):
    """The removal commits; the stored copy that could not be deleted is left for the sweep, and the file added in
    the same request keeps its copy."""
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadedfile import SimpleUploadedFile

    old, _ = add(scene, draft, pdf_file())
    real_delete = FileSystemStorage.delete

    def refuse(storage, name):
        if name == old.file.name:
            raise PermissionError(name)
        return real_delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", refuse)
    client.force_login(scene.admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("assessments:scores", args=[draft.public_id]),
            {"action": f"remove:{old.public_id}", "file_2": SimpleUploadedFile("new.jpg", photo())},
        )
    assert response.status_code == 302
    new = EvidenceFile.objects.get()
    assert new.name == "new.jpg" and default_storage.exists(new.file.name)


def test_the_sweep_never_looks_at_files_younger_than_a_quarter_of_an_hour(scene, draft):
    import datetime as dt

    with pytest.raises(AssessmentInvalidError):
        services.evidence_sweep(older_than=dt.timedelta(minutes=5))


def test_a_row_that_cannot_be_written_leaves_no_stored_copy(scene, draft, monkeypatch):
    """The copies are written first; if the row then fails, they are deleted at once."""
    from django.db import DatabaseError as Failed

    def fail(self, *args, **kwargs):
        raise Failed("the disk is full")

    monkeypatch.setattr(EvidenceFile, "save", fail)
    with pytest.raises(Failed):
        add(scene, draft, photo())
    assert _stored() == []


def test_files_that_take_too_long_to_check_together_are_refused_with_what_was_typed(client, scene, draft, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from thamdee.assessments import views

    monkeypatch.setattr(views, "PREPARE_BUDGET_SECONDS", -1.0)  # spent as soon as the first file is done
    client.force_login(scene.admin)
    response = client.post(
        reverse("assessments:scores", args=[draft.public_id]),
        {
            "action": "save",
            "score_1": "2",
            "evidence_1": "ประกาศนโยบาย",
            "file_1": [SimpleUploadedFile("a.pdf", pdf_file()), SimpleUploadedFile("b.pdf", pdf_file(pages=2))],
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and 'data-error-code="assessment_invalid"' in body
    assert "ประกาศนโยบาย" in body
    assert not Score.objects.exists() and not EvidenceFile.objects.exists() and _stored() == []


def test_a_token_client_downloads_a_file_through_the_api(scene, draft):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    pdf, _ = add(scene, draft, pdf_file(), name="แผน.pdf")
    add(scene, draft, photo(), number=2)
    reader = APIClient()
    reader.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=scene.provincial).key}")
    sheet = reader.get(f"/api/v1/assessments/{draft.public_id}/").json()["sheet"]
    url = sheet[0]["files"][0]["download"]
    assert url == f"/api/v1/assessments/{draft.public_id}/files/{pdf.public_id}/"
    got = reader.get(url, HTTP_ACCEPT="application/pdf")
    assert got.status_code == 200 and got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment")
    assert b"".join(got.streaming_content) == default_storage.open(pdf.file.name).read()
    shown = reader.get(sheet[1]["files"][0]["download"])
    assert shown["Content-Type"] == "image/jpeg" and shown["Content-Disposition"].startswith("inline")
    # someone who may not see it, whatever they accept: a problem, as JSON
    outsider = APIClient()
    outsider.force_authenticate(scene.elsewhere)
    for accept in ("application/pdf", "application/json", "*/*"):
        refused = outsider.get(url, HTTP_ACCEPT=accept)
        assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "not_found"
