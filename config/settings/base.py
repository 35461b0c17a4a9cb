"""Settings shared by every environment; the environment chooses database and broker."""

import re
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me")
# DJANGO_DEBUG=1 shows Django's debug pages instead of the site's error pages (developers only).
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "guardian",
    "simple_history",
    "axes",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "crm",
    "prospects",
    "tasks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed on the wire (a 200-row list: 230 KB of HTML, about 25 KB gzipped), with the
    # BREACH mitigation Django adds (a random-length name in each gzip header). Below WhiteNoise,
    # which serves its own precompressed static files; above everything that writes a body.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "crm.middleware.RequestGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it turns a lockout signalled by the login views into its page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy (django-csp) on every response: scripts and styles come only from
# our own static files, never from inline code or attributes (see static/js/behaviours.js
# for the confirmations and auto-submits that used to be inline handlers).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
SECURE_REFERRER_POLICY = "same-origin"
# Sent as Permissions-Policy: feature=() for each (config/middleware.py).
PERMISSIONS_POLICY_DENIED = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# Database: SQLite unless DATABASE_URL names another one (PostgreSQL in production).
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Every query here is short; PostgreSQL's JIT would compile the big ones (an import's
        # 5,000-value lookups, a list filter over a million rows) for 50-100 ms each.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username + address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.OneQueryModelBackend",  # Django's ModelBackend, permissions in one query
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: every page requires a login
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/prospects/"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes), on the app's login page and the admin's alike: after
# AXES_FAILURE_LIMIT failures for one username from one address, that pair is refused for
# AXES_COOLOFF_MINUTES or until an administrator deletes the attempt in the admin
# (« Tentatives de connexion »). Counting per pair keeps an attacker from locking a colleague out
# from another address. Attempts live in the database, shared by every gunicorn worker and
# machine (a per-process cache would multiply the limit by the number of workers).
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
# The client address: REMOTE_ADDR, or behind LOGIN_THROTTLE_PROXY_COUNT reverse proxies the address
# the outermost one saw, from X-Forwarded-For (never a value the client could choose).
LOGIN_THROTTLE_PROXY_COUNT = env_int("LOGIN_THROTTLE_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: French first, English available.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Files (uploads, job results) always go through the storage API, so web and worker
# processes on different machines share them. An S3-compatible bucket when configured.
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Upload limits (published in the README); imports check their own limits on top.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# Task attachments (T2), published limits: size of one file, files per upload, and the
# extension allow-list. Markup the browser could render (HTML, SVG, XML, scripts) is never
# accepted, whatever the environment says.
# The address-space ceiling of the child process that parses an uploaded .xlsx
# (prospects/imports/sheet_reader.py): a 100,000-row template needs about 220 MB; the
# rest is margin. A file that needs more fails its own import, not the web or worker process.
UPLOAD_READER_MEMORY_BYTES = env_int("UPLOAD_READER_MEMORY_BYTES", 512 * 1024 * 1024)
TASK_ATTACHMENT_MAX_SIZE = env_int("TASK_ATTACHMENT_MAX_SIZE", 10 * 1024 * 1024)
TASK_ATTACHMENT_MAX_FILES = env_int("TASK_ATTACHMENT_MAX_FILES", 10)
_ATTACHMENT_EXTENSIONS = "pdf doc docx odt rtf txt csv xls xlsx ods ppt pptx odp png jpg jpeg gif webp msg eml zip"
TASK_ATTACHMENT_EXTENSIONS = [
    extension.lower().lstrip(".")
    for extension in env_list("TASK_ATTACHMENT_EXTENSIONS", _ATTACHMENT_EXTENSIONS.split())
]
_RENDERABLE = {"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "js", "mjs"}
if _RENDERABLE & set(TASK_ATTACHMENT_EXTENSIONS) or TASK_ATTACHMENT_MAX_SIZE <= 0 or TASK_ATTACHMENT_MAX_FILES <= 0:
    raise ImproperlyConfigured(
        "TASK_ATTACHMENT_*: positive limits required; HTML, SVG, XML and scripts cannot be allowed."
    )

# Upload ceilings, the one place that says how large a request body may be (crm.uploads):
# per upload page, (largest file, largest total of files); the body may hold that total
# plus a margin for the multipart framing and the form around the files. Any other page takes no file and at most
# DATA_UPLOAD_MAX_MEMORY_SIZE plus the margin. A larger Content-Length is refused with a
# 413 before the body is read, and a body that streams past it is cut short. The pages'
# own limits (prospects.imports.xlsx, prospects.vcard.reader, TASK_ATTACHMENT_*) apply after;
# tests/test_uploads.py checks that these figures match them.
_MIB = 1024 * 1024
UPLOAD_MARGIN_BYTES = 1 * _MIB
UPLOAD_LIMITS = {
    "prospects:import_upload": (20 * _MIB, 20 * _MIB),
    "prospects:vcard_import": (10 * _MIB, 50 * _MIB),
    "prospects:vcard_quick_add": (10 * _MIB, 50 * _MIB),
    "tasks:attach": (TASK_ATTACHMENT_MAX_SIZE, TASK_ATTACHMENT_MAX_SIZE * TASK_ATTACHMENT_MAX_FILES),
    # The API's uploads (prospects.api, tasks.api): the same ceilings as their pages.
    "api:import-xlsx": (20 * _MIB, 20 * _MIB),
    "api:import-vcard": (10 * _MIB, 50 * _MIB),
    "api:task-attachments": (TASK_ATTACHMENT_MAX_SIZE, TASK_ATTACHMENT_MAX_SIZE * TASK_ATTACHMENT_MAX_FILES),
    "admin:tasks_taskattachment_add": (TASK_ATTACHMENT_MAX_SIZE, TASK_ATTACHMENT_MAX_SIZE),
    "admin:tasks_taskattachment_change": (TASK_ATTACHMENT_MAX_SIZE, TASK_ATTACHMENT_MAX_SIZE),
}
FILE_UPLOAD_HANDLERS = [
    "crm.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Celery: a broker URL means real workers; without one, tasks run in-process (eager)
# through the very same task code.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two queues, so that a long import or export never delays the short tasks (sweeps, expiries)
# and web-triggered work can be given its own workers: the default queue for short tasks,
# CELERY_JOBS_QUEUE for prospects.tasks.run_job (imports, exports, mass jobs). Run one worker
# per queue (`make worker` and `make worker-jobs`, README "Architecture et montée en charge").
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "crm")
CELERY_JOBS_QUEUE = env_str("CELERY_JOBS_QUEUE", f"{CELERY_TASK_DEFAULT_QUEUE}-jobs")
CELERY_TASK_ROUTES = {"prospects.tasks.run_job": {"queue": CELERY_JOBS_QUEUE}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery workers lower their own CPU priority by this much (config/celery.py): pages first.
WORKER_NICENESS = env_int("WORKER_NICENESS", 10)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE = {
    # Every minute; a sweep still queued a minute later is dropped (the next one does its work).
    "sweep-stuck-jobs": {"task": "prospects.tasks.sweep_stuck_jobs", "schedule": 60.0, "options": {"expires": 55}},
    "expire-import-previews": {"task": "prospects.tasks.expire_import_previews", "schedule": 3600.0},
    # GDPR retention: lists the contacts past PRIVACY_RETENTION_YEARS for review, weekly.
    "retention-review": {"task": "prospects.tasks.retention_review", "schedule": 7 * 24 * 3600.0},
}
# The cache carries live job progress between worker and web processes: Redis when one is
# configured (REDIS_URL, or a redis:// broker), process memory in embedded mode.
REDIS_URL = env_str("REDIS_URL", "") or (CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "crm",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions are read from Redis, written through to the database: one query less per request.
# Not with the per-process memory cache: a logout in one process would not reach the others.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"

# A running job stamps its row every JOB_HEARTBEAT_SECONDS; one whose stamp is older than
# JOB_STALE_AFTER_SECONDS is considered dead and failed by the sweeper (run every minute):
# a dead worker's job is failed within about two minutes.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 20)
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 80)
# Above these, the work runs as a background job with a progress bar instead of inside the
# request (gunicorn's timeout): a mass action on more contacts than this, a vCard upload of
# more cards or bytes than these.
MASS_ACTION_SYNC_LIMIT = env_int("MASS_ACTION_SYNC_LIMIT", 2000)
VCARD_SYNC_PREVIEW_MAX_CARDS = env_int("VCARD_SYNC_PREVIEW_MAX_CARDS", 2000)
VCARD_SYNC_PREVIEW_MAX_BYTES = env_int("VCARD_SYNC_PREVIEW_MAX_BYTES", 2 * 1024 * 1024)
# An import preview (upload checked, waiting for "Importer") and its file are deleted after this.
JOB_PREVIEW_EXPIRES_SECONDS = env_int("JOB_PREVIEW_EXPIRES_SECONDS", 24 * 3600)

# Duplicates (issue 17): a user who sees more contacts than this searches them as a job.
DUPLICATES_SYNC_MAX = env_int("DUPLICATES_SYNC_MAX", 50_000)
# GDPR (issue 17). CNIL: a prospect with no contact from them for 3 years is deleted or anonymised.
PRIVACY_RETENTION_YEARS = env_int("PRIVACY_RETENTION_YEARS", 3)
# The key of the opposition register's hashes. Set it once and keep it: changing it makes the
# register forget every person in it. Without it the register derives its key from SECRET_KEY.
OPPOSITION_REGISTER_KEY = env_str("OPPOSITION_REGISTER_KEY", "")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# The REST API (/api/, issue 18): token or session authentication, JSON only, one rate
# limit per token (API_RATE_LIMIT, e.g. "600/minute"), errors in JSON (crm.api).
API_RATE_LIMIT = env_str("API_RATE_LIMIT", "600/minute")
if not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured("API_RATE_LIMIT: expected <number>/<second|minute|hour|day>, e.g. 600/minute.")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["accounts.authentication.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": API_RATE_LIMIT},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["crm.api.SafeJSONParser", "crm.api.LimitedMultiPartParser"],
    "EXCEPTION_HANDLER": "crm.api.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": _(
        "API REST du CRM : contacts prospects, sociétés, notes, tâches, opportunités, abonnements et "
        "traitements d'import/export. Mêmes droits et même visibilité que les pages web."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields named alike on several models ("status", "type"): one schema enum per choice set.
    "ENUM_NAME_OVERRIDES": {
        "ContactStatusEnum": "prospects.models.ContactStatus",
        "JobStatusEnum": "prospects.models.JobStatus",
        "CompanyStatusEnum": "crm.choices.CompanyStatus",
        "CompanyTypeEnum": "crm.choices.CompanyType",
        "TaskStatusEnum": "tasks.models.TaskStatus",
        "TaskTypeEnum": "tasks.models.TaskType",
    },
}
