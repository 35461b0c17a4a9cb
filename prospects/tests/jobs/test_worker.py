"""A real Celery worker process on the configured broker runs a job end to end (G8)."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from conftest import skip_or_fail
from prospects.jobs.runner import job_create
from prospects.models import Job, JobKind, JobStatus
from tests.factories import ProspectFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _broker_answers() -> bool:
    if not settings.CELERY_BROKER_URL:
        return False
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
        return True
    except Exception:
        return False


@pytest.fixture
def worker():
    if connection.vendor != "postgresql":
        skip_or_fail("the real-worker test needs PostgreSQL (set DATABASE_URL)")
    if not _broker_answers():
        skip_or_fail("the real-worker test needs a broker (set CELERY_BROKER_URL to a running Redis)")
    env = dict(os.environ)
    db = connection.settings_dict
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL="postgres://{}:{}@{}:{}/{}".format(
            db["USER"], db["PASSWORD"] or "", db["HOST"] or "localhost", db["PORT"] or 5432, db["NAME"]
        ),
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        CELERY_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
        JOB_HEARTBEAT_SECONDS="1",  # beats the dead-worker test can watch
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
         "-Q", f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.CELERY_JOBS_QUEUE}", "--loglevel=INFO",
         "--without-heartbeat", "--without-gossip",
         "--without-mingle"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + 180  # a loaded 2-core machine can take a while to boot Django + Celery
    while not any("ready." in line for line in output):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the Celery worker did not start:\n" + "".join(output))
        time.sleep(0.2)
    celery_app.conf.task_always_eager = False
    process.output = output
    yield process
    celery_app.conf.task_always_eager = True
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def _wait_finished(job: Job, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (JobStatus.DONE, JobStatus.FAILED):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job still {job.status} after {timeout}s")


def test_a_real_worker_runs_an_export_job_end_to_end(worker, sales_rep, paris):
    for index in range(30):
        ProspectFactory(last_name=f"WORKER{index}", entities=[paris])

    job = job_create(kind=JobKind.EXPORT_XLSX, by=sales_rep)  # autocommit: queued at once

    job = _wait_finished(job)
    assert job.status == JobStatus.DONE, f"{job.error_message}\n{''.join(worker.output)}"
    assert job.counts == {"exported": 30}
    assert job.attempts == 1 and job.started_at and job.finished_at
    with job.result_file.open("rb") as handle:  # written by the worker, read through the storage API
        assert handle.read(2) == b"PK"


def test_a_killed_worker_stops_beating_and_the_sweep_fails_its_job(worker, manager):
    from prospects.jobs.runner import jobs_sweep_stuck
    from prospects.vcard.previews import vcard_preview_queue
    from prospects.vcard.writer import VCardFields, serialize_many

    many = serialize_many([VCardFields(last_name=f"CARTE{n}", first_name="Anne") for n in range(20_000)], "3.0")
    # Four files of 20,000 cards (80,000 in all, under the import's row limit): long enough to be
    # caught running with a beat however fast the machine reads them.
    uploads = [(f"grand{n}.vcf", many.encode()) for n in range(4)]
    job = vcard_preview_queue(user=manager, uploads=uploads, via="import", update_existing=False)

    deadline = time.monotonic() + 120
    while True:  # running, and beating from inside its open transaction
        job.refresh_from_db()
        if job.status == JobStatus.RUNNING and job.heartbeat_at and job.heartbeat_at > job.started_at:
            break
        assert job.status != JobStatus.DONE, "the job ended before the worker could be killed"
        assert time.monotonic() < deadline, "".join(worker.output)
        time.sleep(0.05)
    worker.kill()  # SIGKILL: no cleanup, like a lost machine
    worker.wait(timeout=20)
    last_beat = job.heartbeat_at
    time.sleep(3)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.heartbeat_at - last_beat < timedelta(seconds=2)
    assert jobs_sweep_stuck(stale_after=timedelta(seconds=2)) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "interrompu" in job.error_message
    assert not Job.objects.filter(kind=JobKind.IMPORT_VCF).exists()  # nothing of that run was kept
