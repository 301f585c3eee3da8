"""The demo step: partners, offers of both kinds and vouchers in every state, the same after a second run."""

from __future__ import annotations

import pytest

from thamdee.ledger.models import Account, AccountKind
from thamdee.ledger.reconcile import ledger_check
from thamdee.rewards.models import (
    Offer,
    OfferKind,
    PartnerProfile,
    PartnerStatus,
    Settlement,
    Voucher,
    VoucherStatus,
)
from thamdee.web.demo import base, ledger, rewards

pytestmark = pytest.mark.django_db


def snapshot() -> tuple:
    return (
        sorted(PartnerProfile.objects.values_list("organisation__name_th", "status")),
        sorted(Offer.objects.values_list("partner__name_th", "title_th", "kind", "remaining")),
        sorted(Voucher.objects.values_list("offer__title_th", "member__username", "status", "cost", "refunded_at")),
        sorted(Settlement.objects.values_list("partner__name_th", "year", "month", "credits", "reversed_at")),
    )


def test_the_demo_step_runs_without_the_deeds_step_and_twice_gives_the_same_data():
    # Given only the base and ledger steps (members have no credits yet), when the step runs twice
    for attempt in range(2):
        demo = base.Demo()
        base.run(demo)
        ledger.run(demo)
        rewards.run(demo)
        if attempt == 0:
            first = snapshot()
    # Then the data is the same
    assert snapshot() == first
    profiles = dict(PartnerProfile.objects.values_list("organisation__name_th", "status"))
    assert list(profiles.values()).count(PartnerStatus.APPROVED) == 4
    assert PartnerStatus.PENDING in profiles.values()
    assert {OfferKind.SPEND, OfferKind.PERK} <= set(Offer.objects.values_list("kind", flat=True))
    states = set(Voucher.objects.values_list("status", flat=True))
    assert states == {VoucherStatus.HELD, VoucherStatus.CONFIRMED, VoucherStatus.CANCELLED, VoucherStatus.EXPIRED}
    assert not Voucher.objects.filter(status__in=["cancelled", "expired"], refunded_at__isnull=True).exists()
    # Last month's vouchers at the Kanchanaburi shop are settled: 20 + 10 credits retired, once
    settlement = Settlement.objects.get()
    assert (settlement.credits, settlement.vouchers, settlement.is_reversed) == (30, 2, False)
    assert Account.objects.get(kind=AccountKind.SETTLED, organisation=settlement.partner).balance == 30
    assert ledger_check().ok
