"""The rulebook pages and editor, and the rulebook API: rules are public and name each deed type from the right
catalogue, never a sensitive one; a rule document that cannot be applied is a 400, never a 500."""

from __future__ import annotations

import copy
import json

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import member_of
from tests.worlds import RULES
from thamdee.creditrules import services as rules
from thamdee.creditrules.engine import MAX_CREDITS
from thamdee.deeds import services
from thamdee.web.tests.test_views import assert_csp_clean

pytestmark = pytest.mark.django_db

SENSITIVE_NAME = "ไปวัดฟังธรรม"


# --- names of deed types on the public pages ------------------------------------------------------------------


def sensitive_type_of_another_organisation(world, code: str = "elder-care"):  # type: ignore[no-untyped-def]
    return services.deed_type_create(
        actor=world.admin,
        programme=world.programme,
        organisation=world.other,
        code=code,
        name_th=SENSITIVE_NAME,
        criterion="x",
        unit="hour",
        is_sensitive=True,
        virtues=["volunteering"],
        dimensions=["society"],
    )


def rule_lines(response) -> list[str]:  # type: ignore[no-untyped-def]
    """The sentences of every version shown, on a rulebook page or an organisation's rules page."""
    if "versions" in response.context:
        items = response.context["versions"]
    else:
        items = [item for book in response.context["books"] for item in book["versions"]]
    return [line for item in items for line in item["lines"]]


def test_a_sensitive_deed_types_name_is_not_shown_on_the_public_rules_pages(world):
    # Given another organisation's sensitive type under the code the programme's rate names (it used to be shown
    # for the programme's rate and on the first organisation's page: the last type read with the code won)
    sensitive_type_of_another_organisation(world)
    anon = Client()
    # When anyone opens the programme's rulebook and each organisation's rules
    book_page = anon.get(reverse("creditrules:rulebook", args=[world.book.public_id]))
    org_page = anon.get(reverse("creditrules:organisation", args=[world.org.public_id]))
    other_page = anon.get(reverse("creditrules:organisation", args=[world.other.public_id]))
    # Then the sensitive name is on none of them
    for page in (book_page, org_page, other_page):
        assert page.status_code == 200
        assert SENSITIVE_NAME not in page.content.decode()
    # The programme's rulebook names its codes from the programme's templates (none here: the code is shown)
    assert '[care] "elder-care": 5 เครดิตต่อชั่วโมง' in rule_lines(book_page)
    # An organisation's page names them from its own catalogue
    assert f'[care] "{world.care.name_th}": 5 เครดิตต่อชั่วโมง' in rule_lines(org_page)
    assert_csp_clean(org_page)


def test_the_programme_rulebook_names_its_national_templates_and_hides_a_sensitive_one(world):
    # Given national templates of the programme: one under the rate's code, a sensitive one under another code
    services.deed_type_create(
        actor=world.admin,
        programme=world.programme,
        organisation=None,
        code="elder-care",
        name_th="ดูแลผู้สูงอายุในชุมชน",
        name_en="Caring for elders",
        criterion="นับชั่วโมง",
        unit="hour",
        virtues=["volunteering"],
        dimensions=["health"],
    )
    services.deed_type_create(
        actor=world.admin,
        programme=world.programme,
        organisation=None,
        code="savings-20",
        name_th=SENSITIVE_NAME,
        criterion="x",
        unit="period",
        period="monthly",
        is_sensitive=True,
        virtues=["sufficiency"],
        dimensions=["economy"],
    )
    sensitive_type_of_another_organisation(world)
    # When anyone opens the programme's rulebook, in Thai and in English
    page = Client().get(reverse("creditrules:rulebook", args=[world.book.public_id]))
    english = Client(headers={"accept-language": "en"}).get(
        reverse("creditrules:rulebook", args=[world.book.public_id])
    )
    # Then the template names the rate, the sensitive template shows only its code
    assert '[care] "ดูแลผู้สูงอายุในชุมชน": 5 เครดิตต่อชั่วโมง' in rule_lines(page)
    assert '[save] "savings-20": 10 เครดิตต่อรอบ' in rule_lines(page)
    assert '[care] "Caring for elders": 5 credits per hour' in rule_lines(english)
    assert SENSITIVE_NAME not in page.content.decode() and SENSITIVE_NAME not in english.content.decode()


