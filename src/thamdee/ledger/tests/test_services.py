"""Worked examples for the credit book: every step leaves the trial balance at zero."""

from __future__ import annotations

import pytest

from tests.factories import OrganisationFactory, PartnerFactory, UserFactory, area, member_of
from thamdee.common import thaitime
from thamdee.common.errors import NotFoundError
from thamdee.inbox.models import Notification
from thamdee.ledger import selectors, services
from thamdee.ledger.errors import (
    AllotmentExhaustedError,
    AlreadyReversedError,
    DailyLimitError,
    DonationTargetError,
    GiftRecipientError,
    GiftTooLargeError,
    GiftToSelfError,
    IdempotencyConflictError,
    InsufficientCreditsError,
    InvalidAmountError,
    NotReversibleError,
    UnbalancedJournalError,
)
from thamdee.ledger.models import Account, AccountKind, CauseKind, Journal, JournalKind, JournalNote, Posting
from thamdee.ledger.selectors import account_balance
from thamdee.orgs.models import Membership

from .conftest import assert_books_balance, give, key

pytestmark = pytest.mark.django_db


def test_worked_example_allotment_award_gift_spend_refund_reversal(funded_org, programme, member, staff):
    # Given an organisation whose allotment was topped up with 10,000 credits from this fiscal year's issuance
    issuance = Account.objects.get(
        kind=AccountKind.ISSUANCE, programme=programme, fiscal_year=thaitime.current_fiscal_year()
    )
    assert issuance.balance is None  # append-only: no cached balance row
    assert account_balance(issuance) == -10_000
    assert_books_balance()

    # When the member is awarded 30 credits for a deed
    award = give(funded_org, member, 30)
    assert selectors.balance_of(member) == 30
    assert selectors.earned_total_of(member) == 30
    assert_books_balance()

    # And gives 5 to a fellow member
    friend = member_of(funded_org)
    services.gift_send(actor=member, recipient=friend, amount=5, idempotency_key=key("gift"))
    assert (selectors.balance_of(member), selectors.balance_of(friend)) == (25, 5)
    assert_books_balance()

    # And spends 20 with a partner
    partner = PartnerFactory()
    spend = services.spend_post(
        actor=member,
        member=member,
        partner=partner,
        amount=20,
        idempotency_key=key("spend"),
        cause=(CauseKind.VOUCHER, 1),
    )
    assert selectors.balance_of(member) == 5
    assert_books_balance()

    # And the voucher expires, so the spend is refunded by a reversing journal
    services.journal_reverse(actor=None, journal=spend.journal, reason="voucher expired")
    assert selectors.balance_of(member) == 25
    clearing = Account.objects.get(kind=AccountKind.PARTNER_CLEARING, organisation=partner)
    assert clearing.balance == 0
    assert_books_balance()

    # And the award is found wrong and reversed. The member gave 5 of the 30 away, so a full reversal would
    # take her below zero: it is refused, and the correction takes back only what she still holds.
    with pytest.raises(InsufficientCreditsError):
        services.journal_reverse(actor=staff, journal=award.journal, reason="deed not done")
    services.journal_reverse(
        actor=staff, journal=award.journal, reason="deed not done", amount=selectors.balance_of(member)
    )
    assert selectors.balance_of(member) == 0
    assert selectors.earned_total_of(member) == 5  # levels follow reversals of awards, not spending
    assert_books_balance()
    assert Journal.objects.filter(reversal_of__isnull=False).count() == 2


def test_spending_never_lowers_lifetime_earned_credits(funded_org, member):
    give(funded_org, member, 50)
    services.spend_post(
        actor=member,
        member=member,
        partner=PartnerFactory(),
        amount=40,
        idempotency_key=key(),
        cause=(CauseKind.VOUCHER, 2),
    )
    assert selectors.balance_of(member) == 10
    assert selectors.earned_total_of(member) == 50


