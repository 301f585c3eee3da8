from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.assessments.frameworks import install_examples


@pytest.fixture(autouse=True)
def own_media(settings, tmp_path):
    """Each test stores its evidence files in a folder of its own: tests that look at what is stored (nothing left
    behind, the sweep) see only their own, also when tests run in parallel."""
    settings.MEDIA_ROOT = tmp_path


@dataclass
class Scene:
    org: Any
    admin: Any  # the organisation's admin, who assesses it
    organiser: Any
    member: Any
    provincial: Any  # agency staff of Kanchanaburi (71), where the organisation is
    elsewhere: Any  # agency staff of Nakhon Ratchasima (30)
    national: Any  # agency staff with the whole country in scope
    site_admin: Any


@pytest.fixture
def scene(db) -> Scene:
    install_examples()
    org = OrganisationFactory(area=area("710911"))
    return Scene(
        org=org,
        admin=member_of(org, is_admin=True),
        organiser=member_of(org, is_organiser=True),
        member=member_of(org),
        provincial=AgencyStaffFactory(scope_area=area("71")).user,
        elsewhere=AgencyStaffFactory(scope_area=area("30")).user,
        national=AgencyStaffFactory().user,
        site_admin=UserFactory(is_superuser=True),
    )


def all_scores(score: int = 2, count: int = 9) -> dict[int, tuple[int | None, str]]:
    return {n: (score, f"หลักฐานข้อ {n}") for n in range(1, count + 1)}
