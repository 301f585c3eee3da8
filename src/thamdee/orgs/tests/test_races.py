"""Races with real threads, each on its own PostgreSQL connection: an organisation keeps at least one admin even when
its admins remove each other at the same moment."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import MembershipFactory, OrganisationFactory
from tests.races import outcome, race
from thamdee.orgs import services
from thamdee.orgs.models import Membership, Role
from thamdee.people.models import User

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]
PAIRS = 10  # organisations raced at once, two admins each: 20 connections, below PostgreSQL's limit


def two_admins() -> tuple[Membership, Membership]:
    org = OrganisationFactory()
    return MembershipFactory(organisation=org, is_admin=True), MembershipFactory(organisation=org, is_admin=True)


def demote(actor: Membership, target: Membership) -> Callable[[], Any]:
    # Each call reads its own person and membership, as two requests would.
    return lambda: services.membership_set_roles(
        actor=User.objects.get(pk=actor.user_id), membership=Membership.objects.get(pk=target.pk), roles=[Role.MEMBER]
    )


def remove(actor: Membership, target: Membership) -> Callable[[], Any]:
    return lambda: services.membership_end(
        actor=User.objects.get(pk=actor.user_id), membership=Membership.objects.get(pk=target.pk)
    )


def admins_of(membership: Membership) -> int:
    return Membership.objects.filter(organisation_id=membership.organisation_id, is_active=True, is_admin=True).count()


@pytest.mark.parametrize(
    "how",
    [(demote, demote), (demote, remove), (remove, remove)],
    ids=["demote-demote", "demote-remove", "remove-remove"],
)
def test_two_admins_removing_each_other_at_once_leave_the_organisation_one(how):
    # Given organisations of two admins each, when each admin takes the other's admin role away (or ends the
    # other's membership) at the same moment
    first, second = how
    pairs = [two_admins() for _ in range(PAIRS)]
    results = race([call for a, b in pairs for call in (first(a, b), second(b, a))])
    # then in every organisation one of the two wins, and the other is told it would leave no admin (or, had the
    # winner finished before it began, no longer finds the membership: it is no admin any more)
    for i, (a, _) in enumerate(pairs):
        counts = Counter(outcome(r) for r in results[2 * i : 2 * i + 2])
        assert counts["ok"] == 1 and counts["last_admin"] + counts["not_found"] == 1, counts
        assert admins_of(a) == 1