def test_an_idempotency_key_posts_once_and_a_reuse_with_other_content_is_refused(funded_org, member):
    first = services.award_post(
        actor=None,
        organisation=funded_org,
        member=member,
        amount=10,
        idempotency_key="deed:42:v1",
        cause=(CauseKind.DEED, 42),
    )
    again = services.award_post(
        actor=None,
        organisation=funded_org,
        member=member,
        amount=10,
        idempotency_key="deed:42:v1",
        cause=(CauseKind.DEED, 42),
    )
    assert again.replayed and not first.replayed
    assert again.journal.pk == first.journal.pk
    assert selectors.balance_of(member) == 10
    with pytest.raises(IdempotencyConflictError):
        services.award_post(
            actor=None,
            organisation=funded_org,
            member=member,
            amount=11,
            idempotency_key="deed:42:v1",
            cause=(CauseKind.DEED, 42),
        )
    assert Journal.objects.filter(kind=JournalKind.AWARD).count() == 1
    assert_books_balance()


def test_no_overdraft_and_nothing_written_on_refusal(funded_org, member):
    give(funded_org, member, 3)
    with pytest.raises(InsufficientCreditsError) as info:
        services.spend_post(
            actor=member,
            member=member,
            partner=PartnerFactory(),
            amount=4,
            idempotency_key=key(),
            cause=(CauseKind.VOUCHER, 3),
        )
    assert info.value.code == "insufficient_credits"
    assert info.value.message_th and info.value.message_en
    assert selectors.balance_of(member) == 3
    assert Journal.objects.filter(kind=JournalKind.REDEMPTION).count() == 0
    assert_books_balance()


def test_an_organisation_awards_only_what_its_allotment_holds(org, member):
    with pytest.raises(AllotmentExhaustedError):
        give(org, member, 1)
    assert selectors.balance_of(member) == 0


def test_journals_must_balance_and_amounts_be_whole(funded_org, member):
    wallet = services.account_wallet(member)
    fund = services.account_of_org(funded_org, AccountKind.ORG_FUND)
    with pytest.raises(UnbalancedJournalError):
        services.journal_post(kind=JournalKind.TRANSFER, legs=[(wallet, 5), (fund, -4)], idempotency_key=key())
    with pytest.raises(UnbalancedJournalError):
        services.journal_post(kind=JournalKind.TRANSFER, legs=[(wallet, 0), (fund, 0)], idempotency_key=key())
    with pytest.raises(InvalidAmountError):
        services.journal_post(
            kind=JournalKind.TRANSFER,
            legs=[(wallet, 1.5), (fund, -1.5)],  # type: ignore[list-item]
            idempotency_key=key(),
        )


def test_a_journal_is_reversed_at_most_once_and_reversals_are_final(funded_org, member):
    award = give(funded_org, member, 10)
    reversal = services.journal_reverse(actor=None, journal=award.journal, reason="wrong")
    with pytest.raises(AlreadyReversedError):
        services.journal_reverse(actor=None, journal=award.journal, reason="again", idempotency_key=key())
    with pytest.raises(NotReversibleError):
        services.journal_reverse(actor=None, journal=reversal.journal, reason="undo the undo")
    assert_books_balance()


def test_a_partial_reversal_takes_back_only_what_is_left(funded_org, member):
    award = give(funded_org, member, 10)
    services.spend_post(
        actor=member,
        member=member,
        partner=PartnerFactory(),
        amount=7,
        idempotency_key=key(),
        cause=(CauseKind.VOUCHER, 9),
    )
    services.journal_reverse(actor=None, journal=award.journal, reason="wrong", amount=3)
    assert selectors.balance_of(member) == 0
    assert selectors.earned_total_of(member) == 7
    assert_books_balance()


def test_a_reversal_with_no_original_takes_earned_credits_back_like_the_reversal_of_an_award(funded_org, member):
    # What a reversed deed's take-back collects later, from a voucher's refund: the award's own (one) reversal is
    # already used, so the later take-back is a reversal journal that names no original, for the award's cause.
    award = give(funded_org, member, 10)
    services.journal_reverse(actor=None, journal=award.journal, reason="wrong", amount=4)
    wallet = Account.objects.get(kind=AccountKind.MEMBER, user=member)
    allotment = Account.objects.get(kind=AccountKind.ALLOTMENT, organisation=funded_org)
    cause = (award.journal.cause_kind, award.journal.cause_id)
    services.journal_post(
        kind=JournalKind.REVERSAL, legs=[(wallet, -6), (allotment, 6)], idempotency_key=key(), cause=cause
    )
    assert selectors.balance_of(member) == 0 and selectors.earned_total_of(member) == 0
    assert selectors.member_share_of(cause, member.pk) == 0  # type: ignore[arg-type]
    assert_books_balance()


