"""Settings of the load bench's stack: production settings, served over plain HTTP on loopback.

Only what TLS needs differs: the bench talks HTTP to 127.0.0.1, so secure cookies would
never be sent back and the HTTPS redirect would loop. Everything else (DEBUG off, gzip,
fingerprinted static files, Redis cache and sessions, Celery queues) is production's.
"""

import os

os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from config.settings.production import *  # noqa: E402, F403

SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT") or STATIC_ROOT  # noqa: F405
