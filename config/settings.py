"""Settings for every environment, read from environment variables.

The defaults run the embedded mode (SQLite, a broker on the file system);
`make run` adds its settings in VAR_DIR/.env, which the environment overrides.
Production sets DEBUG=false, SECRET_KEY, SITE_URL, DATABASE_URL, REDIS_URL and
the mail settings; see the README's configuration table.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.env import (
    env_file_path,
    envbool,
    envint,
    envlist,
    envstr,
    private_directory,
    private_file,
    read_env_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# Database, cache, broker, demo logins and keys: readable by the owner only.
VAR_DIR = private_directory(Path(envstr("VAR_DIR", str(BASE_DIR / "var"))))
ENV_FILE = env_file_path(VAR_DIR)
if ENV_FILE:
    read_env_file(ENV_FILE)

DEBUG = envbool("DEBUG", False)
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    # Lasts as long as this process; `make run` keeps a lasting one in VAR_DIR/.env.
    SECRET_KEY = secrets.token_urlsafe(50)

# Numbers in audit events and watch lists are stored as HMAC-SHA256 under this key.
NUMBER_HASH_KEY = envstr("NUMBER_HASH_KEY")
if not NUMBER_HASH_KEY:
    if not DEBUG:
        # Its own key: rotating SECRET_KEY must not orphan every stored hash.
        raise ImproperlyConfigured("NUMBER_HASH_KEY must be set when DEBUG is off")
    NUMBER_HASH_KEY = SECRET_KEY


def embedded_secret(path: Path) -> str:
    """A random key kept in VAR_DIR (mode 600) for the embedded mode, made on the first start."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as file:
            file.write(secrets.token_hex(32))
    return path.read_text().strip()


# The private-screening server key (32 bytes as 64 hex digits). A new key only makes the set-up rebuild.
PSI_KEY = envstr("PSI_KEY") or (embedded_secret(VAR_DIR / "psi-key") if DEBUG else "")
if not PSI_KEY:
    raise ImproperlyConfigured("PSI_KEY must be set when DEBUG is off: 64 hex digits, e.g. `openssl rand -hex 32`")
try:
    PSI_KEY_BYTES = bytes.fromhex(PSI_KEY)
except ValueError:
    PSI_KEY_BYTES = b""
if len(PSI_KEY_BYTES) != 32:
    raise ImproperlyConfigured("PSI_KEY must be 64 hex digits (32 bytes)")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "accounts",
    "audit",
    "directory",
    "screenings",
    "disputes",
    "private_screening",
    "front",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "api.middleware.JsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.RequireTwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.membership",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if not envstr("DATABASE_URL"):
        private_file(Path(DATABASES["default"]["NAME"]))
    # Web server and Celery worker share one file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.SlowDownBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "front:dashboard"
LOGOUT_REDIRECT_URL = "front:home"

REQUIRE_2FA = envbool("REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Accountability Directory"

AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_MINUTES", 30, minimum=1) / 60
# An address, and a user name from one address, are locked; a user name alone only slowed (accounts.backends).
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(VAR_DIR / "uploads")))

EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "directory@localhost")
# The public base URL of emailed links; the embedded mode's follows the port `make run` serves on.
SITE_URL = envstr("SITE_URL").rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off (the public base URL of emailed links)")
    SITE_URL = f"http://127.0.0.1:{envint('PORT', 8000, minimum=1)}"

# Text messages (django-sms backends) carry the one-time codes with which a dispute's filer proves
# control of the number. Backends that print, keep or drop messages instead of sending them would
# put codes in logs or make disputes impossible: DEBUG only.
SMS_BACKEND = envstr("SMS_BACKEND", "sms.backends.console.SmsBackend" if DEBUG else "sms.backends.twilio.SmsBackend")
_SMS_BACKENDS_FOR_DEBUG = ("console", "locmem", "filebased", "dummy")
if not DEBUG and SMS_BACKEND.startswith(tuple(f"sms.backends.{name}." for name in _SMS_BACKENDS_FOR_DEBUG)):
    raise ImproperlyConfigured(f"SMS_BACKEND {SMS_BACKEND} does not send text messages: use it with DEBUG on only")
DEFAULT_FROM_SMS = envstr("DEFAULT_FROM_SMS")
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = envstr("TWILIO_AUTH_TOKEN")

