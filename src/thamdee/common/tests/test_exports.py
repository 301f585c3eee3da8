"""Exports: what a user typed never runs as a formula when the file is opened."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from thamdee.common.exports import safe_cell, table_response


def test_text_that_looks_like_a_formula_is_kept_as_text_and_numbers_are_left_alone():
    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert safe_cell("@SUM(A1)") == "'@SUM(A1)" and safe_cell("+1") == "'+1" and safe_cell("-1+2") == "'-1+2"
    assert safe_cell("กลุ่มออมทรัพย์") == "กลุ่มออมทรัพย์" and safe_cell(-3) == -3 and safe_cell(None) is None


def test_both_formats_carry_the_guard():
    rows = [["=1+1", 2]]
    text = table_response("t", ["name", "n"], rows, "csv").content.decode("utf-8-sig")
    assert text.splitlines()[1] == "'=1+1,2"
    book = load_workbook(io.BytesIO(table_response("t", ["name", "n"], rows, "xlsx").content))
    assert [c.value for c in book.active[2]] == ["'=1+1", 2]


def test_a_lazy_translation_goes_out_as_text_in_the_requests_language_in_both_formats():
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    label = gettext_lazy("จังหวัด")
    for language, text in (("th", "จังหวัด"), ("en", "Province")):
        with translation.override(language):
            book = load_workbook(io.BytesIO(table_response("t", [label], [[label]], "xlsx").content))
            assert [c.value for c in book.active[2]] == [text] and book.active["A1"].value == text
            csv_text = table_response("t", [label], [[label]], "csv").content.decode("utf-8-sig")
            assert csv_text.splitlines() == [text, text]
