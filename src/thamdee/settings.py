"""Settings for Thamdee, read from the environment.

Every value that differs between a laptop and production comes from an environment variable. Without any,
Thamdee runs on an SQLite file under ``var/`` with ``SECRET_KEY`` generated once and kept in ``var/``; the
national-ID key is generated there only on a developer's or demo machine (see ``national_id_hmac_key``).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("THAMDEE_VAR_DIR", Path.cwd() / "var")).resolve()


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def generated_secret(var_dir: Path, filename: str) -> str:
    """A secret generated once and kept in ``var_dir`` (mode 0600)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / filename
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def secret_from_env_or_file(name: str, filename: str) -> str:
    """A secret from the environment, or one generated once and kept in ``var/`` (mode 0600)."""
    return os.environ.get(name) or generated_secret(VAR_DIR, filename)


def national_id_hmac_key(environ: Mapping[str, str], *, var_dir: Path, data_dirs: Iterable[Path], dev: bool) -> str:
    """The key under which national IDs are kept as HMAC-SHA256, from the first of:

    1. ``NATIONAL_ID_HMAC_KEY`` in the environment;
    2. the file that ``NATIONAL_ID_HMAC_KEY_FILE`` names, which must lie outside ``var_dir`` and ``data_dirs``;
    3. on a developer's or demo machine (``dev``), a key generated once and kept in ``var_dir``.

    Otherwise, in production, it is empty: a copy of the data directory must never carry the key that opens its
    hashes (13-digit IDs are few enough to try them all). Settings still load, so that build steps run without
    secrets, but ``thamdee check --deploy`` reports people.E001, the web process refuses to start (wsgi.py) and
    no ID is hashed (people/validators.py). A key file that is named but unusable raises at once.
    """
    value = environ.get("NATIONAL_ID_HMAC_KEY", "")
    file_name = environ.get("NATIONAL_ID_HMAC_KEY_FILE", "")
    if value and file_name:
        raise ImproperlyConfigured("Set NATIONAL_ID_HMAC_KEY or NATIONAL_ID_HMAC_KEY_FILE, not both.")
    if value:
        return value
    if file_name:
        path = Path(file_name).resolve()
        for data_dir in (var_dir, *data_dirs):
            folder = Path(data_dir).resolve()
            if path == folder or folder in path.parents:
                raise ImproperlyConfigured(
                    f"NATIONAL_ID_HMAC_KEY_FILE ({path}) is inside {folder}, with the data it protects: keep it "
                    "elsewhere (docs/operations.md)."
                )
        try:
            key = path.read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"NATIONAL_ID_HMAC_KEY_FILE ({path}) cannot be read: {exc.strerror}.") from None
        if not key:
            raise ImproperlyConfigured(f"NATIONAL_ID_HMAC_KEY_FILE ({path}) is empty.")
        return key
    if dev:
        return generated_secret(var_dir, "national_id_hmac_key")
    return ""


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_from_env_or_file("SECRET_KEY", "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "csp",
    "rules",
    "django_tasks",
    "django_tasks_db",
    "import_export",
    "thamdee.common",
    "thamdee.areas",
    "thamdee.people",
    "thamdee.inbox",
    "thamdee.orgs",
    "thamdee.ledger",
    "thamdee.creditrules",
    "thamdee.deeds",
    "thamdee.rewards",
    "thamdee.recognition",
    "thamdee.anomalies",
    "thamdee.assessments",
    "thamdee.reports",
    "thamdee.privacy",
    "thamdee.api",
    "thamdee.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "thamdee.common.middleware.RefuseNulCharactersMiddleware",
    "thamdee.common.middleware.RefuseLargeRequestsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "thamdee.common.middleware.DomainErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "thamdee.urls"
WSGI_APPLICATION = "thamdee.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "thamdee.web.context_processors.navigation",
            ],
            "builtins": ["thamdee.common.templatetags.thaidate"],
        },
    }
]

# Django's built-in widget templates through Jinja2, every other template through Django (thamdee/common/forms.py).
FORM_RENDERER = "thamdee.common.forms.FormRenderer"

# --- Database -----------------------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'thamdee.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # Writers take the lock when the transaction begins, so two writers never deadlock on a lock upgrade.
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=30000;"
            "PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
        ),
    }
else:
    # Django's own .iterator() (a form's model choices, for one) would open a server-side cursor WITH HOLD: three
    # round trips for a handful of rows, and no use behind PgBouncer in transaction mode (docs/scaling.md).
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "thamdee.people.backends.MobileOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

# Whole villages share one carrier address: lock a user name together with an address, never an address alone.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "thamdee.people.lockout.lockout_response"
AXES_IPWARE_PROXY_COUNT = int(os.environ.get("AXES_PROXY_COUNT", "0"))
# The address that a trusted proxy appended to X-Forwarded-For (django-ipware, which axes would use, is not installed).
AXES_CLIENT_IP_CALLABLE = "thamdee.people.lockout.lockout_address"  # an IPv6 client by its /64
AXES_USERNAME_CALLABLE = "thamdee.people.lockout.lockout_username"  # a mobile number in its one normal form
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_VERBOSE = False

