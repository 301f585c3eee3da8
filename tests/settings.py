"""Settings for the test suite: the project's settings with fast hashing, plain static files and no HTTPS."""

import os
import tempfile

os.environ.setdefault("STATIC_MANIFEST", "0")  # WhiteNoise's manifest storage 404s under the live server
os.environ["HTTPS"] = "0"
os.environ.setdefault("THAMDEE_VAR_DIR", os.path.join(tempfile.gettempdir(), "thamdee-test-var"))
os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
os.environ.setdefault("NATIONAL_ID_HMAC_KEY", "test-national-id-key")

from thamdee.settings import *  # noqa: F403
from thamdee.settings import DATABASES, LOGGING, THAMDEE, VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
MEDIA_ROOT = VAR_DIR / "media-test"
(VAR_DIR / "static").mkdir(parents=True, exist_ok=True)
DEBUG = False
LOGGING["root"]["level"] = "WARNING"
# Agencies' smallest cell (5 people in production): off for the suite, whose worlds hold a handful of people and
# whose tests read the figures to check rollups and scopes. The tests of the suppression itself set it back
# (reports/tests/test_disclosure.py).
THAMDEE = {**THAMDEE, "AGENCY_MIN_CELL": 0}
# API and file rate limits: off for the suite, whose tests call the API hundreds of times as one person (the
# contract test among them). The tests of the limits set them (api/tests/test_throttling.py, test_file_rate.py).
THAMDEE["API_RATES"] = {"user": None, "anon": None, "token": None}
THAMDEE["FILE_RATE"] = None

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not shared-cache memory: race tests use real threads with their own connections.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    # THAMDEE_TEST_DB_NAME lets two checkouts (or two people) run the PostgreSQL tests on one server at once.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("THAMDEE_TEST_DB_NAME", "test_thamdee")
