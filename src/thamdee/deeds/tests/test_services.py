"""Recording, verifying, reversing and appealing deeds, with the ledger and the rulebook."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from thamdee.common.errors import NotFoundError
from thamdee.deeds import errors, selectors, services
from thamdee.deeds.models import Appeal, Decision, Deed, DeedSource, DeedStatus, DeedType
from thamdee.inbox.models import Notification
from thamdee.ledger.reconcile import ledger_check
from thamdee.ledger.selectors import balance_of, earned_total_of, passbook_for
from thamdee.people.models import ConsentPurpose
from thamdee.people.services import consent_grant

from .conftest import report

pytestmark = pytest.mark.django_db


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = image.getexif()
    exif[0x8825] = {1: "N", 2: (13.0, 45.0, 0.0), 3: "E", 4: (100.0, 30.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_a_reported_deed_waits_then_a_verifier_credits_it_with_an_explanation(world):
    # Given a member reports 3 hours of elder care
    deed = report(world, hours=3)
    assert deed.status == DeedStatus.PENDING and deed.source == DeedSource.SELF
    assert Notification.objects.filter(user=world.member, kind="deed_submitted").exists()
    # When a verifier of the organisation verifies it
    services.deed_verify(actor=world.verifier, deed=deed)
    deed.refresh_from_db()
    # Then the rulebook's 5 credits an hour give 15, posted to her wallet, explained rule by rule
    assert deed.status == DeedStatus.VERIFIED and deed.credits == 15
    assert balance_of(world.member) == 15 and earned_total_of(world.member) == 15
    lines = deed.explanation_text("th")
    assert any("ฉบับที่ 1" in line and "5 เครดิตต่อชั่วโมง" in line for line in lines)
    assert lines[-1] == "รวม 15 เครดิต"
    assert deed.rule_versions.count() == 1
    # And the passbook line answers "why these credits?"
    book = passbook_for(viewer=world.member, member=world.member)
    assert book.lines[0].explanation == lines
    assert Decision.objects.get(deed=deed).action == Decision.Action.APPROVE
    assert ledger_check().ok


def test_self_verification_is_refused(world):
    deed = report(world, member=world.verifier)
    with pytest.raises(errors.SelfVerificationError):
        services.deed_verify(actor=world.verifier, deed=deed)


def test_a_verifier_of_another_organisation_gets_not_found(world):
    deed = report(world)
    with pytest.raises(NotFoundError):
        services.deed_verify(actor=world.foreign_verifier, deed=deed)
    with pytest.raises(NotFoundError):
        services.deed_verify(actor=world.organiser, deed=deed)  # an organiser is not a verifier


def test_above_the_threshold_two_different_approvers_are_needed(world):
    deed = report(world, hours=10)  # 50 credits, above 40
    services.deed_verify(actor=world.verifier, deed=deed)
    deed.refresh_from_db()
    assert deed.status == DeedStatus.AWAITING_SECOND and balance_of(world.member) == 0
    with pytest.raises(errors.SameApproverError):
        services.deed_verify(actor=world.verifier, deed=deed)
    services.deed_verify(actor=world.verifier2, deed=deed)
    deed.refresh_from_db()
    assert deed.status == DeedStatus.VERIFIED and deed.credits == 50
    assert list(deed.decisions.values_list("action", flat=True)) == ["first_approval", "approve"]


def test_caps_per_day_follow_the_member_across_deeds(world):
    first = report(world, hours=8)  # 40
    second = report(world, hours=4)  # 20, but only 10 left of the 50 a day
    for deed in (first, second):
        services.deed_verify(actor=world.verifier, deed=deed)
    second.refresh_from_db()
    assert second.credits == 10
    assert any("เพดานต่อคนต่อวัน" in line for line in second.explanation_text("th"))


def test_dates_in_the_future_or_too_old_are_refused(world):
    with pytest.raises(errors.DeedDateError):
        report(world, days_ago=-1)
    with pytest.raises(errors.DeedDateError):
        report(world, days_ago=31)
    assert not Deed.objects.exists()


@pytest.mark.parametrize("amount", ["NaN", "-NaN", "sNaN", "Infinity", "-Infinity", "inf"])
def test_an_amount_that_is_not_a_finite_number_is_refused(world, amount):
    with pytest.raises(errors.AmountError):
        report(world, hours=amount)
    with pytest.raises(errors.AmountError):
        report(world, deed_type=world.lost, hours=0, quantity=amount)
    assert not Deed.objects.exists()


def test_only_members_of_the_organisation_may_report(world):
    from tests.factories import UserFactory

    with pytest.raises(errors.NotAMemberError):
        report(world, member=UserFactory())


def test_a_sensitive_deed_type_needs_consent(world):
    world.lost.is_sensitive = True
    world.lost.save()
    with pytest.raises(errors.SensitiveConsentError):
        report(world, deed_type=world.lost, hours=0)
    consent_grant(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
    assert report(world, deed_type=world.lost, hours=0).pk


def test_photos_are_stored_without_gps_and_required_when_the_catalogue_says_so(world):
    world.care.evidence = "photo"
    world.care.save()
    with pytest.raises(errors.EvidenceRequiredError):
        report(world)
    deed = report(world, photos=[jpeg_with_gps()])
    stored = deed.evidence.get()
    data = stored.image.read()
    assert b"GPS" not in data
    assert not Image.open(io.BytesIO(data)).getexif()


def test_a_deed_carries_at_most_six_photos_and_too_many_save_nothing(world):
    from thamdee.deeds.evidence import MAX_PHOTOS_PER_DEED, EvidenceTooManyPhotosError

    with pytest.raises(EvidenceTooManyPhotosError) as refused:
        report(world, photos=[jpeg_with_gps()] * (MAX_PHOTOS_PER_DEED + 1))
    assert refused.value.code == "evidence_too_many_photos" and MAX_PHOTOS_PER_DEED == 6
    assert not Deed.objects.exists()
    assert report(world, photos=[jpeg_with_gps()] * MAX_PHOTOS_PER_DEED).evidence.count() == MAX_PHOTOS_PER_DEED


def test_rejection_then_appeal_decided_by_someone_else_credits_the_deed(world):
    deed = report(world, deed_type=world.lost, hours=0)
    with pytest.raises(errors.ReasonRequiredError):
        services.deed_reject(actor=world.verifier, deed=deed, reason=" ")
    services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
    assert Notification.objects.filter(user=world.member, kind="deed_rejected").exists()
    appeal = services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
    with pytest.raises(errors.AppealExistsError):
        services.appeal_file(actor=world.member, deed=deed, reason="อีกครั้ง")
    # the verifier who rejected cannot decide the appeal
    with pytest.raises(errors.AppealDeciderError):
        services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ขอโทษ")
    services.appeal_decide(actor=world.verifier2, appeal=appeal, uphold=True, reason="พยานยืนยันแล้ว")
    deed.refresh_from_db()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and deed.status == DeedStatus.VERIFIED
    assert deed.credits == 3 and balance_of(world.member) == 3  # the default rate per occurrence
    assert Notification.objects.filter(user=world.member, kind="appeal_decided").exists()


def test_reversal_takes_back_credits_by_a_reversing_journal_and_can_be_appealed(world):
    deed = report(world, hours=2)
    services.deed_verify(actor=world.verifier, deed=deed)
    services.deed_reverse(actor=world.verifier2, deed=deed, reason="บันทึกซ้ำ")
    deed.refresh_from_db()
    assert deed.status == DeedStatus.REVERSED
    assert balance_of(world.member) == 0 and earned_total_of(world.member) == 0
    assert Deed.objects.filter(pk=deed.pk).exists()  # never deleted
    appeal = services.appeal_file(actor=world.member, deed=deed, reason="ไม่ซ้ำ")
    services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ไม่ซ้ำจริง")
    assert balance_of(world.member) == 10
    assert ledger_check().ok


def test_a_verifier_does_not_reverse_their_own_deed_on_the_web_or_the_api(world, client):
    from rest_framework.test import APIClient

    own = report(world, member=world.verifier, hours=2)
    services.deed_verify(actor=world.verifier2, deed=own)
    with pytest.raises(errors.SelfReversalError):
        services.deed_reverse(actor=world.verifier, deed=own, reason="บันทึกผิด")
    api = APIClient()
    api.force_authenticate(world.verifier)
    answer = api.post(f"/api/v1/deeds/{own.public_id}/reverse/", {"reason": "บันทึกผิด"}, format="json")
    assert answer.status_code == 403 and answer.json()["code"] == "self_reversal"
    own.refresh_from_db()
    assert own.status == DeedStatus.VERIFIED and balance_of(world.verifier) == 10
    services.deed_reverse(actor=world.verifier2, deed=own, reason="บันทึกผิด")  # another verifier may


def test_a_reversal_never_takes_a_member_below_zero(world):
    from tests.factories import PartnerFactory
    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import CauseKind

    deed = report(world, hours=2)
    services.deed_verify(actor=world.verifier, deed=deed)
    ledger.spend_post(
        actor=world.member,
        member=world.member,
        partner=PartnerFactory(),
        amount=8,
        idempotency_key="spend",
        cause=(CauseKind.VOUCHER, 1),
    )
    services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด")
    assert balance_of(world.member) == 0
    assert earned_total_of(world.member) == 8
    assert ledger_check().ok


def test_a_reversal_that_could_not_take_everything_back_tells_the_member_what_becomes_of_the_rest(world):
    deed = report(world, hours=2)  # 10 credits
    services.deed_verify(actor=world.verifier, deed=deed)
    _spend(world, 8, "spend")
    services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด")
    notice = Notification.objects.get(user=world.member, kind="deed_reversed")
    # Nothing is owed; only a refund of a voucher reserved with those credits would go back to the organisation
    assert "เก็บคืน 2 เครดิต" in notice.body_th and "อีก 8 เครดิต" in notice.body_th
    assert "ไม่ต้องคืน" in notice.body_th and "ยกเลิกหรือหมดอายุ" in notice.body_th
    # A reversal that took everything back says only its reason
    whole = report(world, hours=2, days_ago=2)
    services.deed_verify(actor=world.verifier, deed=whole)
    services.deed_reverse(actor=world.verifier2, deed=whole, reason="ซ้ำ")
    plain = Notification.objects.filter(user=world.member, kind="deed_reversed").latest("pk")
    assert plain.body_th == "เหตุผล: ซ้ำ · อุทธรณ์ได้ที่หน้ารายการ"


def _spend(world, amount, key):  # type: ignore[no-untyped-def]
    from tests.factories import PartnerFactory
    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import CauseKind

    ledger.spend_post(
        actor=world.member,
        member=world.member,
        partner=PartnerFactory(),
        amount=amount,
        idempotency_key=key,
        cause=(CauseKind.VOUCHER, 1),
    )


def test_an_upheld_appeal_after_a_partial_take_back_pays_only_what_was_taken(world):
    deed = report(world, hours=2)  # 10 credits
    services.deed_verify(actor=world.verifier, deed=deed)
    _spend(world, 8, "spend")
    services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด")  # takes back the 2 left
    appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
    services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
    deed.refresh_from_db()
    # In all, the member received what the deed is worth (10): 8 kept and spent, 2 paid again.
    assert deed.status == DeedStatus.VERIFIED and deed.credits == 10
    assert balance_of(world.member) == 2
    assert earned_total_of(world.member) == 10
    assert ledger_check().ok
    # Reversed again, only the new award's 2 can come back; upheld again, the member is back at 2.
    services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิดอีก")
    assert balance_of(world.member) == 0 and earned_total_of(world.member) == 8
    appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
    services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
    assert balance_of(world.member) == 2 and earned_total_of(world.member) == 10
    assert ledger_check().ok


def test_an_upheld_appeal_after_a_reversal_that_took_nothing_pays_nothing_more(world):
    deed = report(world, hours=2)
    services.deed_verify(actor=world.verifier, deed=deed)
    _spend(world, 10, "spend all")
    services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด")  # nothing left to take
    appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
    services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
    deed.refresh_from_db()
    assert deed.status == DeedStatus.VERIFIED and deed.credits == 10
    assert balance_of(world.member) == 0 and earned_total_of(world.member) == 10
    # The award was never reversed, so it is still the deed's: a later reversal can take from it.
    assert deed.journal_id is not None
    assert ledger_check().ok


def test_an_upheld_appeal_above_the_threshold_still_needs_a_second_approver(world):
    deed = report(world, hours=10)  # 50 credits, above the two-approver threshold of 40
    services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่ชัด")
    appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
    services.appeal_decide(actor=world.verifier2, appeal=appeal, uphold=True, reason="ถูกจริง")
    deed.refresh_from_db()
    assert deed.status == DeedStatus.AWAITING_SECOND and deed.first_approver_id == world.verifier2.pk
    assert deed.journal_id is None and balance_of(world.member) == 0
    with pytest.raises(errors.SameApproverError):
        services.deed_verify(actor=world.verifier2, deed=deed)
    services.deed_verify(actor=world.verifier, deed=deed)
    deed.refresh_from_db()
    assert deed.status == DeedStatus.VERIFIED and balance_of(world.member) == 50
    assert ledger_check().ok


def _publish(world, rulebook=None, *, effective_from, **changes):  # type: ignore[no-untyped-def]
    """Publish a version of the world's programme rulebook (or ``rulebook``) with ``changes`` to its rules."""
    from tests.worlds import RULES
    from thamdee.creditrules import services as rules

    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=rulebook or world.book, rules={**RULES, **changes})
    return rules.rulebook_version_publish(
        actor=world.admin, version=draft, effective_from=effective_from, allow_past=effective_from <= world.today
    )