def test_a_local_rulebook_names_its_organisations_catalogue_and_never_a_sensitive_type(world):
    # Given the other organisation's local rulebook naming its sensitive type and a type of the first organisation
    sensitive_type_of_another_organisation(world)
    book = rules.rulebook_get_or_create(programme=world.programme, organisation=world.other)
    doc = {"rates": [{"id": "temple", "deed_type": "elder-care", "per": "hour", "credits": 2}]}
    doc["rates"].append({"id": "lost", "deed_type": "return-lost", "per": "occurrence", "credits": 1})
    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=book, rules=doc)
    rules.rulebook_version_publish(actor=world.admin, version=draft, effective_from=world.today, allow_past=True)
    # When anyone opens it, or the other organisation's rules page
    for page in (
        Client().get(reverse("creditrules:rulebook", args=[book.public_id])),
        Client().get(reverse("creditrules:organisation", args=[world.other.public_id])),
    ):
        # Then the sensitive type shows as its code, and the first organisation's type is not named there
        assert SENSITIVE_NAME not in page.content.decode()
        assert '[temple] "elder-care": 2 เครดิตต่อชั่วโมง' in rule_lines(page)
        assert '[lost] "return-lost": 1 เครดิตต่อครั้ง' in rule_lines(page)


def test_even_a_member_of_the_organisation_reads_its_rules_without_sensitive_names(world):
    # The catalogue above the rules shows a sensitive type to the organisation's own people; the rules, the same
    # for everyone, name it by its code
    sensitive_type_of_another_organisation(world)
    client = Client()
    client.force_login(member_of(world.other))
    page = client.get(reverse("creditrules:organisation", args=[world.other.public_id]))
    assert SENSITIVE_NAME in [t.name_th for t in page.context["catalogue"]]
    assert '[care] "elder-care": 5 เครดิตต่อชั่วโมง' in rule_lines(page)
    assert f'"{SENSITIVE_NAME}"' not in "\n".join(rule_lines(page))


def test_the_rules_pages_read_the_names_in_one_query(world, django_assert_max_num_queries):
    # Given a local rulebook besides the programme's, and a sensitive type of another organisation
    book = rules.rulebook_get_or_create(programme=world.programme, organisation=world.org)
    draft = rules.rulebook_version_draft(actor=world.admin, rulebook=book, rules={"rates": []})
    rules.rulebook_version_publish(actor=world.admin, version=draft, effective_from=world.today, allow_past=True)
    sensitive_type_of_another_organisation(world)
    anon = Client()
    anon.get(reverse("creditrules:organisation", args=[world.org.public_id]))  # warm the caches
    # The organisation's page: the organisation, its catalogue (and its virtues and dimensions), the rulebooks,
    # the names of their deed types once, each book's versions
    with django_assert_max_num_queries(12) as captured:
        anon.get(reverse("creditrules:organisation", args=[world.org.public_id]))
    assert sum('AS "is_sensitive"' in q["sql"] for q in captured.captured_queries) == 1
    # The programme's rulebook: the book, the names, the versions
    with django_assert_max_num_queries(3):
        anon.get(reverse("creditrules:rulebook", args=[world.book.public_id]))


# --- huge numbers in a rule document: a 400 with the field named, never a 500 -------------------------------


