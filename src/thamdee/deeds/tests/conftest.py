from __future__ import annotations

import datetime as dt

import pytest

from tests.worlds import RULES, build_world  # noqa: F401  (RULES re-exported for tests)
from thamdee.deeds import services


@pytest.fixture
def world(db):
    """An organisation with a published programme rulebook, a local catalogue, a verifier and members."""
    return build_world()


def report(w, *, deed_type=None, hours=2, days_ago=1, member=None, **kwargs):  # type: ignore[no-untyped-def]
    return services.deed_report(
        actor=member or w.member,
        deed_type=deed_type or w.care,
        done_on=w.today - dt.timedelta(days=days_ago),
        hours=hours,
        **kwargs,
    )