# Security headers; the secure-cookie and HTTPS settings follow DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
# Scripts and styles come from this site's own files only: no inline code, no other origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if envbool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The product's own rules (SPEC sections 2 to 6).
DEFAULT_REGION = envstr("DEFAULT_REGION", "US")
RETENTION_YEARS = envint("RETENTION_YEARS", 7, minimum=1)
SCREENING_RETENTION_DAYS = envint("SCREENING_RETENTION_DAYS", 90, minimum=1)
SCREENING_MAX_ROWS = envint("SCREENING_MAX_ROWS", 1_000_000, minimum=1)
SCREENING_MAX_BYTES = envint("SCREENING_MAX_BYTES", 50 * 1024 * 1024, minimum=1)
# LOOKUP_RATE_PER_MINUTE is the deprecated name of LOOKUP_REQUESTS_PER_MINUTE.
_deprecated_lookup_rate = envint("LOOKUP_RATE_PER_MINUTE", 60, minimum=1)
LOOKUP_REQUESTS_PER_MINUTE = envint("LOOKUP_REQUESTS_PER_MINUTE", _deprecated_lookup_rate, minimum=1)
LOOKUP_NUMBERS_PER_MINUTE = envint("LOOKUP_NUMBERS_PER_MINUTE", 1000, minimum=1)
DEFAULT_DAILY_LOOKUP_QUOTA = envint("DEFAULT_DAILY_LOOKUP_QUOTA", 2000, minimum=0)
DEFAULT_DAILY_SCREENING_QUOTA = envint("DEFAULT_DAILY_SCREENING_QUOTA", 2_000_000, minimum=0)
SCREENING_CHUNK_ROWS = envint("SCREENING_CHUNK_ROWS", 20_000, minimum=1)
SCREENING_STALL_SECONDS = envint("SCREENING_STALL_SECONDS", 90, minimum=1)
SCREENING_MAX_ATTEMPTS = envint("SCREENING_MAX_ATTEMPTS", 5, minimum=1)
SCREENING_INTERACTIVE_ROWS = envint("SCREENING_INTERACTIVE_ROWS", 50_000, minimum=0)
CONTACT_IMPORT_BATCH_ROWS = envint("CONTACT_IMPORT_BATCH_ROWS", 20_000, minimum=1)
# A file longer than one batch is shared into this many parts, written side by side by as many
# worker processes. SQLite lets one process write at a time: there, one part.
CONTACT_IMPORT_PARTS = envint(
    "CONTACT_IMPORT_PARTS", 1 if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3" else 2, minimum=1
)
# A part's task stops after the batch that ends past this many seconds and is sent again, behind the
# work queued meanwhile: a long import never holds a worker process for long.
CONTACT_IMPORT_SLICE_SECONDS = envint("CONTACT_IMPORT_SLICE_SECONDS", 30, minimum=1)
DISPUTES_PER_IP_PER_HOUR = envint("DISPUTES_PER_IP_PER_HOUR", 5, minimum=1)
DISPUTE_CODES_PER_NUMBER_PER_DAY = envint("DISPUTE_CODES_PER_NUMBER_PER_DAY", 3, minimum=1)
DISPUTE_CODE_VALID_MINUTES = envint("DISPUTE_CODE_VALID_MINUTES", 10, minimum=1)
PASSWORD_RESETS_PER_ADDRESS_PER_HOUR = envint("PASSWORD_RESETS_PER_ADDRESS_PER_HOUR", 3, minimum=1)
PASSWORD_RESETS_PER_IP_PER_HOUR = envint("PASSWORD_RESETS_PER_IP_PER_HOUR", 10, minimum=1)
ACCESS_REQUESTS_PER_IP_PER_HOUR = envint("ACCESS_REQUESTS_PER_IP_PER_HOUR", 5, minimum=1)
INVITATION_VALID_DAYS = envint("INVITATION_VALID_DAYS", 7, minimum=1)
BATCH_LOOKUP_MAX = 1000
PSI_SHARDS = envint("PSI_SHARDS", 8, minimum=1)
PSI_REQUEST_MAX_NUMBERS = envint("PSI_REQUEST_MAX_NUMBERS", 20_000, minimum=1)
PSI_REBUILD_DELAY_SECONDS = envint("PSI_REBUILD_DELAY_SECONDS", 180, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiKeyAuthentication",
        "api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.json_exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Accountability Directory API",
    "DESCRIPTION": (
        "Check company-owned phone numbers against the directory of numbers that "
        "contacted decoy ads. A listing records contact from a number, not who used it."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "LookupOutcomeEnum": "directory.matching.Outcome.ALL",
        "ImportOutcomeEnum": "directory.importing.IMPORT_OUTCOMES",
        "ScreeningStatusEnum": "screenings.models.Screening.Status",
        "NumberStatusEnum": "directory.models.ListedNumber.Status",
    },
}

SIMPLE_HISTORY_REVERT_DISABLED = True

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_IGNORE_RESULT = True
# Every worker consumes both queues, in turn: small screenings, finalizing, alerts and imports go to
# `interactive`; the preparation and chunks of lists over SCREENING_INTERACTIVE_ROWS go to `bulk`.
CELERY_TASK_QUEUES = [Queue("interactive"), Queue("bulk")]
CELERY_TASK_DEFAULT_QUEUE = "interactive"
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_POOL = "config.prefork_pool:TaskPool"
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 600, minimum=1)
CELERY_TASK_TIME_LIMIT = CELERY_TASK_SOFT_TIME_LIMIT + 60
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE = {
    "requeue-stalled-screenings": {"task": "screenings.tasks.requeue_stalled_screenings_task", "schedule": 30.0},
    "requeue-stalled-imports": {"task": "directory.tasks.requeue_stalled_imports_task", "schedule": 30.0},
    "purge-expired-screenings": {"task": "screenings.tasks.purge_expired_screenings_task", "schedule": 3600.0},
    "purge-stale-drafts": {"task": "screenings.tasks.purge_stale_drafts_task", "schedule": 600.0},
    "purge-expired-directory": {"task": "directory.tasks.purge_expired_directory_task", "schedule": 86400.0},
    "refresh-private-screening-setup": {"task": "private_screening.tasks.refresh_setup_task", "schedule": 600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}
