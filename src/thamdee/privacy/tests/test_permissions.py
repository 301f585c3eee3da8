"""Who may use a person's data-subject rights, as a table (docs/authorisation.md, "A person's own data"): the
person exports, asks and cancels; nobody else does, site admins included; only site admins carry out."""

from __future__ import annotations

import pytest

from thamdee.common.errors import NotFoundError
from thamdee.privacy import selectors, services
from thamdee.privacy.models import ErasureRequest, ErasureStatus

pytestmark = pytest.mark.django_db

OTHERS = ["organiser", "verifier", "relative", "staff71", "admin"]


@pytest.mark.parametrize("who", ["member", *OTHERS])
def test_export(person, who):
    actor = getattr(person, who)
    if who == "member":
        assert services.data_export(actor=actor, subject=person.member)["profile"]["id"]
    else:
        with pytest.raises(NotFoundError):
            services.data_export(actor=actor, subject=person.member)


@pytest.mark.parametrize("who", ["member", *OTHERS])
def test_cancel(person, who):
    request = services.erasure_request(actor=person.member, confirmed=True)
    actor = getattr(person, who)
    if who == "member":
        assert services.erasure_cancel(actor=actor, erasure=request).status == ErasureStatus.CANCELLED
    else:
        with pytest.raises(NotFoundError):
            services.erasure_cancel(actor=actor, erasure=request)
        assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.REQUESTED


@pytest.mark.parametrize("who", ["member", "organiser", "verifier", "relative", "staff71", "admin"])
def test_carry_out_and_see_the_queue(person, who):
    request = services.erasure_request(actor=person.member, confirmed=True)
    actor = getattr(person, who)
    if who == "admin":
        assert list(selectors.erasure_queue(viewer=actor)) == [request]
        assert services.erasure_carry_out(actor=actor, erasure=request).status == ErasureStatus.CARRIED_OUT
    else:
        with pytest.raises(NotFoundError):
            selectors.erasure_queue(viewer=actor)
        with pytest.raises(NotFoundError):
            services.erasure_carry_out(actor=actor, erasure=request)
        assert ErasureRequest.objects.get(pk=request.pk).status == ErasureStatus.REQUESTED


def test_an_erasure_request_names_no_subject_so_no_one_asks_for_another(person):
    """The service takes no subject: a request is always the asker's own."""
    request = services.erasure_request(actor=person.organiser, confirmed=True)
    assert request.user == person.organiser
    assert not ErasureRequest.objects.filter(user=person.member).exists()
