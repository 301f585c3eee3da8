"""A programme's budget for a fiscal year caps the allotment top-ups that issue its credits."""

from __future__ import annotations

import pytest

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of
from thamdee.common.errors import NotFoundError
from thamdee.common.thaitime import current_fiscal_year, fiscal_year_bounds
from thamdee.ledger import selectors, services
from thamdee.ledger.errors import (
    BudgetBelowIssuedError,
    BudgetExceededError,
    FiscalYearOutOfRangeError,
    InvalidAmountError,
    TopUpYearNotAllowedError,
)
from thamdee.ledger.models import AccountKind, ProgrammeBudget

from .conftest import assert_books_balance, key

pytestmark = pytest.mark.django_db

YEAR = current_fiscal_year()  # a top-up names this fiscal year (or the next, once its budget is set)


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
    # Next fiscal year has its own budget (set ahead, so that next year may be topped up ahead).
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR + 1, credits=500)
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


def test_a_retried_top_up_with_another_memo_is_another_request_refused(programme, staff, org):
    from thamdee.ledger.errors import IdempotencyConflictError

    first = services.allotment_top_up(
        actor=staff, organisation=org, programme=programme, amount=10, idempotency_key="k-top", memo="งบไตรมาส 1"
    )
    again = services.allotment_top_up(
        actor=staff, organisation=org, programme=programme, amount=10, idempotency_key="k-top", memo="งบไตรมาส 1"
    )
    assert again.replayed and again.journal_id == first.journal_id
    for memo in ("งบไตรมาส 2", ""):
        with pytest.raises(IdempotencyConflictError):
            services.allotment_top_up(
                actor=staff, organisation=org, programme=programme, amount=10, idempotency_key="k-top", memo=memo
            )
    assert selectors.issued_in(programme, YEAR) == 10


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


@pytest.mark.parametrize("year", [1999, 2201, 0, 99, 40_000, 99999999999999999999])
def test_a_budget_is_set_only_for_a_fiscal_year_from_2000_to_2200(programme, national, year):
    with pytest.raises(FiscalYearOutOfRangeError) as refused:
        services.programme_budget_set(actor=national, programme=programme, fiscal_year=year, credits=10)
    assert refused.value.params == {"minimum": 2000, "maximum": 2200}
    assert "2000" in refused.value.message_th and "2200" in refused.value.message_en
    assert not ProgrammeBudget.objects.exists()
    # The bounds themselves are years
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=2000, credits=10)
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=2200, credits=10)
    assert ProgrammeBudget.objects.count() == 2


def test_a_top_up_names_this_fiscal_year_or_the_next_once_its_budget_is_set(programme, national, staff, org):
    # Given this year's budget spent
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR, credits=100)
    top_up(staff, org, programme, 100)

    def allotment() -> int:
        return selectors.account_balance(services.account_of_org(org, AccountKind.ALLOTMENT))

    # When a top-up names another year to go round it: a past one, a far one, or the next before its budget is set
    for year in (YEAR - 1, YEAR + 2, 2200, YEAR + 1):
        with pytest.raises(TopUpYearNotAllowedError):
            services.allotment_top_up(
                actor=staff, organisation=org, programme=programme, amount=50, idempotency_key=key(), fiscal_year=year
            )
        # Then nothing is issued from that year, and the allotment holds what this year's budget allowed
        assert selectors.issued_in(programme, year) == 0
    assert allotment() == 100
    # Next year, once its budget is set, is topped up ahead, within that budget
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=YEAR + 1, credits=30)
    services.allotment_top_up(
        actor=staff, organisation=org, programme=programme, amount=30, idempotency_key=key(), fiscal_year=YEAR + 1
    )
    with pytest.raises(BudgetExceededError):
        services.allotment_top_up(
            actor=staff, organisation=org, programme=programme, amount=1, idempotency_key=key(), fiscal_year=YEAR + 1
        )
    assert allotment() == 130
    assert_books_balance()


def test_a_top_up_dated_in_an_earlier_year_names_the_fiscal_year_of_its_date(programme, staff, org):
    """Imports and the demo record the top-ups of earlier years with their own date."""
    import datetime as dt

    from django.utils import timezone

    start, _end = fiscal_year_bounds(YEAR - 1)
    at = timezone.make_aware(dt.datetime.combine(start, dt.time(9)))
    services.allotment_top_up(
        actor=staff,
        organisation=org,
        programme=programme,
        amount=50,
        idempotency_key=key(),
        fiscal_year=YEAR - 1,
        at=at,
    )
    assert selectors.issued_in(programme, YEAR - 1) == 50
    with pytest.raises(TopUpYearNotAllowedError):  # dated now, that year is past
        services.allotment_top_up(
            actor=staff, organisation=org, programme=programme, amount=50, idempotency_key=key(), fiscal_year=YEAR - 1
        )
    assert selectors.issued_in(programme, YEAR - 1) == 50
