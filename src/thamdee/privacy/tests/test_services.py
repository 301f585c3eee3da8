"""Erasure: asked for, cancelled, carried out. Personal fields go; the ledger, the deeds' figures and every
rollup stay exactly as they were."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from tests.factories import member_of
from thamdee.deeds import services as deeds
from thamdee.deeds.models import Appeal, Deed, DeedEvidence
from thamdee.inbox.models import Notification
from thamdee.ledger.models import Account, Journal, Posting
from thamdee.ledger.reconcile import ledger_check
from thamdee.orgs.models import Membership
from thamdee.people.backends import MobileOrUsernameBackend
from thamdee.people.models import Consent, FamilyLink, User
from thamdee.privacy import services
from thamdee.privacy.errors import (
    ErasureConfirmRequiredError,
    ErasureLastAdminError,
    ErasureOpenMattersError,
    ErasureSiteAdminError,
    ErasureStateError,
)
from thamdee.privacy.models import DataRequestEvent, ErasureRequest, ErasureStatus
from thamdee.recognition import selectors as recognition_selectors
from thamdee.recognition.models import ConsentState, Credential, Honour, Nomination, Score
from thamdee.reports import rollups
from thamdee.reports import selectors as report_selectors
from thamdee.reports.models import OrgRollup, Rollup
from thamdee.rewards.tests.conftest import redeem

pytestmark = pytest.mark.django_db


def ask(user: User) -> ErasureRequest:
    return services.erasure_request(actor=user, confirmed=True)


def figures() -> dict[str, list[tuple]]:
    """Every row the ledger and the reports keep, to compare before and after."""
    return {
        "journals": list(Journal.objects.order_by("id").values_list()),
        "postings": list(Posting.objects.order_by("journal_id", "account_id").values_list()),
        "accounts": list(Account.objects.order_by("id").values_list()),
        "rollups": list(Rollup.objects.order_by("id").values_list()),
        "org_rollups": list(OrgRollup.objects.order_by("id").values_list()),
        "deeds": list(
            Deed.objects.order_by("id").values_list(
                "id", "member_id", "deed_type_id", "organisation_id", "area_id", "done_on", "hours", "status", "credits"
            )
        ),
    }


# --- asking and cancelling ---------------------------------------------------------------------------------------


def test_asking_records_a_request_due_in_90_days_once(person):
    request = ask(person.member)
    assert request.status == ErasureStatus.REQUESTED
    assert request.due_on == timezone.localdate() + dt.timedelta(days=90)
    assert ask(person.member).pk == request.pk  # asking again: the open request
    assert ErasureRequest.objects.filter(user=person.member).count() == 1
    kinds = list(DataRequestEvent.objects.filter(subject=person.member).values_list("kind", "actor_id"))
    assert kinds == [("erasure_requested", person.member.pk)]


def test_asking_needs_the_warning_confirmed(person):
    with pytest.raises(ErasureConfirmRequiredError) as caught:
        services.erasure_request(actor=person.member, confirmed=False)
    assert caught.value.code == "erasure_confirm_required"
    assert "ยืนยัน" in caught.value.message_th
    assert not ErasureRequest.objects.exists()


def test_the_person_cancels_before_it_is_carried_out(person):
    request = ask(person.member)
    services.erasure_cancel(actor=person.member, erasure=request)
    request.refresh_from_db()
    assert request.status == ErasureStatus.CANCELLED and request.cancelled_at is not None
    with pytest.raises(ErasureStateError):
        services.erasure_cancel(actor=person.member, erasure=request)
    with pytest.raises(ErasureStateError):
        services.erasure_carry_out(actor=person.admin, erasure=request)
    assert ask(person.member).pk != request.pk  # they may ask again later
    kinds = list(DataRequestEvent.objects.filter(subject=person.member).values_list("kind", flat=True))
    assert kinds == ["erasure_requested", "erasure_cancelled", "erasure_requested"]


# --- carrying it out ---------------------------------------------------------------------------------------------


def test_erasure_clears_every_personal_field(person, django_capture_on_commit_callbacks):
    w = person
    m = w.member
    old_public_id, old_mobile = m.public_id, m.mobile
    Token.objects.create(user=m)
    evidence = DeedEvidence.objects.get(deed=w.deed)
    files = [(evidence.image.storage, evidence.image.name)]
    credential_ids = list(Credential.objects.filter(member=m).values_list("pk", flat=True))
    assert credential_ids and report_selectors.stories_published().filter(pk=w.story.pk).exists()
    assert recognition_selectors.honours_public().filter(pk=w.honour.pk).exists()
    assert MobileOrUsernameBackend().authenticate(None, username=old_mobile, password="correct-horse-42") == m
    request = ask(m)

    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_carry_out(actor=w.admin, erasure=request)

    m.refresh_from_db()
    assert (m.prefix, m.first_name, m.last_name, m.email) == ("", "", "", "")
    assert (m.mobile, m.birth_year, m.national_id_hmac, m.last_login) == (None, None, None, None)
    assert m.home_area.code == "71091101"  # kept: the rollups attribute credits spent to it
    assert m.username.startswith("erased-") and m.public_id != old_public_id
    assert not m.is_active and not m.has_usable_password()
    # Deeds stay, without what the person wrote or the photos of them.
    assert Deed.objects.filter(member=m).count() == 2
    assert set(Deed.objects.filter(member=m).values_list("description", flat=True)) == {""}
    assert not DeedEvidence.objects.filter(deed__member=m).exists()
    assert not any(storage.exists(name) for storage, name in files)
    assert set(Appeal.objects.filter(member=m).values_list("reason", flat=True)) == {""}
    # Consents withdrawn (kept as history), family links gone, memberships ended, inbox emptied, tokens gone.
    assert Consent.objects.filter(user=m).count() == 2
    assert not Consent.objects.filter(user=m, withdrawn_at__isnull=True).exists()
    assert not FamilyLink.objects.filter(user=m).exists() and not FamilyLink.objects.filter(relative=m).exists()
    assert not Membership.objects.filter(user=m, is_active=True).exists()
    assert not Membership.objects.filter(user=m, ended_at__isnull=True).exists()
    assert not Notification.objects.filter(user=m).exists()
    assert not Token.objects.filter(user=m).exists()
    # Recognition: off public display, credentials revoked and no longer naming the person.
    honour = Honour.objects.get(pk=w.honour.pk)
    assert honour.consent == ConsentState.WITHDRAWN and not (honour.show_name or honour.show_story)
    assert not recognition_selectors.honours_public().filter(pk=honour.pk).exists()
    for credential in Credential.objects.filter(pk__in=credential_ids):
        assert credential.revoked_at is not None and credential.recipient_name == "" and credential.token == ""
    nomination = Nomination.objects.get(pk=w.nomination.pk)
    assert (nomination.reasons, nomination.evidence, nomination.public_story) == ("", "", "")
    assert set(Score.objects.filter(nomination=nomination).values_list("comment", flat=True)) == {""}
    # A story that shows them leaves the public pages (their consent is withdrawn).
    assert not report_selectors.stories_published().filter(pk=w.story.pk).exists()
    # No sign-in, by mobile number or by name.
    backend = MobileOrUsernameBackend()
    assert backend.authenticate(None, username=old_mobile, password="correct-horse-42") is None
    assert backend.authenticate(None, username=m.username, password="correct-horse-42") is None
    request.refresh_from_db()
    assert request.status == ErasureStatus.CARRIED_OUT and request.carried_out_by == w.admin


def test_erasure_clears_the_persons_name_and_words_from_other_peoples_notices(person):
    from thamdee.people import services as people

    from .conftest import GIFT_MESSAGE

    w, m = person, person.member
    name = m.full_name
    stranger = member_of(w.org)
    people.family_link_add(actor=m, relative_mobile=stranger.mobile, relation="sibling")  # a request to confirm
    received = Notification.objects.filter(user__in=[w.relative, stranger], about=m)
    assert received.count() == 3 and all(name in n.title_th for n in received)  # two requests, one gift
    unrelated = Notification.objects.filter(user=w.relative).exclude(about=m).count()
    services.erasure_carry_out(actor=w.admin, erasure=ask(m))
    for notice in Notification.objects.filter(user__in=[w.relative, stranger]):
        text = " ".join([notice.title_th, notice.title_en, notice.body_th, notice.body_en])
        assert name not in text and GIFT_MESSAGE not in text, text
    gift = Notification.objects.get(user=w.relative, kind="gift_received")
    assert services.ERASED_NAME[0] in gift.title_th and services.ERASED_NAME[1] in gift.title_en
    assert gift.about is None
    assert Notification.objects.filter(user=w.relative).count() == unrelated + 2  # kept, without the name


def test_erasure_clears_the_guardian_name_the_person_typed_for_someone_else(person):
    from thamdee.people import services as people
    from thamdee.people.models import ConsentPurpose
    from thamdee.recognition.models import HonourConsentEvent

    # Given a parent who recorded consent for their young child, naming themself as the guardian
    w = person
    parent = w.member
    child = member_of(w.org)
    child.birth_year = timezone.localdate().year - 7
    child.save(update_fields=["birth_year"])
    link = people.family_link_add(actor=parent, relative_mobile=child.mobile, relation="child")
    people.family_link_confirm(actor=child, link_id=link.pk)
    consent = people.consent_grant(
        actor=parent, user=child, purpose=ConsentPurpose.PUBLISH_NAME, guardian_name=parent.full_name
    )
    # and who is named, as guardian, on the record of someone else's consent to their honour
    event = HonourConsentEvent.objects.create(
        honour=w.honour, action=HonourConsentEvent.Action.CONSENT, actor=parent, guardian_name=parent.full_name
    )
    HonourConsentEvent.objects.filter(pk=event.pk).update(honour=_another_honour(w, child))
    # When the parent's data is erased
    services.erasure_carry_out(actor=w.admin, erasure=ask(parent))
    # Then their name is gone from both; the child's consent stays in force
    consent.refresh_from_db()
    event.refresh_from_db()
    assert (consent.guardian_name, event.guardian_name) == ("", "")
    assert consent.withdrawn_at is None and consent.recorded_by == parent


def _another_honour(w, member):
    """A copy of w's honour held by ``member`` (the fields an honour needs; no nomination round of its own)."""
    from thamdee.recognition.models import Honour

    honour = Honour.objects.get(pk=w.honour.pk)
    nomination = Nomination.objects.get(pk=honour.nomination_id)
    nomination.pk, nomination.public_id, nomination.nominee = None, uuid.uuid4(), member
    nomination.save()
    honour.pk, honour.public_id, honour.member, honour.nomination, honour.credential = (
        None,
        uuid.uuid4(),
        member,
        nomination,
        None,
    )
    honour.save()
    return honour