def _decided_days_ago(deed, days):  # type: ignore[no-untyped-def]
    from django.utils import timezone

    Decision.objects.filter(deed=deed).update(at=timezone.now() - dt.timedelta(days=days))


class TestAppealWindow:
    """The days to appeal are those the rulebook versions in force on the day the deed was done published."""

    def test_a_longer_published_window_is_honoured(self, world):
        # Given the programme's rules in force since 2021 give 60 days to appeal (the world's first version: 30)
        _publish(world, effective_from=dt.date(2021, 1, 1), appeal_days=60)
        deed = report(world, hours=2)
        services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
        # When the member appeals 45 days after the rejection, then the appeal is taken
        _decided_days_ago(deed, 45)
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
        assert appeal.status == Appeal.Status.OPEN
        # and 61 days after a reversal, it is not
        other = report(world, hours=2, days_ago=2)
        services.deed_verify(actor=world.verifier, deed=other)
        services.deed_reverse(actor=world.verifier2, deed=other, reason="ซ้ำ")
        _decided_days_ago(other, 61)
        with pytest.raises(errors.AppealWindowError) as refused:
            services.appeal_file(actor=world.member, deed=other, reason="ไม่ซ้ำ")
        assert "60" in refused.value.message_th

    def test_a_shorter_published_window_is_honoured(self, world):
        _publish(world, effective_from=dt.date(2021, 1, 1), appeal_days=14)
        late, in_time = report(world, hours=2), report(world, hours=2, days_ago=2)
        for deed in (late, in_time):
            services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
        _decided_days_ago(late, 29)
        with pytest.raises(errors.AppealWindowError):
            services.appeal_file(actor=world.member, deed=late, reason="มีพยาน")
        assert not Appeal.objects.filter(deed=late).exists()
        _decided_days_ago(in_time, 13)
        services.appeal_file(actor=world.member, deed=in_time, reason="มีพยาน")

    def test_the_window_is_that_of_the_deeds_day_never_of_a_later_version(self, world):
        # Given a version giving 7 days that comes into force tomorrow, after the deed was done
        _publish(world, effective_from=world.today + dt.timedelta(days=1), appeal_days=7)
        deed = report(world, hours=2)
        services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
        _decided_days_ago(deed, 20)
        # Then the 30 days of the version in force on the deed's day still hold
        services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")

    def test_the_longest_window_of_the_programmes_and_the_local_rules_holds(self, world):
        from thamdee.creditrules import services as rules

        local = rules.rulebook_get_or_create(programme=world.programme, organisation=world.org)
        _publish(world, local, effective_from=dt.date(2021, 1, 1), appeal_days=45)
        deed = report(world, hours=2)
        services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
        _decided_days_ago(deed, 40)
        services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")

    def test_without_a_published_window_the_default_holds(self, world):
        _publish(world, effective_from=dt.date(2021, 1, 1), appeal_days=None)
        deed = report(world, hours=2)
        services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
        _decided_days_ago(deed, 31)
        with pytest.raises(errors.AppealWindowError) as refused:
            services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
        assert str(selectors.DEFAULT_APPEAL_DAYS) in refused.value.message_th


