"""Production behind the documented TLS-terminating proxy (docs/operations.md, "Processes":
gunicorn behind a TLS-terminating proxy, AXES_PROXY_COUNT=1; HTTPS on by default when DEBUG is off).

With the variables docs/operations.md lists, Django must learn from the proxy that the client used HTTPS: otherwise
every request through the proxy is redirected to https again (a loop), and every browser POST fails the CSRF
Origin check (Django compares Origin https://host with http://host), and the only way out would be HTTPS=0,
which drops Secure cookies and HSTS on a public HTTPS site."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HOST = "thamdee.example.go.th"

REDIRECT_PROBE = (
    f"HOST = {HOST!r}\n"
    + r"""
import json, django
django.setup()
from django.test import Client
c = Client(HTTP_HOST=HOST)
r = c.get("/healthz", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="203.0.113.9")
print(json.dumps({"status": r.status_code, "location": r.get("Location", "")}))
"""
)


def _production_env(tmp_path, **extra):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "thamdee.settings",
        "SECRET_KEY": "a-production-secret-" + "k" * 60 + "-Zq8!pX2#",
        "NATIONAL_ID_HMAC_KEY": "another-long-secret-for-national-ids",
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "THAMDEE_VAR_DIR": str(tmp_path),
        "AXES_PROXY_COUNT": "1",  # as docs/operations.md says to set behind the TLS-terminating proxy
        "STATIC_MANIFEST": "0",
    }
    for name in ("DEBUG", "HTTPS", "SECURE_SSL_REDIRECT", "BEHIND_PROXY", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env.update(extra)
    return env


def _run(script: str, env: dict[str, str]) -> dict:  # type: ignore[type-arg]
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_https_request_through_documented_proxy_is_served_not_redirected_again(tmp_path):
    answer = _run(REDIRECT_PROBE, _production_env(tmp_path))
    # The request already came over HTTPS (the proxy says so): it must be served, not sent round to https again.
    assert answer["status"] == 200, answer


def test_the_proxy_header_is_trusted_only_when_a_proxy_is_declared(tmp_path):
    probe = "import django, json; django.setup(); from django.conf import settings; "
    probe += "print(json.dumps(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None)))"
    header = ["HTTP_X_FORWARDED_PROTO", "https"]
    assert _run(probe, _production_env(tmp_path)) == header
    assert _run(probe, _production_env(tmp_path, BEHIND_PROXY="0")) is None
    assert _run(probe, _production_env(tmp_path, AXES_PROXY_COUNT="0")) is None
    assert _run(probe, _production_env(tmp_path, AXES_PROXY_COUNT="0", BEHIND_PROXY="1")) == header


@pytest.mark.django_db
def test_a_browser_form_sent_over_https_through_the_proxy_passes_the_csrf_origin_check(settings):
    import re

    from django.test import Client

    settings.SECURE_SSL_REDIRECT = False
    settings.ALLOWED_HOSTS = [HOST]

    def sign_in_through_the_proxy() -> int:
        client = Client(HTTP_HOST=HOST, enforce_csrf_checks=True)
        page = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
        return client.post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong-password"},
            HTTP_X_FORWARDED_PROTO="https",
            HTTP_ORIGIN=f"https://{HOST}",
            HTTP_REFERER=f"https://{HOST}/accounts/login/",
        ).status_code

    settings.SECURE_PROXY_SSL_HEADER = None
    assert sign_in_through_the_proxy() == 403  # Origin https://host against http://host: refused
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert sign_in_through_the_proxy() == 200  # the form shown again with its error, not refused
