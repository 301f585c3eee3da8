"""The Django admin reads patterns and never changes them, and hides from a site admin the patterns about them."""

from __future__ import annotations

import pytest

from tests.factories import OrganisationFactory, UserFactory
from thamdee.anomalies.models import Anomaly, AnomalyKind

pytestmark = pytest.mark.django_db


def test_the_admin_lists_patterns_read_only_and_not_those_about_the_admin(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    org = OrganisationFactory()
    about_admin = Anomaly.objects.create(kind=AnomalyKind.BURST, key="burst:a", organisation=org, person=admin)
    other = Anomaly.objects.create(kind=AnomalyKind.BURST, key="burst:b", organisation=org, person=UserFactory())
    involved = Anomaly.objects.create(kind=AnomalyKind.DUPLICATE, key="dup:c", organisation=org, person=UserFactory())
    involved.involved.add(admin)  # the admin verified its deeds
    client.force_login(admin)
    page = client.get("/admin/anomalies/anomaly/")
    assert page.status_code == 200
    listed = {a.pk for a in page.context["cl"].result_list}
    assert listed == {other.pk} and about_admin.pk not in listed
    assert client.get("/admin/anomalies/anomaly/add/").status_code == 403
    assert client.post(f"/admin/anomalies/anomaly/{other.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Anomaly.objects.count() == 3
