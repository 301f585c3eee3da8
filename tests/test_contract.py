"""Schemathesis over the whole API: no 5xx, and every response fits the published OpenAPI schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from thamdee.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def token(db):
    from tests.factories import OrganisationFactory, UserFactory, area, member_of

    admin = UserFactory(is_superuser=True, username="contract-admin")
    org = OrganisationFactory(area=area("710911"))
    member_of(org, is_admin=True)
    return Token.objects.create(user=admin).key


@pytest.mark.contract
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
