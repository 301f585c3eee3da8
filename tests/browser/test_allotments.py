"""On a phone, agency staff set a programme's budget and top up an allotment; a refused top-up shows its reason
in the row (htmx swaps a 400/409 answer in; by default it would swap nothing and the tap would seem lost)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.factories import AgencyFactory, AgencyStaffFactory, OrganisationFactory, area
from thamdee.common.thaitime import current_fiscal_year
from thamdee.ledger import selectors
from thamdee.ledger.models import Programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-42"  # what UserFactory sets


def test_a_top_up_over_the_budget_is_refused_in_its_row_and_the_next_one_goes_through(live_server, phone):
    programme = Programme.objects.create(code="pilot", name_th="โครงการนำร่อง", agency=AgencyFactory())
    national = AgencyStaffFactory(agency=programme.agency, scope_area=None).user
    council = OrganisationFactory(area=area("710911"), name_th="สภาองค์กรชุมชนหนองสาหร่าย")
    sign_in(phone, live_server.url, national.username, PASSWORD)
    phone.goto(f"{live_server.url}/passbook/allotments/")

    budget_row = phone.locator(f"#budget-{programme.public_id}")
    budget_row.locator("input[name=credits]").fill("100")
    budget_row.get_by_role("button").click()
    phone.locator(f"#budget-{programme.public_id} [data-testid=budget]").filter(has_text="100").wait_for()

    row = phone.locator(f"#allot-{council.public_id}")
    row.locator("input[name=amount]").fill("150")
    row.get_by_role("button").click()
    alert = phone.locator(f"#allot-{council.public_id} [data-error-code=budget_exceeded]")
    alert.wait_for()
    assert "100" in alert.inner_text()  # what is left of the budget
    assert phone.locator(f"#allot-{council.public_id} input[name=amount]").input_value() == "150"

    phone.locator(f"#allot-{council.public_id} input[name=amount]").fill("60")
    phone.locator(f"#allot-{council.public_id}").get_by_role("button").click()
    phone.locator(f"#allot-{council.public_id} [data-testid=allotment]").filter(has_text="60").wait_for()
    assert selectors.issued_in(programme, current_fiscal_year()) == 60
