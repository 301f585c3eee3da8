"""On a phone, signed out: someone opens the public roll of moral organisations from the menu, narrows it to one
province, finds the council confirmed there and opens its verification page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import open_menu
from tests.factories import AgencyStaffFactory, OrganisationFactory, area, member_of
from thamdee.assessments import services
from thamdee.assessments.frameworks import install_examples
from thamdee.assessments.tests.conftest import all_scores
from thamdee.orgs.models import OrgKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def confirmed(organisation, reviewer):  # type: ignore[no-untyped-def]
    admin = member_of(organisation, is_admin=True)
    a = services.assessment_open(actor=admin, organisation=organisation)
    services.assessment_score(actor=admin, assessment=a, scores=all_scores(2))
    services.assessment_submit(actor=admin, assessment=a)
    return services.assessment_review(actor=reviewer, assessment=a, confirm=True)


def test_someone_finds_a_province_s_moral_organisations_and_verifies_one(live_server, phone):
    # Given a council confirmed in Kanchanaburi and a temple confirmed in Nakhon Ratchasima
    install_examples()
    council = OrganisationFactory(area=area("710911"), kind=OrgKind.COUNCIL, name_th="สภาองค์กรชุมชนตำบลหนองสาหร่าย")
    temple = OrganisationFactory(area=area("300101"), name_th="วัดบ้านโคราช")
    result = confirmed(council, AgencyStaffFactory(scope_area=area("71")).user)
    confirmed(temple, AgencyStaffFactory(scope_area=area("30")).user)

    # When someone, not signed in, opens the roll from the menu
    phone.goto(f"{live_server.url}/")
    open_menu(phone)
    phone.locator("#nav").get_by_role("link", name="องค์กรคุณธรรม").click()
    phone.wait_for_load_state("networkidle")

    # Then both are listed
    roll = phone.locator("[data-testid=roll]")
    assert council.name_th in roll.inner_text() and temple.name_th in roll.inner_text()

    # When they choose Kanchanaburi (the form sends itself)
    phone.select_option("#roll-area", "71")
    phone.wait_for_url("**area=71**")
    phone.wait_for_load_state("networkidle")

    # Then only the council is left, at its level, and its verification page says it was confirmed
    lines = phone.locator("[data-testid=roll-line]")
    assert lines.count() == 1 and council.name_th in lines.inner_text()
    assert lines.locator("[data-testid=roll-level]").inner_text() == "คุณธรรมต้นแบบ"
    lines.get_by_role("link", name="ตรวจสอบ").click()
    phone.wait_for_load_state("networkidle")
    assert phone.url == f"{live_server.url}/assessments/verify/{result.public_id}/"
    assert phone.locator("[data-testid=verify-subject]").inner_text() == council.name_th
    assert phone.console_errors == []  # type: ignore[attr-defined]