class TestReinstatementAboveTheThreshold:
    """An upheld appeal credits a deed above the two-approver threshold only when two different people stand
    behind it, whatever the deed was before."""

    def _capped_then_reversed(self, world):  # type: ignore[no-untyped-def]
        # Y (8 hours, 40 credits) and X (10 hours, 50 held to 10 by the day's cap of 50) on one day, each approved
        # by one verifier, are both reversed by another
        y = report(world, hours=8)
        services.deed_verify(actor=world.verifier, deed=y)
        x = services.deed_verify(actor=world.verifier, deed=report(world, hours=10))
        assert x.status == DeedStatus.VERIFIED and x.credits == 10
        services.deed_reverse(actor=world.verifier2, deed=y, reason="ผิด")
        services.deed_reverse(actor=world.verifier2, deed=x, reason="ผิด")
        return x

    def test_a_reversed_deed_approved_by_one_person_waits_for_a_second_approver(self, world):
        x = self._capped_then_reversed(world)
        # When the member appeals X and the verifier who approved it upholds the appeal
        appeal = services.appeal_file(actor=world.member, deed=x, reason="ถูก")
        services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
        # Then X, now worth 50 (above the threshold of 40), waits for a second approver, with nothing paid yet
        x.refresh_from_db()
        assert x.status == DeedStatus.AWAITING_SECOND and x.first_approver_id == world.verifier.pk
        assert balance_of(world.member) == 0
        with pytest.raises(errors.SameApproverError):
            services.deed_verify(actor=world.verifier, deed=x)
        # And a second approver credits it in full, once, under the reinstatement's own key
        services.deed_verify(actor=world.verifier2, deed=x)
        x.refresh_from_db()
        assert x.status == DeedStatus.VERIFIED and x.credits == 50 and x.rule_versions.count() == 1
        assert balance_of(world.member) == 50 and earned_total_of(world.member) == 50
        assert x.journal_id is not None
        assert ledger_check().ok

    def test_in_bulk_the_second_approval_pays_what_the_member_did_not_keep(self, world):
        from thamdee.ledger.models import CauseKind
        from thamdee.ledger.selectors import member_share_of

        y = report(world, hours=8)
        services.deed_verify(actor=world.verifier, deed=y)
        x = services.deed_verify(actor=world.verifier, deed=report(world, hours=10))  # 10, held by the cap
        _spend(world, 45, "spend")  # of the 50 the member had, 45 are spent
        services.deed_reverse(actor=world.verifier2, deed=y, reason="ผิด")  # takes back the 5 left
        services.deed_reverse(actor=world.verifier2, deed=x, reason="ผิด")  # takes back nothing
        appeal = services.appeal_file(actor=world.member, deed=x, reason="ถูก")
        services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
        other = report(world, hours=1, days_ago=3)
        result = services.deed_verify_bulk(actor=world.verifier2, deeds=[x, other])
        x.refresh_from_db()
        # X is worth 50; the member kept its 10, so 40 are paid; the other deed's 5 as usual
        assert x.status == DeedStatus.VERIFIED and x.credits == 50
        assert {d.pk for d in result.verified} == {x.pk, other.pk} and result.credits == 55
        assert balance_of(world.member) == 45
        assert member_share_of((CauseKind.DEED, x.pk), world.member.pk) == 50
        assert earned_total_of(world.member) == 35 + 50 + 5  # Y's 35 kept (spent), X's 50, the other's 5
        assert ledger_check().ok

    def test_an_approval_withdrawn_by_its_approvers_reversal_does_not_count(self, world):
        deed = report(world, hours=10)  # 50 credits: two approvers
        services.deed_verify(actor=world.verifier, deed=deed)
        services.deed_verify(actor=world.verifier2, deed=deed)
        services.deed_reverse(actor=world.verifier2, deed=deed, reason="ผิด")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
        services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
        deed.refresh_from_db()
        assert deed.status == DeedStatus.AWAITING_SECOND and balance_of(world.member) == 0

    def test_two_approvers_who_still_stand_behind_it_are_enough(self, world):
        from tests.factories import member_of

        deed = report(world, hours=10)  # 50 credits: two approvers
        services.deed_verify(actor=world.verifier, deed=deed)
        services.deed_verify(actor=world.verifier2, deed=deed)
        services.deed_reverse(actor=member_of(world.org, is_admin=True), deed=deed, reason="ผิด")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
        services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
        deed.refresh_from_db()
        assert deed.status == DeedStatus.VERIFIED and balance_of(world.member) == 50
        assert ledger_check().ok


