"""A family link is two-sided: the person named confirms it before it counts, and naming a mobile number does not
tell who holds it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from thamdee.common.errors import NotFoundError
from thamdee.inbox.models import Notification
from thamdee.people import selectors, services
from thamdee.people.models import FamilyLink

pytestmark = pytest.mark.django_db


def test_a_named_relative_confirms_before_the_link_counts_and_their_name_shows(client):
    me = UserFactory()
    mother = UserFactory(mobile="0861112222", first_name="ประภาพรรณทดสอบ", last_name="แม่ดี")
    client.force_login(me)
    response = client.post(reverse("people:family"), {"mobile": "086-111-2222", "relation": "parent"}, follow=True)
    html = response.content.decode()
    assert "ประภาพรรณทดสอบ" not in html and "2222" in html  # the last digits, not the name
    assert not selectors.are_family(me, mother)
    assert Notification.objects.filter(user=mother, kind="family_request").exists()
    client.force_login(mother)
    page = client.get(reverse("people:family")).content.decode()
    assert 'data-testid="family-requests"' in page and me.first_name in page
    link = FamilyLink.objects.get(user=me, relative=mother)
    client.post(reverse("people:family"), {"confirm": str(link.pk)})
    assert selectors.are_family(me, mother) and selectors.family_of(me) == [mother]
    client.force_login(me)
    assert "ประภาพรรณทดสอบ" in client.get(reverse("people:family")).content.decode()


def test_naming_each_other_confirms_both_and_a_request_can_be_declined():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    services.family_link_add(actor=a, relative_mobile=b.mobile, relation="sibling")
    link = services.family_link_add(actor=b, relative_mobile=a.mobile, relation="sibling")
    assert link.confirmed_at is not None and selectors.are_family(a, b)
    request = services.family_link_add(actor=a, relative_mobile=c.mobile, relation="child")
    with pytest.raises(NotFoundError):  # only the person named answers
        services.family_link_confirm(actor=a, link_id=request.pk)
    assert services.family_link_decline(actor=c, link_id=request.pk) == 1
    assert not selectors.are_family(a, c)