def test_batch_posting_is_all_or_nothing(funded_org, programme):
    members = [member_of(funded_org) for _ in range(5)]
    items = [
        services.AwardItem(
            organisation=funded_org,
            member=m,
            amount=100,
            idempotency_key=f"batch:{i}",
            cause=(CauseKind.DEED, 1000 + i),
        )
        for i, m in enumerate(members)
    ]
    results = services.award_post_batch(actor=None, items=items)
    assert [r.replayed for r in results] == [False] * 5
    assert [selectors.balance_of(m) for m in members] == [100] * 5
    # Replaying the same batch posts nothing new
    again = services.award_post_batch(actor=None, items=items)
    assert all(r.replayed for r in again)
    assert {r.journal.pk for r in again} == {r.journal.pk for r in results}
    # A batch that would overdraw the allotment posts nothing at all
    big = [
        services.AwardItem(
            organisation=funded_org, member=m, amount=4000, idempotency_key=f"big:{i}", cause=(CauseKind.DEED, 2000 + i)
        )
        for i, m in enumerate(members)
    ]
    with pytest.raises(AllotmentExhaustedError):
        services.award_post_batch(actor=None, items=big)
    assert [selectors.balance_of(m) for m in members] == [100] * 5
    assert_books_balance()


def test_legs_may_name_accounts_by_id_and_kind(funded_org, member):
    """An ``AccountRef`` posts exactly what the ``Account`` it names would: awards to a member's wallet count
    toward lifetime earned credits, a transfer does not; in one journal and in a batch."""
    allotment = services.account_of_org(funded_org, AccountKind.ALLOTMENT)
    wallet = services.account_wallet(member)
    other = services.account_wallet(member_of(funded_org))
    ref = services.AccountRef
    award = services.journal_post(
        kind=JournalKind.AWARD,
        legs=[(ref(allotment.pk, allotment.kind), -30), (ref(wallet.pk, wallet.kind), 30)],
        idempotency_key=key(),
    )
    assert sorted(Posting.objects.filter(journal_id=award.journal_id).values_list("account_id", "amount")) == sorted(
        [(allotment.pk, -30), (wallet.pk, 30)]
    )
    assert selectors.balance_of(member) == 30 and selectors.earned_total_of(member) == 30
    results = services.journal_post_batch(
        items=[
            services.BatchItem(
                kind=JournalKind.TRANSFER,
                legs=[(ref(wallet.pk, AccountKind.MEMBER), -5), (ref(other.pk, AccountKind.MEMBER), 5)],
                idempotency_key=key(),
            ),
            services.BatchItem(
                kind=JournalKind.AWARD,
                legs=[(ref(allotment.pk, AccountKind.ALLOTMENT), -7), (ref(wallet.pk, AccountKind.MEMBER), 7)],
                idempotency_key=key(),
            ),
        ]
    )
    assert [r.replayed for r in results] == [False, False]
    assert selectors.balance_of(member) == 32 and selectors.earned_total_of(member) == 37
    wallet.refresh_from_db()
    other.refresh_from_db()
    assert (other.balance, other.earned_total) == (5, 0)
    assert_books_balance()


