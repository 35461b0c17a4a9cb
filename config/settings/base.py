"""Settings shared by every environment; the environment chooses database and broker."""

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
    "django.contrib.auth.backends.ModelBackend",
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
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "crm")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BEAT_SCHEDULE = {
    "sweep-stuck-jobs": {"task": "prospects.tasks.sweep_stuck_jobs", "schedule": 300.0},
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

# A RUNNING job whose heartbeat is older than this is considered dead.
JOB_STALE_AFTER_SECONDS = env_int("JOB_STALE_AFTER_SECONDS", 900)
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
