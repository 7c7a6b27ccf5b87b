"""Settings shared by every mode. Only this module reads the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-development-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Links in emails point where `scripts/run` serves (MERIDIAN_ADDR) unless SITE_URL says otherwise.
SITE_URL = env("SITE_URL", default="http://" + env("MERIDIAN_ADDR", default="127.0.0.1:8000"))
SITE_ID = 1
# Reverse proxies in front of the app (load balancer, ingress) that append to X-Forwarded-For.
# 0: the TCP peer is the client. Rate limits by address (allauth's login limits, the API's
# anonymous budget) read the address this many hops from the end of the header.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SITE_NAME = "Meridian"

ROOT_URLCONF = "mentoring.urls"
WSGI_APPLICATION = "mentoring.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------
# Applications
# ------------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Third party
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "django_celery_results",
    "django_countries",
    # Meridian
    "core",
    "mentoring",
    "accounts",
    "organizations",
    "programs",
    "participants",
    "mentorships",
    "matching",
    "notifications",
    "webhooks",
    "surveys",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "organizations.middleware.OrganizationMiddleware",
    "core.middleware.DomainErrorMiddleware",
]

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "organizations.context_processors.current_organization",
                "notifications.context_processors.unread_notifications",
                "mentorships.context_processors.unread_messages",
                "mentoring.context_processors.app_shell",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Database: SQLite by default, PostgreSQL (or anything django-environ parses) via DATABASE_URL
# ------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'meridian.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat write to one SQLite file at once: wait for the lock instead of
    # failing, and let readers proceed during writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # SQLite keeps no covering columns (W040) and no unique index whose NULLs are equal
    # (W047): the survey counts, which need the latter, take their own SQLite path
    # (surveys.result_counts._upsert_each), and the former only costs speed at demo sizes.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # No JIT compilation: with row-level security the planner overestimates rows, and
        # compiling a page's small queries cost more than running them (the app shell's
        # "My mentorships" took 0.69 s, 0.68 s of it compiling, at 60,000 mentorships).
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()

# ------------------------------------------------------------------------------
# Cache and broker: Redis when REDIS_URL is set, otherwise files on disk shared by processes
# ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# Redis hands an unacknowledged message to another worker only after `visibility_timeout`
# (an hour by default). The longest task is a round run: the 100,000 x 20,000 benchmark
# cohort takes 40 s to 2.5 min of engine and greedy baseline (idle to loaded 2-core machine),
# so 10 minutes does not hand a running task to a second worker. A run lost with its worker
# does not wait for it: the round sweep takes it back when its lease expires
# (docs/operations.md). A web request that sends a task gives up after
# `socket_connect_timeout` when Redis does not accept the connection, and after
# `socket_timeout` when a connection stops answering (a half-open socket, a Redis that hangs);
# without it a publish waits forever. The worker's BRPOP asks Redis to answer within
# `brpop_timeout` (kombu: 1 s), so the read timeout stays well above that.
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 10 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 3,
}
# A publish is tried once. Celery's default policy (3 retries, each reconnecting) held a web
# request 15.7 s on a Redis that hangs after it had answered, and 6 s on one that never answered
# (docs/operations.md, "Redis"); work that must happen is a row a sweep sends again. A pooled
# connection that Redis closed (a restart) is replaced by redis-py when it is taken from the
# pool, which needs no retry.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
# Every Redis call is bounded: with Redis down a request waits at most this long once, then the
# cache answers from process memory for a few seconds (core.cache), so pages, API reads and
# login keep working with per-process rate limits.
REDIS_TIMEOUT_SECONDS = env.float("REDIS_TIMEOUT_SECONDS", default=0.25)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = REDIS_BROKER_TRANSPORT_OPTIONS
else:
    # The web process, the worker and beat are separate processes: a per-process memory cache
    # would hide the worker's heartbeat from /healthz and split allauth's rate limits.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }

# ------------------------------------------------------------------------------
# Celery
# ------------------------------------------------------------------------------
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
HEARTBEAT_INTERVAL_SECONDS = env.int("HEARTBEAT_INTERVAL_SECONDS", default=30)
# A worker running a match round renews its lease every quarter of this; a lease left to
# expire means the worker is gone and the round sweep (every minute) hands the run to another.
MATCH_ROUND_LEASE_SECONDS = env.int("MATCH_ROUND_LEASE_SECONDS", default=120)
# Webhooks may go to loopback and private addresses, over plain http (tests and development).
WEBHOOKS_ALLOW_PRIVATE_TARGETS = False
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "mentoring.tasks.heartbeat_task",
        "schedule": HEARTBEAT_INTERVAL_SECONDS,
        "options": {"expires": HEARTBEAT_INTERVAL_SECONDS},
    },
    "expire-mentor-requests": {
        "task": "matching.tasks.expire_mentor_requests_task",
        "schedule": 60 * 60,
    },
    "start-scheduled-match-rounds": {
        "task": "matching.tasks.start_scheduled_rounds_task",
        "schedule": 24 * 60 * 60,
    },
    # Rounds are rows; this sends their triggers again when one was lost (docs/operations.md).
    "sweep-match-rounds": {
        "task": "matching.tasks.sweep_match_rounds_task",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # The news of a match goes out from a task at publish; this sends what a broker outage or
    # a lost worker left unsent.
    "announce-matches": {
        "task": "matching.tasks.announce_matches_task",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
    # Reminders are rows made when a check-in is booked; this sends the due ones.
    "send-check-in-reminders": {
        "task": "mentorships.tasks.send_check_in_reminders_task",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Survey invitations and reminders are rows made by the scan itself; each is sent once.
    "dispatch-surveys": {
        "task": "surveys.tasks.dispatch_surveys_task",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Nudges are days apart: an hourly scan is soon enough, and each is claimed once.
    "send-nudges": {
        "task": "mentorships.tasks.send_nudges_task",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    # The daily digest of unread messages: hourly, so it reaches each person in their own
    # morning; each person's day is claimed once.
    "send-message-digests": {
        "task": "mentorships.tasks.send_message_digests_task",
        "schedule": 3600,
        "options": {"expires": 3600},
    },
    # Webhook deliveries are rows; this sends the due ones and takes back a lost worker's.
    "send-due-webhooks": {
        "task": "webhooks.tasks.send_due_webhooks_task",
        "schedule": 60,
        "options": {"expires": 60},
    },
    # Each cohort's figures of the day that ended, for the dashboards' time series.
    "take-daily-snapshots": {
        "task": "analytics.tasks.take_daily_snapshots_task",
        "schedule": crontab(hour=0, minute=30),
    },
    # The dashboard's and reports' figures viewed in the last day, counted again when a write
    # made them old, so the first viewer after a change usually finds them current.
    "refresh-viewed-figures": {
        "task": "analytics.tasks.refresh_viewed_figures_task",
        "schedule": 5 * 60,
        "options": {"expires": 5 * 60},
    },
    # Each program's model of match success, retrained on its past pairs (docs/learned-matching.md).
    "train-learned-models": {
        "task": "analytics.tasks_learning.train_learned_models_task",
        "schedule": crontab(hour=2, minute=15),
    },
}

# ------------------------------------------------------------------------------
# Authentication (django-allauth)
# ------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_ADAPTER = "organizations.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_RATE_LIMITS: dict[str, str] | bool = {  # the test settings switch them off
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
INVITATION_VALID_DAYS = 14

# ------------------------------------------------------------------------------
# Email
# ------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_URL = env("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Meridian <no-reply@meridian.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ------------------------------------------------------------------------------
# Internationalisation
# ------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# ------------------------------------------------------------------------------
# Static files
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT: Path | None = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# ------------------------------------------------------------------------------
# Uploads: CSV imports are small text files; anything far larger is refused early
# ------------------------------------------------------------------------------
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PARTICIPANT_IMPORT_MAX_BYTES = env.int("PARTICIPANT_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)
PARTICIPANT_IMPORT_MAX_ROWS = env.int("PARTICIPANT_IMPORT_MAX_ROWS", default=10_000)

# ------------------------------------------------------------------------------
# REST API
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organizations.api_auth.OrganizationAPIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["organizations.api_auth.HasOrganizationAccess"],
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "organizations.api_auth.AnonymousRateThrottle",
        "organizations.api_auth.OrganizationRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "organization": env("API_THROTTLE_ORGANIZATION", default="1200/min"),
    },
    # The client address is the one the last trusted proxy saw; X-Forwarded-For entries
    # before it are the client's to write and count for nothing.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
API_KEY_CUSTOM_HEADER = "HTTP_X_API_KEY"
SPECTACULAR_SETTINGS = {
    "TITLE": "Meridian API",
    "DESCRIPTION": (
        "Programs, cohorts and participants of one organization. Authenticate with an "
        "organization API key (`Authorization: Api-Key <key>`) or a browser session."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Redoc's default fonts come from Google; the reader's own sans-serif instead.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, sans-serif",
                "headings": {"fontFamily": "system-ui, sans-serif"},
            }
        }
    },
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Request bodies get their own components, without the read-only fields.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Every operation's error answers (400, 401, 403, 404, 413, 415, 429).
        "organizations.api_schema.document_errors",
    ],
}

# ------------------------------------------------------------------------------
# Security defaults (production.py tightens them)
# ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# ------------------------------------------------------------------------------
# Content-Security-Policy and Permissions-Policy (issue 7 item 13) — begin
# ------------------------------------------------------------------------------
# Every script and stylesheet is a file from this server (htmx, Chart.js, Swagger UI and Redoc
# included): no inline <script>, no on*= handlers, no style="" attributes, no nonces. The one
# exception is the Redoc page (mentoring/api_urls.py), whose bundle injects <style> elements.
# tests/core/test_security_headers.py and tests/browser/test_csp.py hold the pages to it.
from csp.constants import NONE, SELF  # noqa: E402

INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "csp.middleware.CSPMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1,
    "core.headers.PermissionsPolicyMiddleware",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}
# Powerful browser features no page here uses, switched off for this site and anything it frames.
# WebAuthn (publickey-credentials-*) keeps its default, this origin only, for allauth's MFA keys.
# Only features Chromium recognises: it logs an error on every page for any other ("bluetooth"
# among them; tests/core/test_security_headers.py asks Chromium itself).
PERMISSIONS_POLICY: dict[str, list[str]] = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": [],
    "gyroscope": [],
    "hid": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "screen-wake-lock": [],
    "serial": [],
    "usb": [],
    "xr-spatial-tracking": [],
}
# ------------------------------------------------------------------------------
# Content-Security-Policy and Permissions-Policy — end
# ------------------------------------------------------------------------------

# ------------------------------------------------------------------------------
# Logging: one line per event, machine-readable keys
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "keyvalue": {
            "format": "time=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "keyvalue"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
