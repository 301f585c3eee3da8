"""`thamdee check --deploy` with production-like variables reports no warnings."""

import os
import subprocess
import sys


def test_deploy_check_is_clean_with_production_variables(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "thamdee.settings",
        "SECRET_KEY": "a-production-secret-" + "k" * 60 + "-Zq8!pX2#",
        "NATIONAL_ID_HMAC_KEY": "another-long-secret-for-national-ids",
        "ALLOWED_HOSTS": "thamdee.example.go.th",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "THAMDEE_VAR_DIR": str(tmp_path),
    }
    for name in ("DEBUG", "HTTPS", "SECURE_SSL_REDIRECT", "STATIC_MANIFEST", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "thamdee", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
