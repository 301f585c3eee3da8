"""Tables out as CSV (UTF-8 with BOM, so spreadsheet programs read Thai) and XLSX, with Thai headers."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.functional import Promise

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A text cell that a spreadsheet would read as a formula (names typed by users: an organisation's, a person's).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that starts like a formula is kept as text (a leading apostrophe), so that opening an export never
    runs what someone typed as a name; numbers and dates are left as they are. A lazy translation (a choice's
    label) is text in the language of the request: the spreadsheet writer takes no other kind of object."""
    if isinstance(value, Promise):
        value = str(value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def table_response(filename: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> HttpResponse:
    if fmt == "xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        book = Workbook()
        sheet = book.active
        sheet.title = filename[:31]
        sheet.append([safe_cell(h) for h in headers])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([float(v) if hasattr(v, "as_tuple") else safe_cell(v) for v in row])
        for column in sheet.columns:
            width = max(len(str(c.value or "")) for c in column)
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        text = io.StringIO()
        text.write("\ufeff")
        writer = csv.writer(text)
        writer.writerow([safe_cell(h) for h in headers])
        writer.writerows([safe_cell(v) for v in row] for row in rows)
        response = HttpResponse(text.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{"xlsx" if fmt == "xlsx" else "csv"}"'
    return response