def test_a_rule_published_later_never_changes_an_earlier_deed(world):
    from thamdee.creditrules import services as rules

    deed = report(world, hours=2, days_ago=5)
    import copy

    doubled = copy.deepcopy(world.book.versions.get().rules)
    doubled["rates"][0]["credits"] = 50
    doubled["two_approvers_above"] = 1000
    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=world.book, rules=doubled)
    rules.rulebook_version_publish(actor=world.admin, version=draft, effective_from=world.today, allow_past=True)
    services.deed_verify(actor=world.verifier, deed=deed)
    deed.refresh_from_db()
    assert deed.credits == 10  # the version in force five days ago
    newer = report(world, hours=1, days_ago=0)
    services.deed_verify(actor=world.verifier, deed=newer)
    newer.refresh_from_db()
    assert newer.credits == 50


def test_published_versions_never_change_and_new_ones_are_never_retroactive(world):
    from django.db import DatabaseError, transaction

    from thamdee.creditrules import services as rules
    from thamdee.creditrules.errors import RetroactiveRuleError

    version = world.book.versions.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        type(version).objects.filter(pk=version.pk).update(notes="edited")
    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=world.book, rules=version.rules)
    with pytest.raises(RetroactiveRuleError):
        rules.rulebook_version_publish(
            actor=world.admin, version=draft, effective_from=world.today - dt.timedelta(days=1)
        )


