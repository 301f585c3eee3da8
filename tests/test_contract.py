"""Schemathesis over the whole API: no 5xx, and every response fits the published OpenAPI schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance

from thamdee.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The WSGI handler closes old connections when a request starts and finishes, as in production; the test's
    transaction lives on that connection, so disconnect the handler for the test as Django's own test client does."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


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
