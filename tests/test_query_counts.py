"""Each main page and API list asks the database a fixed number of times, whatever the volume of data.

Every page is measured twice, over a small world and over one with six times as many deeds, passbook lines,
notifications, offers, members and badges: the same exact number both times shows there is no N+1. A number
that changes is a decision: fix the page, or change the number here and say why in the commit.

The fixed cost of any signed-in page: the session, the user, the user's roles (memberships and agency posts in
one statement) and the inbox badge.

The pages belong to eight apps (deeds, ledger, reports, rewards, recognition, web, api and the base template's
navigation), so this is a contract over the whole site, like test_contract.py, and lives beside it rather than
in one app's tests. The pages of the load scenario (docs/web-load.md) are all here: member home, passbook, the
deed-report form and its post, the verify queue and the agency dashboard.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.factories import PartnerFactory, area, member_of
from tests.worlds import build_world, verified_deeds
from thamdee.deeds import services as deeds
from thamdee.rewards import services as rewards
from thamdee.rewards.models import OfferKind, PartnerStatus, Sector

pytestmark = pytest.mark.django_db

SMALL, LARGE = 2, 12
_keys = itertools.count(1)


def _world(n: int) -> SimpleNamespace:
    """build_world() with ``n`` of everything a page lists."""
    w = build_world()
    # The member: n reports (every other one verified: awards in the passbook, badges), and one voucher.
    for i in range(n):
        deed = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=i % 5), hours=1)
        if i % 2 == 0:
            deeds.deed_verify(actor=w.verifier, deed=deed)
    # Other members with verified deeds (the dashboards) and pending ones (the queue).
    verified_deeds(w, n)
    for _ in range(n):
        deeds.deed_report(actor=member_of(w.org), deed_type=w.lost, done_on=w.today, quantity=1)
    # A partner with n offers; the member redeems one.
    partner = PartnerFactory(area=area("710911"))
    admin = member_of(partner, is_admin=True, is_member=False)
    rewards.partner_apply(actor=admin, organisation=partner, sector=Sector.RETAIL)
    rewards.partner_decide(actor=w.staff, organisation=partner, status=PartnerStatus.APPROVED)
    now = timezone.now()
    offers = [
        rewards.offer_create(
            actor=admin,
            partner=partner,
            kind=OfferKind.SPEND,
            title_th=f"ของรางวัล {i}",
            cost=1,
            stock=50,
            per_member_limit=5,
            valid_from=now - dt.timedelta(days=1),
            valid_until=now + dt.timedelta(days=30),
            area_codes=["71"],
        )
        for i in range(n)
    ]
    rewards.redemption_create(actor=w.member, offer=offers[0], idempotency_key=f"qc:{next(_keys)}")
    return w


@pytest.fixture(params=[SMALL, LARGE], ids=["small", "large"])
def world(request: pytest.FixtureRequest) -> SimpleNamespace:
    return _world(request.param)


def _org(w: SimpleNamespace) -> str:
    return str(w.org.public_id)


# page: (who, path, queries)
PAGES: dict[str, tuple[str, Callable[[SimpleNamespace], str], int]] = {
    "home, member": ("member", lambda w: "/", 8),  # 10 until the recognition card and the organisations list were
    # read in one plain statement each (programme, badge count and latest badge together)
    "home, organiser": ("organiser", lambda w: "/", 8),
    "home, agency staff": ("staff", lambda w: "/", 9),
    "passbook": ("member", lambda w: "/passbook/", 10),
    "deed report form": ("member", lambda w: "/deeds/report/", 7),
    "my deeds": ("member", lambda w: "/deeds/mine/", 6),
    "verify queue": ("organiser", lambda w: "/deeds/queue/", 10),
    "reports dashboard": ("staff", lambda w: "/reports/", 24),  # 23 until the assessment card (its totals in
    # one query: assessments.selectors.results_summary)
    # (and on PostgreSQL 3 more: the provinces are added up with parallel plans off, in a transaction of their own)
    "public page": ("", lambda w: "/reports/public/", 4),
    # +1 on the next three since a level once reached is kept (its highest LevelAward read beside the thresholds)
    "benefits catalogue": ("member", lambda w: "/benefits/", 11),
    "recognition, mine": ("member", lambda w: "/recognition/", 19),
    "API: my deeds": ("member", lambda w: "/api/v1/deeds/", 5),
    "API: passbook": ("member", lambda w: "/api/v1/passbook/", 7),
    "API: notifications": ("member", lambda w: "/api/v1/notifications/", 4),
    "API: organisations": ("member", lambda w: "/api/v1/organisations/", 4),
    "API: benefit offers": ("member", lambda w: "/api/v1/benefits/offers/", 10),
    "API: deed queue": ("organiser", lambda w: f"/api/v1/organisations/{_org(w)}/deed-queue/", 7),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_queries_per_page_are_fixed(
    page: str, world: SimpleNamespace, client: Any, django_assert_num_queries: Any
) -> None:
    who, path_of, expected = PAGES[page]
    if page == "public page" and connection.vendor == "postgresql":
        expected += 3
    if who:
        client.force_login(getattr(world, who))
    path = path_of(world)
    # Given a first visit (per-process caches warm, as in a running server)
    assert client.get(path).status_code == 200
    # When the page is asked for again
    with django_assert_num_queries(expected):
        response = client.get(path)
    # Then it answers, with the fixed number of queries
    assert response.status_code == 200


# 10, and a savepoint around the insert (SAVEPOINT, RELEASE): the form's one-time token makes a report sent twice
# one deed, and the savepoint lets a copy that arrives at the same moment find the first. One of the 10 locks the
# member's own row while the deed is recorded, so that an erasure carried out at the same moment either goes first
# (and the report is refused) or sees the deed waiting (and refuses): deeds.services._lock_recorded_members.
REPORT_POST_QUERIES = 12


def test_reporting_a_deed_asks_a_fixed_number_of_queries(world: SimpleNamespace, client: Any) -> None:
    """The one write in the load scenario: a member reports an hour of elder care through the form."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.member)
    import uuid

    form = {"deed_type": str(world.care.public_id), "done_on": world.today.isoformat(), "hours": "1"}
    # Given a first report (per-process caches warm, as in a running server)
    assert client.post("/deeds/report/", {**form, "token": str(uuid.uuid4())}).status_code == 302
    # When the member reports another, with the token the form carries
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/deeds/report/", {**form, "description": "ดูแลผู้สูงอายุ", "token": str(uuid.uuid4())})
    # Then it is recorded and the member is sent to it, with the fixed number of queries
    assert response.status_code == 302
    assert "/deeds/" in response["Location"]
    assert len(queries) == REPORT_POST_QUERIES, "\n".join(q["sql"][:160] for q in queries.captured_queries)