class TestGifts:
    def test_no_gift_to_oneself(self, funded_org, member):
        give(funded_org, member, 10)
        with pytest.raises(GiftToSelfError):
            services.gift_send(actor=member, recipient=member, amount=1, idempotency_key=key())

    def test_gifts_go_to_family_or_fellow_members_only(self, funded_org, member):
        give(funded_org, member, 10)
        stranger = member_of(OrganisationFactory(area=area("400114")))
        with pytest.raises(GiftRecipientError):
            services.gift_send(actor=member, recipient=stranger, amount=1, idempotency_key=key())
        from thamdee.people.services import family_link_add, family_link_confirm

        link = family_link_add(actor=member, relative_mobile=stranger.mobile, relation="parent")
        with pytest.raises(GiftRecipientError):  # named, not yet confirmed
            services.gift_send(actor=member, recipient=stranger, amount=1, idempotency_key=key())
        family_link_confirm(actor=stranger, link_id=link.pk)
        services.gift_send(actor=member, recipient=stranger, amount=1, idempotency_key=key())
        assert selectors.balance_of(stranger) == 1

    def test_the_recipient_is_notified_in_both_languages(self, funded_org, member):
        give(funded_org, member, 10)
        friend = member_of(funded_org)
        services.gift_send(actor=member, recipient=friend, amount=4, idempotency_key=key(), message="ขอบคุณ")
        note = Notification.objects.get(user=friend, kind="gift_received")
        assert "4" in note.title_th and member.full_name in note.title_th
        assert note.title_en.startswith("You received 4 credits")

    def test_daily_limit_counts_gifts_and_donations(self, funded_org, member, settings):
        settings.THAMDEE = {**settings.THAMDEE, "GIFT_DAILY_LIMIT": 10, "GIFT_MAX": 10}
        give(funded_org, member, 100)
        friend = member_of(funded_org)
        services.gift_send(actor=member, recipient=friend, amount=6, idempotency_key=key())
        services.donation_make(actor=member, organisation=funded_org, amount=3, idempotency_key=key())
        with pytest.raises(DailyLimitError) as info:
            services.gift_send(actor=member, recipient=friend, amount=2, idempotency_key=key())
        assert info.value.params["remaining"] == 1
        assert selectors.balance_of(member) == 91

    def test_a_retried_gift_or_donation_is_a_replay_even_when_the_day_is_used_up(self, funded_org, member, settings):
        settings.THAMDEE = {**settings.THAMDEE, "GIFT_DAILY_LIMIT": 20, "GIFT_MAX": 10}
        give(funded_org, member, 100)
        friend = member_of(funded_org)
        services.gift_send(actor=member, recipient=friend, amount=10, idempotency_key="first")
        gift = services.gift_send(actor=member, recipient=friend, amount=5, idempotency_key="retried")
        gift_again = services.gift_send(actor=member, recipient=friend, amount=5, idempotency_key="retried")
        assert gift_again.replayed and gift_again.journal_id == gift.journal_id
        donation = services.donation_make(actor=member, organisation=funded_org, amount=5, idempotency_key="d")
        again = services.donation_make(actor=member, organisation=funded_org, amount=5, idempotency_key="d")
        assert again.replayed and again.journal_id == donation.journal_id
        # The day is used up (20): a new gift is refused; the same key with other content is a conflict.
        with pytest.raises(DailyLimitError):
            services.gift_send(actor=member, recipient=friend, amount=1, idempotency_key="new")
        with pytest.raises(IdempotencyConflictError):
            services.gift_send(actor=member, recipient=friend, amount=4, idempotency_key="retried")
        assert selectors.balance_of(member) == 80

    def test_a_retried_gift_is_a_replay_after_the_recipient_left_the_organisation(self, funded_org, member):
        give(funded_org, member, 10)
        friend = member_of(funded_org)
        first = services.gift_send(actor=member, recipient=friend, amount=3, idempotency_key="k")
        Membership.objects.filter(user=friend).update(is_active=False)
        assert services.gift_send(actor=member, recipient=friend, amount=3, idempotency_key="k").replayed
        with pytest.raises(GiftRecipientError):
            services.gift_send(actor=member, recipient=friend, amount=3, idempotency_key="other")
        assert first.journal_id and selectors.balance_of(member) == 7

    def test_a_gift_above_the_maximum_names_the_maximum(self, funded_org, member, settings):
        settings.THAMDEE = {**settings.THAMDEE, "GIFT_MAX": 100}
        give(funded_org, member, 500)
        with pytest.raises(GiftTooLargeError) as info:
            services.gift_send(actor=member, recipient=member_of(funded_org), amount=150, idempotency_key=key())
        assert info.value.params["maximum"] == 100
        assert info.value.code == "gift_too_large"

    def test_a_gift_of_more_than_one_has_is_refused(self, funded_org, member):
        give(funded_org, member, 2)
        with pytest.raises(InsufficientCreditsError):
            services.gift_send(actor=member, recipient=member_of(funded_org), amount=3, idempotency_key=key())

    def test_the_message_is_kept_as_a_note_beside_a_journal_without_a_memo(self, funded_org, member):
        give(funded_org, member, 10)
        friend = member_of(funded_org)
        # When a member gives credits with a message (typed with spaces around it)
        gift = services.gift_send(
            actor=member, recipient=friend, amount=4, idempotency_key="gift:note", message="  ขอบคุณที่ช่วยเก็บขยะ  "
        )
        # Then the append-only journal carries no memo, and the message is a note that names its writer
        assert Journal.objects.get(pk=gift.journal_id).memo is None
        note = JournalNote.objects.get(journal_id=gift.journal_id)
        assert (note.text, note.author_id) == ("ขอบคุณที่ช่วยเก็บขยะ", member.pk)
        # A replay of the same gift (same key, even with other words) answers the first and adds no second note
        again = services.gift_send(
            actor=member, recipient=friend, amount=4, idempotency_key="gift:note", message="ข้อความอื่น"
        )
        assert again.replayed and again.journal_id == gift.journal_id
        assert list(JournalNote.objects.values_list("journal_id", "text")) == [(gift.journal_id, "ขอบคุณที่ช่วยเก็บขยะ")]
        # A gift without a message (or only spaces) has no note
        bare = services.gift_send(actor=member, recipient=friend, amount=1, idempotency_key=key(), message="   ")
        assert not JournalNote.objects.filter(journal_id=bare.journal_id).exists()
        assert selectors.balance_of(member) == 5 and selectors.balance_of(friend) == 5
        assert_books_balance()

    def test_a_long_message_is_cut_at_300_characters(self, funded_org, member):
        give(funded_org, member, 10)
        gift = services.gift_send(
            actor=member, recipient=member_of(funded_org), amount=1, idempotency_key=key(), message="ดี" * 200
        )
        assert JournalNote.objects.get(journal_id=gift.journal_id).text == "ดี" * 150