class TestBulk:
    def test_500_deeds_verified_in_one_action_post_as_one_batch(self, world):
        from tests.factories import member_of

        members = [member_of(world.org) for _ in range(50)]
        entries = [
            services.DeedInput(member=m, deed_type=world.care, done_on=world.today - dt.timedelta(days=d), hours=1)
            for m in members
            for d in range(10)
        ]
        deeds = services.deed_record_for(actor=world.organiser, entries=entries)
        assert len(deeds) == 500
        result = services.deed_verify_bulk(actor=world.verifier, deeds=deeds)
        assert len(result.verified) == 500 and result.credits == 2500
        assert all(balance_of(m) == 50 for m in members[:5])
        assert Decision.objects.filter(action="approve").count() == 500
        assert ledger_check().ok

    def test_more_than_500_is_refused(self, world):
        with pytest.raises(errors.BulkLimitError):
            services.deed_verify_bulk(actor=world.verifier, deeds=[Deed()] * 501)

    def test_bulk_applies_caps_across_the_batch_and_sends_big_ones_to_a_second_approver(self, world):
        deeds = [report(world, hours=6) for _ in range(3)] + [report(world, hours=9, days_ago=2)]
        result = services.deed_verify_bulk(actor=world.verifier, deeds=deeds)
        credits = sorted(d.credits for d in result.verified)
        assert credits == [0, 20, 30]  # 30 + 20 fill the day's cap of 50; the third gets nothing
        assert len(result.awaiting_second) == 1  # 45 credits, above 40

    def test_bulk_refuses_the_doers_own_deeds(self, world):
        own = report(world, member=world.verifier)
        with pytest.raises(errors.SelfVerificationError):
            services.deed_verify_bulk(actor=world.verifier, deeds=[report(world), own])
        assert not Deed.objects.filter(status=DeedStatus.VERIFIED).exists()


