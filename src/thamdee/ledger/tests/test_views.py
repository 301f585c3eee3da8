import uuid

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import AgencyStaffFactory, UserFactory, area, member_of
from thamdee.common.pdf import pdf_text
from thamdee.ledger import selectors
from thamdee.ledger.models import JournalKind

from .conftest import give

pytestmark = pytest.mark.django_db


def test_the_member_sees_her_passbook_with_running_balances(client, funded_org, member):
    give(funded_org, member, 30)
    give(funded_org, member, 12)
    client.force_login(member)
    response = client.get(reverse("ledger:passbook"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="balance">42<' in html
    assert "คงเหลือ 42" in html and "คงเหลือ 30" in html
    assert str(JournalKind.AWARD.label) in html
    lines = response.context["book"].lines
    assert len(lines) == 2
    for line in lines:  # each line opens its own entry
        assert f'href="{reverse("ledger:entry", args=[line.ref])}"' in html


def test_the_fiscal_year_filter_accepts_be_years(client, funded_org, member):
    give(funded_org, member, 5)
    client.force_login(member)
    assert client.get(reverse("ledger:passbook"), {"fy": "2500"}).context["book"].lines == []
    assert len(client.get(reverse("ledger:passbook"), {"fy": "all"}).context["book"].lines) == 1


@pytest.mark.parametrize("params", [{"fy": "9" * 20}, {"fy": "0001"}, {"fy": "0"}, {"page": "9" * 20}])
def test_an_out_of_range_year_or_page_falls_back_instead_of_a_server_error(client, funded_org, member, params):
    give(funded_org, member, 5)
    client.force_login(member)
    assert client.get(reverse("ledger:passbook"), params).status_code == 200
    if "fy" in params:
        assert client.get(reverse("ledger:statement_pdf"), params).status_code == 200


def test_an_organiser_opens_a_members_passbook_but_an_agency_never_does(client, funded_org, member):
    give(funded_org, member, 5)
    membership = member.memberships.get(organisation=funded_org)
    organiser = member_of(funded_org, is_organiser=True)
    client.force_login(organiser)
    assert client.get(reverse("ledger:member_passbook", args=[membership.public_id])).status_code == 200
    staff = AgencyStaffFactory(scope_area=area("71")).user
    client.force_login(staff)
    assert client.get(reverse("ledger:member_passbook", args=[membership.public_id])).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("ledger:member_passbook", args=[membership.public_id])).status_code == 404


def test_the_statement_pdf_is_thai_with_buddhist_era_dates(client, funded_org, member):
    from django.utils import timezone

    from thamdee.common import thaitime

    give(funded_org, member, 25)
    client.force_login(member)
    response = client.get(reverse("ledger:statement_pdf"))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert member.first_name in text
    today = timezone.localdate()
    assert str(thaitime.be_year(today.year)) in text
    assert "ใบแสดงรายการสมุดบัญชีความดี" in text
    assert f"ปีงบประมาณ {thaitime.be_year(thaitime.current_fiscal_year())}" in text


def test_the_opening_balance_of_a_past_quiet_year_is_what_the_wallet_held_then(client, funded_org, member):
    from thamdee.common import thaitime

    give(funded_org, member, 25)
    client.force_login(member)
    last_year = thaitime.current_fiscal_year() - 1
    response = client.get(reverse("ledger:statement_pdf"), {"fy": str(last_year)})
    text = pdf_text(response.content)
    assert "ยอดยกมา: 0" in text
    # This year brings forward what the wallet held on 1 October too: nothing, before the award
    text = pdf_text(client.get(reverse("ledger:statement_pdf")).content)
    assert "ยอดยกมา: 0" in text and "คงเหลือปัจจุบัน: 25" in text


def test_a_gift_form_submitted_twice_gives_once(client, funded_org, member):
    give(funded_org, member, 20)
    friend = member_of(funded_org)
    client.force_login(member)
    token = str(uuid.uuid4())
    data = {"recipient": str(friend.public_id), "amount": "5", "message": "", "token": token}
    assert client.post(reverse("ledger:gift"), data).status_code == 302
    assert client.post(reverse("ledger:gift"), data).status_code == 302
    assert selectors.balance_of(friend) == 5
    assert selectors.balance_of(member) == 15


def test_the_recipient_reads_the_givers_message_on_every_view_of_the_passbook(client, funded_org, member):
    give(funded_org, member, 20)
    friend = member_of(funded_org)
    client.force_login(member)
    # Given a gift sent from the form with a message
    data = {"recipient": str(friend.public_id), "amount": "5", "message": "ไว้ใช้ที่ร้านค้าชุมชน", "token": str(uuid.uuid4())}
    assert client.post(reverse("ledger:gift"), data).status_code == 302
    # Then the recipient reads it on the passbook page, the entry, the statement and the API
    client.force_login(friend)
    page = client.get(reverse("ledger:passbook"))
    (line,) = page.context["book"].lines
    assert line.memo == "ไว้ใช้ที่ร้านค้าชุมชน" and "ไว้ใช้ที่ร้านค้าชุมชน" in page.content.decode()
    assert "ไว้ใช้ที่ร้านค้าชุมชน" in client.get(reverse("ledger:entry", args=[line.ref])).content.decode()
    assert "ไว้ใช้ที่ร้านค้าชุมชน" in pdf_text(client.get(reverse("ledger:statement_pdf")).content)
    api = APIClient()
    api.force_authenticate(friend)
    (api_line,) = api.get("/api/v1/passbook/").json()["lines"]
    assert (api_line["memo"], api_line["amount"]) == ("ไว้ใช้ที่ร้านค้าชุมชน", 5)
    assert api.get(f"/api/v1/passbook/entries/{line.ref}/").json()["memo"] == "ไว้ใช้ที่ร้านค้าชุมชน"
    # while an organiser who opens the recipient's passbook sees the movement, not the message
    organiser = member_of(funded_org, is_organiser=True)
    client.force_login(organiser)
    membership = friend.memberships.get(organisation=funded_org)
    page = client.get(reverse("ledger:member_passbook", args=[membership.public_id]))
    assert [(x.amount, x.memo) for x in page.context["book"].lines] == [(5, "")]
    assert "ไว้ใช้ที่ร้านค้าชุมชน" not in client.get(reverse("ledger:entry", args=[line.ref])).content.decode()


def test_a_gift_beyond_the_balance_shows_a_clear_error_and_moves_nothing(client, funded_org, member):
    give(funded_org, member, 2)
    friend = member_of(funded_org)
    client.force_login(member)
    response = client.post(
        reverse("ledger:gift"), {"recipient": str(friend.public_id), "amount": "3", "token": str(uuid.uuid4())}
    )
    assert response.status_code == 400
    assert "เครดิตไม่พอ" in response.content.decode()
    assert selectors.balance_of(member) == 2


def test_agency_staff_top_up_an_allotment_from_the_page(client, org, programme):
    staff = AgencyStaffFactory(scope_area=area("71")).user
    client.force_login(staff)
    page = client.get(reverse("ledger:allotments"))
    assert org.name_th in page.content.decode()
    response = client.post(
        reverse("ledger:top_up", args=[org.public_id]),
        {"programme": str(programme.public_id), "amount": "500", "token": str(uuid.uuid4())},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="allotment">500' in response.content.decode()


def test_each_row_of_the_allotments_page_tops_up_with_its_own_token(client, org, programme):
    import re

    from tests.factories import OrganisationFactory

    other = OrganisationFactory(area=org.area)
    staff = AgencyStaffFactory(scope_area=area("71")).user
    client.force_login(staff)
    page = client.get(reverse("ledger:allotments")).content.decode()
    tokens = dict(re.findall(r'<tr id="allot-([0-9a-f-]+)">.*?name="token" value="([0-9a-f-]+)"', page, re.S))
    assert len({tokens[str(org.public_id)], tokens[str(other.public_id)]}) == 2
    for target in (org, other):  # the tokens of the page as it was loaded, one top-up after the other
        response = client.post(
            reverse("ledger:top_up", args=[target.public_id]),
            {"programme": str(programme.public_id), "amount": "500", "token": tokens[str(target.public_id)]},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200, response.content.decode()
        assert 'data-testid="allotment">500' in response.content.decode()


def test_a_refused_top_up_keeps_what_was_typed_and_names_the_problem(client, org, programme):
    staff = AgencyStaffFactory(scope_area=area("71")).user
    client.force_login(staff)
    token = str(uuid.uuid4())
    response = client.post(
        reverse("ledger:top_up", args=[org.public_id]),
        {"programme": str(programme.public_id), "amount": "0", "token": token},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-error-code="invalid"' in body and "จำนวนเครดิต" in body and 'value="0"' in body
    programme.is_active = False
    programme.save()
    response = client.post(
        reverse("ledger:top_up", args=[org.public_id]),
        {"programme": str(programme.public_id), "amount": "70", "token": token},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-error-code="programme_inactive"' in body and 'value="70"' in body and f'value="{token}"' in body


def test_a_top_up_beyond_the_budget_answers_409_on_the_page_as_in_the_api(client, org, programme):
    from thamdee.common.thaitime import current_fiscal_year
    from thamdee.ledger import services

    national = AgencyStaffFactory(agency=programme.agency, scope_area=None).user
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=current_fiscal_year(), credits=50)
    client.force_login(AgencyStaffFactory(scope_area=area("71")).user)
    response = client.post(
        reverse("ledger:top_up", args=[org.public_id]),
        {"programme": str(programme.public_id), "amount": "70", "token": str(uuid.uuid4())},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-error-code="budget_exceeded"' in body and 'value="70"' in body
    assert selectors.issued_in(programme, current_fiscal_year()) == 0


class TestApi:
    def test_passbook_gift_and_donation(self, funded_org, member):
        give(funded_org, member, 40)
        friend = member_of(funded_org)
        api = APIClient()
        api.force_authenticate(member)
        gift = api.post(
            "/api/v1/gifts/", {"recipient": str(friend.public_id), "amount": 5, "idempotency_key": "g1"}, format="json"
        )
        assert gift.status_code == 201 and gift.json()["balance"] == 35
        again = api.post(
            "/api/v1/gifts/", {"recipient": str(friend.public_id), "amount": 5, "idempotency_key": "g1"}, format="json"
        )
        assert again.status_code == 200 and again.json()["replayed"] is True
        # A replay answers with the first movement; the balance since is not its result, so it says none
        assert "balance" not in again.json()
        donation = api.post(
            "/api/v1/donations/",
            {"organisation": str(funded_org.public_id), "amount": 3, "idempotency_key": "d1"},
            format="json",
        )
        assert donation.status_code == 201 and donation.json()["balance"] == 32
        replayed = api.post(
            "/api/v1/donations/",
            {"organisation": str(funded_org.public_id), "amount": 3, "idempotency_key": "d1"},
            format="json",
        )
        assert replayed.status_code == 200 and "balance" not in replayed.json()
        book = api.get("/api/v1/passbook/").json()
        assert book["balance"] == 32
        assert [line["amount"] for line in book["lines"]] == [-3, -5, 40]
        assert book["lines"][0]["running_balance"] == 32
        entry = api.get(f"/api/v1/passbook/entries/{book['lines'][2]['ref']}/").json()
        assert entry["kind"] == JournalKind.AWARD

    def test_insufficient_credits_is_problem_json(self, funded_org, member):
        friend = member_of(funded_org)
        api = APIClient()
        api.force_authenticate(member)
        response = api.post(
            "/api/v1/gifts/", {"recipient": str(friend.public_id), "amount": 5, "idempotency_key": "g2"}, format="json"
        )
        assert response.status_code == 409
        assert response["Content-Type"].startswith("application/problem+json")
        assert response.json()["code"] == "insufficient_credits"

    def test_agencies_cannot_read_passbooks(self, funded_org, member):
        membership = member.memberships.get(organisation=funded_org)
        api = APIClient()
        api.force_authenticate(AgencyStaffFactory(scope_area=None).user)
        assert api.get(f"/api/v1/memberships/{membership.public_id}/passbook/").status_code == 404

    def test_top_up_by_api(self, org, programme):
        api = APIClient()
        api.force_authenticate(AgencyStaffFactory(scope_area=area("71")).user)
        response = api.post(
            "/api/v1/allotments/top-ups/",
            {
                "organisation": str(org.public_id),
                "programme": str(programme.public_id),
                "amount": 100,
                "idempotency_key": "t1",
            },
            format="json",
        )
        assert response.status_code == 201


def test_an_entry_opened_by_an_organiser_of_another_organisation_names_no_deed(client):
    import datetime as dt

    from tests.factories import MembershipFactory, OrganisationFactory
    from tests.worlds import build_world
    from thamdee.deeds import services as deeds
    from thamdee.ledger.models import Journal, JournalKind

    w = build_world()
    deed = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=2)
    deeds.deed_verify(actor=w.verifier, deed=deed)
    award = Journal.objects.get(kind=JournalKind.AWARD, cause_id=deed.pk)
    savings = OrganisationFactory(area=area("710911"))
    MembershipFactory(user=w.member, organisation=savings)
    url = reverse("ledger:entry", args=[award.idempotency_key])
    client.force_login(member_of(savings, is_organiser=True))
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "ความดีที่บันทึกกับองค์กรอื่น" in html
    assert "ดูแลผู้สูงอายุ" not in html and w.org.name_th not in html and 'data-testid="explanation"' not in html
    client.force_login(w.organiser)  # the organisation the deed was recorded with
    html = client.get(url).content.decode()
    assert "ดูแลผู้สูงอายุ" in html and 'data-testid="explanation"' in html


def test_the_allotments_page_shows_each_programmes_budget_and_its_agency_sets_it(client, org, programme):
    from thamdee.common.thaitime import current_fiscal_year
    from thamdee.ledger import services

    regional = AgencyStaffFactory(scope_area=area("71")).user
    national = AgencyStaffFactory(agency=programme.agency, scope_area=None).user
    client.force_login(regional)
    page = client.get(reverse("ledger:allotments")).content.decode()
    assert "ยังไม่กำหนดงบ" in page and reverse("ledger:budget_set", args=[programme.public_id]) not in page
    response = client.post(reverse("ledger:budget_set", args=[programme.public_id]), {"credits": "100"})
    assert response.status_code == 404

    client.force_login(national)
    page = client.get(reverse("ledger:allotments")).content.decode()
    assert reverse("ledger:budget_set", args=[programme.public_id]) in page
    response = client.post(
        reverse("ledger:budget_set", args=[programme.public_id]), {"credits": "100"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="budget">100' in body and 'data-testid="remaining">100' in body

    client.force_login(regional)
    token = str(uuid.uuid4())
    response = client.post(
        reverse("ledger:top_up", args=[org.public_id]),
        {"programme": str(programme.public_id), "amount": "150", "token": token},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'data-error-code="budget_exceeded"' in body and 'value="150"' in body
    assert selectors.issued_in(programme, current_fiscal_year()) == 0

    services.allotment_top_up(actor=regional, organisation=org, programme=programme, amount=80, idempotency_key="b1")
    client.force_login(national)
    response = client.post(
        reverse("ledger:budget_set", args=[programme.public_id]), {"credits": "50"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert 'data-error-code="budget_below_issued"' in body and 'value="50"' in body
    assert 'data-testid="budget">100' in body and 'data-testid="issued">80' in body


def test_a_programmes_budget_by_api(org, programme):
    national = AgencyStaffFactory(agency=programme.agency, scope_area=None).user
    from thamdee.common.thaitime import current_fiscal_year

    year = current_fiscal_year()
    url = f"/api/v1/programmes/{programme.public_id}/budgets/{year}/"
    api = APIClient()
    api.force_authenticate(national)
    assert api.get(url).json() == {
        "programme": str(programme.public_id),
        "fiscal_year": year,
        "budget": None,
        "issued": 0,
        "remaining": None,
    }
    assert api.put(url, {"credits": 40}, format="json").json()["remaining"] == 40
    regional = AgencyStaffFactory(scope_area=area("71")).user
    api.force_authenticate(regional)
    assert api.get(url).json()["budget"] == 40
    refused = api.put(url, {"credits": 99}, format="json")
    assert refused.status_code == 404 and refused["Content-Type"].startswith("application/problem+json")
    response = api.post(
        "/api/v1/allotments/top-ups/",
        {
            "organisation": str(org.public_id),
            "programme": str(programme.public_id),
            "amount": 41,
            "fiscal_year": year,
            "idempotency_key": "t2",
        },
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "budget_exceeded"
    api.force_authenticate(member_of(org))
    assert api.get(url).status_code == 404


def test_the_entry_api_withholds_from_an_organiser_what_the_entry_page_does():
    """An organiser who may open a member's passbook reads, through the API as on the page, no deed of another
    organisation (neither its name nor its explanation) and no gift message."""
    import datetime as dt

    from tests.factories import MembershipFactory, OrganisationFactory
    from tests.worlds import build_world
    from thamdee.deeds import services as deeds
    from thamdee.ledger import services as ledger
    from thamdee.ledger.models import Journal, JournalKind

    w = build_world()
    deed = deeds.deed_report(actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=1), hours=2)
    deeds.deed_verify(actor=w.verifier, deed=deed)
    award = Journal.objects.get(kind=JournalKind.AWARD, cause_id=deed.pk)
    savings = OrganisationFactory(area=area("710911"))
    MembershipFactory(user=w.member, organisation=savings)
    friend = member_of(w.org)
    gift = ledger.gift_send(actor=w.member, recipient=friend, amount=1, idempotency_key="g-api", message="ขอบคุณที่ช่วยแม่")
    api = APIClient()
    api.force_authenticate(member_of(savings, is_organiser=True))
    seen = api.get(f"/api/v1/passbook/entries/{award.idempotency_key}/").json()
    assert seen["reason"] == "ความดีที่บันทึกกับองค์กรอื่น" and seen["explanation"] == []
    gift_ref = Journal.objects.get(pk=gift.journal_id).idempotency_key
    assert api.get(f"/api/v1/passbook/entries/{gift_ref}/").json()["memo"] is None
    api.force_authenticate(w.member)  # the member's own: everything
    own = api.get(f"/api/v1/passbook/entries/{award.idempotency_key}/").json()
    assert "ดูแลผู้สูงอายุ" in own["reason"] and own["explanation"]
    assert api.get(f"/api/v1/passbook/entries/{gift_ref}/").json()["memo"] == "ขอบคุณที่ช่วยแม่"


@pytest.mark.parametrize("year", ["40000", "0", "99", "99999999999999999999"])
def test_a_budget_for_an_impossible_fiscal_year_is_refused_by_api(programme, year):
    from thamdee.ledger.models import ProgrammeBudget

    api = APIClient()
    api.force_authenticate(AgencyStaffFactory(agency=programme.agency, scope_area=None).user)
    response = api.put(f"/api/v1/programmes/{programme.public_id}/budgets/{year}/", {"credits": 40}, format="json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == "fiscal_year_out_of_range"
    assert not ProgrammeBudget.objects.exists()


def test_a_top_up_by_api_cannot_go_round_this_years_budget_by_naming_another_year(org, programme):
    from thamdee.common.thaitime import current_fiscal_year
    from thamdee.ledger import services
    from thamdee.ledger.models import AccountKind

    # Given a budget of 100 for this fiscal year
    national = AgencyStaffFactory(agency=programme.agency, scope_area=None).user
    services.programme_budget_set(actor=national, programme=programme, fiscal_year=current_fiscal_year(), credits=100)
    api = APIClient()
    api.force_authenticate(AgencyStaffFactory(scope_area=area("71")).user)
    body = {"organisation": str(org.public_id), "programme": str(programme.public_id), "amount": 100_000}
    # When regional staff top up beyond it: refused
    refused = api.post("/api/v1/allotments/top-ups/", {**body, "idempotency_key": "over"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "budget_exceeded"
    # And when they name a far year that has no budget: refused too
    far = api.post(
        "/api/v1/allotments/top-ups/", {**body, "fiscal_year": 2200, "idempotency_key": "far"}, format="json"
    )
    assert far.status_code == 400 and far["Content-Type"].startswith("application/problem+json")
    assert far.json()["code"] == "top_up_year_not_allowed"
    # Then the allotment is unchanged and nothing was issued
    assert selectors.account_balance(services.account_of_org(org, AccountKind.ALLOTMENT)) == 0
    assert selectors.issued_in(programme, 2200) == 0
    assert selectors.issued_in(programme, current_fiscal_year()) == 0
