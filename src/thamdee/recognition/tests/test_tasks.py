"""Certificates are rendered by a background task; badges are recomputed by one when an organisation turns them
back on."""

from __future__ import annotations

from unittest import mock

import pytest

from thamdee.common import thaitime
from thamdee.common.pdf import pdf_fold, pdf_text
from thamdee.recognition import credentials as vc
from thamdee.recognition import services, tasks
from thamdee.recognition.models import BadgeAward, CertificateStatus, Credential, CredentialKind

from .conftest import select_nominee, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge(world) -> Credential:
    verified(world, hours=1)
    return Credential.objects.get(member=world.member, kind=CredentialKind.BADGE)


def test_a_requested_certificate_is_rendered_after_commit_in_thai_with_the_be_date(
    world, badge, django_capture_on_commit_callbacks
):
    # When the member asks, nothing is rendered inside the request's transaction
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.certificate_request(actor=world.member, credential=badge)
    badge.refresh_from_db()
    assert badge.certificate_status == CertificateStatus.PENDING and not badge.certificate
    assert len(callbacks) == 1
    # Then the task renders it once the transaction commits
    callbacks[0]()
    badge.refresh_from_db()
    assert badge.certificate_status == CertificateStatus.READY and badge.certificate
    with badge.certificate.open("rb") as handle:
        text = pdf_text(handle.read())
    be_date = thaitime.format_date(badge.issued_at, "long")  # "25 พฤศจิกายน 2569"
    assert str(thaitime.be_year(badge.issued_at.year)) in be_date
    assert pdf_fold(world.member.first_name) in pdf_fold(text) and pdf_fold(world.member.last_name) in pdf_fold(text)
    assert be_date.replace(" ", "") in text.replace(" ", "")
    assert "เกียรติบัตร" in text and vc.verify_url(badge.public_id) in text.replace("\n", "")
    assert world.member.notifications.filter(kind="certificate_ready").count() == 1


def test_the_task_is_idempotent_and_a_second_request_changes_nothing(world, badge):
    result = tasks.certificate_render_task.enqueue(str(badge.public_id))
    again = tasks.certificate_render_task.enqueue(str(badge.public_id))
    assert (result.return_value, again.return_value) == (True, False)
    badge.refresh_from_db()
    name = badge.certificate.name
    services.certificate_request(actor=world.member, credential=badge)
    badge.refresh_from_db()
    assert badge.certificate.name == name and badge.certificate_status == CertificateStatus.READY


def test_a_failed_render_is_marked_and_can_be_asked_for_again(world, badge):
    Credential.objects.filter(pk=badge.pk).update(certificate_status=CertificateStatus.PENDING)
    with mock.patch("thamdee.common.pdf.render_pdf", side_effect=RuntimeError("no fonts")):
        result = tasks.certificate_render_task.enqueue(str(badge.public_id))
    assert result.status == "FAILED"
    badge.refresh_from_db()
    assert badge.certificate_status == CertificateStatus.FAILED
    services.certificate_request(actor=world.member, credential=badge)
    badge.refresh_from_db()
    assert badge.certificate_status == CertificateStatus.PENDING


def test_only_the_holder_asks_and_never_for_a_revoked_credential(world, badge):
    from thamdee.common.errors import NotFoundError
    from thamdee.recognition import errors

    with pytest.raises(NotFoundError):
        services.certificate_request(actor=world.verifier, credential=badge)
    services.credential_revoke(actor=world.admin, credential=badge, reason="ออกผิดคน")
    with pytest.raises(errors.CredentialRevokedError):
        services.certificate_request(actor=world.member, credential=badge)


def test_a_certificate_queued_before_the_credential_was_revoked_is_not_made(
    world, badge, django_capture_on_commit_callbacks
):
    # Given a request whose task is still queued
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.certificate_request(actor=world.member, credential=badge)
    # When the credential is revoked, then the task runs
    services.credential_revoke(actor=world.admin, credential=badge, reason="ออกผิดคน")
    callbacks[0]()
    # Then nothing is made and nobody is told
    badge.refresh_from_db()
    assert (badge.certificate_status, badge.certificate.name) == (CertificateStatus.NONE, "")
    assert not world.member.notifications.filter(kind="certificate_ready").exists()


def test_a_certificate_queued_before_the_holder_was_erased_is_not_made(
    world, badge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.certificate_request(actor=world.member, credential=badge)
    # The account is closed (as privacy.services.erasure_carry_out leaves it) before the task runs
    type(world.member).objects.filter(pk=world.member.pk).update(is_active=False)
    callbacks[0]()
    badge.refresh_from_db()
    assert not badge.certificate and badge.certificate_status == CertificateStatus.NONE
    assert not world.member.notifications.filter(kind="certificate_ready").exists()


def test_an_exemplar_certificate_is_prepared_as_soon_as_the_nominee_is_selected(
    exemplar, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        honour = select_nominee(exemplar)
    honour.credential.refresh_from_db()
    assert honour.credential.certificate_status == CertificateStatus.READY
    with honour.credential.certificate.open("rb") as handle:
        text = pdf_text(handle.read())
    assert pdf_fold(exemplar.member.first_name) in pdf_fold(text) and "แบบอย่างความดี" in text and "2570" in text


def test_the_recompute_task_awards_what_members_reached_while_badges_were_off(world):
    services.badge_setting_set(actor=world.admin, organisation=world.org, enabled=False)
    verified(world, hours=2)
    assert not BadgeAward.objects.exists()
    services.badge_setting_set(actor=world.admin, organisation=world.org, enabled=True)  # callbacks not run here
    result = tasks.recognition_recompute_task.enqueue(world.org.pk)
    assert result.return_value >= 1
    assert BadgeAward.objects.filter(member=world.member, definition__code="first-deed").exists()
    assert tasks.recognition_recompute_task.enqueue(world.org.pk).return_value == 0