class TestActivities:
    def test_a_signed_qr_code_checks_a_member_in_once(self, world):
        from django.utils import timezone

        activity = services.activity_create(
            actor=world.organiser,
            deed_type=world.care,
            title="ทำความสะอาดวัด",
            area=world.org.area,
            starts_at=timezone.now() - dt.timedelta(hours=1),
            ends_at=timezone.now() + dt.timedelta(hours=2),
            hours=3,
        )
        token = services.activity_token(activity)
        deed = services.activity_checkin(actor=world.member, token=token)
        assert deed.source == DeedSource.ACTIVITY and deed.hours == 3 and deed.status == DeedStatus.PENDING
        with pytest.raises(errors.AlreadyCheckedInError):
            services.activity_checkin(actor=world.member, token=token)

    def test_an_old_or_forged_code_is_refused(self, world):
        import time

        from django.utils import timezone

        activity = services.activity_create(
            actor=world.organiser,
            deed_type=world.care,
            title="x",
            area=world.org.area,
            starts_at=timezone.now(),
            ends_at=timezone.now() + dt.timedelta(hours=1),
        )
        old = services.activity_token(activity, now=time.time() - 600)
        with pytest.raises(errors.CheckinTokenError):
            services.activity_checkin(actor=world.member, token=old)
        forged = services.activity_token(activity)[:-4] + "abcd"
        with pytest.raises(errors.CheckinTokenError):
            services.activity_checkin(actor=world.member, token=forged)

    @pytest.mark.parametrize("token", ["not-a-uuid.1.abcdef", f"{'x' * 36}.1.abcdef", "..", ""])
    def test_a_code_that_names_no_activity_is_refused_as_an_invalid_code(self, world, token):
        with pytest.raises(errors.CheckinTokenError):
            services.activity_checkin(actor=world.member, token=token)
        assert not Deed.objects.exists()

    def test_an_activity_is_held_in_a_subdistrict_or_a_village(self, world):
        from django.utils import timezone

        from tests.factories import area
        from thamdee.deeds.models import Activity

        when = {"starts_at": timezone.now(), "ends_at": timezone.now() + dt.timedelta(hours=1)}
        for coarse in ("71", "7109"):  # a province, a district: no check-in could ever be recorded there
            with pytest.raises(errors.AreaLevelError):
                services.activity_create(
                    actor=world.organiser, deed_type=world.care, title="x", area=area(coarse), **when
                )
        assert not Activity.objects.exists()
        for fine in ("710911", "71091101"):
            services.activity_create(actor=world.organiser, deed_type=world.care, title="x", area=area(fine), **when)
        assert Activity.objects.count() == 2

    def test_check_ins_are_verified_at_once_when_the_catalogue_says_so(self, world):
        from django.utils import timezone

        from tests.factories import member_of

        world.care.checkin_verified = True
        world.care.save()
        runner = member_of(world.org, is_organiser=True, is_verifier=True)
        activity = services.activity_create(
            actor=runner,
            deed_type=world.care,
            title="y",
            area=world.org.area,
            starts_at=timezone.now(),
            ends_at=timezone.now() + dt.timedelta(hours=1),
            hours=2,
        )
        # the organiser who runs the activity is also a verifier, so a check-in is verified by them at once
        deeds = services.activity_roster(actor=world.organiser, activity=activity, members=[world.member])
        assert deeds[0].status == DeedStatus.VERIFIED and balance_of(world.member) == 10
        # and the decision says how it was made: by the check-in, as the catalogue allows, not by a look at the deed
        decision = Decision.objects.get(deed=deeds[0])
        assert decision.actor == runner and decision.reason == services.CHECKIN_VERIFIED_REASON


def test_a_deed_reversed_and_reinstated_twice_ends_credited_once(world):
    deed = report(world, hours=2)
    services.deed_verify(actor=world.verifier, deed=deed)
    for round_no in range(2):
        services.deed_reverse(actor=world.verifier2, deed=deed, reason=f"ผิด {round_no}")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="ถูก")
        services.appeal_decide(actor=world.verifier, appeal=appeal, uphold=True, reason="ถูกจริง")
        deed.refresh_from_db()
        assert deed.status == DeedStatus.VERIFIED
        assert balance_of(world.member) == 10
    assert ledger_check().ok


