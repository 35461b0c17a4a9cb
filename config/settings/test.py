"""Test settings: fast hashing, throwaway media, same database/broker selection as base.

Tasks run in-process (eager) in tests even when a broker is configured; the tests that
exercise a real worker switch eager mode off themselves.
"""

import os
import tempfile

from config.settings.base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or tempfile.mkdtemp(prefix="crm-test-media-")
STATIC_ROOT = None
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE") or f"crm-test-{os.getpid()}"
CELERY_JOBS_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-jobs"  # the routes follow the per-run queue names
CELERY_TASK_ROUTES = {"prospects.tasks.run_job": {"queue": CELERY_JOBS_QUEUE}}

# Several test runs may share one PostgreSQL server (parallel sessions, CI): each run gets
# its own test database instead of fighting over "test_<name>".
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405
