"""Hygie settings, read from the environment (12-factor).

Two profiles:

* ``dev`` (default): the embedded mode of the quick start. SQLite under ``var/``, a broker made of
  files under ``var/broker`` (no server to install), secrets generated once into ``var/``.
* ``production`` (``HYGIE_PROFILE=production``): every secret must be given, HTTPS is enforced,
  and ``hygie manage check --deploy`` reports nothing.

docs/configuration.md lists every variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hygie.lib.env import env_bool, env_int, env_list, env_str

django_stubs_ext.monkeypatch()

PACKAGE_DIR = Path(__file__).resolve().parent
# pytest (8.2 and later) sets PYTEST_VERSION: tests get fast hashing, a private var/ and eager
# tasks unless a test starts a real worker.
TESTING = env_bool("HYGIE_TESTING", "PYTEST_VERSION" in os.environ)
VAR_DIR = Path(env_str("HYGIE_VAR_DIR", "var/test" if TESTING else "var")).resolve()

PROFILE = env_str("HYGIE_PROFILE", "dev")
if PROFILE not in {"dev", "production"}:
    raise ImproperlyConfigured(f"HYGIE_PROFILE must be dev or production, not {PROFILE!r}")
PRODUCTION = PROFILE == "production"


def _dev_secret(name: str, make: str) -> str:
    """Return a secret kept in ``var/<name>``, creating it on first use (dev profile only)."""
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name.upper()} must be set in the production profile")
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(50) if make == "token" else _new_fernet_key()
        path.write_text(value, encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _new_fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


SECRET_KEY = env_str("SECRET_KEY") or _dev_secret("secret_key", "token")
# Comma-separated Fernet keys; the first encrypts, all decrypt (key rotation).
HYGIE_ENCRYPTION_KEYS = env_list("HYGIE_ENCRYPTION_KEY", []) or [
    _dev_secret("encryption_key", "fernet")
]

DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG cannot be true in the production profile")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in the production profile")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
HYGIE_BASE_URL = env_str("HYGIE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
if PRODUCTION and not HYGIE_BASE_URL.startswith("https://"):
    raise ImproperlyConfigured("HYGIE_BASE_URL must be an https:// URL in the production profile")
# How many reverse proxies append to X-Forwarded-For in front of Hygie (0: none).
HYGIE_PROXY_COUNT = env_int("HYGIE_PROXY_COUNT", 0)

INSTALLED_APPS = [
    "hygie.core",
    "hygie.accounts",
    "hygie.audit",
    "hygie.channels",
    "hygie.publishing",
    "hygie.compliance",
    "hygie.inbox",
    "hygie.contacts",
    "hygie.library",
    "hygie.products",
    "hygie.safety",
    "hygie.analytics",
    "hygie.approvals",
    "hygie.webhooks",
    "hygie.moderation",
    "hygie.triage",
    "hygie.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "hygie.accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hygie.urls"
WSGI_APPLICATION = "hygie.wsgi.application"

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
                "hygie.core.context_processors.shell",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'hygie.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker read while the other writes; IMMEDIATE takes the
        # write lock at BEGIN so two writers queue instead of failing with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file, not :memory:, so that a worker process started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-hygie.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Name shown by authenticator apps next to the code.
HYGIE_TOTP_ISSUER = env_str("HYGIE_TOTP_ISSUER", "Hygie")

# --- Cache (login throttling, health data) ---------------------------------------------------
HYGIE_CACHE_URL = env_str("HYGIE_CACHE_URL")
if HYGIE_CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": HYGIE_CACHE_URL,
        }
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    # Shared by the web processes and the worker of one machine, with nothing to install.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "fr")
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = Path(env_str("HYGIE_STATIC_ROOT", str(VAR_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("HYGIE_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = TESTING
if TESTING:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- E-mail ---------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Hygie <hygie@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
elif PRODUCTION:
    raise ImproperlyConfigured("EMAIL_HOST must be set in the production profile")
else:
    # The quick start has no mail server: messages are written to var/mail/, one file each.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Background work (Celery) ---------------------------------------------------------------
# Empty = embedded: a broker made of files under var/broker, results under var/results; one
# `hygie worker` process on this machine, nothing to install. Otherwise redis://… or amqp://…
HYGIE_BROKER_URL = env_str("HYGIE_BROKER_URL")
BROKER_EMBEDDED = not HYGIE_BROKER_URL
if PRODUCTION and BROKER_EMBEDDED and not env_bool("HYGIE_ALLOW_EMBEDDED_BROKER", False):
    raise ImproperlyConfigured(
        "HYGIE_BROKER_URL must point at Redis or RabbitMQ in the production profile "
        "(or set HYGIE_ALLOW_EMBEDDED_BROKER=true for a single-machine install)"
    )
CELERY_TASK_ALWAYS_EAGER = env_bool("HYGIE_TASKS_EAGER", TESTING)
# Publishing: how often due posts are looked for, and after how long an attempt still
# "sending" is taken to belong to a worker that died.
HYGIE_DISPATCH_INTERVAL = env_int("HYGIE_DISPATCH_INTERVAL", 10)
HYGIE_PUBLISH_LEASE_SECONDS = env_int("HYGIE_PUBLISH_LEASE_SECONDS", 300)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Networks -----------------------------------------------------------------------------
# The operator's OAuth applications: HYGIE_OAUTH_<NETWORK>_CLIENT_ID and _CLIENT_SECRET.
HYGIE_OAUTH_APPS = {
    network: {
        "client_id": env_str(f"HYGIE_OAUTH_{network.upper()}_CLIENT_ID"),
        "client_secret": env_str(f"HYGIE_OAUTH_{network.upper()}_CLIENT_SECRET"),
    }
    for network in ("facebook_page", "instagram", "linkedin_org", "x", "google_business")
    if env_str(f"HYGIE_OAUTH_{network.upper()}_CLIENT_ID")
}
# Where each network's API is, when not at its usual address (tests, private deployments).
HYGIE_PROVIDER_BASE_URLS: dict[str, str] = {}
# Plain-http API addresses (a Mastodon instance, a Bluesky PDS) are refused in production.
HYGIE_ALLOW_HTTP_PROVIDERS = env_bool("HYGIE_ALLOW_HTTP_PROVIDERS", not PRODUCTION)
# Meta webhooks (/webhooks/meta/): the app secret signs every delivery (X-Hub-Signature-256;
# unset = deliveries refused with 503) and the verify token answers the subscription handshake.
HYGIE_META_APP_SECRET = env_str("HYGIE_META_APP_SECRET")
HYGIE_META_VERIFY_TOKEN = env_str("HYGIE_META_VERIFY_TOKEN")

# --- Security -------------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("HYGIE_BEHIND_PROXY", True):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Logging --------------------------------------------------------------------------------
LOG_LEVEL = env_str("HYGIE_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}, "httpx": {"level": "WARNING"}},
}