class TestAgencyVerification:
    """Agencies verify the deeds of their own programme's national templates, never an organisation's own types."""

    def test_an_organisation_cannot_hand_its_own_deed_type_to_the_agency(self, world):
        from thamdee.deeds.models import DeedType

        # when an organisation adds a local type marked "verified by the agency"
        with pytest.raises(errors.AgencyVerifiesTemplatesOnlyError):
            services.deed_type_create(
                actor=world.organiser,
                programme=world.programme,
                organisation=world.org,
                code="clean-canal",
                name_th="ลอกคลอง",
                criterion="ครั้งละ",
                verified_by="agency",
            )
        # or marks an existing one so
        with pytest.raises(errors.AgencyVerifiesTemplatesOnlyError):
            services.deed_type_update(actor=world.organiser, deed_type=world.care, verified_by="agency")
        # then nothing is saved
        assert not DeedType.objects.filter(code="clean-canal").exists()
        world.care.refresh_from_db()
        assert world.care.verified_by == "organisation"

    def test_an_adopted_template_keeps_the_agencys_verification_but_cannot_take_it_on_otherwise(self, world, national):
        assert national.adopted.verified_by == "agency" and national.adopted.adopted_from == national.template
        # a template the organisation verifies itself, adopted, cannot be handed to the agency
        plain = services.deed_type_create(
            actor=world.admin,
            programme=world.programme,
            organisation=None,
            code="read-aloud",
            name_th="อ่านหนังสือให้ฟัง",
            criterion="ครั้งละ",
            virtues=["volunteering"],
            dimensions=["health"],
        )
        copy = services.deed_type_adopt(actor=world.organiser, template=plain, organisation=world.org)
        with pytest.raises(errors.AgencyVerifiesTemplatesOnlyError):
            services.deed_type_update(actor=world.organiser, deed_type=copy, verified_by="agency")
        copy.refresh_from_db()
        assert copy.verified_by == "organisation"
        # while the adopted agency template may be changed in other ways
        services.deed_type_update(actor=world.organiser, deed_type=national.adopted, name_en="Plant trees")

    def test_a_template_whose_code_the_organisation_already_uses_is_refused_with_the_reason(self, world):
        # Given a template under the code of a type the organisation already keeps (elder-care)
        template = services.deed_type_create(
            actor=world.admin,
            programme=world.programme,
            organisation=None,
            code=world.care.code,
            name_th="ดูแลผู้สูงอายุ (แม่แบบ)",
            criterion="ชั่วโมงละ",
            virtues=["volunteering"],
            dimensions=["health"],
        )
        # When the organisation adopts it, then it is told the code is taken, and nothing is added
        before = DeedType.objects.filter(organisation=world.org).count()
        with pytest.raises(errors.DeedTypeCodeTakenError) as refused:
            services.deed_type_adopt(actor=world.organiser, template=template, organisation=world.org)
        assert refused.value.code == "deed_type_code_taken" and refused.value.message_en
        assert DeedType.objects.filter(organisation=world.org).count() == before

    def test_the_database_refuses_a_local_type_verified_by_the_agency(self, world):
        from django.db import IntegrityError, transaction

        from thamdee.deeds.models import DeedType

        with pytest.raises(IntegrityError), transaction.atomic():
            DeedType.objects.filter(pk=world.care.pk).update(verified_by="agency")

    def test_the_agency_rejects_reverses_and_decides_appeals_on_its_templates_deeds(self, world, national):
        from tests.factories import AgencyStaffFactory

        deed = report(world, deed_type=national.adopted)
        for stranger in (national.other_agency, national.elsewhere):
            with pytest.raises(NotFoundError):
                services.deed_reject(actor=stranger, deed=deed, reason="ไม่มีหลักฐาน")
        services.deed_reject(actor=national.verifier, deed=deed, reason="ไม่มีหลักฐาน")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
        second = AgencyStaffFactory(agency=world.programme.agency, is_verifier=True).user  # national scope
        with pytest.raises(NotFoundError):
            services.appeal_decide(actor=national.other_agency, appeal=appeal, uphold=True, reason="พยานยืนยัน")
        services.appeal_decide(actor=second, appeal=appeal, uphold=True, reason="พยานยืนยัน")
        deed.refresh_from_db()
        assert deed.status == DeedStatus.VERIFIED and deed.credits == 3
        with pytest.raises(NotFoundError):
            services.deed_reverse(actor=national.other_agency, deed=deed, reason="ซ้ำ")
        services.deed_reverse(actor=national.verifier, deed=deed, reason="ซ้ำ")
        deed.refresh_from_db()
        assert deed.status == DeedStatus.REVERSED

    def test_an_appeal_on_its_templates_deed_goes_to_the_agency_not_the_organisation(self, world, national):
        from tests.factories import AgencyStaffFactory, member_of

        # Given the organisation's admin, who may not verify the agency's deeds, and a second agency verifier
        org_admin = member_of(world.org, is_admin=True)
        second = AgencyStaffFactory(agency=world.programme.agency, is_verifier=True).user  # national scope
        deed = report(world, deed_type=national.adopted)
        with pytest.raises(NotFoundError):
            services.deed_verify(actor=org_admin, deed=deed)
        # When the agency rejects it and the member appeals
        services.deed_reject(actor=national.verifier, deed=deed, reason="ไม่มีหลักฐาน")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
        # Then the agency's verifiers over the deed's area are told, but the one who rejected it; nobody else
        told = set(Notification.objects.filter(kind="appeal_filed").values_list("user_id", flat=True))
        assert told == {second.pk}
        # And neither the organisation's admin nor its verifiers can uphold it (and so verify the deed)
        for outsider in (org_admin, world.verifier):
            with pytest.raises(NotFoundError):
                services.appeal_decide(actor=outsider, appeal=appeal, uphold=True, reason="มีพยานจริง")
        deed.refresh_from_db()
        appeal.refresh_from_db()
        assert deed.status == DeedStatus.REJECTED and appeal.status == Appeal.Status.OPEN
        assert balance_of(world.member) == 0
        services.appeal_decide(actor=second, appeal=appeal, uphold=True, reason="มีพยานจริง")
        deed.refresh_from_db()
        assert deed.status == DeedStatus.VERIFIED and balance_of(world.member) == 3

    def test_an_appeal_on_an_organisations_own_deed_goes_to_its_verifiers_and_admins(self, world, national):
        from tests.factories import member_of

        org_admin = member_of(world.org, is_admin=True)
        deed = report(world)
        services.deed_reject(actor=world.verifier, deed=deed, reason="ไม่มีพยาน")
        appeal = services.appeal_file(actor=world.member, deed=deed, reason="มีพยาน")
        told = set(Notification.objects.filter(kind="appeal_filed").values_list("user_id", flat=True))
        assert told == {world.verifier2.pk, org_admin.pk}  # never the agency's, nor who rejected it
        services.appeal_decide(actor=org_admin, appeal=appeal, uphold=True, reason="มีพยานจริง")
        deed.refresh_from_db()
        assert deed.status == DeedStatus.VERIFIED

    def test_bulk_verification_by_the_agency_takes_its_templates_deeds_only(self, world, national):
        ours = [report(world, deed_type=national.adopted, days_ago=d) for d in (1, 2)]
        local = report(world)
        # a batch with the organisation's own deed in it is refused whole
        with pytest.raises(NotFoundError):
            services.deed_verify_bulk(actor=national.verifier, deeds=[*ours, local])
        with pytest.raises(NotFoundError):
            services.deed_verify_bulk(actor=national.other_agency, deeds=ours)
        assert not Deed.objects.filter(status=DeedStatus.VERIFIED).exists()
        result = services.deed_verify_bulk(actor=national.verifier, deeds=ours)
        assert len(result.verified) == 2 and result.credits == 6


