"""Settings, read from the environment (12-factor).

With no variable set the product runs on its embedded default: SQLite under var/, Celery in
eager mode (tasks run inline), payloads in a local database table. docs/configuration.md lists
every variable; the README has the short table.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PAGERO_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The fallback key only exists so that `make run` works out of the box; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or "insecure-local-only-key-set-SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "pagero.partners",
    "pagero.documents",
    "pagero.formats",
    "pagero.routing",
    "pagero.delivery",
    "pagero.portal",
    "migration",
    "shadow",
]

MIDDLEWARE = [
    "pagero.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "pagero.urls"
WSGI_APPLICATION = "pagero.wsgi.application"
ASGI_APPLICATION = "pagero.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- relational database -------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or ""
if not DATABASE_URL:
    # Embedded default: a SQLite file under var/, created on first use so a fresh clone just works.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Serve static files from the app folders without a collectstatic step (make run stays one command).
WHITENOISE_USE_FINDERS = True

# --- task queue ----------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
# No broker configured means the embedded default: tasks run inline in the calling process.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or ("rpc://" if CELERY_BROKER_URL else None)
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "pagero")
# A task is acknowledged only after it ran, so a worker killed mid-task leaves it on the queue.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic tasks (run `celery -A pagero beat` next to the workers).
CELERY_BEAT_SCHEDULE = {
    "drain-payload-repair-log": {"task": "migration.drain_repair_log", "schedule": 30.0},
    "sweep-stuck-documents": {"task": "documents.sweep_stuck", "schedule": 60.0},
}

# --- payload store -------------------------------------------------------------------------
CASSANDRA_HOSTS = env_list("CASSANDRA_HOSTS")
CASSANDRA_PORT = int(os.environ.get("CASSANDRA_PORT", "9042"))
CASSANDRA_KEYSPACE = os.environ.get("CASSANDRA_KEYSPACE", "pagero")
CASSANDRA_REPLICATION = os.environ.get("CASSANDRA_REPLICATION", "{'class': 'SimpleStrategy', 'replication_factor': 1}")
CASSANDRA_CONSISTENCY = os.environ.get("CASSANDRA_CONSISTENCY", "LOCAL_QUORUM")
# `database`: a table of the relational database; `cassandra`: Cassandra only; `migration`: the phase of
# the PostgreSQL -> Cassandra migration (migration app) decides. With Cassandra configured, the phase decides.
PAYLOAD_STORE = os.environ.get("PAYLOAD_STORE") or ("migration" if CASSANDRA_HOSTS else "database")

# --- documents -----------------------------------------------------------------------------
MAX_DOCUMENT_BYTES = int(os.environ.get("MAX_DOCUMENT_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_DOCUMENT_BYTES + 1024 * 1024

# --- exchange pipeline ---------------------------------------------------------------------
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "6"))
# Backoff before retry n: base * 2**(n-1), with +-25% jitter, capped at one hour.
DELIVERY_RETRY_BASE_SECONDS = float(os.environ.get("DELIVERY_RETRY_BASE_SECONDS", "30"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Documents still in flight after this long are enqueued again by the sweeper (a lost message, a crash).
SWEEP_AFTER_SECONDS = float(os.environ.get("SWEEP_AFTER_SECONDS", "600"))
SUBMISSION_RATE = os.environ.get("SUBMISSION_RATE", "600/min")

# --- extracted contexts (strangler fig) --------------------------------------------------
CONTEXT_QUEUE_PREFIX = os.environ.get("CONTEXT_QUEUE_PREFIX", "context.")
CONTEXT_CALL_TIMEOUT_SECONDS = float(os.environ.get("CONTEXT_CALL_TIMEOUT_SECONDS", "5"))
CONTEXT_BREAKER_THRESHOLD = int(os.environ.get("CONTEXT_BREAKER_THRESHOLD", "3"))
CONTEXT_BREAKER_RESET_SECONDS = float(os.environ.get("CONTEXT_BREAKER_RESET_SECONDS", "10"))
# A canary above this share of tenants needs the cutover gate open, like remote.
CANARY_GATE_PERCENT = int(os.environ.get("CANARY_GATE_PERCENT", "10"))

# --- shadow traffic ----------------------------------------------------------------------
# Candidates run on their own queue, consumed by their own workers, so they never delay the pipeline.
SHADOW_QUEUE = os.environ.get("SHADOW_QUEUE", "shadow")
SHADOW_GATE_WINDOW_HOURS = float(os.environ.get("SHADOW_GATE_WINDOW_HOURS", "24"))
SHADOW_GATE_MIN_COMPARISONS = int(os.environ.get("SHADOW_GATE_MIN_COMPARISONS", "200"))
SHADOW_GATE_MAX_MISMATCH_UPPER = float(os.environ.get("SHADOW_GATE_MAX_MISMATCH_UPPER", "0.01"))

# --- e-mail --------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "network@localhost")

# --- REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["pagero.partners.auth.ApiTokenAuthentication"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "pagero.api_errors.json_exception_handler",
    # ?format= selects a document rendition in our API, not a DRF renderer.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "E-document exchange network API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"cassandra": {"level": "WARNING"}},
}
