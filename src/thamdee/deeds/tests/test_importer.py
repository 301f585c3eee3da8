"""Import of a CSV or XLSX list: all rows checked first; one bad row and nothing is imported."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests.factories import member_of
from thamdee.common.thaitime import be_year
from thamdee.deeds import services
from thamdee.deeds.errors import ImportFileError
from thamdee.deeds.importer import parse_date
from thamdee.deeds.models import Deed, DeedSource

pytestmark = pytest.mark.django_db


def csv_bytes(rows: list[list[str]]) -> bytes:
    lines = ["เบอร์มือถือ,รหัสความดี,วันที่,ชั่วโมง,จำนวน,รายละเอียด"] + [",".join(r) for r in rows]
    return ("\ufeff" + "\n".join(lines)).encode()


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["mobile", "deed_type", "date", "hours"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def be(day: dt.date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{be_year(day.year)}"


def test_a_valid_csv_imports_every_row_as_pending_deeds(world):
    other = member_of(world.org)
    yesterday = world.today - dt.timedelta(days=1)
    data = csv_bytes(
        [
            [world.member.mobile, "elder-care", be(yesterday), "2", "", "ดูแลยาย"],
            [other.mobile, "savings-20", yesterday.isoformat(), "", "", ""],
        ]
    )
    result = services.deeds_import(actor=world.organiser, organisation=world.org, data=data, filename="list.csv")
    assert result.rows == 2
    assert Deed.objects.filter(source=DeedSource.IMPORT).count() == 2


def test_one_bad_row_imports_nothing_and_every_problem_is_reported_by_row(world):
    yesterday = world.today - dt.timedelta(days=1)
    data = csv_bytes(
        [
            [world.member.mobile, "elder-care", be(yesterday), "2", "", ""],
            ["0899999999", "elder-care", be(yesterday), "2", "", ""],  # nobody has this number
            [world.member.mobile, "no-such-deed", be(yesterday), "1", "", ""],
            [world.member.mobile, "elder-care", "31/02/2569", "1", "", ""],
            [world.member.mobile, "elder-care", be(world.today + dt.timedelta(days=3)), "1", "", ""],
        ]
    )
    with pytest.raises(ImportFileError) as info:
        services.deeds_import(actor=world.organiser, organisation=world.org, data=data, filename="list.csv")
    rows = {p.row for p in info.value.problems}
    assert rows == {3, 4, 5, 6}
    assert all(p.message_th and p.message_en for p in info.value.problems)
    assert "ไม่พบสมาชิก" in info.value.problems[0].message_th
    assert info.value.as_problem()["rows"][0]["row"] == 3
    assert not Deed.objects.exists()


def test_a_member_id_that_is_not_a_uuid_is_a_member_not_found_and_nothing_is_imported(world):
    yesterday = world.today - dt.timedelta(days=1)
    data = (
        "member,deed_type,date,hours\n"
        f"{world.member.public_id},elder-care,{yesterday.isoformat()},2\n"
        f"{'x' * 36},elder-care,{yesterday.isoformat()},2\n"  # as long as a member id, but not one
    ).encode()
    with pytest.raises(ImportFileError) as info:
        services.deeds_import(actor=world.organiser, organisation=world.org, data=data, filename="list.csv")
    assert [(p.row, p.message_en) for p in info.value.problems] == [
        (3, "Member not found (mobile number or member id)")
    ]
    assert not Deed.objects.exists()


@pytest.mark.parametrize("amount", ["NaN", "sNaN", "Infinity"])
def test_an_amount_that_is_not_a_finite_number_is_a_row_problem_and_nothing_is_imported(world, amount):
    yesterday = world.today - dt.timedelta(days=1)
    data = csv_bytes(
        [
            [world.member.mobile, "elder-care", be(yesterday), "2", "", ""],
            [world.member.mobile, "elder-care", be(yesterday), amount, "", ""],
            [world.member.mobile, "return-lost", be(yesterday), "", amount, ""],
        ]
    )
    with pytest.raises(ImportFileError) as info:
        services.deeds_import(actor=world.organiser, organisation=world.org, data=data, filename="list.csv")
    assert [p.row for p in info.value.problems] == [3, 4]
    assert all("จำนวนชั่วโมงหรือจำนวนครั้งไม่ถูกต้อง" in p.message_th for p in info.value.problems)
    assert not Deed.objects.exists()


def test_xlsx_with_real_dates(world):
    yesterday = world.today - dt.timedelta(days=1)
    data = xlsx_bytes([[world.member.mobile, "elder-care", dt.datetime.combine(yesterday, dt.time()), 3]])
    result = services.deeds_import(actor=world.organiser, organisation=world.org, data=data, filename="x.xlsx")
    assert result.rows == 1
    assert Deed.objects.get().hours == 3


def test_an_unreadable_file_is_one_clear_error(world):
    with pytest.raises(ImportFileError) as info:
        services.deeds_import(
            actor=world.organiser, organisation=world.org, data=b"\xff\xfe\x00garbage", filename="x.csv"
        )
    assert info.value.problems[0].message_en.startswith("The file could not be read")


def test_only_organisers_import(world):
    from thamdee.common.errors import NotFoundError

    with pytest.raises(NotFoundError):
        services.deeds_import(actor=world.member, organisation=world.org, data=csv_bytes([]), filename="x.csv")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25/11/2569", dt.date(2026, 11, 25)),
        ("25/11/2026", dt.date(2026, 11, 25)),
        ("2026-11-25", dt.date(2026, 11, 25)),
        ("2569-11-25", dt.date(2026, 11, 25)),
        ("31/02/2569", None),
        ("", None),
        # 29 February 2567 BE is 29 February 2024; 2568 BE (2025) has none, and neither crashes
        ("2567-02-29", dt.date(2024, 2, 29)),
        ("29/02/2567", dt.date(2024, 2, 29)),
        ("2568-02-29", None),
        ("29/02/2568", None),
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("2026-1-5", None),
        ("20261125", None),
        ("2026-11-25T00:00", None),
    ],
)
def test_dates_in_either_era(text, expected):
    assert parse_date(text) == expected
