"""The authorisation table for benefits (docs/benefits.md): who may see, confirm and cancel a voucher, read a
partner's redemptions and statement, publish offers, and approve partners. A refusal is always a 404."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError
from thamdee.rewards import selectors, services
from thamdee.rewards.models import PartnerStatus, Voucher, VoucherStatus

from .conftest import approved_partner, give, make_offer, redeem, resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(member, funded_org, offer, partner, staff, agency_staff) -> dict[str, Any]:
    """One voucher of the shop's, and everybody who might reach for it."""
    _other_partner, other_staff = approved_partner(agency_staff, code="710901")
    other_member = resident(funded_org)
    give(funded_org, other_member, 50)
    partner_admin = partner.memberships.get(is_admin=True).user
    admin = UserFactory(is_superuser=True)
    return {
        "voucher": redeem(member, offer),
        "partner": partner,
        "actors": {
            "holder": member,
            "other member": other_member,
            "partner staff": staff,
            "partner admin": partner_admin,
            "other partner's staff": other_staff,
            "agency over the area": agency_staff,
            "agency elsewhere": AgencyStaffFactory(scope_area=area("40")).user,
            "site admin": admin,
        },
    }


def allowed(call: Any) -> bool:
    try:
        call()
    except NotFoundError:
        return False
    return True


VIEW = {"holder", "partner staff", "partner admin"}
LOOKUP = {"partner staff", "partner admin"}
REDEMPTIONS = {"partner staff", "partner admin", "site admin"}
STATEMENT = {"partner staff", "partner admin", "agency over the area", "site admin"}
OFFERS = {"partner staff", "partner admin", "site admin"}
DECIDE = {"agency over the area", "site admin"}
SETTLE = {"agency over the area", "site admin"}
ACTORS = [
    "holder",
    "other member",
    "partner staff",
    "partner admin",
    "other partner's staff",
    "agency over the area",
    "agency elsewhere",
    "site admin",
]


@pytest.mark.parametrize("who", ACTORS)
def test_who_may_see_a_voucher(world, who):
    actor, voucher = world["actors"][who], world["voucher"]
    assert allowed(lambda: selectors.voucher_get_visible_to(viewer=actor, public_id=voucher.public_id)) == (who in VIEW)
    assert allowed(lambda: selectors.voucher_find_for_staff(viewer=actor, text=voucher.code)) == (who in LOOKUP)


@pytest.mark.parametrize("who", ACTORS)
def test_who_may_confirm_a_voucher(world, who):
    actor, voucher = world["actors"][who], world["voucher"]
    assert allowed(lambda: services.voucher_confirm(actor=actor, text=voucher.code)) == (who in LOOKUP)
    expected = VoucherStatus.CONFIRMED if who in LOOKUP else VoucherStatus.HELD
    assert Voucher.objects.get(pk=voucher.pk).status == expected


@pytest.mark.parametrize("who", ACTORS)
def test_who_may_cancel_a_voucher(world, who):
    actor, voucher = world["actors"][who], world["voucher"]
    assert allowed(lambda: services.voucher_cancel(actor=actor, voucher=voucher)) == (who == "holder")


@pytest.mark.parametrize("who", ACTORS)
def test_who_may_read_a_partners_redemptions_and_statement(world, who):
    actor, partner = world["actors"][who], world["partner"]
    assert allowed(lambda: list(selectors.redemption_list_for_partner(viewer=actor, partner=partner))) == (
        who in REDEMPTIONS
    )
    assert allowed(lambda: selectors.statement_for(viewer=actor, partner=partner, year=2026, month=5)) == (
        who in STATEMENT
    )


@pytest.mark.parametrize("who", ACTORS)
def test_who_may_publish_offers_and_decide_on_the_partner(world, who):
    actor, partner = world["actors"][who], world["partner"]
    assert allowed(lambda: make_offer(actor, partner)) == (who in OFFERS)
    assert allowed(
        lambda: services.partner_decide(actor=actor, organisation=partner, status=PartnerStatus.APPROVED)
    ) == (who in DECIDE)


@pytest.mark.parametrize("who", ACTORS)
def test_who_may_settle_a_partners_month_and_read_its_settlements(world, who):
    import datetime as dt

    from django.utils import timezone

    actor, partner, voucher = world["actors"][who], world["partner"], world["voucher"]
    services.voucher_confirm(actor=world["actors"]["partner staff"], text=voucher.code)
    previous = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    Voucher.objects.filter(pk=voucher.pk).update(
        confirmed_at=timezone.make_aware(dt.datetime(previous.year, previous.month, 20, 9, 0))
    )
    assert allowed(lambda: list(selectors.settlements_for(viewer=actor, partner=partner))) == (who in STATEMENT)
    assert allowed(
        lambda: services.settlement_record(
            actor=actor, partner=partner, year=previous.year, month=previous.month, credits=10, reference="PV-1"
        )
    ) == (who in SETTLE)


def test_a_member_lists_only_her_own_vouchers(world):
    mine = world["voucher"]
    other = world["actors"]["other member"]
    theirs = redeem(other, mine.offer)
    assert list(selectors.voucher_list_for_member(viewer=mine.member)) == [mine]
    assert list(selectors.voucher_list_for_member(viewer=other)) == [theirs]


# --- the same answers through the web and the API ---------------------------------------------------------------