@pytest.mark.django_db(transaction=True)
def test_the_migration_hands_local_types_marked_for_the_agency_back_to_their_organisation():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from tests.worlds import build_world
    from thamdee.deeds.models import DeedType

    w = build_world()
    waiting = report(w)
    # given a database from before the rule, where the organisation marked its own type for the agency
    executor = MigrationExecutor(connection)
    executor.migrate([("deeds", "0007_reported_once")])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE deeds_deedtype SET verified_by = 'agency' WHERE id = %s", [w.care.pk])
    # when the migrations run forward
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then the type is its organisation's to verify again, and its waiting deed has a verifier
    assert DeedType.objects.get(pk=w.care.pk).verified_by == "organisation"
    assert services.deed_verify(actor=w.verifier, deed=waiting).status == DeedStatus.VERIFIED


class TestConsentWithdrawn:
    """A deed of a sensitive type is recorded with the member's consent; once it is withdrawn, the deed is not
    verified, second-approved or reinstated (it may still be rejected)."""

    @pytest.fixture
    def pending(self, world):
        from thamdee.people.services import consent_withdraw

        world.lost.is_sensitive = True
        world.lost.save()
        consent_grant(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
        deed = report(world, deed_type=world.lost, hours=0)
        consent_withdraw(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
        return deed

    def test_it_is_not_verified_one_by_one_or_in_bulk(self, world, pending):
        with pytest.raises(errors.SensitiveConsentWithdrawnError) as caught:
            services.deed_verify(actor=world.verifier, deed=pending)
        assert caught.value.code == "sensitive_consent_withdrawn"
        with pytest.raises(errors.SensitiveConsentWithdrawnError):
            services.deed_verify_bulk(actor=world.verifier, deeds=[report(world), pending])
        assert not Deed.objects.filter(status=DeedStatus.VERIFIED).exists()
        assert balance_of(world.member) == 0 and not Decision.objects.exists()
        # it may be rejected; given again, the consent lets it be verified
        other = report(world, deed_type=world.care, hours=1)
        services.deed_reject(actor=world.verifier, deed=pending, reason="ถอนความยินยอม")
        consent_grant(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
        again = report(world, deed_type=world.lost, hours=0)
        services.deed_verify_bulk(actor=world.verifier, deeds=[other, again])
        assert Deed.objects.filter(status=DeedStatus.VERIFIED).count() == 2

    def test_an_appeal_does_not_reinstate_it(self, world, pending):
        from thamdee.people.services import consent_withdraw

        consent_grant(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
        services.deed_reject(actor=world.verifier, deed=pending, reason="ไม่มีพยาน")
        appeal = services.appeal_file(actor=world.member, deed=pending, reason="มีพยาน")
        consent_withdraw(actor=world.member, user=world.member, purpose=ConsentPurpose.SENSITIVE_DEEDS)
        with pytest.raises(errors.SensitiveConsentWithdrawnError):
            services.appeal_decide(actor=world.verifier2, appeal=appeal, uphold=True, reason="พยานยืนยันแล้ว")
        pending.refresh_from_db()
        appeal.refresh_from_db()
        assert pending.status == DeedStatus.REJECTED and appeal.status == Appeal.Status.OPEN
        assert balance_of(world.member) == 0
        services.appeal_decide(actor=world.verifier2, appeal=appeal, uphold=False, reason="ถอนความยินยอมแล้ว")
