"""Races of the "decided on what was read before the lock" kind, and check-then-act races, across the apps (the
ledger's own are in ``ledger/tests``): ingest and caps, badges, stock, publishing a rulebook, consent, partner
applications, family links, erasure. Each test is deterministic: the test's own transaction holds a lock (or an
uncommitted write), the other call runs in a background thread on its own connection, the test waits until that
backend is blocked (``pg_blocking_pids``) where it blocks at all, then commits.

PostgreSQL only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from tests.factories import PartnerFactory, UserFactory, area, member_of
from tests.races import Background
from thamdee.creditrules import services as rules
from thamdee.creditrules.errors import VersionPublishedError
from thamdee.creditrules.models import RulebookVersion
from thamdee.deeds import services as deeds
from thamdee.ledger import services as ledger_services
from thamdee.people import services as people
from thamdee.people.models import Consent, ConsentPurpose
from thamdee.recognition import services as recognition
from thamdee.recognition.models import BadgeAward, OrganisationBadgeSetting

# Fixtures of the apps' own test folders, reused here (importing a fixture into a module makes it available in it).
from thamdee.recognition.tests.conftest import key_dir, world  # noqa: F401
from thamdee.rewards import services as rewards
from thamdee.rewards.errors import PartnerAlreadyAppliedError
from thamdee.rewards.models import Offer, PartnerProfile, Sector, Voucher, VoucherStatus
from thamdee.rewards.tests.conftest import (  # noqa: F401
    agency_staff,
    funded_org,
    give,
    make_offer,
    partner,
    programme,
    resident,
    shop,
    staff,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


# --- 1. recognition: the badges held are read before the wallet lock -----------------------------------------------


def test_badge_recompute_waiting_on_a_verification_does_not_award_the_same_badge_again(world):  # noqa: F811
    """``_recognise`` reads the badges a member holds, then ``_levels_reached`` locks the wallet ("so an award is
    never made twice"). A recompute (the task run when an organisation turns badges back on) that waits on the
    wallet for a verification of the same member then inserts the badges that verification has just awarded: it
    read ``held`` before the lock. The unique constraint refuses the second copy, so the whole recompute (every
    member of the organisation, one transaction) fails with an IntegrityError. It should find the badge held
    and award nothing (recompute is documented as idempotent)."""
    w = world
    # The member's first deed is verified while the organisation has badges off: levels, but no badge.
    OrganisationBadgeSetting.objects.create(organisation=w.org, badges_enabled=False, changed_by=w.admin)
    first = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=2), hours=1)
    deeds.deed_verify(actor=w.verifier, deed=first)
    assert not BadgeAward.objects.filter(member=w.member).exists()
    # Badges are back on (the setting, without running the task here: the test runs the recompute itself).
    OrganisationBadgeSetting.objects.filter(organisation=w.org).update(badges_enabled=True)
    second = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=1)

    recompute = Background(lambda: recognition.recognition_recompute(member_ids=[w.member.pk]))
    with transaction.atomic():
        # A verification of the member's second deed: it awards the badges reached (first deed, ...) and holds the
        # member's wallet (its award) until it commits.
        deeds.deed_verify(actor=w.verifier, deed=second)
        awarded = set(BadgeAward.objects.filter(member=w.member).values_list("definition_id", flat=True))
        assert awarded
        recompute.start().wait_blocked()
    outcome = recompute.join()

    assert not isinstance(outcome, BaseException), repr(outcome)
    assert set(BadgeAward.objects.filter(member=w.member).values_list("definition_id", flat=True)) == awarded


# --- 2. rewards: a refund that never locks the offer, and a stock set on an unlimited offer ---------------------------


def test_stock_set_on_an_unlimited_perk_while_a_cancelled_voucher_is_refunded_loses_no_unit(
    funded_org,  # noqa: F811
    staff,  # noqa: F811
    partner,  # noqa: F811
):
    """``offer_update`` from unlimited counts, under the offer's lock, the vouchers in use and those cancelled or
    expired "whose refund (which gives their place back to the stock) has not run yet". But ``voucher_refund``
    never locks the offer: it reads ``offer.stock`` (None: nothing to give back) without a lock. When the refund
    is under way (voucher marked refunded, not committed) while the partner sets a stock, the update still counts
    the voucher as owed a place, and the refund, having read an unlimited offer, gives none back: one unit of the
    stock is lost for good. Expected: stock 5, remaining 5 (no voucher holds a place)."""
    perk = make_offer(staff, partner, kind="perk", cost=0, stock=None, unlock="earned", unlock_credits=1)
    person = resident(funded_org)
    give(funded_org, person, 5)
    voucher = rewards.redemption_create(actor=person, offer=perk, idempotency_key="one")
    # The member cancelled it; its refund task has not run yet (what voucher_cancel leaves behind).
    Voucher.objects.filter(pk=voucher.pk).update(status=VoucherStatus.CANCELLED, closed_at=timezone.now())

    update = Background(lambda: rewards.offer_update(actor=staff, offer=Offer.objects.get(pk=perk.pk), stock=5))
    with transaction.atomic():
        assert rewards.voucher_refund(public_id=voucher.public_id)  # the refund task, under way
        update.start().wait_blocked()  # the refund holds the offer's row: the update waits for it
    outcome = update.join()
    assert not isinstance(outcome, BaseException), repr(outcome)

    perk.refresh_from_db()
    assert Voucher.objects.get(pk=voucher.pk).refunded_at is not None
    assert not Voucher.objects.filter(offer=perk, status__in=[VoucherStatus.HELD, VoucherStatus.CONFIRMED]).exists()
    assert (perk.stock, perk.remaining) == (5, 5)


# --- 3. credit rules: publishing takes no lock and checks the caller's copy of the draft ------------------------------


def _draft_with(w, rate: int) -> RulebookVersion:
    document = {**w.rules, "rates": [{**w.rules["rates"][0], "credits": rate}, *w.rules["rates"][1:]]}
    return rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules=document)


@pytest.fixture
def book_world(world):  # noqa: F811
    w = world
    w.rules = RulebookVersion.objects.filter(rulebook=w.book, published_at__isnull=False).order_by("-number")[0].rules
    return w


def test_publishing_a_draft_while_it_is_being_edited_publishes_the_rules_that_were_checked(book_world):
    """``rulebook_version_publish`` takes no lock: it parses the caller's copy of the draft, checks the dates, and
    writes only the publication fields. If the draft is saved again meanwhile (``rulebook_version_draft`` locks
    the rulebook, not the version, and the publisher never takes either), the publication waits for that save's
    row lock and then publishes rules its caller never saw nor checked (here 99 credits an hour instead of 6), and
    they can never change again. Expected: the publisher's rules are published, or the publication is refused."""
    w = book_world
    draft = _draft_with(w, 6)  # what the publisher looks at and publishes
    seen = RulebookVersion.objects.get(pk=draft.pk)
    effective = timezone.localdate() + dt.timedelta(days=1)

    publish = Background(lambda: rules.rulebook_version_publish(actor=w.admin, version=seen, effective_from=effective))
    with transaction.atomic():
        _draft_with(w, 99)  # someone else saves the draft at that moment
        publish.start().wait_blocked()
    outcome = publish.join()

    version = RulebookVersion.objects.get(pk=draft.pk)
    if isinstance(outcome, BaseException):
        assert version.published_at is None, repr(outcome)
        return
    assert version.published_at is not None
    assert version.rules["rates"][0]["credits"] == 6, version.rules["rates"][0]


def test_the_same_draft_published_twice_at_once_is_refused_with_version_published(book_world):
    """Two publications of one draft at once (a double click, the API retried): neither locks, both see the draft
    unpublished; the second's UPDATE waits for the first and then hits the database's frozen-version trigger, a
    raw InternalError (TD020, a 500) instead of ``VersionPublishedError``."""
    w = book_world
    draft = _draft_with(w, 6)
    effective = timezone.localdate() + dt.timedelta(days=1)
    second = Background(
        lambda: rules.rulebook_version_publish(
            actor=w.admin, version=RulebookVersion.objects.get(pk=draft.pk), effective_from=effective
        )
    )
    with transaction.atomic():
        rules.rulebook_version_publish(
            actor=w.admin, version=RulebookVersion.objects.get(pk=draft.pk), effective_from=effective
        )
        second.start().wait_blocked()
    outcome = second.join()
    assert isinstance(outcome, VersionPublishedError), repr(outcome)


# --- 4. insert-if-absent under a FOR UPDATE that finds no row --------------------------------------------------------


def test_consent_granted_twice_at_once_keeps_the_first_grant(db):
    """``consent_grant``: "Granting twice keeps the first active grant." The check is a SELECT ... FOR UPDATE of
    the active grant; when there is none yet it locks nothing, so a second grant sent at the same moment (a double
    tap) also finds none, waits on the partial unique index and gets an IntegrityError (a 500) instead of the
    first grant."""
    person = UserFactory()
    second = Background(lambda: people.consent_grant(actor=person, user=person, purpose=ConsentPurpose.PUBLISH_NAME))
    with transaction.atomic():
        first = people.consent_grant(actor=person, user=person, purpose=ConsentPurpose.PUBLISH_NAME)
        second.start().wait_blocked()
    outcome = second.join()
    assert not isinstance(outcome, BaseException), repr(outcome)
    assert outcome.pk == first.pk
    assert Consent.objects.filter(user=person, withdrawn_at__isnull=True).count() == 1


def test_partner_applying_twice_at_once_is_told_it_already_applied(db):
    """``partner_apply`` locks the organisation's profile FOR UPDATE before deciding; on a first application there
    is no row to lock, so two at once (two admins, a double submit) both go on to INSERT; the second waits on the
    one-to-one's unique index and gets an IntegrityError (a 500) instead of ``PartnerAlreadyAppliedError``."""
    shop_ = PartnerFactory(area=area("710911"))
    admin_a = member_of(shop_, is_admin=True, is_member=False)
    admin_b = member_of(shop_, is_admin=True, is_member=False)
    second = Background(lambda: rewards.partner_apply(actor=admin_b, organisation=shop_, sector=Sector.RETAIL))
    with transaction.atomic():
        rewards.partner_apply(actor=admin_a, organisation=shop_, sector=Sector.RETAIL)
        second.start().wait_blocked()
    outcome = second.join()
    assert isinstance(outcome, PartnerAlreadyAppliedError), repr(outcome)
    assert PartnerProfile.objects.filter(organisation=shop_).count() == 1


# --- 5. an erasure carried out while the person reserves a voucher -------------------------------------------------


def test_a_voucher_reserved_while_the_member_is_erased_is_refused(funded_org, staff, partner):  # noqa: F811
    """``erasure_carry_out`` locks the person's row, checks there is no voucher held ("matters still open") and
    erases them. A reservation under way at that moment never looks at the person under a lock (the deeds app
    does, ``_lock_recorded_members``, for exactly this): its voucher INSERT waits on the erasure's row lock (the
    foreign key), then goes on once the erasure commits. The erased, inactive account ends up holding a voucher and
    the credits it holds, which the erasure promised could not happen. Expected: the reservation is refused."""
    from thamdee.privacy import services as privacy

    person = resident(funded_org)
    give(funded_org, person, 50)
    offer = make_offer(staff, partner, cost=10, stock=5)
    site_admin = UserFactory(is_superuser=True)
    request = privacy.erasure_request(actor=person, confirmed=True)

    reserve = Background(lambda: rewards.redemption_create(actor=person, offer=offer, idempotency_key="late"))
    with transaction.atomic():
        privacy.erasure_carry_out(actor=site_admin, erasure=request)
        reserve.start().wait_blocked()
    outcome = reserve.join()

    person.refresh_from_db()
    assert not person.is_active
    held = Voucher.objects.filter(member=person, status=VoucherStatus.HELD).count()
    assert isinstance(outcome, BaseException) and held == 0, (repr(outcome), held)


def test_a_gift_sent_while_the_recipient_is_erased_is_refused(funded_org):  # noqa: F811
    """A gift checked its recipient (active, a member of the giver's organisation) from what it had read before any
    lock; an erasure of the recipient under way held the person's row, the gift waited on it (creating the wallet or
    telling the recipient refers to that row) and then gave its credits to the erased account. Expected: refused,
    and the giver keeps the credits."""
    from thamdee.ledger import selectors as ledger_selectors
    from thamdee.ledger.errors import GiftRecipientError
    from thamdee.privacy import services as privacy

    giver, recipient = member_of(funded_org), member_of(funded_org)
    give(funded_org, giver, 20)
    site_admin = UserFactory(is_superuser=True)
    request = privacy.erasure_request(actor=recipient, confirmed=True)

    gift = Background(
        lambda: ledger_services.gift_send(actor=giver, recipient=recipient, amount=5, idempotency_key="late-gift")
    )
    with transaction.atomic():
        privacy.erasure_carry_out(actor=site_admin, erasure=request)
        gift.start().wait_blocked()
    outcome = gift.join()

    assert isinstance(outcome, GiftRecipientError), repr(outcome)
    assert ledger_selectors.balance_of(giver) == 20
    assert not ledger_selectors.balance_of(recipient)


# --- 6. two people naming each other as family at the same moment ------------------------------------------------


def test_two_people_naming_each_other_at_once_are_both_confirmed(db):
    """``family_link_add``: the link counts "at once if they had named the actor too". Each looks for the other's
    link without a lock; when both add at the same moment neither sees the other's (uncommitted) link, and both
    links stay unconfirmed although each named the other. Expected: both confirmed."""
    from thamdee.people.models import FamilyLink, FamilyRelation

    a, b = UserFactory(), UserFactory()
    other = Background(
        lambda: people.family_link_add(actor=b, relative_mobile=a.mobile, relation=FamilyRelation.SIBLING)
    )
    with transaction.atomic():
        people.family_link_add(actor=a, relative_mobile=b.mobile, relation=FamilyRelation.SIBLING)
        other.start().wait_blocked()
    outcome = other.join()
    assert not isinstance(outcome, BaseException), repr(outcome)
    links = FamilyLink.objects.filter(user__in=[a, b], relative__in=[a, b])
    assert links.count() == 2
    assert links.filter(confirmed_at__isnull=True).count() == 0, list(links.values_list("user_id", "confirmed_at"))


# --- 7. the bulk ingest reads the caps' history before it locks anything ------------------------------------------


def test_ingest_waiting_on_a_verification_of_the_same_member_keeps_the_daily_cap(world, tmp_path):  # noqa: F811
    """``deeds_ingest`` (PostgreSQL, set-based) computes each award with the caps seeing "the member's verified
    deeds and the earlier rows of the file", read from the deeds table in its own snapshot; the members are
    locked only when the staged posting updates their wallets, at the end. A verification of the same member's
    deed for the same day, under way meanwhile (it holds the member and the wallet), is not in that history: the
    ingest waits for its wallet, then posts awards computed as if the day were empty. The daily cap (50) is passed:
    40 + 30 = 70. Single verification cannot do this (``_lock_members`` before the history is read). Expected: the
    ingested deed gets 10 (what the cap leaves), or the ingest is refused."""
    from thamdee.deeds.ingest import deeds_ingest
    from thamdee.deeds.models import Deed, DeedStatus
    from thamdee.ledger import services as ledger_services

    w = world
    ledger_services.account_wallet(w.member)  # the wallet exists: both sides update that row
    day = w.today - dt.timedelta(days=1)
    pending = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=day, hours=8)  # 40 credits
    path = tmp_path / "deeds.csv"
    path.write_text(
        "ref,member,organisation,deed_type,done_on,verified_on,hours,verifier\n"
        f"r1,{w.member.username},{w.org.public_id},{w.care.code},{day.isoformat()},{w.today.isoformat()},6,"
        f"{w.verifier2.username}\n",
        encoding="utf-8",
    )

    ingest = Background(lambda: deeds_ingest(actor=w.admin, path=path))
    with transaction.atomic():
        deeds.deed_verify(actor=w.verifier, deed=pending)
        ingest.start().wait_blocked()
    outcome = ingest.join()

    day_total = sum(
        Deed.objects.filter(member=w.member, status=DeedStatus.VERIFIED, done_on=day).values_list("credits", flat=True)
    )
    if isinstance(outcome, BaseException):
        assert day_total == 40, (repr(outcome), day_total)
        return
    assert day_total <= 50, day_total
