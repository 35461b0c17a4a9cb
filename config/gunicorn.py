"""gunicorn settings for production: `gunicorn config.wsgi -c config/gunicorn.py`.

Every request is bounded: work that can outlive a few seconds (imports, their undo, exports,
large vCard uploads, mass actions past MASS_ACTION_SYNC_LIMIT) runs in a Celery job with a
progress page, so a request that reaches `timeout` is a bug or an attack, and gunicorn
recycles that worker. Each figure can be overridden from the environment.
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not an integer.") from None


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Synchronous workers: 2 × cores + 1 keeps the cores busy while some workers wait on the database.
workers = _int("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
# A request still running after this is killed (the worker restarts); the slowest page the
# application serves in a request stays well under it.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On a reload or a deploy, a worker finishes its current request for up to this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle each worker after this many requests (with jitter, not all at once): bounded memory.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# Request line and headers: gunicorn's own limits, stated here so they are visible.
limit_request_line = 8190
limit_request_fields = 100
accesslog = "-"
errorlog = "-"
