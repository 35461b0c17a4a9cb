"""gunicorn settings for production: `gunicorn config.wsgi -c config/gunicorn.py`.

Every request is bounded: work that can outlive a few seconds (imports, their undo, exports,
large vCard uploads, mass actions past MASS_ACTION_SYNC_LIMIT) runs in a Celery job with a
progress page, so a request that reaches `timeout` is a bug or an attack, and gunicorn
recycles that worker.

A list page spends most of its time in Python (CPU, under the GIL) and the rest waiting on
PostgreSQL: two processes per core keep every core busy, and a few threads per process serve
other requests while one waits on the database. Each figure can be overridden from the
environment (GUNICORN_WORKERS, GUNICORN_THREADS, GUNICORN_TIMEOUT, …).
"""

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (cgroup/affinity-aware)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"{name}={raw!r} is not a positive integer.")
    return int(raw)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", 2 * _cores())
threads = _int("GUNICORN_THREADS", 4)
# A request still running after this is killed (the worker restarts); the slowest page the
# application serves in a request (a size-capped upload's check) stays well under it.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On a reload or a deploy, a worker finishes its current requests for up to this long.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than a client's pause between two requests: a connection closed by the server just as
# the client reuses it is a reset the client sees as an error (behind a proxy, match its
# upstream keep-alive).
keepalive = _int("GUNICORN_KEEPALIVE", 30)
# Recycle each worker now and then, with jitter (not all at once): a slow leak never grows without bound.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
# Request line and headers: gunicorn's own limits, stated here so they are visible.
limit_request_line = 8190
limit_request_fields = 100
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
