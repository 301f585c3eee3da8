"""A list's enum filter takes the values it documents, or none (left out or blank: the whole list); any other value
is a 400 problem (``invalid``, naming the filter), as GET /anomalies/ answers, never the unfiltered list read as if
it were the filtered one. The web pages that use the same selectors stay lenient."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import PartnerFactory, area, member_of
from tests.worlds import build_world
from thamdee.deeds import services as deeds
from thamdee.rewards import services as rewards
from thamdee.rewards.models import OfferKind, PartnerStatus, Sector

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def _partner(w, status: str):  # type: ignore[no-untyped-def]
    """A partner in the world's province that applied, decided ``status`` by the agency staff (pending: not yet)."""
    partner = PartnerFactory(area=area("710911"))
    admin = member_of(partner, is_admin=True, is_member=False)
    rewards.partner_apply(actor=admin, organisation=partner, sector=Sector.RETAIL)
    if status != PartnerStatus.PENDING:
        rewards.partner_decide(actor=w.staff, organisation=partner, status=status)
    return partner, admin


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    """build_world() with the member's deeds (one verified, one pending), an approved shop with a spend offer, the
    member's vouchers there (one held, one cancelled) and a partner still pending."""
    w = build_world()
    done = [
        deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=d), hours=2)
        for d in (1, 2)
    ]
    deeds.deed_verify(actor=w.verifier, deed=done[0])
    w.shop, shop_admin = _partner(w, PartnerStatus.APPROVED)
    w.shop_staff = member_of(w.shop, is_partner_staff=True, is_member=False)
    now = timezone.now()
    offer = rewards.offer_create(
        actor=shop_admin,
        partner=w.shop,
        kind=OfferKind.SPEND,
        title_th="กาแฟสด 1 แก้ว",
        cost=1,
        stock=50,
        per_member_limit=5,
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        area_codes=["71"],
    )
    _held, cancelled = (
        rewards.redemption_create(actor=w.member, offer=offer, idempotency_key=f"filters:{next(_keys)}")
        for _ in range(2)
    )
    rewards.voucher_cancel(actor=w.member, voucher=cancelled)
    _partner(w, PartnerStatus.PENDING)
    return w


def _api(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def _results(response) -> list:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    body = response.json()
    if isinstance(body, dict) and "available" in body:  # the catalogue
        return [*body["available"], *body["locked"]]
    return body["results"] if isinstance(body, dict) else body


def _refused(response, name: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "invalid" and name in body["errors"], body


def _cases(w) -> list[SimpleNamespace]:  # type: ignore[no-untyped-def]
    return [
        SimpleNamespace(user=w.member, url="/api/v1/deeds/", name="status", good="verified", typo="verifed"),
        SimpleNamespace(user=w.member, url="/api/v1/benefits/vouchers/", name="status", good="held", typo="helld"),
        SimpleNamespace(user=w.member, url="/api/v1/benefits/offers/", name="kind", good="perk", typo="spnd"),
        SimpleNamespace(user=w.staff, url="/api/v1/benefits/partners/", name="status", good="approved", typo="aproved"),
        SimpleNamespace(
            user=w.shop_staff,
            url=f"/api/v1/benefits/partners/{w.shop.public_id}/redemptions/",
            name="status",
            good="cancelled",
            typo="canceled",
        ),
    ]


def test_a_listed_value_filters_and_a_blank_one_does_not(w):
    for case in _cases(w):
        api = _api(case.user)
        everything = _results(api.get(case.url))
        filtered = _results(api.get(case.url, {case.name: case.good}))
        assert len(filtered) < len(everything), case.url
        assert len(_results(api.get(case.url, {case.name: ""}))) == len(everything), case.url


def test_a_value_not_listed_is_refused_not_read_as_no_filter(w):
    for case in _cases(w):
        _refused(_api(case.user).get(case.url, {case.name: case.typo}), case.name)


def test_the_anomaly_list_refuses_an_unknown_status_too(w):
    _refused(_api(w.admin).get("/api/v1/anomalies/", {"status": "opne"}), "status")


@pytest.mark.parametrize("value", ["", "bogus"])
def test_the_pages_with_the_same_filters_take_any_value(client, w, value):
    pages = [
        (w.member, reverse("deeds:mine"), "status"),
        (w.member, reverse("rewards:catalogue"), "kind"),
        (w.staff, reverse("rewards:partners"), "status"),
        (w.shop_staff, reverse("rewards:redemptions", args=[w.shop.public_id]), "status"),
    ]
    for user, url, name in pages:
        client.force_login(user)
        assert client.get(url, {name: value}).status_code == 200, url
