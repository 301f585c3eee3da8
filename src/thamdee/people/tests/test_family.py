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


def _child_and_mother():  # type: ignore[no-untyped-def]
    from django.utils import timezone

    child = UserFactory(birth_year=timezone.localdate().year - 8, first_name="เด็กหญิงทดสอบ")
    mother = UserFactory(first_name="แม่ทดสอบ")
    link = services.family_link_add(actor=mother, relative_mobile=child.mobile, relation="child")
    services.family_link_confirm(actor=child, link_id=link.pk)
    return child, mother, link


def test_a_guardian_gives_and_withdraws_a_childs_consent_from_the_family_page(client):
    from thamdee.people.models import Consent, ConsentPurpose

    child, mother, link = _child_and_mother()
    adult = UserFactory(first_name="ผู้ใหญ่ทดสอบ")
    adult_link = services.family_link_add(actor=mother, relative_mobile=adult.mobile, relation="sibling")
    services.family_link_confirm(actor=adult, link_id=adult_link.pk)
    client.force_login(mother)
    page = client.get(reverse("people:family")).content.decode()
    assert page.count('data-testid="guardian-consents"') == 1 and "เด็กหญิงทดสอบ" in page  # the child, not the adult
    url = reverse("people:family_consent")
    photo = ConsentPurpose.PUBLISH_PHOTO
    # A name is needed: a guardian's consent names the guardian.
    client.post(url, {"child": str(child.public_id), "purpose": photo, "grant": "1", "guardian_name": " "})
    assert not services.consent_active(child, photo)
    given = client.post(
        url, {"child": str(child.public_id), "purpose": photo, "grant": "1", "guardian_name": "นางแม่ (มารดา)"}
    )
    assert given.status_code == 302
    consent = Consent.objects.get(user=child, purpose=photo, withdrawn_at__isnull=True)
    assert consent.recorded_by == mother and consent.guardian_name == "นางแม่ (มารดา)"
    assert "โดยคุณ" in client.get(reverse("people:family")).content.decode()
    # After the family link ends, the consent she recorded is still hers to withdraw, from the same page.
    services.family_link_remove(actor=mother, link_id=link.pk)
    assert "เด็กหญิงทดสอบ" in client.get(reverse("people:family")).content.decode()
    assert client.post(url, {"child": str(child.public_id), "purpose": photo, "grant": "0"}).status_code == 302
    assert not services.consent_active(child, photo)
    # ... but no longer family, she gives no new one.
    assert (
        client.post(
            url, {"child": str(child.public_id), "purpose": photo, "grant": "1", "guardian_name": "นางแม่"}
        ).status_code
        == 404
    )
    # An adult in the family consents for themself: not from here.
    response = client.post(
        url, {"child": str(adult.public_id), "purpose": photo, "grant": "1", "guardian_name": "นางแม่"}
    )
    assert response.status_code == 404 and not services.consent_active(adult, photo)


def test_no_one_else_reaches_a_childs_consent(client):
    from thamdee.people.models import ConsentPurpose

    child, _mother, _link = _child_and_mother()
    stranger = UserFactory()
    client.force_login(stranger)
    assert "เด็กหญิงทดสอบ" not in client.get(reverse("people:family")).content.decode()
    url = reverse("people:family_consent")
    for grant in ("1", "0"):
        response = client.post(
            url,
            {
                "child": str(child.public_id),
                "purpose": ConsentPurpose.PUBLISH_PHOTO,
                "grant": grant,
                "guardian_name": "x",
            },
        )
        assert response.status_code == 404 and "เด็กหญิงทดสอบ" not in response.content.decode()
    assert not services.consent_active(child, ConsentPurpose.PUBLISH_PHOTO)
    assert client.post(url, {"child": "not-an-id", "purpose": "x", "grant": "1"}).status_code == 404
    assert client.get(url).status_code == 405


def test_a_child_gives_consent_on_their_own_profile_only_with_a_guardian_named(client):
    from thamdee.people.models import Consent, ConsentPurpose

    child, _mother, _link = _child_and_mother()
    client.force_login(child)
    page = client.get(reverse("people:profile")).content.decode()
    assert 'data-testid="guardian-needed"' in page and 'name="guardian_name"' in page
    url = reverse("people:consent")
    client.post(url, {"purpose": ConsentPurpose.PUBLISH_NAME, "grant": "1"})
    assert not services.consent_active(child, ConsentPurpose.PUBLISH_NAME)
    client.post(url, {"purpose": ConsentPurpose.PUBLISH_NAME, "grant": "1", "guardian_name": "นายพ่อ (บิดา)"})
    assert Consent.objects.get(user=child, withdrawn_at__isnull=True).guardian_name == "นายพ่อ (บิดา)"
    adult = UserFactory()
    client.force_login(adult)
    assert 'name="guardian_name"' not in client.get(reverse("people:profile")).content.decode()


def test_the_person_named_can_end_a_confirmed_link_from_their_page(client):
    a, b = UserFactory(first_name="ผู้ระบุทดสอบ"), UserFactory()
    link = services.family_link_add(actor=a, relative_mobile=b.mobile, relation="sibling")
    services.family_link_confirm(actor=b, link_id=link.pk)
    client.force_login(b)
    page = client.get(reverse("people:family")).content.decode()
    assert 'data-testid="family-named-me"' in page and "ผู้ระบุทดสอบ" in page
    assert f'name="remove" value="{link.pk}"' in page
    response = client.post(reverse("people:family"), {"remove": str(link.pk)})
    assert response.status_code == 302
    assert not FamilyLink.objects.filter(pk=link.pk).exists()
    assert not selectors.are_family(a, b)


def test_either_side_ends_a_link_and_no_one_else():
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    first = services.family_link_add(actor=a, relative_mobile=b.mobile, relation="sibling")
    services.family_link_confirm(actor=b, link_id=first.pk)
    second = services.family_link_add(actor=a, relative_mobile=c.mobile, relation="sibling")
    services.family_link_confirm(actor=c, link_id=second.pk)
    assert services.family_link_remove(actor=c, link_id=first.pk) == 0  # not theirs: nothing happens
    assert services.family_link_remove(actor=a, link_id=first.pk) == 1  # who named
    assert services.family_link_remove(actor=c, link_id=second.pk) == 1  # who was named
    assert not FamilyLink.objects.exists()


def test_a_refused_family_form_keeps_what_was_typed(client):
    client.force_login(UserFactory())
    response = client.post(reverse("people:family"), {"mobile": "0899999999", "relation": "spouse"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "ไม่พบบัญชีที่ใช้เบอร์มือถือนี้" in page
    assert 'value="0899999999"' in page
    assert '<option value="spouse" selected>' in page
    assert page.count(" selected>") == 1
