"""Numbers from request input: only ASCII digits of a sensible length are numbers."""

from __future__ import annotations

import pytest

from thamdee.common.parsing import MAX_DIGITS, ascii_int, is_ascii_digits, year_param


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", 0), ("7", 7), ("2570", 2570), ("007", 7), ("9" * MAX_DIGITS, int("9" * MAX_DIGITS))],
)
def test_plain_ascii_digits_are_read(value, expected):
    assert ascii_int(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "²",  # "²".isdigit() is True, int("²") raises
        "²⁰²⁷",
        "٢٠٢٧",  # Arabic-Indic: int() would read it
        "๒๕๗๐",  # Thai digits: int() would read it
        "１２",  # fullwidth
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.0",
        "1e3",
        "0x10",
        "1_000",
        "9" * (MAX_DIGITS + 1),
        "9" * 5000,  # int() refuses it (too many digits)
        None,
        12,
    ],
)
def test_anything_else_is_not_a_number(value):
    assert ascii_int(value) is None


def test_the_length_bound_is_the_callers_to_tighten():
    assert ascii_int("2570", max_digits=4) == 2570
    assert ascii_int("25700", max_digits=4) is None


def test_codes_are_ascii_digits_only():
    assert is_ascii_digits("710911")
    assert not is_ascii_digits("")
    assert not is_ascii_digits("71²")
    assert not is_ascii_digits("๗๑")
    assert not is_ascii_digits(None)


@pytest.mark.parametrize(
    ("value", "year"),
    [("2570", 2027), ("2027", 2027), ("2401", 1858), ("2400", 2400), ("1000", 1000)],
)
def test_a_year_is_four_digits_in_either_era_and_comes_back_in_the_common_era(value, year):
    assert year_param(value) == year


@pytest.mark.parametrize("value", ["", None, "0999", "999", "25700", "²⁵⁷⁰", "๒๕๗๐", "all", " 2570"])
def test_anything_else_is_no_year(value):
    assert year_param(value) is None
