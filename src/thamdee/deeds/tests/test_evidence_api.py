"""A deed's evidence photos through the API (``/api/v1/deeds/<deed>/evidence/<photo>/`` and ``.../thumb/``): the
same people as the page (``deeds:evidence``), the same selector, the same response and headers; a token client
too; anything else a 404 problem, whatever the client accepts."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from thamdee.common.errors import NotFoundError
from thamdee.deeds import selectors

from .conftest import report
from .test_permissions import ACTORS, SEE, VERIFY_AGENCY_TYPE, cast  # noqa: F401  (cast is a fixture)
from .test_services import jpeg_with_gps

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
# What the page sends with a photo; the API must send the same.
SHARED_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "X-Content-Type-Options")


def token_client(user):  # type: ignore[no-untyped-def]
    """A client that signs in the way a mobile app or an organisation's system does: a token, no session."""
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def api_url(deed, item, *, thumb=False):  # type: ignore[no-untyped-def]
    return reverse("api:deed-evidence-thumb" if thumb else "api:deed-evidence", args=[deed.public_id, item.public_id])


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def stored(field) -> bytes:  # type: ignore[no-untyped-def]
    with default_storage.open(field.name) as f:
        return bytes(f.read())


@pytest.fixture
def photographed(world):  # type: ignore[no-untyped-def]
    """A pending deed of the world's member with two photos."""
    deed = report(world, photos=[jpeg_with_gps(), jpeg_with_gps()])
    return deed, list(deed.evidence.order_by("pk"))


def test_the_doer_downloads_a_photo_and_its_thumbnail_with_a_token(world, photographed):
    deed, (first, second) = photographed
    api = token_client(world.member)
    # Given the deed as the API shows it to its doer
    shown = api.get(f"/api/v1/deeds/{deed.public_id}/")
    assert shown.status_code == 200
    photos = shown.json()["photos"]
    # Then each photo names its API download and thumbnail, and its page URL (kept in ``evidence`` too)
    assert [p["id"] for p in photos] == [str(first.public_id), str(second.public_id)]
    assert photos[0] == {
        "id": str(first.public_id),
        "url": f"/deeds/evidence/{first.public_id}/full/",
        "download": f"/api/v1/deeds/{deed.public_id}/evidence/{first.public_id}/",
        "thumbnail": f"/api/v1/deeds/{deed.public_id}/evidence/{first.public_id}/thumb/",
    }
    assert shown.json()["evidence"] == [p["url"] for p in photos]
    # When the client downloads the photo, asking for a JPEG
    got = api.get(photos[0]["download"], HTTP_ACCEPT="image/jpeg")
    # Then it gets the stored photo itself
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    assert body(got) == stored(first.image)
    # And the thumbnail, asking for anything
    thumb = api.get(photos[0]["thumbnail"])
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert body(thumb) == stored(first.thumbnail)
    assert stored(first.thumbnail) != stored(first.image)  # a different file, not the photo again
    # And the second photo is its own
    assert body(api.get(photos[1]["download"])) == stored(second.image)


def test_an_organiser_of_the_deeds_organisation_downloads_it_with_a_token(world, photographed):
    deed, (item, _) = photographed
    api = token_client(world.organiser)
    got = api.get(api_url(deed, item), HTTP_ACCEPT="image/jpeg")
    assert got.status_code == 200 and body(got) == stored(item.image)
    thumb = api.get(api_url(deed, item, thumb=True), HTTP_ACCEPT="image/jpeg")
    assert thumb.status_code == 200 and body(thumb) == stored(item.thumbnail)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_api_serves_a_photo_to_exactly_those_the_page_serves_it_to(world, cast, photographed, client, actor):  # noqa: F811
    deed, (item, _) = photographed
    person = cast[actor]
    client.force_login(person)
    page = client.get(reverse("deeds:evidence", args=[item.public_id, "full"]))
    api = token_client(person)
    for url in (api_url(deed, item), api_url(deed, item, thumb=True)):
        got = api.get(url, HTTP_ACCEPT="image/jpeg")
        # Then the API answers as the page does, and as the table of who sees a deed says
        assert got.status_code == page.status_code == (200 if actor in SEE else 404), (actor, url)
        if got.status_code == 404:
            assert got["Content-Type"] == PROBLEM and got.json()["code"] == "not_found"


@pytest.mark.parametrize("actor", ACTORS)
def test_a_photo_of_a_national_templates_deed_goes_to_its_agency_verifier_too(world, national, cast, client, actor):  # noqa: F811
    deed = report(world, deed_type=national.adopted, photos=[jpeg_with_gps()])
    item = deed.evidence.get()
    client.force_login(cast[actor])
    page = client.get(reverse("deeds:evidence", args=[item.public_id, "thumb"]))
    got = token_client(cast[actor]).get(api_url(deed, item, thumb=True))
    assert got.status_code == page.status_code == (200 if actor in SEE | VERIFY_AGENCY_TYPE else 404)


@pytest.mark.parametrize("accept", ["image/jpeg", "image/*", "*/*", "application/json", None])
def test_a_stranger_gets_a_404_problem_whatever_they_accept(world, photographed, accept):
    deed, (item, _) = photographed
    api = token_client(UserFactory())
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    for url in (api_url(deed, item), api_url(deed, item, thumb=True)):
        refused = api.get(url, **headers)
        assert refused.status_code == 404, url
        assert refused["Content-Type"] == PROBLEM
        assert refused.json()["code"] == "not_found"


