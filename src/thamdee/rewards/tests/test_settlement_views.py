"""Settling a partner's month on the web: the statement's settlement card, the settle and reverse forms, the list
of settlements, and the line the CSV and PDF add."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgencyStaffFactory, UserFactory, area
from thamdee.common import thaitime
from thamdee.common.pdf import pdf_fold, pdf_text
from thamdee.ledger import services as ledger
from thamdee.ledger.models import AccountKind, Journal, JournalKind
from thamdee.rewards import services
from thamdee.rewards.models import Settlement, Voucher

from .conftest import assert_books_balance, key, redeem

pytestmark = pytest.mark.django_db


def last_month() -> tuple[int, int]:
    today = timezone.localdate()
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def month_param(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def used_last_month(member, offer, staff, n: int = 1) -> list[Voucher]:
    """``n`` vouchers redeemed by ``member`` and confirmed by ``staff``, dated to the middle of last month."""
    year, month = last_month()
    vouchers = []
    for _i in range(n):
        voucher = redeem(member, offer)
        services.voucher_confirm(actor=staff, text=voucher.code)
        vouchers.append(voucher)
    moment = timezone.make_aware(dt.datetime(year, month, 15, 12, 0))
    Voucher.objects.filter(pk__in=[v.pk for v in vouchers]).update(confirmed_at=moment)
    return vouchers


def balance(partner, kind: int) -> int:
    return int(ledger.account_of_org(partner, kind).balance or 0)


def statement_url(partner, year: int, month: int) -> str:
    return f"{reverse('rewards:statement', args=[partner.public_id])}?month={month_param(year, month)}"


def settle_body(year: int, month: int, credits: int, reference: str = "TR-2569-001", note: str = "") -> dict:
    return {"year": year, "month": month, "credits": credits, "reference": reference, "note": note}


def settle_now(actor, partner, credits: int, reference: str = "TR-1") -> Settlement:
    year, month = last_month()
    return services.settlement_record(
        actor=actor, partner=partner, year=year, month=month, credits=credits, reference=reference
    )


# --- settling ---------------------------------------------------------------------------------------------------


def test_agency_staff_settle_a_closed_month_from_its_statement(client, agency_staff, member, offer, staff, partner):
    # Given two vouchers used last month (10 credits each) and one held now
    used_last_month(member, offer, staff, n=2)
    redeem(member, offer)
    year, month = last_month()
    clearing_before = balance(partner, AccountKind.PARTNER_CLEARING)
    client.force_login(agency_staff)
    # When the agency opens the month's statement
    page = client.get(statement_url(partner, year, month))
    html = page.content.decode()
    # Then it offers to settle the month's figure
    assert page.status_code == 200 and page.context["st"].settleable
    assert 'data-testid="settle-form"' in html and reverse("rewards:settle", args=[partner.public_id]) in html
    assert 'name="credits" value="20"' in html
    # When it records the settlement
    response = client.post(
        reverse("rewards:settle", args=[partner.public_id]),
        settle_body(year, month, 20, reference="TR-2569-001", note="โอนผ่านธนาคาร"),
    )
    # Then the credits left the clearing account for the settled one, by one journal
    assert response.status_code == 302 and response.url == statement_url(partner, year, month)
    settlement = Settlement.objects.get()
    assert (settlement.credits, settlement.vouchers, settlement.reference) == (20, 2, "TR-2569-001")
    assert settlement.note == "โอนผ่านธนาคาร" and settlement.settled_by == agency_staff
    assert Journal.objects.get(pk=settlement.journal_id).kind == JournalKind.SETTLEMENT
    assert balance(partner, AccountKind.PARTNER_CLEARING) == clearing_before - 20
    assert balance(partner, AccountKind.SETTLED) == 20
    assert_books_balance()
    # And the statement now says who settled, when and with what reference, and offers to reverse it
    after = client.get(response.url).content.decode()
    assert 'data-testid="settled"' in after and "TR-2569-001" in after and "โอนผ่านธนาคาร" in after
    assert agency_staff.full_name in after
    assert thaitime.format_date(timezone.localdate(), "medium") in after  # Buddhist Era
    assert 'data-testid="settle-form"' not in after and 'data-testid="reverse-form"' in after
    assert "บันทึกการชำระบัญชีเดือน" in after  # the success message


def test_partner_staff_see_the_settlement_but_can_neither_settle_nor_reverse(
    client, agency_staff, member, offer, staff, partner
):
    used_last_month(member, offer, staff)
    year, month = last_month()
    client.force_login(staff)
    # Before: the partner's staff are told it is not settled yet, with no form
    html = client.get(statement_url(partner, year, month)).content.decode()
    assert 'data-testid="settlement-waiting"' in html and 'data-testid="settle-form"' not in html
    # Posting anyway is not found, and records nothing
    refused = client.post(reverse("rewards:settle", args=[partner.public_id]), settle_body(year, month, 10))
    assert refused.status_code == 404 and not Settlement.objects.exists()
    # After the agency settled: they see it, but no reverse form, and reversing is not found
    settlement = settle_now(agency_staff, partner, 10, reference="TR-77")
    html = client.get(statement_url(partner, year, month)).content.decode()
    assert "TR-77" in html and 'data-testid="settled"' in html and 'data-testid="reverse-form"' not in html
    reverse_response = client.post(reverse("rewards:settlement_reverse", args=[settlement.public_id]), {"reason": "ผิด"})
    assert reverse_response.status_code == 404
    assert Settlement.objects.get().reversed_at is None


def test_an_outsider_finds_nothing(client, agency_staff, member, offer, staff, partner):
    used_last_month(member, offer, staff)
    settlement = settle_now(agency_staff, partner, 10)
    year, month = last_month()
    elsewhere = AgencyStaffFactory(scope_area=area("10")).user  # Bangkok's agency, not over this partner
    for outsider in (elsewhere, UserFactory()):
        client.force_login(outsider)
        assert client.get(statement_url(partner, year, month)).status_code == 404
        assert client.get(reverse("rewards:settlements", args=[partner.public_id])).status_code == 404
        post = client.post(reverse("rewards:settle", args=[partner.public_id]), settle_body(year, month, 10))
        assert post.status_code == 404
        undo = client.post(reverse("rewards:settlement_reverse", args=[settlement.public_id]), {"reason": "ผิด"})
        assert undo.status_code == 404
    client.force_login(agency_staff)
    unknown = client.post(reverse("rewards:settlement_reverse", args=[uuid.uuid4()]), {"reason": "x"})
    assert unknown.status_code == 404
    assert Settlement.objects.get().reversed_at is None


def test_settling_a_month_twice_says_it_is_already_settled(client, agency_staff, member, offer, staff, partner):
    used_last_month(member, offer, staff)
    year, month = last_month()
    settle_now(agency_staff, partner, 10, reference="TR-FIRST")
    client.force_login(agency_staff)
    response = client.post(
        reverse("rewards:settle", args=[partner.public_id]), settle_body(year, month, 10, reference="TR-AGAIN")
    )
    html = response.content.decode()
    assert response.status_code == 409 and 'data-error-code="already_settled"' in html
    assert "TR-FIRST" in html  # the settlement in force is shown beside the refusal
    assert list(Settlement.objects.values_list("reference", flat=True)) == ["TR-FIRST"]
    assert balance(partner, AccountKind.SETTLED) == 10


def test_a_figure_that_changed_since_the_page_was_read_is_refused_and_the_new_one_shown(
    client, agency_staff, member, offer, staff, partner
):
    used_last_month(member, offer, staff)
    year, month = last_month()
    client.force_login(agency_staff)
    assert client.get(statement_url(partner, year, month)).context["st"].to_settle_credits == 10
    # Given another voucher is dated into the month after the settler read the statement
    used_last_month(member, offer, staff)
    # When the settler records the figure they saw
    response = client.post(
        reverse("rewards:settle", args=[partner.public_id]),
        settle_body(year, month, 10, reference="TR-SEEN", note="ตามใบสรุป"),
    )
    html = response.content.decode()
    # Then nothing is recorded, the new figure is shown to check, and what was typed is kept
    assert response.status_code == 409 and 'data-error-code="settlement_changed"' in html
    assert not Settlement.objects.exists() and balance(partner, AccountKind.SETTLED) == 0
    assert 'name="credits" value="20"' in html and 'value="TR-SEEN"' in html and "ตามใบสรุป" in html


def test_an_empty_reference_is_refused_and_nothing_is_lost(client, agency_staff, member, offer, staff, partner):
    used_last_month(member, offer, staff)
    year, month = last_month()
    clearing = balance(partner, AccountKind.PARTNER_CLEARING)
    client.force_login(agency_staff)
    response = client.post(
        reverse("rewards:settle", args=[partner.public_id]), settle_body(year, month, 10, reference="  ", note="งวด 1")
    )
    html = response.content.decode()
    assert response.status_code == 400 and "ต้องระบุเลขที่อ้างอิงการชำระ" in html
    assert "งวด 1" in html and 'name="credits" value="10"' in html
    assert not Settlement.objects.exists() and balance(partner, AccountKind.PARTNER_CLEARING) == clearing
    # An altered month in the hidden fields is a clear error too, not a crash
    altered = client.post(
        reverse("rewards:settle", args=[partner.public_id]), {**settle_body(year, month, 10), "month": "13"}
    )
    assert altered.status_code == 400 and 'data-error-code="settlement_invalid"' in altered.content.decode()
    assert not Settlement.objects.exists()


def test_an_open_month_and_an_empty_month_say_so_plainly(client, agency_staff, member, offer, staff, partner):
    voucher = redeem(member, offer)
    services.voucher_confirm(actor=staff, text=voucher.code)  # used this month: not over yet
    today = timezone.localdate()
    client.force_login(agency_staff)
    html = client.get(statement_url(partner, today.year, today.month)).content.decode()
    assert 'data-testid="settlement-open"' in html and 'data-testid="settle-form"' not in html
    posted = client.post(reverse("rewards:settle", args=[partner.public_id]), settle_body(today.year, today.month, 10))
    assert posted.status_code == 400 and 'data-error-code="settlement_month_open"' in posted.content.decode()
    year, month = last_month()
    html = client.get(statement_url(partner, year, month)).content.decode()
    assert 'data-testid="settlement-nothing"' in html and 'data-testid="settle-form"' not in html
    assert not Settlement.objects.exists()


def test_a_reversed_settlement_gives_the_credits_back_and_the_month_can_be_settled_again(
    client, agency_staff, member, offer, staff, partner
):
    used_last_month(member, offer, staff)
    year, month = last_month()
    clearing = balance(partner, AccountKind.PARTNER_CLEARING)
    first = settle_now(agency_staff, partner, 10, reference="TR-WRONG")
    client.force_login(agency_staff)
    url = reverse("rewards:settlement_reverse", args=[first.public_id])
    # A reason is required
    blank = client.post(url, {"reason": " "})
    assert blank.status_code == 400 and "ต้องระบุเหตุผลที่กลับรายการ" in blank.content.decode()
    assert Settlement.objects.get().reversed_at is None
    # With one, the settlement is reversed and its credits are back in clearing
    response = client.post(url, {"reason": "ใส่เลขอ้างอิงผิด"})
    assert response.status_code == 302 and response.url == statement_url(partner, year, month)
    first.refresh_from_db()
    assert first.is_reversed and first.reversed_by == agency_staff and first.reversal_reason == "ใส่เลขอ้างอิงผิด"
    assert Journal.objects.get(pk=first.reversal_journal_id).reversal_of_id == first.journal_id
    assert balance(partner, AccountKind.PARTNER_CLEARING) == clearing
    assert balance(partner, AccountKind.SETTLED) == 0
    # Reversing it again is refused
    again = client.post(url, {"reason": "อีกครั้ง"})
    assert again.status_code == 409 and 'data-error-code="settlement_already_reversed"' in again.content.decode()
    # And the month can be settled again from its statement
    html = client.get(response.url).content.decode()
    assert 'data-testid="settle-form"' in html
    settled = client.post(
        reverse("rewards:settle", args=[partner.public_id]), settle_body(year, month, 10, reference="TR-RIGHT")
    )
    assert settled.status_code == 302
    assert Settlement.objects.filter(reversed_at__isnull=True).get().reference == "TR-RIGHT"
    assert balance(partner, AccountKind.SETTLED) == 10
    assert_books_balance()


def test_the_statement_shows_what_is_to_settle_when_it_differs_from_what_was_used(
    client, agency_staff, member, offer, staff, partner
):
    _kept, given_back = used_last_month(member, offer, staff, n=2)
    # A hold reversed by hand gave one voucher's credits back to the member: the month settles 10, not 20
    ledger.journal_reverse(
        actor=agency_staff,
        journal=Journal.objects.get(pk=given_back.hold_journal_id),
        reason="คืนเครดิตให้สมาชิก",
        idempotency_key=key("hold-reversal"),
    )
    year, month = last_month()
    client.force_login(agency_staff)
    page = client.get(statement_url(partner, year, month))
    st = page.context["st"]
    assert (st.confirmed_credits, st.to_settle_credits) == (20, 10)
    html = page.content.decode()
    assert 'data-testid="to-settle-credits"' in html and 'name="credits" value="10"' in html


# --- the list of settlements ------------------------------------------------------------------------------------


def test_the_settlements_list_shows_the_newest_first_and_marks_the_reversed(
    client, agency_staff, member, offer, staff, partner
):
    used_last_month(member, offer, staff)
    year, month = last_month()
    first = settle_now(agency_staff, partner, 10, reference="TR-OLD")
    services.settlement_reverse(actor=agency_staff, settlement=first, reason="ผิดงวด")
    second = settle_now(agency_staff, partner, 10, reference="TR-NEW")
    for viewer in (agency_staff, staff):
        client.force_login(viewer)
        response = client.get(reverse("rewards:settlements", args=[partner.public_id]))
        html = response.content.decode()
        assert response.status_code == 200
        assert html.index("TR-NEW") < html.index("TR-OLD")
        old_row = html.split(f'data-testid="settlement-{first.public_id}"', 1)[1]
        assert 'data-testid="reversed"' in old_row and "ผิดงวด" in old_row
        new_row = html.split(f'data-testid="settlement-{second.public_id}"', 1)[1]
        new_row = new_row.split(f'data-testid="settlement-{first.public_id}"')[0]
        assert 'data-testid="reversed"' not in new_row
        assert escape(statement_url(partner, year, month)) in html
    # The statement and the agency's partner list link to it
    client.force_login(agency_staff)
    link = reverse("rewards:settlements", args=[partner.public_id])
    assert link in client.get(statement_url(partner, year, month)).content.decode()
    assert link in client.get(reverse("rewards:partners")).content.decode()


def test_an_empty_settlements_list_says_so(client, agency_staff, partner):
    client.force_login(agency_staff)
    html = client.get(reverse("rewards:settlements", args=[partner.public_id])).content.decode()
    assert "ยังไม่มีการชำระบัญชี" in html


# --- CSV and PDF ------------------------------------------------------------------------------------------------


def _csv_rows(client, partner, year: int, month: int) -> list[list[str]]:
    url = reverse("rewards:statement_csv", args=[partner.public_id])
    response = client.get(url, {"month": month_param(year, month)})
    return list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


def test_the_csv_and_pdf_say_whether_the_month_is_settled(client, agency_staff, member, offer, staff, partner):
    (voucher,) = used_last_month(member, offer, staff)
    year, month = last_month()
    client.force_login(staff)
    before = _csv_rows(client, partner, year, month)
    assert before[-2][0] == "รวม" and before[-2][5] == "10"  # the total row, unchanged
    assert before[-1] == ["ยังไม่ได้ชำระบัญชี", "", "", "", "", "", ""]
    assert all(len(row) == 7 for row in before if row)
    settle_now(agency_staff, partner, 10, reference="TR-CSV-9")
    after = _csv_rows(client, partner, year, month)
    assert after[:-1] == before[:-1]  # everything else is as it was
    today = thaitime.format_date(timezone.localdate(), "numeric")
    assert after[-1] == ["ชำระบัญชีแล้ว", today, "TR-CSV-9", "", "", "10", agency_staff.full_name]
    assert str(thaitime.be_year(timezone.localdate().year)) in today
    pdf = client.get(reverse("rewards:statement_pdf", args=[partner.public_id]), {"month": month_param(year, month)})
    content = pdf_fold(pdf_text(pdf.content))
    assert "TR-CSV-9" in content and pdf_fold("ชำระบัญชีแล้ว") in content and voucher.display_code in content
