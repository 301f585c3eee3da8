"""Every link a page offers works for whoever it is offered to: from the home page and the pages its menu leads to,
as each kind of user, in Thai and in English, no link answers 404, 403 or 500 (a menu item that led nowhere, a
breadcrumb above a district officer's district, were both found this way)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import AgencyStaffFactory, area, member_of
from tests.worlds import build_world, verified_deeds

pytestmark = pytest.mark.django_db

HREF = re.compile(r'(?:href|hx-get)="([/?][^"#]*)"')
# Links that act or leave the product's pages: signing out, files, the admin, language switching, downloads.
SKIP = re.compile(r"^/(static|media|admin|i18n|accounts/logout)/|[?&]format=(csv|xlsx)|/pdf/|\.pdf|/statement")
# Ids in paths, so that one page of each shape is followed, not every member's.
SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")


def _links(html: str) -> list[str]:
    return [m.replace("&amp;", "&") for m in HREF.findall(html)]


def _crawl(client: Client, start: str, limit: int = 150) -> dict[str, int]:
    """The pages reached from ``start`` and the pages linked from them (three steps), one per shape of address."""
    seen_shapes: set[str] = set()
    answers: dict[str, int] = {}
    frontier = [start]
    for _depth in range(3):
        following: list[str] = []
        for url in frontier:
            path, _q, query = url.partition("?")
            shape = f"{SHAPE.sub('#', path)}?{query}"  # the query as it is: an area code in it is a page of its own
            if url in answers or shape in seen_shapes or SKIP.search(url) or len(answers) >= limit:
                continue
            seen_shapes.add(shape)
            response = client.get(url, HTTP_HX_REQUEST="true" if "hx" in url else "")
            answers[url] = response.status_code
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                following += [urljoin(url, link) for link in _links(response.content.decode())]
        frontier = following
    return answers


@pytest.fixture
def world():  # type: ignore[no-untyped-def]
    w = build_world()
    verified_deeds(w, 3)
    w.orgadmin = member_of(w.org, is_admin=True)
    w.district_staff = AgencyStaffFactory(scope_area=area("7109")).user
    return w


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("who", ["anonymous", "member", "organiser", "verifier", "orgadmin", "staff", "district_staff"])
def test_no_link_offered_leads_to_an_error(world, who, language):
    client = Client()
    if who != "anonymous":
        client.force_login(getattr(world, who))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    answers = _crawl(client, "/")
    broken = {url: code for url, code in answers.items() if code in (403, 404) or code >= 500}
    assert len(answers) > 5 and not broken, broken
