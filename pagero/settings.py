"""Settings, read from the environment (12-factor).

With no variable set the product runs on its embedded default: SQLite under var/, Celery in
eager mode (tasks run inline), payloads in a local database table. docs/configuration.md lists
every variable; the README has the short table.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

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
# PAGERO_ENV=production turns on the deployment hardening below (HTTPS only, HSTS, secure cookies, SMTP)
# and refuses to start without a real SECRET_KEY. Anything else is the embedded default of `make run`:
# plain http on loopback.
PAGERO_ENV = os.environ.get("PAGERO_ENV", "").strip().lower() or "embedded"
if PAGERO_ENV not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"PAGERO_ENV must be 'production' or empty, not {PAGERO_ENV!r}")
PRODUCTION = PAGERO_ENV == "production"
# The fallback key only exists so that `make run` works out of the box; production sets SECRET_KEY.
INSECURE_SECRET_KEY = "insecure-local-only-key-set-SECRET_KEY-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or INSECURE_SECRET_KEY
if PRODUCTION:
    # The same bar as Django's own deployment check (security.W009): a known, short or repetitive key
    # lets anyone forge sessions, password-reset links and signed values.
    if SECRET_KEY in {INSECURE_SECRET_KEY, "change-me"} or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "PAGERO_ENV=production needs SECRET_KEY: a random value of at least 50 characters, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`"
        )
    if DEBUG:
        raise ImproperlyConfigured("PAGERO_ENV=production refuses DEBUG=1: debug pages show settings and code")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- transport and browser security ---------------------------------------------------------
# Production is served over HTTPS only; the embedded default stays reachable over plain http.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# Probes and the metrics scrape come from inside the deployment over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(31536000 if PRODUCTION else 0)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients' requests).
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# One policy everywhere: scripts only from our origin (inline ones carry the per-response nonce);
# inline style attributes stay allowed for the console's templates.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Bearer token for /metrics; empty: the endpoint is open (scrape it from the internal network only).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files: /api/docs/ works offline
    "axes",
    "csp",
    "pagero.partners",
    "pagero.documents",
    "pagero.formats",
    "pagero.routing",
    "pagero.delivery",
    "pagero.portal",
    "pagero.intake",
    "payload_migration",
    "strangler",
    "shadow",
]

MIDDLEWARE = [
    "pagero.metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Refuses oversized or unframed bodies before anything (CSRF, parsers) reads them.
    "pagero.api_errors.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The portal in the browser's language (Accept-Language), among LANGUAGES.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
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
# Connections are kept for a minute and checked before their first use in a request or task (a database restart
# then costs one reconnect, not an error).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite takes one writer at a time. BEGIN IMMEDIATE takes the write lock when a transaction starts, so a
    # second writer waits (up to `timeout` seconds) instead of failing with "database is locked" when a read
    # transaction tries to become a write; WAL lets readers go on while one writes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": float(os.environ.get("SQLITE_TIMEOUT_SECONDS", "30")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Failed logins (portal and console) are counted per username and client address (django-axes); after
# LOGIN_FAILURE_LIMIT failures that pair is locked for LOGIN_LOCKOUT_MINUTES, even with the right password.
AUTHENTICATION_BACKENDS = [
    "pagero.portal.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "pagero.portal.login_throttle.lockout_response"
AXES_RESET_ON_SUCCESS = True
# Lockouts are still logged as warnings and listed in the console; no banner on every command.
AXES_VERBOSE = False
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("sv", "Svenska")]
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
# Celery closes every database connection before and after each task unless told to reuse them: four new
# PostgreSQL sessions per document. Reused, they age out and are health-checked like a web request's
# (pagero.celery closes old connections around each task); the forced close comes every 1,000 tasks (0: Celery's
# default, a connection per task, kept for comparison in bench/pipeline.py).
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "1000"))
# Publishing a message retries for about 14 s (a broker restart takes ~10 s) before giving up; a message that
# still could not be published leaves its document to the sweeper.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 8, "interval_start": 0, "interval_step": 0.5, "interval_max": 3}
# Periodic tasks (run `celery -A pagero beat` next to the workers).
CELERY_BEAT_SCHEDULE = {
    "drain-payload-repair-log": {"task": "migration.drain_repair_log", "schedule": 30.0},
    "sweep-stuck-documents": {"task": "documents.sweep_stuck", "schedule": 60.0},
    "flag-overdue-order-responses": {"task": "documents.flag_overdue_order_responses", "schedule": 300.0},
    "send-notifications": {"task": "portal.send_notifications", "schedule": 300.0},
}
# The notification sender lives outside a tasks.py module: the workers import it by name.
CELERY_IMPORTS = ["pagero.portal.notifications"]

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
# A multipart upload may carry this much besides the document (boundaries, part headers, small fields).
MULTIPART_OVERHEAD_BYTES = 64 * 1024
# Form fields (not files) held in memory; documents never go through request.POST/request.body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
# Uploaded files above this size are spooled to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2621440

# --- exchange pipeline ---------------------------------------------------------------------
DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DELIVERY_MAX_ATTEMPTS", "6"))
# Backoff before retry n: base * 2**(n-1), with +-25% jitter, capped at one hour.
DELIVERY_RETRY_BASE_SECONDS = float(os.environ.get("DELIVERY_RETRY_BASE_SECONDS", "30"))
# A delivered order without a response after this many hours is flagged on its timeline and in the lists.
ORDER_RESPONSE_DUE_HOURS = float(os.environ.get("ORDER_RESPONSE_DUE_HOURS", "48"))
# Delivery channels: name -> adapter class (pagero/delivery/port.py ChannelAdapter), as EMAIL_BACKEND names a backend.
DELIVERY_CHANNELS = {
    "inbox": "pagero.delivery.channels.inbox.InboxChannel",
    "webhook": "pagero.delivery.channels.webhook.WebhookChannel",
    "email": "pagero.delivery.channels.email.EmailChannel",
    "sftp": "pagero.delivery.channels.sftp.SftpChannel",
    "peppol": "pagero.delivery.channels.peppol.PeppolChannel",
}
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
# Documents still in flight after this long are enqueued again by the sweeper (a lost message, a crash).
SWEEP_AFTER_SECONDS = float(os.environ.get("SWEEP_AFTER_SECONDS", "600"))
SUBMISSION_RATE = os.environ.get("SUBMISSION_RATE", "600/min")

# --- extracted contexts (strangler fig) --------------------------------------------------
CONTEXT_QUEUE_PREFIX = os.environ.get("CONTEXT_QUEUE_PREFIX", "context.")
CONTEXT_CALL_TIMEOUT_SECONDS = float(os.environ.get("CONTEXT_CALL_TIMEOUT_SECONDS", "5"))
CONTEXT_BREAKER_THRESHOLD = int(os.environ.get("CONTEXT_BREAKER_THRESHOLD", "3"))
CONTEXT_BREAKER_RESET_SECONDS = float(os.environ.get("CONTEXT_BREAKER_RESET_SECONDS", "10"))
# The breaker is shared by all workers (a database row per context): failures count within this window, and a
# worker trusts its last reading of a closed circuit for at most the cache period.
CONTEXT_BREAKER_WINDOW_SECONDS = float(os.environ.get("CONTEXT_BREAKER_WINDOW_SECONDS", "60"))
CONTEXT_BREAKER_CACHE_SECONDS = float(os.environ.get("CONTEXT_BREAKER_CACHE_SECONDS", "1"))
# Service discovery: serve_context announces itself this often; an instance not seen for the TTL is not live; a
# process remembers "nobody serves this context" for the discovery cache period.
CONTEXT_HEARTBEAT_SECONDS = float(os.environ.get("CONTEXT_HEARTBEAT_SECONDS", "5"))
CONTEXT_INSTANCE_TTL_SECONDS = float(os.environ.get("CONTEXT_INSTANCE_TTL_SECONDS", "15"))
CONTEXT_DISCOVERY_CACHE_SECONDS = float(os.environ.get("CONTEXT_DISCOVERY_CACHE_SECONDS", "2"))
# A canary above this share of tenants needs the cutover gate open, like remote.
CANARY_GATE_PERCENT = int(os.environ.get("CANARY_GATE_PERCENT", "10"))

# --- shadow traffic ----------------------------------------------------------------------
# Candidates run on their own queue, consumed by their own workers, so they never delay the pipeline.
SHADOW_QUEUE = os.environ.get("SHADOW_QUEUE", "shadow")
SHADOW_GATE_WINDOW_HOURS = float(os.environ.get("SHADOW_GATE_WINDOW_HOURS", "24"))
SHADOW_GATE_MIN_COMPARISONS = int(os.environ.get("SHADOW_GATE_MIN_COMPARISONS", "200"))
SHADOW_GATE_MAX_MISMATCH_UPPER = float(os.environ.get("SHADOW_GATE_MAX_MISMATCH_UPPER", "0.01"))

# --- e-mail --------------------------------------------------------------------------------
# Production sends through SMTP (EMAIL_HOST, EMAIL_PORT); the embedded default prints to stdout.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if PRODUCTION else "django.core.mail.backends.console.EmailBackend",
)
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
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # asyncssh logs every SFTP connection at INFO.
    "loggers": {"cassandra": {"level": "WARNING"}, "asyncssh": {"level": "WARNING"}},
}

# --- Peppol AS4 (docs/as4.md): the SMP looked up for a recipient's access point, the CAs trusted for SMP answers
# and access points (PEM files), our access point's certificate and key, and the time limits of a delivery.
PEPPOL_SMP_URL = os.environ.get("PEPPOL_SMP_URL", "")
PEPPOL_SMP_TRUST_ANCHORS = os.environ.get("PEPPOL_SMP_TRUST_ANCHORS", "")
PEPPOL_AP_TRUST_ANCHORS = os.environ.get("PEPPOL_AP_TRUST_ANCHORS", "")
PEPPOL_AP_CERTIFICATE = os.environ.get("PEPPOL_AP_CERTIFICATE", "")
PEPPOL_AP_KEY = os.environ.get("PEPPOL_AP_KEY", "")
# Inbound: the public URL of our /as4 that our SMP names (default: from the request), the SMP's signing certificate
# and key, and the largest AS4 request read.
PEPPOL_AP_URL = os.environ.get("PEPPOL_AP_URL", "")
PEPPOL_SMP_CERTIFICATE = os.environ.get("PEPPOL_SMP_CERTIFICATE", "")
PEPPOL_SMP_KEY = os.environ.get("PEPPOL_SMP_KEY", "")
AS4_MAX_REQUEST_BYTES = int(os.environ.get("AS4_MAX_REQUEST_BYTES", str(MAX_DOCUMENT_BYTES + MULTIPART_OVERHEAD_BYTES)))
PEPPOL_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("PEPPOL_CONNECT_TIMEOUT_SECONDS", "10"))
PEPPOL_TIMEOUT_SECONDS = float(os.environ.get("PEPPOL_TIMEOUT_SECONDS", "60"))

# --- SFTP (docs/sftp.md): the drop served by `manage.py serve_sftp` and the delivery channel ---
SFTP_LISTEN_HOST = os.environ.get("SFTP_LISTEN_HOST", "127.0.0.1")
SFTP_PUBLIC_HOST = os.environ.get("SFTP_PUBLIC_HOST", "")  # shown to customers on the SFTP page
SFTP_PORT = int(os.environ.get("SFTP_PORT", "2222"))
SFTP_HOST_KEY_PATH = os.environ.get("SFTP_HOST_KEY_PATH", str(VAR_DIR / "sftp_host_ed25519"))
SFTP_ROOT = os.environ.get("SFTP_ROOT", str(VAR_DIR / "sftp"))
SFTP_FILES_PER_CONNECTION = int(os.environ.get("SFTP_FILES_PER_CONNECTION", "100"))
SFTP_OPEN_UPLOADS = int(os.environ.get("SFTP_OPEN_UPLOADS", "4"))
SFTP_MAX_CONNECTIONS = int(os.environ.get("SFTP_MAX_CONNECTIONS", "32"))
SFTP_LOGIN_TIMEOUT_SECONDS = float(os.environ.get("SFTP_LOGIN_TIMEOUT_SECONDS", "30"))
SFTP_CONNECTION_MAX_SECONDS = float(os.environ.get("SFTP_CONNECTION_MAX_SECONDS", "3600"))
SFTP_RESULTS_KEPT = int(os.environ.get("SFTP_RESULTS_KEPT", "1000"))
SFTP_CONNECT_TIMEOUT_SECONDS = float(os.environ.get("SFTP_CONNECT_TIMEOUT_SECONDS", "10"))
SFTP_DELIVERY_TIMEOUT_SECONDS = float(os.environ.get("SFTP_DELIVERY_TIMEOUT_SECONDS", "120"))

# Webhook targets (pagero/delivery/webhook.py): https only unless WEBHOOK_ALLOW_HTTP; addresses inside the network
# (loopback, private, link-local, ...) are refused unless covered by WEBHOOK_ALLOWED_HOSTS (IP addresses or CIDRs).
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
WEBHOOK_ALLOWED_HOSTS = env_list("WEBHOOK_ALLOWED_HOSTS")
# Identifier claims: the e-mail confirmation link (pagero/partners/confirmation.py) and how long it stays valid.
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
IDENTIFIER_CONFIRMATION_MAX_AGE_SECONDS = int(os.environ.get("IDENTIFIER_CONFIRMATION_MAX_AGE_SECONDS", "259200"))

# --- exchange pipeline: failures, time limits, stuck documents -------------------------------
# A step that raises something it does not handle is retried this many times in all (backoff base * 2**(n-1),
# +-25% jitter), then the document fails with "internal error while <step>: <type>: <message>".
PIPELINE_STEP_MAX_ATTEMPTS = int(os.environ.get("PIPELINE_STEP_MAX_ATTEMPTS", "3"))
PIPELINE_STEP_RETRY_BASE_SECONDS = float(os.environ.get("PIPELINE_STEP_RETRY_BASE_SECONDS", "5"))
# Celery time limits of every pipeline task: past the soft one the document fails with that reason; the hard one
# kills a step that does not stop.
PIPELINE_SOFT_TIME_LIMIT_SECONDS = float(os.environ.get("PIPELINE_SOFT_TIME_LIMIT_SECONDS", "120"))
PIPELINE_HARD_TIME_LIMIT_SECONDS = float(os.environ.get("PIPELINE_HARD_TIME_LIMIT_SECONDS", "150"))
# The sweeper re-queues a stuck document at most this many times per status (waiting SWEEP_AFTER_SECONDS, then
# twice as long each time), then fails it: "stuck in <status> after N re-queues". At most SWEEP_BATCH per run.
SWEEP_MAX_REQUEUES = int(os.environ.get("SWEEP_MAX_REQUEUES", "5"))
SWEEP_BATCH = int(os.environ.get("SWEEP_BATCH", "500"))
# A repeated invoice (same sender, type, number and issue date) is held until its sender confirms a resend; after
# this many days unconfirmed it ends rejected ("duplicate not confirmed").
DUPLICATE_HOLD_DAYS = int(os.environ.get("DUPLICATE_HOLD_DAYS", "14"))