def test_a_story_that_shows_the_person_loses_them_and_its_photos_and_goes_back_to_its_writers(
    person, django_capture_on_commit_callbacks
):
    from tests.factories import area
    from thamdee.deeds.tests.test_services import jpeg_with_gps
    from thamdee.reports import services as reports
    from thamdee.reports.models import Story, StoryPhoto, StoryStatus

    w = person
    other = member_of(w.org)
    # Given the published story that shows the person, with a photo, and a draft that shows them and someone else
    photo = StoryPhoto(story=w.story, caption="ป้ามาลี")
    photo.image.save("p.jpg", ContentFile(jpeg_with_gps()), save=False)
    photo.thumbnail.save("p-t.jpg", ContentFile(jpeg_with_gps()), save=False)
    photo.save()
    draft = reports.story_save(
        actor=w.organiser,
        organisation=w.org,
        title="t",
        summary="s",
        body="b",
        area=area("710911"),
        people_shown=[w.member, other],
        photos=[(jpeg_with_gps(), "")],
    )
    photos = list(StoryPhoto.objects.filter(story__in=[w.story, draft]))
    files = [(p.image.storage, p.image.name) for p in photos] + [
        (p.thumbnail.storage, p.thumbnail.name) for p in photos
    ]
    assert len(files) == 4 and all(storage.exists(name) for storage, name in files)
    # When the person's data is erased
    with django_capture_on_commit_callbacks(execute=True):
        services.erasure_carry_out(actor=w.admin, erasure=ask(w.member))
    # Then neither story shows them or keeps a photo (files included)
    published, draft = Story.objects.get(pk=w.story.pk), Story.objects.get(pk=draft.pk)
    assert list(published.people_shown.all()) == [] and list(draft.people_shown.all()) == [other]
    assert not StoryPhoto.objects.filter(story__in=[published, draft]).exists()
    assert not any(storage.exists(name) for storage, name in files)
    # and the published one is back with its writers, with a note that names no one; the draft stays a draft
    assert (published.status, published.approved_at) == (StoryStatus.RETURNED, None)
    assert "PDPA" in published.review_note and w.member.first_name not in published.review_note
    assert draft.status == StoryStatus.DRAFT and draft.review_note == ""
    assert not report_selectors.stories_published().filter(pk=published.pk).exists()