def test_staff_of_another_partner_get_404_on_the_scan_page_and_the_api(client, world):
    voucher, intruder = world["voucher"], world["actors"]["other partner's staff"]
    client.force_login(intruder)
    assert client.get(reverse("rewards:scan"), {"code": voucher.code}).status_code == 404
    response = client.post(reverse("rewards:scan"), {"code": voucher.code, "action": "confirm"})
    assert response.status_code == 404
    assert client.get(reverse("rewards:voucher", args=[voucher.public_id])).status_code == 404
    api = APIClient()
    api.force_authenticate(intruder)
    assert api.get(reverse("api:benefit-voucher-lookup"), {"code": voucher.code}).status_code == 404
    refused = api.post(reverse("api:benefit-voucher-confirm"), {"code": voucher.code}, format="json")
    assert refused.status_code == 404 and refused["Content-Type"] == "application/problem+json"
    assert api.get(reverse("api:benefit-voucher", args=[voucher.public_id])).status_code == 404
    assert api.get(reverse("api:benefit-partner-redemptions", args=[world["partner"].public_id])).status_code == 404
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.HELD


def test_another_member_gets_404_for_my_voucher_on_the_web_and_the_api(client, world):
    voucher, other = world["voucher"], world["actors"]["other member"]
    client.force_login(other)
    assert client.get(reverse("rewards:voucher", args=[voucher.public_id])).status_code == 404
    assert client.post(reverse("rewards:voucher_cancel", args=[voucher.public_id])).status_code == 404
    assert voucher.display_code not in client.get(reverse("rewards:vouchers")).content.decode()
    api = APIClient()
    api.force_authenticate(other)
    assert api.get(reverse("api:benefit-voucher", args=[voucher.public_id])).status_code == 404
    assert api.post(reverse("api:benefit-voucher-cancel", args=[voucher.public_id])).status_code == 404
    assert api.get(reverse("api:benefit-vouchers")).json()["count"] == 0


def test_people_who_run_no_partner_get_404_on_partner_pages(client, world):
    client.force_login(world["actors"]["holder"])
    assert client.get(reverse("rewards:scan")).status_code == 404
    assert client.get(reverse("rewards:partner_home")).status_code == 404
    assert client.get(reverse("rewards:statement", args=[world["partner"].public_id])).status_code == 404
    assert client.get(reverse("rewards:partners")).status_code == 404


def test_an_agency_reads_the_statement_in_its_area_but_never_member_names(client, world):
    holder = world["actors"]["holder"]
    holder.first_name, holder.last_name = "ดารณีไม่ซ้ำ", "นามสกุลไม่ซ้ำ"
    holder.save(update_fields=["first_name", "last_name"])
    services.voucher_confirm(actor=world["actors"]["partner staff"], text=world["voucher"].code)
    client.force_login(world["actors"]["agency over the area"])
    page = client.get(reverse("rewards:statement", args=[world["partner"].public_id]))
    assert page.status_code == 200
    assert world["voucher"].display_code in page.content.decode()
    assert "ดารณีไม่ซ้ำ" not in page.content.decode() and "นามสกุลไม่ซ้ำ" not in page.content.decode()
    client.force_login(world["actors"]["agency elsewhere"])
    assert client.get(reverse("rewards:statement", args=[world["partner"].public_id])).status_code == 404


def test_a_partner_member_who_is_not_staff_cannot_confirm(world):
    plain = member_of(world["partner"])  # a customer registered with the shop, no staff role
    with pytest.raises(NotFoundError):
        services.voucher_confirm(actor=plain, text=world["voucher"].code)


def test_an_organiser_reads_a_members_voucher_line_without_its_code(funded_org, member, offer, client):
    """A voucher's code works at the partner's counter as its QR does (docs/benefits.md: the holder's alone): an
    organiser reading the member's passbook or the entry sees what was bought, not the code or its link."""
    voucher = redeem(member, offer)
    organiser = member_of(funded_org, is_organiser=True)
    membership = member.memberships.get(organisation=funded_org)
    api = APIClient()
    api.force_authenticate(organiser)
    book = api.get(f"/api/v1/memberships/{membership.public_id}/passbook/").json()
    line = next(line for line in book["lines"] if "แลกสิทธิประโยชน์" in line["reason"])
    assert voucher.display_code not in json.dumps(book, ensure_ascii=False)
    assert line["explanation"] == []
    entry = api.get(f"/api/v1/passbook/entries/{line['ref']}/")
    assert entry.status_code == 200 and voucher.display_code not in entry.content.decode()
    client.force_login(organiser)
    page = client.get(reverse("ledger:member_passbook", args=[membership.public_id]))
    assert page.status_code == 200 and voucher.display_code not in page.content.decode()
    page = client.get(reverse("ledger:entry", args=[line["ref"]]))
    assert page.status_code == 200 and voucher.display_code not in page.content.decode()
    # the holder reads it all
    api.force_authenticate(member)
    own = api.get("/api/v1/passbook/").json()
    assert any(voucher.display_code in text for line in own["lines"] for text in line["explanation"])


def test_agency_staff_who_run_a_shop_may_not_decide_on_it(agency_staff):
    """Approving, suspending or refusing a partner is a conflict of interest for whoever runs its benefits, as
    settling its month is: agency staff over the area who are also its admin or staff get a 404."""
    from tests.factories import MembershipFactory, OrganisationFactory

    shop = OrganisationFactory(area=area("710911"), kind="partner")
    services.partner_apply(actor=member_of(shop, is_admin=True), organisation=shop, sector="retail")
    also_admin = AgencyStaffFactory(scope_area=area("71")).user
    MembershipFactory(organisation=shop, user=also_admin, is_admin=True)
    for status in (PartnerStatus.APPROVED, PartnerStatus.REFUSED):
        with pytest.raises(NotFoundError):
            services.partner_decide(actor=also_admin, organisation=shop, status=status)
    assert shop.partner_profile.status == PartnerStatus.PENDING
    assert shop not in [p.organisation for p in selectors.partner_profiles_for_agency(viewer=also_admin)]
    # agency staff over the area who do not run it decide
    services.partner_approve(actor=agency_staff, organisation=shop)
