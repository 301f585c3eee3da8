"""Import deeds from a CSV or XLSX list: every row checked first, every error reported by its row in Thai and
English, and nothing imported unless the whole file is valid.

Columns (Thai or English headers): mobile / เบอร์มือถือ (or member / รหัสสมาชิก), deed_type / รหัสความดี,
date / วันที่ (dd/mm/yyyy in BE or CE, or yyyy-mm-dd), hours / ชั่วโมง, quantity / จำนวน,
beneficiaries / ผู้ได้รับประโยชน์, description / รายละเอียด.

django-import-export was considered; its resource model maps rows onto model fields, while an import here must
go through the same checks as every other way of recording a deed (membership, dates the catalogue allows,
sensitive types), so a small reader that feeds ``deed_record_for`` is simpler and keeps one set of rules.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.utils import translation

from thamdee.common.errors import DomainError
from thamdee.common.ids import parse_uuid
from thamdee.common.parsing import ascii_int
from thamdee.deeds.models import DeedType
from thamdee.deeds.services import DeedInput
from thamdee.orgs.models import Organisation
from thamdee.people.errors import InvalidMobileError
from thamdee.people.models import User
from thamdee.people.validators import mobile_normalise

HEADERS = {
    "mobile": "mobile",
    "เบอร์มือถือ": "mobile",
    "เบอร์โทร": "mobile",
    "member": "member",
    "รหัสสมาชิก": "member",
    "deed_type": "deed_type",
    "รหัสความดี": "deed_type",
    "ประเภทความดี": "deed_type",
    "date": "date",
    "วันที่": "date",
    "hours": "hours",
    "ชั่วโมง": "hours",
    "quantity": "quantity",
    "จำนวน": "quantity",
    "beneficiaries": "beneficiaries",
    "ผู้ได้รับประโยชน์": "beneficiaries",
    "description": "description",
    "รายละเอียด": "description",
}
MAX_ROWS = 5000


@dataclass
class RowError:
    row: int  # as people count rows in a spreadsheet: the header is row 1
    column: str
    message_th: str
    message_en: str


def _both(th: str, en: str) -> tuple[str, str]:
    return th, en


def read_rows(data: bytes, filename: str) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the canonical column names. XLSX by its zip signature, otherwise CSV (UTF-8,
    with or without BOM)."""
    if data[:2] == b"PK":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
    else:
        text = data.decode("utf-8-sig")
        values = [list(r) for r in csv.reader(io.StringIO(text))]
    if not values:
        return []
    header = [HEADERS.get(str(h or "").strip().lower(), HEADERS.get(str(h or "").strip(), "")) for h in values[0]]
    rows: list[dict[str, Any]] = []
    for raw in values[1 : MAX_ROWS + 2]:
        if all(v in (None, "") for v in raw):
            rows.append({})
            continue
        rows.append({key: raw[i] for i, key in enumerate(header) if key and i < len(raw)})
    return rows


def _beneficiaries(value: Any) -> int:
    """How many people a row says the deed helped (none written: 0), or -1 for anything that is not a whole
    number in ASCII digits, which validation then refuses."""
    number = ascii_int(str(value if value is not None and value != "" else "0").strip(), max_digits=7)
    return -1 if number is None else number


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    try:
        if "-" in text:
            if len(text) != 10 or text[4] != "-" or text[7] != "-":
                return None
            y, m, d = (int(x) for x in text.split("-"))
        else:
            d, m, y = (int(x) for x in text.split("/"))
        # A Buddhist-era year becomes its Common-era year before the date is built: 29 February 2567 is 29 February
        # 2024 (the BE year itself, 2567, has no 29 February, and read first as a date it was refused or crashed).
        return dt.date(y - 543 if y > 2400 else y, m, d)
    except (ValueError, TypeError):
        return None


def validate(rows: list[dict[str, Any]], organisation: Organisation) -> tuple[list[DeedInput], list[RowError]]:
    from thamdee.deeds.services import _check

    types = {t.code: t for t in DeedType.objects.filter(organisation=organisation, is_active=True)}
    inputs: list[DeedInput] = []
    problems: list[RowError] = []
    if len(rows) > MAX_ROWS:
        problems.append(RowError(MAX_ROWS + 2, "", f"ไฟล์ยาวเกิน {MAX_ROWS} แถว", f"More than {MAX_ROWS} rows"))
        return [], problems
    for index, row in enumerate(rows, start=2):
        if not row:
            continue
        member = None
        if row.get("member"):
            text = str(row["member"]).strip()
            # A member id is a UUID as written out (36 characters); anything else names nobody, and the lookup
            # would raise on it rather than find nothing.
            public_id = parse_uuid(text) if len(text) == 36 else None
            member = User.objects.filter(public_id=public_id).first() if public_id is not None else None
        elif row.get("mobile"):
            try:
                member = User.objects.filter(mobile=mobile_normalise(str(row["mobile"]))).first()
            except InvalidMobileError:
                problems.append(RowError(index, "mobile", "เบอร์มือถือไม่ถูกต้อง", "Invalid mobile number"))
                continue
        if member is None:
            problems.append(
                RowError(
                    index, "mobile", "ไม่พบสมาชิก (เบอร์มือถือหรือรหัสสมาชิก)", "Member not found (mobile number or member id)"
                )
            )
            continue
        deed_type = types.get(str(row.get("deed_type") or "").strip())
        if deed_type is None:
            problems.append(
                RowError(
                    index,
                    "deed_type",
                    f'ไม่มีรหัสความดี "{row.get("deed_type") or ""}" ในรายการขององค์กร',
                    f'No deed type "{row.get("deed_type") or ""}" in the organisation\'s catalogue',
                )
            )
            continue
        day = parse_date(row.get("date"))
        if day is None:
            problems.append(RowError(index, "date", "วันที่ไม่ถูกต้อง (วว/ดด/ปปปป)", "Invalid date (dd/mm/yyyy)"))
            continue
        entry = DeedInput(
            member=member,
            deed_type=deed_type,
            done_on=day,
            hours=row.get("hours") or 0,
            quantity=row.get("quantity"),
            beneficiaries=_beneficiaries(row.get("beneficiaries")),
            description=str(row.get("description") or ""),
        )
        try:
            _check(entry)
        except DomainError as exc:
            with translation.override("th"):
                th = str(exc)
            with translation.override("en"):
                en = str(exc)
            problems.append(RowError(index, "", th, en))
            continue
        inputs.append(entry)
    return inputs, problems
