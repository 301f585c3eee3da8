"""A programme's budget for a fiscal year caps the allotment top-ups that issue its credits."""

from __future__ import annotations

import pytest

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError
from thamdee.ledger import selectors, services
from thamdee.ledger.errors import BudgetBelowIssuedError, BudgetExceededError, InvalidAmountError
from thamdee.ledger.models import ProgrammeBudget

from .conftest import assert_books_balance, key

pytestmark = pytest.mark.django_db

YEAR = 2027


@pytest.fixture
def national(programme):
    """Staff of the programme's own agency with the whole country in scope."""
    return AgencyStaffFactory(agency=programme.agency, scope_area=None).user


def top_up(staff, org, programme, amount, idempotency_key=None):
    return services.allotment_top_up(
        actor=staff,
        organisation=org,
        programme=programme,
        amount=amount,
        idempotency_key=idempotency_key or key("topup"),
        fiscal_year=YEAR,
    )


def test_top_ups_stop_at_the_programmes_budget_for_the_year(programme, national, staff, org):
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=100)
    top_up(staff, org, programme, 60)
    with pytest.raises(BudgetExceededError) as refused:
        top_up(staff, org, programme, 41)
    assert refused.value.params == {"remaining": 40}
    assert "40" in refused.value.message_en and "40" in refused.value.message_th
    top_up(staff, org, programme, 40)
    assert selectors.issued_in(programme, YEAR) == 100
    with pytest.raises(BudgetExceededError):
        top_up(staff, org, programme, 1)
    # Another fiscal year has its own budget (none here: not capped).
    services.allotment_top_up(
        actor=staff, organisation=org, programme=programme, amount=500, idempotency_key=key(), fiscal_year=YEAR + 1
    )
    assert_books_balance()


def test_a_year_without_a_budget_is_not_capped(programme, staff, org):
    top_up(staff, org, programme, 1_000_000)
    assert selectors.budget_lines([programme], YEAR)[0].budget is None
    assert selectors.budget_lines([programme], YEAR)[0].issued == 1_000_000


def test_a_retried_top_up_answers_with_its_first_result_even_when_the_budget_is_spent(programme, national, staff, org):
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=50)
    first = top_up(staff, org, programme, 50, idempotency_key="topup:once")
    again = top_up(staff, org, programme, 50, idempotency_key="topup:once")
    assert again.replayed and again.journal.pk == first.journal.pk
    assert selectors.issued_in(programme, YEAR) == 50


def test_a_budget_is_never_set_below_what_was_issued(programme, national, staff, org):
    top_up(staff, org, programme, 70)
    with pytest.raises(BudgetBelowIssuedError) as refused:
        services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=69)
    assert refused.value.params == {"issued": 70}
    assert not ProgrammeBudget.objects.exists()
    budget = services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=70)
    assert budget.credits == 70 and budget.set_by == national
    # Raised later: one row per programme and year, changed in place.
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=90)
    assert ProgrammeBudget.objects.get().credits == 90
    with pytest.raises(InvalidAmountError):
        services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=-1)


def test_only_the_programmes_agency_at_national_level_or_a_site_admin_sets_its_budget(programme, staff):
    regional_of_the_agency = AgencyStaffFactory(agency=programme.agency, scope_area=area("71")).user
    national_of_another_agency = AgencyStaffFactory(scope_area=None).user
    for outsider in (staff, regional_of_the_agency, national_of_another_agency, UserFactory()):
        with pytest.raises(NotFoundError):
            services.programme_budget_set(actor=outsider, programme=programme, fiscal_year=YEAR, credits=10)
    admin_of_the_agency = member_of(programme.agency, is_admin=True, is_member=False)
    services.programme_budget_set(actor=admin_of_the_agency, programme=programme, fiscal_year=YEAR, credits=10)
    site_admin = UserFactory(is_superuser=True, is_staff=True)
    services.programme_budget_set(actor=site_admin, programme=programme, fiscal_year=YEAR, credits=20)
    assert ProgrammeBudget.objects.get().credits == 20


def test_budget_lines_read_every_programme_in_two_queries(programme, national, staff, org, django_assert_num_queries):
    from tests.factories import AgencyFactory
    from thamdee.ledger.models import Programme

    other = Programme.objects.create(code="other", name_th="อีกโครงการ", agency=AgencyFactory())
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=300)
    top_up(staff, org, programme, 120)
    top_up(staff, OrganisationFactory(area=area("710911")), other, 7)
    with django_assert_num_queries(2):
        lines = selectors.budget_lines([programme, other], YEAR)
    assert [(line.budget, line.issued, line.remaining) for line in lines] == [(300, 120, 180), (None, 7, None)]
