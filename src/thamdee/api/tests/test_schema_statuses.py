"""The OpenAPI document lists the error statuses the API really answers, as problem+json: 413 on every operation
that takes a body (``common.middleware.RefuseLargeRequestsMiddleware``), and 503 on exactly the operations that can
answer one (``api.schema.unavailable``)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory, area, member_of, pdf_file
from tests.worlds import RULES, build_world
from thamdee.deeds.models import Deed, DeedStatus

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}
PROBLEM = "application/problem+json"

# Every operation that can answer 503, and the codes it can answer it with. A deed verified (on its own, in bulk,
# on an upheld appeal, or as an activity's check-in) can earn a badge or level whose credential is signed at once;
# a result confirmed is signed by its agency; a revocation re-signs the status list; a selected nominee's honour is
# signed. A PDF sent as an assessment's evidence is redrawn by a process the server may not be able to start.
UNAVAILABLE = {
    "POST /api/v1/deeds/{public_id}/verify/": "issuer_key_unavailable",
    "POST /api/v1/deeds/verify-bulk/": "issuer_key_unavailable",
    "POST /api/v1/appeals/{public_id}/decide/": "issuer_key_unavailable",
    "POST /api/v1/activities/checkin/": "issuer_key_unavailable",
    "POST /api/v1/activities/{public_id}/roster/": "issuer_key_unavailable",
    "POST /api/v1/assessments/{public_id}/review/": "issuer_key_unavailable",
    "POST /api/v1/recognition/credentials/{public_id}/revoke/": "issuer_key_unavailable",
    "POST /api/v1/recognition/nominations/{public_id}/select/": "issuer_key_unavailable",
    "POST /api/v1/assessments/{public_id}/files/": "evidence_unavailable",
}


@pytest.fixture(scope="module")
def document(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _operations(document):  # type: ignore[no-untyped-def]
    for path, item in document["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", op


def _is_problem(op, status: str) -> bool:  # type: ignore[no-untyped-def]
    return PROBLEM in op["responses"].get(status, {}).get("content", {})


def test_every_operation_has_an_id_tags_known_security_and_its_common_problems(document):
    schemes = document["components"]["securitySchemes"]
    bad = []
    for name, op in _operations(document):
        if not op.get("operationId") or not op.get("tags"):
            bad.append(f"{name}: operationId/tags")
        bad += [f"{name}: unknown scheme {s}" for req in op.get("security", []) for s in req if s not in schemes]
        bad += [
            f"{name}: {status} not problem+json"
            for status in ("400", "401", "403", "404")
            if not _is_problem(op, status)
        ]
    assert not bad, bad


def test_every_operation_that_takes_a_body_documents_413_as_a_problem(document):
    with_body = {name: op for name, op in _operations(document) if "requestBody" in op}
    assert with_body
    assert [name for name, op in with_body.items() if not _is_problem(op, "413")] == []
    assert [name for name, op in _operations(document) if "requestBody" not in op and "413" in op["responses"]] == []


def test_a_body_over_the_limit_is_answered_413_request_too_large_as_documented(document, settings):
    limit = settings.THAMDEE["MAX_REQUEST_BYTES"]
    response = APIClient().generic(
        "POST", "/api/v1/gifts/", data=b"{}", content_type="application/json", CONTENT_LENGTH=str(limit + 1)
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "request_too_large"
    assert _is_problem(document["paths"]["/api/v1/gifts/"]["post"], "413")


def test_503_is_documented_as_a_problem_on_exactly_the_operations_that_can_answer_it(document):
    documented = {name: op for name, op in _operations(document) if "503" in op["responses"]}
    assert sorted(documented) == sorted(UNAVAILABLE)
    for name, op in documented.items():
        assert _is_problem(op, "503"), name
        assert UNAVAILABLE[name] in op["responses"]["503"]["description"], name


def _token_client(user) -> APIClient:  # type: ignore[no-untyped-def]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_a_pdf_the_server_cannot_redraw_now_is_answered_503_evidence_unavailable_as_documented(
    document, settings, tmp_path, monkeypatch
):
    from thamdee.assessments import services
    from thamdee.assessments.frameworks import install_examples

    settings.MEDIA_ROOT = tmp_path
    install_examples()
    org = OrganisationFactory(area=area("710911"))
    admin = member_of(org, is_admin=True)
    draft = services.assessment_open(actor=admin, organisation=org)

    def cannot_fork(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(12, "Cannot allocate memory")

    monkeypatch.setattr(subprocess, "run", cannot_fork)
    response = _token_client(admin).post(
        f"/api/v1/assessments/{draft.public_id}/files/",
        {"activity": 1, "file": SimpleUploadedFile("doc.pdf", pdf_file(), content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 503, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "evidence_unavailable"
    assert _is_problem(document["paths"]["/api/v1/assessments/{public_id}/files/"]["post"], "503")


def test_a_verification_whose_level_cannot_be_signed_is_answered_503_issuer_key_unavailable_as_documented(
    document, settings, tmp_path
):
    from thamdee.creditrules import services as rules
    from thamdee.deeds import services as deeds
    from thamdee.recognition import keys

    settings.RECOGNITION_KEY_DIR = tmp_path / "keys"
    keys.forget_cached()
    w = build_world()
    levels = [
        {"code": "seed", "name_th": "ต้นกล้า", "name_en": "Seedling", "min_credits": 0},
        {"code": "doer", "name_th": "ผู้ทำดี", "name_en": "Doer of good", "min_credits": 10},
        {"code": "pillar", "name_th": "เสาหลักความดี", "name_en": "Pillar", "min_credits": 40},
    ]
    draft = rules.rulebook_version_draft(actor=w.admin, rulebook=w.book, rules={**RULES, "levels": levels})
    # In force before the deeds below were done (history, as the demo loads it).
    since = w.today - dt.timedelta(days=3)
    rules.rulebook_version_publish(actor=w.admin, version=draft, effective_from=since, allow_past=True)

    def report(hours: int, days_ago: int) -> Deed:
        return deeds.deed_report(
            actor=w.member, deed_type=w.care, done_on=w.today - dt.timedelta(days=days_ago), hours=hours
        )

    api = _token_client(w.verifier)
    try:
        first = report(2, 2)  # 10 credits: the "doer" level, signed by the programme's agency with a new key
        assert api.post(f"/api/v1/deeds/{first.public_id}/verify/").status_code == 200
        key_files = list(settings.RECOGNITION_KEY_DIR.glob("*.pem"))
        assert key_files
        for path in key_files:  # the key is still there, but cannot be read
            path.write_bytes(b"not a key")
        keys.forget_cached()
        second = report(6, 1)  # 30 more: the "pillar" level, which cannot be signed now
        response = api.post(f"/api/v1/deeds/{second.public_id}/verify/")
    finally:
        keys.forget_cached()
    assert response.status_code == 503, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == "issuer_key_unavailable"
    second.refresh_from_db()
    assert second.status == DeedStatus.PENDING  # nothing was changed
    assert _is_problem(document["paths"]["/api/v1/deeds/{public_id}/verify/"]["post"], "503")
