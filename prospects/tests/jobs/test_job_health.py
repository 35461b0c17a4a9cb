"""Job failures read in French (the cause goes to the log and to staff); dead workers are noticed
within about two minutes through the row's heartbeat, and a worker that comes back changes nothing."""

import logging
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from prospects.jobs.runner import Heartbeat, JobOutcome, job_claim, job_retry, job_run, jobs_sweep_stuck
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def _breaks_a_constraint(job, progress):
    ProspectContact.objects.create(last_name="SANS-PRENOM", first_name="")  # a CHECK constraint refuses it
    return JobOutcome()


def test_a_database_error_shows_a_french_message_to_the_user_and_the_cause_to_staff_only(
    sales_rep, outsider, replace_handler, caplog
):
    replace_handler(JobKind.EXPORT_XLSX, _breaks_a_constraint)
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)
    url = reverse("prospects:job_detail", args=[job.pk])

    with caplog.at_level(logging.ERROR, logger="prospects.jobs.runner"):
        assert job_run(job.pk) == JobStatus.FAILED

    job.refresh_from_db()
    assert job.error_detail.startswith("IntegrityError") and "prospect_first_name_not_empty" in job.error_detail
    assert "IntegrityError" in caplog.text  # the traceback is logged
    page = logged(sales_rep).get(url).content.decode()
    assert "erreur inattendue" in page and "Relancer" in page
    assert "IntegrityError" not in page and "constraint" not in page and "Détail technique" not in page
    assert logged(outsider).get(url).status_code == 404

    sales_rep.is_staff = True
    sales_rep.save()
    page = logged(sales_rep).get(url).content.decode()
    assert "Détail technique" in page and "IntegrityError" in page


def test_the_admin_job_page_shows_the_cause(admin_user, sales_rep, replace_handler):
    replace_handler(JobKind.EXPORT_XLSX, _breaks_a_constraint)
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)
    job_run(job.pk)

    page = logged(admin_user).get(reverse("admin:prospects_job_change", args=[job.pk])).content.decode()

    assert "IntegrityError" in page


def test_a_retry_clears_the_cause(sales_rep, replace_handler, django_capture_on_commit_callbacks):
    replace_handler(JobKind.EXPORT_XLSX, _breaks_a_constraint)
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)
    job_run(job.pk)
    replace_handler(JobKind.EXPORT_XLSX, lambda job, progress: JobOutcome())

    with django_capture_on_commit_callbacks(execute=True):
        assert job_retry(job=job)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error_detail == "" and job.error_message == ""


# --- Dead workers ----------------------------------------------------------------------------


def test_the_sweep_runs_every_minute_and_a_silent_job_is_failed_within_two_minutes():
    sweep = settings.CELERY_BEAT_SCHEDULE["sweep-stuck-jobs"]
    assert sweep["task"] == "prospects.tasks.sweep_stuck_jobs" and sweep["schedule"] <= 60
    assert settings.JOB_STALE_AFTER_SECONDS + sweep["schedule"] <= 150
    assert settings.JOB_HEARTBEAT_SECONDS * 3 <= settings.JOB_STALE_AFTER_SECONDS  # three beats may be missed


def _running(user, *, beat_ago: timedelta) -> Job:
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=user)
    assert job_claim(job.pk)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - beat_ago)
    job.refresh_from_db()
    return job


def test_a_running_job_with_a_stale_heartbeat_is_failed_by_the_sweep_and_a_fresh_one_is_not(sales_rep):
    stale = _running(sales_rep, beat_ago=timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS + 20))
    fresh = _running(sales_rep, beat_ago=timedelta(seconds=settings.JOB_HEARTBEAT_SECONDS))

    assert jobs_sweep_stuck() == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == JobStatus.FAILED and fresh.status == JobStatus.RUNNING
    assert "interrompu" in stale.error_message and "relancer" in stale.error_message
    assert stale.finished_at and stale.error_detail.startswith("no heartbeat since")
    assert job_retry(job=stale)  # retry stays possible


# Two connections writing while one holds a transaction open: SQLite's shared in-memory test
# database locks the whole table, so these run on PostgreSQL (as in production).
ON_POSTGRESQL = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="needs PostgreSQL's row-level concurrency (set DATABASE_URL)",
)


def elsewhere(func) -> None:
    """Run `func` on another thread, hence another database connection (the sweeper, another worker)."""
    errors = []

    def run():
        try:
            func()
        except Exception as exc:  # noqa: BLE001  re-raised in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_worker_that_comes_back_after_the_sweep_and_a_retry_does_not_overwrite_the_new_attempt(
    sales_rep, replace_handler
):
    def meanwhile(job_id):
        # The sweeper fails this attempt, the user retries, another worker claims it.
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED)
        Job.objects.filter(pk=job_id).update(status=JobStatus.PENDING)
        assert job_claim(job_id)

    def slow_export(job, progress):
        elsewhere(lambda: meanwhile(job.pk))
        return JobOutcome(counts={"exported": 1})

    replace_handler(JobKind.EXPORT_XLSX, slow_export)
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)

    assert job_run(job.pk) == JobStatus.FAILED  # lost: its writes rolled back

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 2 and job.counts == {}


@ON_POSTGRESQL
@pytest.mark.django_db(transaction=True)
def test_a_worker_that_comes_back_after_the_sweep_does_not_overwrite_the_failure(sales_rep, replace_handler):
    def crashes_after_the_sweep(job, progress):
        elsewhere(lambda: Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error_message="balayé"))
        raise RuntimeError("late")

    replace_handler(JobKind.EXPORT_XLSX, crashes_after_the_sweep)
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)

    assert job_run(job.pk) == JobStatus.FAILED

    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_message == "balayé" and job.error_detail == ""


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_stamps_the_row_of_a_running_job_and_never_revives_a_failed_one(sales_rep, settings):
    settings.JOB_HEARTBEAT_SECONDS = 0.1
    running = _running(sales_rep, beat_ago=timedelta(minutes=10))
    swept = _running(sales_rep, beat_ago=timedelta(minutes=10))
    Job.objects.filter(pk=swept.pk).update(status=JobStatus.FAILED)
    old_beat = swept.heartbeat_at

    with Heartbeat(running), Heartbeat(swept):
        time.sleep(0.6)

    running.refresh_from_db()
    swept.refresh_from_db()
    assert timezone.now() - running.heartbeat_at < timedelta(seconds=2)
    assert swept.status == JobStatus.FAILED and swept.heartbeat_at == old_beat
    assert jobs_sweep_stuck() == 0