def test_donations_go_to_an_organisation_fund(funded_org, member):
    give(funded_org, member, 10)
    services.donation_make(actor=member, organisation=funded_org, amount=7, idempotency_key=key())
    fund = Account.objects.get(kind=AccountKind.ORG_FUND, organisation=funded_org)
    assert fund.balance == 7
    with pytest.raises(DonationTargetError):
        services.donation_make(actor=member, organisation=PartnerFactory(), amount=1, idempotency_key=key())
    assert_books_balance()


def test_a_donations_message_is_kept_as_a_note_and_a_replay_adds_none(funded_org, member):
    give(funded_org, member, 10)
    # When a member donates with a message, then the same donation is sent again (a retry)
    first = services.donation_make(
        actor=member, organisation=funded_org, amount=3, idempotency_key="donation:note", message="สมทบกองทุน"
    )
    again = services.donation_make(
        actor=member, organisation=funded_org, amount=3, idempotency_key="donation:note", message="สมทบกองทุน"
    )
    # Then one journal without a memo, one note, and the credits moved once
    assert again.replayed and again.journal_id == first.journal_id
    assert Journal.objects.get(pk=first.journal_id).memo is None
    assert list(JournalNote.objects.values_list("journal_id", "text", "author_id")) == [
        (first.journal_id, "สมทบกองทุน", member.pk)
    ]
    assert Account.objects.get(kind=AccountKind.ORG_FUND, organisation=funded_org).balance == 3
    # Without a message, no note
    bare = services.donation_make(actor=member, organisation=funded_org, amount=1, idempotency_key=key())
    assert not JournalNote.objects.filter(journal_id=bare.journal_id).exists()
    assert_books_balance()


def test_only_agency_staff_over_the_area_top_up_allotments(org, programme):
    from tests.factories import AgencyStaffFactory

    far_staff = AgencyStaffFactory(scope_area=area("40")).user
    with pytest.raises(NotFoundError):
        services.allotment_top_up(
            actor=far_staff, organisation=org, programme=programme, amount=5, idempotency_key=key()
        )
    with pytest.raises(NotFoundError):
        services.allotment_top_up(
            actor=UserFactory(), organisation=org, programme=programme, amount=5, idempotency_key=key()
        )


def test_every_posting_belongs_to_a_journal_that_balances(funded_org, member):
    give(funded_org, member, 12)
    for journal in Journal.objects.all():
        legs = list(Posting.objects.filter(journal=journal).values_list("amount", flat=True))
        assert len(legs) >= 2 and sum(legs) == 0
