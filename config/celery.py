"""The Celery application; settings come from Django's CELERY_* settings."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _yield_the_cpu_to_the_web(**_kwargs):
    """Workers run below the web processes' priority (WORKER_NICENESS, 10 by default; 0 leaves it).

    On a machine that also serves pages, a 100,000-row import must not take the CPU from the
    people working the list: the scheduler gives it what the web leaves. The pool's processes
    inherit the niceness of the worker that forks them.
    """
    from django.conf import settings

    niceness = getattr(settings, "WORKER_NICENESS", 0)
    if niceness > 0:
        os.nice(niceness)