def test_a_photo_of_another_deed_is_not_found_under_this_one(world, photographed):
    deed, (item, _) = photographed
    # Given another deed of the same member, with its own photo: the doer may see both deeds and both photos
    other = report(world, days_ago=2, photos=[jpeg_with_gps()])
    others_photo = other.evidence.get()
    api = token_client(world.member)
    assert api.get(api_url(other, others_photo)).status_code == 200
    # When the photo of one is asked for under the other, either way round, as the photo or as the thumbnail
    for deed_, item_ in ((deed, others_photo), (other, item)):
        for thumb in (False, True):
            refused = api.get(api_url(deed_, item_, thumb=thumb), HTTP_ACCEPT="image/jpeg")
            # Then it is not found, as a problem
            assert refused.status_code == 404 and refused["Content-Type"] == PROBLEM
            assert refused.json()["code"] == "not_found"
    # And a deed id that is a photo's, or a photo id that is a deed's, finds nothing either
    assert api.get(f"/api/v1/deeds/{item.public_id}/evidence/{item.public_id}/").status_code == 404
    assert api.get(f"/api/v1/deeds/{deed.public_id}/evidence/{deed.public_id}/").status_code == 404


def test_without_a_token_it_is_a_401_problem_even_to_a_client_asking_for_a_jpeg(world, photographed):
    deed, (item, _) = photographed
    refused = APIClient().get(api_url(deed, item), HTTP_ACCEPT="image/jpeg")
    assert refused.status_code == 401 and refused["Content-Type"] == PROBLEM
    assert refused.json()["code"] == "not_authenticated"
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    refused = wrong.get(api_url(deed, item), HTTP_ACCEPT="image/jpeg")
    assert refused.status_code == 401 and refused["Content-Type"] == PROBLEM


def test_only_get_is_offered(world, photographed):
    deed, (item, _) = photographed
    api = token_client(world.member)
    refused = api.delete(api_url(deed, item), HTTP_ACCEPT="image/jpeg")
    assert refused.status_code == 405 and refused["Content-Type"] == PROBLEM
    assert item.__class__.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("thumb", [False, True], ids=["photo", "thumbnail"])
def test_the_api_sends_the_same_file_and_headers_as_the_page(world, photographed, client, thumb):
    deed, (item, _) = photographed
    client.force_login(world.member)
    page = client.get(reverse("deeds:evidence", args=[item.public_id, "thumb" if thumb else "full"]))
    got = token_client(world.member).get(api_url(deed, item, thumb=thumb), HTTP_ACCEPT="image/jpeg")
    assert page.status_code == got.status_code == 200
    for header in SHARED_HEADERS:
        assert got[header] == page[header], header
    assert got["Cache-Control"] == "private, max-age=3600"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("inline")
    # the site's policy (CSPMiddleware) applies to both alike
    assert got["Content-Security-Policy"] == page["Content-Security-Policy"]
    assert body(got) == body(page)


def test_the_selector_scoped_to_a_deed_finds_only_that_deeds_photo(world, photographed):
    deed, (item, _) = photographed
    other = report(world, days_ago=2)
    found = selectors.evidence_get_visible_to(viewer=world.member, public_id=item.public_id, deed_id=deed.public_id)
    assert found == item
    with pytest.raises(NotFoundError):
        selectors.evidence_get_visible_to(viewer=world.member, public_id=item.public_id, deed_id=other.public_id)
    with pytest.raises(NotFoundError):  # the deed's own rule still applies
        selectors.evidence_get_visible_to(viewer=UserFactory(), public_id=item.public_id, deed_id=deed.public_id)
    with pytest.raises(NotFoundError):
        selectors.evidence_get_visible_to(viewer=world.member, public_id=item.public_id, deed_id="not-a-uuid")


def _queries(api, path):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_photos_field_adds_no_query_to_the_deeds_list_or_a_deed(world):
    api = token_client(world.member)
    plain = report(world, days_ago=1)
    api.get("/api/v1/deeds/")  # per-process caches warm, as in a running server
    # Given the queries of the list and of one deed while no deed has a photo
    list_before, detail_before = _queries(api, "/api/v1/deeds/"), _queries(api, f"/api/v1/deeds/{plain.public_id}/")
    # When more deeds are reported, with photos
    for days_ago in (2, 3, 4):
        report(world, days_ago=days_ago, photos=[jpeg_with_gps(), jpeg_with_gps()])
    shown = report(world, days_ago=5, photos=[jpeg_with_gps()])
    # Then the list asks as many queries, however many deeds and photos (prefetched once, not per deed)
    listed = _queries(api, "/api/v1/deeds/")
    assert len(listed) == len(list_before), "\n".join(listed)
    assert sum(len(api.get("/api/v1/deeds/").json()["results"][i]["photos"]) for i in range(5)) == 7
    # And one deed reads its photos once for both fields (evidence and photos)
    detail = _queries(api, f"/api/v1/deeds/{shown.public_id}/")
    assert len(detail) == len(detail_before), "\n".join(detail)
    assert sum("deeds_deedevidence" in sql for sql in detail) == 1
