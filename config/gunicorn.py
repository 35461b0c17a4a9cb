"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi` (README, production mode).

A list page spends most of its time in Python (CPU, under the GIL) and the rest waiting on
PostgreSQL: one process per core keeps every core busy, and a few threads per process
serve other requests while one waits on the database. GUNICORN_WORKERS / GUNICORN_THREADS
override the fit to the machine's cores (cgroup/affinity-aware).
"""

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = _env_int("GUNICORN_WORKERS", 2 * _cores())
threads = _env_int("GUNICORN_THREADS", 4)
timeout = _env_int("GUNICORN_TIMEOUT", 60)  # an upload page is the slowest request (size-capped)
graceful_timeout = 30
# Longer than a client's pause between two requests: a connection closed by the server just as
# the client reuses it is a reset the client sees as an error (behind a proxy, match its upstream keep-alive).
keepalive = _env_int("GUNICORN_KEEPALIVE", 30)
# Recycle workers now and then (a slow leak never grows without bound), not all at once.
max_requests = 5000
max_requests_jitter = 500
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
