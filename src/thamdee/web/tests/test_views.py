import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import AgencyStaffFactory, OrganisationFactory, UserFactory, area, member_of

pytestmark = pytest.mark.django_db

# A JSON data block (json_script) is not executed, so the policy allows it; any other inline script is refused.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=\"", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+=\"", re.I)


def assert_csp_clean(response):
    """No inline script, style or event handler: the Content-Security-Policy would block them."""
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html)
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


@pytest.fixture
def org():
    return OrganisationFactory(area=area("710911"))


def pages_for(org):
    return [
        reverse("web:home"),
        reverse("web:about"),
        reverse("web:principles"),
        reverse("people:login"),
        reverse("people:signup"),
        reverse("orgs:list"),
        reverse("orgs:networks"),
        reverse("orgs:detail", args=[org.public_id]),
    ]


def test_public_pages_are_thai_first_and_csp_clean(client, org):
    for url in pages_for(org):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="th">' in response.content.decode()
        assert_csp_clean(response)


def test_signed_in_pages_are_csp_clean(client, org):
    admin = member_of(org, is_admin=True, is_organiser=True)
    client.force_login(admin)
    signed_in_pages = [u for u in pages_for(org) if u not in (reverse("people:login"), reverse("people:signup"))]
    for url in [
        *signed_in_pages,
        reverse("people:profile"),
        reverse("orgs:mine"),
        reverse("inbox:list"),
        reverse("orgs:members", args=[org.public_id]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert_csp_clean(response)


def test_the_family_page_with_a_child_s_consent_form_is_csp_clean(client):
    """The guardian's consent form shows only for a child under 10 in the family: a page the list above misses."""
    from django.utils import timezone

    from tests.factories import UserFactory
    from thamdee.people.models import FamilyLink, FamilyRelation

    parent = UserFactory()
    child = UserFactory(birth_year=timezone.localdate().year - 5)
    FamilyLink.objects.create(
        user=parent, relative=child, relation=next(iter(FamilyRelation)), confirmed_at=timezone.now()
    )
    client.force_login(parent)
    response = client.get(reverse("people:family"))
    assert response.status_code == 200 and 'name="guardian_name"' in response.content.decode()
    assert_csp_clean(response)


def test_the_about_page_credits_the_data(client):
    html = client.get(reverse("web:about")).content.decode()
    assert "GeoThai" in html and "CC-BY-4.0" in html
    assert "Natural Earth" in html


def test_english_is_one_click_away(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en">' in html
    assert "Sign in" in html


def _nav_links(html: str) -> set[str]:
    nav = html.split('id="nav"', 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'href="(/[^"]*)"', nav))


def test_the_navigation_fits_the_role(client, org):
    member = member_of(org)
    client.force_login(member)
    links = _nav_links(client.get("/").content.decode())
    assert {reverse("ledger:passbook"), reverse("deeds:report"), reverse("deeds:mine"), reverse("orgs:list")} <= links
    assert {reverse("creditrules:index"), reverse("recognition:verify"), reverse("reports:stories")} <= links
    assert reverse("deeds:queue") not in links
    assert reverse("reports:dashboard") not in links
    assert reverse("rewards:scan") not in links

    organiser = member_of(org, is_organiser=True)
    client.force_login(organiser)
    links = _nav_links(client.get("/").content.decode())
    assert {reverse("deeds:queue"), reverse("deeds:activities"), reverse("reports:story_new")} <= links
    assert reverse("reports:dashboard") not in links

    staff = AgencyStaffFactory(scope_area=area("71")).user
    client.force_login(staff)
    links = _nav_links(client.get("/").content.decode())
    assert {reverse("reports:dashboard"), reverse("reports:kpis"), reverse("rewards:partners")} <= links
    assert {reverse("ledger:allotments"), reverse("recognition:rounds")} <= links


def _active_links(html: str) -> set[str]:
    nav = html.split('id="nav"', 1)[1].split("</nav>", 1)[0]
    return set(re.findall(r'href="(/[^"]*)" aria-current="page"', nav))


def test_the_menu_drawn_once_marks_the_page_of_each_request_in_its_language(client, org):
    # The menu's HTML is kept per language, menu and active item: a kept menu must never show another page's
    # active item, another role's links or another language's labels.
    member = member_of(org, is_organiser=True)
    client.force_login(member)
    for _round in range(2):  # the second round is served from what the first kept
        assert _active_links(client.get(reverse("ledger:passbook")).content.decode()) == {reverse("ledger:passbook")}
        assert _active_links(client.get(reverse("deeds:queue")).content.decode()) == {reverse("deeds:queue")}
        assert _active_links(client.get(reverse("web:home")).content.decode()) == {reverse("web:home")}
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("ledger:passbook")).content.decode()
    assert _active_links(html) == {reverse("ledger:passbook")}
    nav = html.split('id="nav"', 1)[1].split("</nav>", 1)[0]
    assert "สมุดบัญชีความดี" not in nav and reverse("deeds:queue") in nav

    other = member_of(org)
    client.force_login(other)
    links = _nav_links(client.get(reverse("ledger:passbook")).content.decode())
    assert reverse("deeds:queue") not in links


def test_the_admin_of_an_approved_partner_group_gets_the_partner_menu(client, org):
    from thamdee.rewards.models import PartnerProfile, PartnerStatus, Sector

    admin = member_of(org, is_admin=True)
    client.force_login(admin)
    assert reverse("rewards:scan") not in _nav_links(client.get("/").content.decode())
    PartnerProfile.objects.create(
        organisation=org,
        sector=Sector.COMMUNITY_FINANCE,
        status=PartnerStatus.APPROVED,
        decided_by=admin,
        decided_at=timezone.now(),
    )
    assert reverse("rewards:scan") in _nav_links(client.get("/").content.decode())


def test_the_public_rulebook_index_lists_every_rulebook(client):
    from tests.worlds import build_world

    world = build_world()
    html = client.get(reverse("creditrules:index")).content.decode()
    assert reverse("creditrules:rulebook", args=[world.book.public_id]) in html


def test_a_foreign_member_page_is_not_found(client, org):
    client.force_login(UserFactory())
    response = client.get(reverse("orgs:members", args=[org.public_id]))
    assert response.status_code == 404


def test_an_organiser_registers_a_member_from_a_paper_passbook(client, org):
    organiser = member_of(org, is_organiser=True)
    client.force_login(organiser)
    response = client.post(
        reverse("orgs:members", args=[org.public_id]),
        {
            "action": "register",
            "n-name_prefix": "นาย",
            "n-first_name": "บุญมี",
            "n-last_name": "มีสุข",
            "n-mobile": "",
            "n-birth_year": "2490",
        },
    )
    assert response.status_code == 302
    assert org.memberships.filter(user__first_name="บุญมี", is_active=True).exists()


def test_the_area_picker_sets_the_deepest_choice(client, org):
    admin = member_of(org, is_admin=True)
    area("71091102")
    client.force_login(admin)
    response = client.post(
        reverse("people:profile"),
        {
            "action": "profile",
            "p-first_name": "มานี",
            "p-last_name": "มีนา",
            "p-mobile": admin.mobile,  # as the form sends it: an empty one would remove it (a password needed)
            "p-preferred_language": "th",
            "p-home_area_province": "71",
            "p-home_area_district": "7109",
            "p-home_area_subdistrict": "710911",
            "p-home_area_village": "71091102",
        },
    )
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.home_area.code == "71091102"


def test_the_health_check_answers_anyone_without_touching_the_database(client, django_assert_num_queries):
    # Given a load balancer that is not signed in, when it asks whether the process is alive
    with django_assert_num_queries(0):
        response = client.get(reverse("web:health"))
    # Then the process answers through the whole middleware chain
    assert response.status_code == 200
    assert response.content == b"ok"