def test_erasure_leaves_the_ledger_deeds_and_rollups_as_they_were(person):
    before = figures()
    assert rollups.check().ok and ledger_check().ok
    services.erasure_carry_out(actor=person.admin, erasure=ask(person.member))
    assert figures() == before
    assert rollups.check().ok  # a rebuild from the raw tables gives the same figures
    assert ledger_check().ok


def test_the_ledger_stays_append_only_after_an_erasure(person):
    services.erasure_carry_out(actor=person.admin, erasure=ask(person.member))
    journal = Journal.objects.filter(actor=person.member).first()
    assert journal is not None
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_journal SET memo = '' WHERE id = %s", [journal.pk])


def test_erasure_deletes_the_messages_the_person_wrote_and_the_recipient_keeps_the_line_without_it(person):
    from rest_framework.test import APIClient

    from thamdee.ledger import selectors as ledger_selectors
    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import JournalKind, JournalNote

    from .conftest import GIFT_MESSAGE

    w, m = person, person.member

    def gift_lines(user: User) -> list[tuple[int, str]]:
        book = ledger_selectors.passbook_for(viewer=user, member=user)
        return [(line.amount, line.memo) for line in book.lines if line.kind == JournalKind.GIFT]

    # Given the person's gift with a message to their relative, and the relative's thanks with a message back
    thanks = ledger.gift_send(
        actor=w.relative, recipient=m, amount=1, idempotency_key="privacy:thanks", message="ขอบใจ"
    )
    assert gift_lines(w.relative) == [(-1, "ขอบใจ"), (2, GIFT_MESSAGE)]
    before = figures()
    # When the person's data is erased
    services.erasure_carry_out(actor=w.admin, erasure=ask(m))
    # Then the note they wrote is gone: the relative's passbook keeps the line (who, when, how much), not the words
    assert not JournalNote.objects.filter(author=m).exists()
    assert gift_lines(w.relative) == [(-1, "ขอบใจ"), (2, "")]
    api = APIClient()
    api.force_authenticate(w.relative)
    assert [(x["amount"], x["memo"]) for x in api.get("/api/v1/passbook/").json()["lines"]] == [(-1, "ขอบใจ"), (2, "")]
    # while the words the relative wrote stay theirs, and the ledger itself is exactly as it was
    assert list(JournalNote.objects.values_list("journal_id", "author_id")) == [(thanks.journal_id, w.relative.pk)]
    assert figures() == before
    assert ledger_check().ok