def api_as(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    return api


def test_a_rule_document_with_a_huge_whole_number_factor_is_refused_by_the_api_not_a_500(world):
    doc = copy.deepcopy(RULES)
    doc["multipliers"] = [{"id": "m1", "kind": "campaign", "from": "2026-01-01", "to": "2026-02-01", "factor": 10**400}]
    response = api_as(world.admin).post(
        reverse("api:rulebook-draft", args=[world.book.public_id]), {"rules": doc}, format="json"
    )
    assert response.status_code == 400, response.status_code
    problem = response.json()
    assert problem["code"] == "rules_invalid"
    assert "multipliers[0].factor" in problem["detail_th"] and "multipliers[0].factor" in problem["detail_en"]


@pytest.mark.parametrize("number", ["1" + "0" * 400, str(MAX_CREDITS + 1)])
def test_a_huge_rate_sent_as_json_is_a_400_naming_the_field(world, number):
    body = json.dumps({"rules": {**RULES, "rates": [{**RULES["rates"][0], "credits": 0}]}})
    body = body.replace('"credits": 0', f'"credits": {number}', 1)
    response = api_as(world.admin).post(
        reverse("api:rulebook-draft", args=[world.book.public_id]), body, content_type="application/json"
    )
    assert response.status_code == 400, response.status_code
    assert response.json()["code"] == "rules_invalid"
    assert "rates[0].credits" in response.json()["detail_en"]


# a rate, and the free-form notes a rule document may carry
@pytest.mark.parametrize("where", ['"credits": 0', '"budget": 0'])
@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" + "0" * 5000])
def test_a_number_python_reads_as_infinity_or_cannot_read_is_a_400_from_the_api(world, number, where):
    rates = [{**RULES["rates"][0], "credits": 0}]
    body = json.dumps({"rules": {**RULES, "rates": rates, "notes": {"budget": 0}}})
    body = body.replace(where, where.replace("0", number))
    response = api_as(world.admin).post(
        reverse("api:rulebook-draft", args=[world.book.public_id]), body, content_type="application/json"
    )
    assert response.status_code == 400, response.status_code


def test_a_long_whole_number_in_the_notes_of_a_rule_document_is_kept(world):
    body = json.dumps({"rules": {**RULES, "notes": {"budget": 0}}}).replace('"budget": 0', '"budget": 1' + "0" * 400)
    response = api_as(world.admin).post(
        reverse("api:rulebook-draft", args=[world.book.public_id]), body, content_type="application/json"
    )
    assert response.status_code == 201, response.status_code
    assert response.json()["rules"]["notes"]["budget"] == 10**400


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("1" + "0" * 400, "multipliers[0].factor"),
        ("1e400", "multipliers[0].factor"),  # read as infinity
        ("-1e400", "multipliers[0].factor"),
        ("1" + "0" * 5000, "JSON"),  # longer than Python reads: told the JSON is wrong, not the date
    ],
)
def test_the_rulebook_editor_answers_a_huge_number_with_the_problem_not_a_500(world, number, expected):
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    doc = copy.deepcopy(RULES)
    doc["multipliers"] = [{"id": "m1", "kind": "focus_virtue", "virtues": ["honesty"], "factor": 0}]
    text = json.dumps(doc).replace('"factor": 0', f'"factor": {number}')
    response = client.post(reverse("creditrules:edit", args=[world.book.public_id]), {"rules": text})
    assert response.status_code == 400, response.status_code
    assert expected in response.context["error"]
    assert not world.book.versions.filter(published_at__isnull=True).exists()


def test_the_rulebook_editor_refuses_infinity_in_the_notes_naming_where(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    text = json.dumps({**RULES, "notes": {"budget": 0}}).replace('"budget": 0', '"budget": 1e400')
    response = client.post(reverse("creditrules:edit", args=[world.book.public_id]), {"rules": text})
    assert response.status_code == 400, response.status_code
    assert "notes.budget" in response.context["error"]


def test_the_rulebook_editor_answers_deeply_nested_json_with_the_problem_not_a_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.admin)
    text = '{"notes": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = client.post(reverse("creditrules:edit", args=[world.book.public_id]), {"rules": text})
    assert response.status_code == 400, response.status_code
    assert "JSON" in response.context["error"]
