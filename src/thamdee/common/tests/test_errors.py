from django.utils import translation

from thamdee.common.errors import DomainError, NotFoundError


def test_a_domain_error_speaks_thai_and_english_with_a_stable_code():
    error = NotFoundError()
    problem = error.as_problem()
    assert problem["code"] == "not_found"
    assert problem["status"] == 404
    assert problem["detail_th"] == "ไม่พบรายการนี้"
    assert problem["detail_en"] == "Not found"


def test_parameters_fill_the_message_in_both_languages():
    class TooManyError(DomainError):
        code = "too_many"
        message = "เกิน {limit}"

    error = TooManyError(limit=5)
    assert error.message_th == "เกิน 5"
    assert error.as_problem()["limit"] == 5
    with translation.override("en"):
        assert str(error) == "เกิน 5"