def test_the_migration_deletes_the_messages_of_people_erased_before_notes_existed(person):
    """privacy 0002: ledger 0007 turned old gift memos into notes, those of people already erased included."""
    import importlib

    from django.apps import apps

    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import Journal, JournalNote

    w, m = person, person.member
    thanks = ledger.gift_send(
        actor=w.relative, recipient=m, amount=1, idempotency_key="privacy:thanks", message="ขอบใจ"
    )
    services.erasure_carry_out(actor=w.admin, erasure=ask(m))
    # Given notes as 0007 would have moved them: one by a person erased before (an old gift's memo), one by another
    gift = Journal.objects.get(idempotency_key=ledger.posting.key_uuid("privacy:gift:1"))
    JournalNote.objects.create(journal=gift, text="ข้อความเก่า", author=m)
    # When the migration runs, then only the erased person's note goes
    importlib.import_module("thamdee.privacy.migrations.0002_erased_writers_notes").forwards(apps, None)
    assert list(JournalNote.objects.values_list("journal_id", flat=True)) == [thanks.journal_id]


def test_the_remaining_credits_stay_with_the_closed_wallet(person):
    wallet = Account.objects.get(user=person.member)
    services.erasure_carry_out(actor=person.admin, erasure=ask(person.member))
    assert Account.objects.get(pk=wallet.pk).balance == wallet.balance == 12


