"""G3 with a real worker: killed mid-import it leaves no rows, the sweeper fails the job, a retry succeeds."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files import File

from config.celery import app as celery_app
from prospects.jobs.runner import _progress_key, job_enqueue, job_retry, jobs_sweep_stuck
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.imports.import_helpers import TITLES, contact_row
from prospects.tests.jobs.test_worker import _wait_finished, worker  # noqa: F401  (the real-worker fixture)
from tests.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = 40_000


def _big_file(path) -> str:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Contacts")
    sheet.append(TITLES)
    for index in range(ROWS):
        sheet.append(contact_row(last_name=f"KILL{index}", first_name="Test", email=f"kill{index}@exemple.fr"))
    workbook.save(path)
    return str(path)


def test_a_worker_killed_mid_import_leaves_no_rows_and_the_job_can_be_retried(worker, groups, paris, tmp_path):  # noqa: F811
    importer = UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])
    job = Job(kind=JobKind.IMPORT_XLSX, created_by=importer, options={"confirmed": True}, source_name="big.xlsx")
    with open(_big_file(tmp_path / "big.xlsx"), "rb") as handle:
        job.source_file.save("big.xlsx", File(handle), save=False)
    job.save()

    job_enqueue(job.pk)  # autocommit: sent at once to the real worker
    deadline = time.monotonic() + 120
    while True:  # wait until the worker has written at least one chunk inside its transaction
        live = cache.get(_progress_key(job.pk))
        if live and live["done"] > 0:
            break
        job.refresh_from_db()
        assert job.status != JobStatus.DONE, "the import finished before it could be killed: raise ROWS"
        assert time.monotonic() < deadline, "the worker never started the import:\n" + "".join(worker.output)
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=20)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert not ProspectContact.objects.exists()  # its uncommitted rows died with its connection

    time.sleep(1.2)
    assert jobs_sweep_stuck(stale_after=timedelta(seconds=1)) == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "relancer" in job.error_message

    celery_app.conf.task_always_eager = True  # the retry runs in this process: the same task code (G8)
    assert job_retry(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error_message
    assert job.attempts == 2 and job.counts["created"] == ROWS
    assert ProspectContact.objects.filter(import_job=job).count() == ROWS