# --- Security ---------------------------------------------------------------------------------------------------
# Behind plain HTTP on a laptop (DEBUG), cookies cannot be Secure; anywhere else they are.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "thamdee.people.sessions"  # Django's db engine, its per-request read in plain SQL
SESSION_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(31536000 if HTTPS else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy (declared, or implied by a trusted proxy count) the request reached the proxy
# over HTTPS when the proxy says so: without this every request would be redirected to https again (a loop) and
# every browser POST would fail CSRF's Origin check. The proxy must set X-Forwarded-Proto itself, never pass on a
# client's.
if env_bool("BEHIND_PROXY", AXES_IPWARE_PROXY_COUNT > 0):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# No inline script or style anywhere: every script and stylesheet is a file served by the site itself.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- Internationalisation --------------------------------------------------------------------------------------
# Thai first: source strings are Thai, English comes from locale/en.
LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("ไทย")), ("en", _("อังกฤษ"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("THAMDEE_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: files go through views that check permission
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- The national-ID key ------------------------------------------------------------------------------------------
# National IDs are kept only as HMAC-SHA256 under this key, separate from SECRET_KEY so that rotating one never
# touches the other, and never kept with the data: not in var/, the SQLite database's folder or the media folder.
_data_dirs = [MEDIA_ROOT]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" and DATABASES["default"]["NAME"] != ":memory:":
    _data_dirs.append(Path(DATABASES["default"]["NAME"]).parent)
NATIONAL_ID_HMAC_KEY = national_id_hmac_key(
    os.environ, var_dir=VAR_DIR, data_dirs=_data_dirs, dev=DEBUG or env_bool("THAMDEE_DEV_KEYS", False)
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# --- API ----------------------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "thamdee.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "thamdee.api.problems.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["thamdee.api.problems.JSONOrProblemRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "thamdee.api.parsers.JSONParser",  # each refuses a NUL character in text (400, nul_character)
        "thamdee.api.parsers.FormParser",
        "thamdee.api.parsers.MultiPartParser",
    ],
    # The rates are THAMDEE["API_RATES"], counted in the database for every process (api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["thamdee.api.throttling.ApiRateThrottle"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Thamdee API",
    "DESCRIPTION": (
        "The API of Thamdee (ทำดี), a positive-only good-deed credit system. Errors are RFC 7807 "
        "application/problem+json with a stable `code`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "JournalKindEnum": "thamdee.ledger.models.JournalKind",
        "CredentialKindEnum": "thamdee.recognition.models.CredentialKind",
        "HonourLevelEnum": "thamdee.recognition.models.HonourLevel",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "thamdee.api.schema.add_problem_responses",
    ],
}

# --- Background tasks -------------------------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- Logging: a filter keeps anything that looks like a national ID out of every log line -----------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_national_id": {"()": "thamdee.common.logging.RedactNationalIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_national_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO", "handlers": ["console"], "propagate": False},
        # WeasyPrint reports every layout step at INFO; keep its warnings only.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Thamdee's own settings -------------------------------------------------------------------------------------
THAMDEE: dict[str, Any] = {
    # Fewer than this many people in a cell and the public never sees the figure.
    "PUBLIC_MIN_CELL": 10,
    # The same for agency staff (dashboards, drill-down to villages, exports, PDF reports, the reports API).
    "AGENCY_MIN_CELL": int(os.environ.get("THAMDEE_AGENCY_MIN_CELL", "5")),
    # Tries at the public sign-up in any hour (people.services.user_sign_up): per client address, generously,
    # because a whole village may share one; and per mobile number or national ID.
    "SIGNUP_LIMIT_PER_ADDRESS": int(os.environ.get("THAMDEE_SIGNUP_LIMIT_PER_ADDRESS", "30")),
    "SIGNUP_LIMIT_PER_IDENTITY": int(os.environ.get("THAMDEE_SIGNUP_LIMIT_PER_IDENTITY", "10")),
    # Patterns put before a reviewer (anomalies.services.anomalies_detect): how far back to look, and the hours or
    # deeds of one member on one day, in one organisation, above which the day is shown to its admins.
    "ANOMALY_DAYS": 30,
    "ANOMALY_LONG_DAY_HOURS": 16,
    "ANOMALY_BURST_DEEDS": 10,
    # The largest request body accepted (common.middleware.RefuseLargeRequestsMiddleware): ten evidence files of
    # 15 MB (an assessment activity's upload) and the form around them.
    "MAX_REQUEST_BYTES": int(os.environ.get("THAMDEE_MAX_REQUEST_MB", "160")) * 1024 * 1024,
    # API calls a client may make ("<requests>/<s|m|h|d>"; empty: no limit), counted for every process of the site
    # in the database (api/throttling.py): a signed-in person wherever they call from; an anonymous client by its
    # address (generously: a whole village may share one); and the exchange of a password for a token, tighter
    # (each try costs a password hash, and sign-in lockouts count per person and address as well).
    "API_RATES": {
        "user": os.environ.get("THAMDEE_API_RATE_USER", "600/min"),
        "anon": os.environ.get("THAMDEE_API_RATE_ANON", "300/min"),
        "token": os.environ.get("THAMDEE_API_RATE_TOKEN", "30/min"),
    },
    # PDF statements and reports, and spreadsheets, drawn on request (web pages): per signed-in person or client
    # address, counted with the API's rates (common/ratelimit.py).
    "FILE_RATE": os.environ.get("THAMDEE_FILE_RATE", "20/min"),
}