def test_the_audit_names_no_one_and_holds_no_personal_data(person):
    services.data_export(actor=person.member, subject=person.member)
    request = ask(person.member)
    services.erasure_carry_out(actor=person.admin, erasure=request)
    rows = list(DataRequestEvent.objects.filter(subject=person.member).values("kind", "actor_id", "channel"))
    assert rows == [
        {"kind": "export", "actor_id": person.member.pk, "channel": "web"},
        {"kind": "erasure_requested", "actor_id": person.member.pk, "channel": "web"},
        {"kind": "erasure_carried_out", "actor_id": person.admin.pk, "channel": "web"},
    ]
    # The audit's columns: ids, kinds and times only.
    columns = {f.column for f in DataRequestEvent._meta.concrete_fields}
    assert columns == {"id", "subject_id", "actor_id", "kind", "channel", "erasure_id", "at"}


# --- what it refuses ------------------------------------------------------------------------------------------


def test_the_last_admin_of_an_organisation_is_refused_and_nothing_changes(person):
    w = person
    Membership.objects.filter(user=w.member, organisation=w.org).update(is_admin=True)
    request = ask(w.member)
    with pytest.raises(ErasureLastAdminError) as caught:
        services.erasure_carry_out(actor=w.admin, erasure=request)
    assert caught.value.code == "erasure_last_admin" and caught.value.status == 409
    assert w.org.name_th in caught.value.message_th
    w.member.refresh_from_db()
    assert w.member.first_name and w.member.is_active
    assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.REQUESTED
    # With a second admin, it goes ahead.
    member_of(w.org, is_admin=True)
    services.erasure_carry_out(actor=w.admin, erasure=request)


def test_open_matters_are_refused_until_they_close(person):
    w = person
    deed = deeds.deed_report(actor=w.member, deed_type=w.lost, done_on=w.today, quantity=1, description="ยังรออยู่")
    voucher = redeem(w.member, w.offer)
    request = ask(w.member)
    with pytest.raises(ErasureOpenMattersError) as caught:
        services.erasure_carry_out(actor=w.admin, erasure=request)
    assert caught.value.code == "erasure_open_matters"
    assert caught.value.params == {"deeds": 1, "appeals": 0, "vouchers": 1, "nominations": 0, "panel_seats": 0}
    assert Deed.objects.get(pk=deed.pk).description == "ยังรออยู่"
    deeds.deed_verify(actor=w.verifier, deed=deed)
    from thamdee.rewards import services as rewards

    rewards.voucher_cancel(actor=w.member, voucher=voucher)
    services.erasure_carry_out(actor=w.admin, erasure=request)


def test_a_site_admins_own_account_is_refused(person):
    request = ask(person.admin)
    other_admin = User.objects.create_superuser(username="root2", password="x" * 12)
    with pytest.raises(ErasureSiteAdminError):
        services.erasure_carry_out(actor=other_admin, erasure=request)


def test_erasure_takes_the_name_out_of_the_admin_log(person, client):
    """Django's admin log keeps each object's name as it was when changed (the person's full name, for their
    account) and what was changed, and the object's history page shows them: for the person's account and their
    own objects both go; the log of other people's objects stays as it was."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    w = person
    m = w.member
    m.first_name, m.last_name = "ประภาพรรณ", "ศรีวิไลวรรณ"  # a name no one else in the world has
    m.save(update_fields=["first_name", "last_name"])
    name = m.last_name

    def logged(obj) -> LogEntry:
        return LogEntry.objects.create(
            user=w.admin,
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            action_flag=CHANGE,
            change_message=f'[{{"changed": {{"fields": ["{name}"]}}}}]',
        )

    own = [
        logged(m),
        logged(Consent.objects.filter(user=m).first()),
        logged(Membership.objects.filter(user=m).first()),
        logged(Honour.objects.get(pk=w.honour.pk)),
        logged(Credential.objects.filter(member=m).first()),
        logged(Nomination.objects.get(pk=w.nomination.pk)),
    ]
    from django.contrib.admin.models import DELETION

    from thamdee.people.models import FamilyLink

    own.append(logged(FamilyLink.objects.filter(user=m).first()))  # names both people
    # A consent deleted in the admin before the erasure: its row is gone, its deletion entry names her.
    gone = logged(Consent.objects.filter(user=m).first())
    gone.action_flag, gone.object_id = DELETION, "999999"
    gone.save(update_fields=["action_flag", "object_id"])
    own.append(gone)
    theirs = logged(w.relative)
    # Another object's deletion entry that does not name her stays.
    other_gone = logged(w.relative)
    other_gone.action_flag, other_gone.object_id = DELETION, "999998"
    other_gone.save(update_fields=["action_flag", "object_id"])
    assert name in own[0].object_repr and name in own[1].object_repr and name in own[-2].object_repr
    services.erasure_carry_out(actor=w.admin, erasure=ask(m))

    m.refresh_from_db()
    for entry in own:
        entry.refresh_from_db()
        assert (entry.object_repr, entry.change_message) == (m.username, "")
        assert entry.user_id == w.admin.pk and entry.action_flag in (CHANGE, DELETION)  # who, what, when stay
    theirs.refresh_from_db()
    assert theirs.object_repr == str(w.relative) and theirs.change_message
    other_gone.refresh_from_db()
    assert other_gone.object_repr == str(w.relative) and other_gone.change_message
    # The account's history page in the admin no longer names them.
    w.admin.is_staff = True
    w.admin.save(update_fields=["is_staff"])
    client.force_login(w.admin)
    page = client.get(reverse("admin:people_user_history", args=[m.pk]))
    assert page.status_code == 200 and name not in page.content.decode()


@pytest.mark.parametrize("typed", ["+66 {a} {b} {c}", "({z}{a}) {b}-{c}", " {z}{a} {b} {c} ", "66{a}{b}{c}"])
def test_erasure_deletes_failed_sign_ins_under_the_mobile_number_however_typed(person, client, settings, typed):
    """Failed tries are recorded under the name as the sign-in got it: rows kept from before user names were
    normalised hold the number as it was typed, and a try now holds whatever the sign-in records. Both go; another
    person's tries, and a user name that merely contains the digits, stay."""
    from axes.models import AccessAttempt, AccessFailureLog

    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True  # off by default: when kept, it is erased too
    w = person
    mobile = w.member.mobile
    spelt = typed.format(z="0", a=mobile[1:3], b=mobile[3:6], c=mobile[6:])
    others = sorted([w.relative.mobile, f"x{mobile}"])
    row = {"user_agent": "UA", "http_accept": "*/*", "path_info": "/accounts/login/"}
    for username in (spelt, *others):  # as kept before
        AccessAttempt.objects.create(
            username=username, ip_address="198.51.100.1", get_data="", post_data="", failures_since_start=1, **row
        )
        AccessFailureLog.objects.create(username=username, ip_address="198.51.100.1", **row)
    for username in (spelt, *others):  # as kept now
        response = client.post(
            reverse("people:login"), {"username": username, "password": "wrong-password"}, REMOTE_ADDR="203.0.113.9"
        )
        assert response.status_code == 200  # refused: the form again
    assert AccessFailureLog.objects.filter(ip_address="203.0.113.9").count() == 3

    services.erasure_carry_out(actor=w.admin, erasure=ask(w.member))

    for model in (AccessAttempt, AccessFailureLog):
        assert sorted(model.objects.values_list("username", flat=True)) == sorted(others * 2)
