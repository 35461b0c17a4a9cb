from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from openpyxl import load_workbook

from prospects.jobs.runner import (
    JobFailed,
    JobOutcome,
    job_claim,
    job_create,
    job_percent,
    job_retry,
    job_run,
    jobs_expire_previews,
    jobs_sweep_stuck,
)
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from tests.factories import ProspectFactory

pytestmark = pytest.mark.django_db


def test_only_one_of_two_claims_wins(sales_rep):
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)
    assert [job_claim(job.pk), job_claim(job.pk)] == [True, False]
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.attempts == 1 and job.started_at


def test_a_redelivered_message_does_not_run_the_job_twice(sales_rep, replace_handler):
    runs = []
    replace_handler(JobKind.EXPORT_XLSX, lambda job, progress: runs.append(job.pk) or JobOutcome())
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)
    assert job_run(job.pk) == JobStatus.DONE
    assert job_run(job.pk) == "skipped"
    assert runs == [job.pk]


def test_the_xlsx_export_runs_in_process_and_writes_no_formula(
    sales_rep, paris, lyon, django_capture_on_commit_callbacks
):
    ProspectFactory(last_name='=HYPERLINK("http://x")', first_name="+33", entities=[paris])
    ProspectFactory(last_name="DUBAND", first_name="@Pierre", entities=[paris])
    ProspectFactory(last_name="SECRET", entities=[lyon])

    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(kind=JobKind.EXPORT_XLSX, by=sales_rep)

    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error_message
    assert job.counts == {"exported": 2} and job_percent(job) == 100
    with job.result_file.open("rb") as handle:
        sheet = load_workbook(handle).active
        rows = list(sheet.iter_rows(values_only=True))
        cells = [cell for row in sheet.iter_rows() for cell in row]
    assert rows[0][3] == "Nom"
    names = {row[3] for row in rows[1:]}
    assert names == {'=HYPERLINK("http://x")', "DUBAND"}
    assert all(cell.data_type != "f" for cell in cells)


def test_a_job_queued_in_a_rolled_back_transaction_never_runs(sales_rep, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                job_create(kind=JobKind.EXPORT_XLSX, by=sales_rep)
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
    assert callbacks == [] and not Job.objects.exists()


def test_a_failing_handler_rolls_back_its_writes_and_records_the_report(sales_rep, paris, replace_handler):
    def half_import(job, progress):
        progress.start(2)
        ProspectFactory(last_name="ECRIT", entities=[paris])
        progress.advance()
        raise JobFailed("Ligne 3 : e-mail invalide", errors=[{"row": 3, "message": "e-mail invalide"}])

    replace_handler(JobKind.IMPORT_XLSX, half_import)
    job = Job.objects.create(kind=JobKind.IMPORT_XLSX, created_by=sales_rep)
    assert job_run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.error_message == "Ligne 3 : e-mail invalide"
    assert job.errors == [{"row": 3, "message": "e-mail invalide"}]
    assert (job.progress_done, job.progress_total) == (1, 2)
    assert not ProspectContact.objects.exists()


def test_a_crashing_handler_ends_failed_with_a_french_message_and_the_cause_kept_for_staff(sales_rep, replace_handler):
    replace_handler(JobKind.IMPORT_XLSX, lambda job, progress: 1 / 0)
    job = Job.objects.create(kind=JobKind.IMPORT_XLSX, created_by=sales_rep)
    assert job_run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert "erreur inattendue" in job.error_message and "division" not in job.error_message
    assert job.error_detail == "ZeroDivisionError: division by zero"


def test_a_job_failed_by_the_sweeper_while_running_keeps_none_of_its_writes(sales_rep, paris, replace_handler):
    def slow_import(job, progress):
        ProspectFactory(last_name="TROP-TARD", entities=[paris])
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED)  # what the sweeper does meanwhile
        return JobOutcome(counts={"created": 1})

    replace_handler(JobKind.IMPORT_XLSX, slow_import)
    job = Job.objects.create(kind=JobKind.IMPORT_XLSX, created_by=sales_rep)
    assert job_run(job.pk) == JobStatus.FAILED
    assert not ProspectContact.objects.exists()


def test_the_sweeper_fails_silent_running_jobs_only(sales_rep):
    cache.clear()
    long_ago = timezone.now() - timedelta(hours=2)
    stuck = Job.objects.create(kind=JobKind.IMPORT_XLSX, created_by=sales_rep, status="running", heartbeat_at=long_ago)
    alive = Job.objects.create(kind=JobKind.IMPORT_XLSX, created_by=sales_rep, status="running", heartbeat_at=long_ago)
    cache.set(f"job-progress:{alive.pk}", {"done": 5, "total": 10, "beat": timezone.now().timestamp()})
    recent = Job.objects.create(
        kind=JobKind.IMPORT_XLSX, created_by=sales_rep, status="running", heartbeat_at=timezone.now()
    )
    pending = Job.objects.create(kind=JobKind.IMPORT_XLSX, created_by=sales_rep)

    assert jobs_sweep_stuck(stale_after=timedelta(minutes=15)) == 1

    statuses = {job.pk: job.status for job in Job.objects.all()}
    assert statuses == {stuck.pk: "failed", alive.pk: "running", recent.pk: "running", pending.pk: "pending"}
    stuck.refresh_from_db()
    assert stuck.error_message and stuck.finished_at


def test_previews_never_confirmed_expire_with_their_file(sales_rep, django_capture_on_commit_callbacks):
    old = timezone.now() - timedelta(days=2)

    def job(kind, *, confirmed=False, status="pending", created_at=old):
        made = Job(kind=kind, created_by=sales_rep, status=status, options={"confirmed": True} if confirmed else {})
        made.source_file.save("contacts.xlsx", ContentFile(b"PK upload"), save=False)
        made.save()
        Job.objects.filter(pk=made.pk).update(created_at=created_at)
        return made

    stale_xlsx = job(JobKind.IMPORT_XLSX)
    stale_vcf = job(JobKind.IMPORT_VCF)
    recent = job(JobKind.IMPORT_XLSX, created_at=timezone.now())
    queued = job(JobKind.IMPORT_XLSX, confirmed=True)  # confirmed, its worker is late: kept
    export = job(JobKind.EXPORT_XLSX)  # no preview step: kept however old
    done = job(JobKind.IMPORT_XLSX, status="done")
    stale_file = stale_xlsx.source_file.name
    assert default_storage.exists(stale_file)

    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_expire_previews(older_than=timedelta(hours=24)) == 2

    assert set(Job.objects.values_list("pk", flat=True)) == {recent.pk, queued.pk, export.pk, done.pk}
    assert not default_storage.exists(stale_file)
    assert not Job.objects.filter(pk=stale_vcf.pk).exists()
    assert default_storage.exists(recent.source_file.name)


def test_the_sweep_command_reports_both_sweeps(sales_rep, capsys):
    call_command("sweep_jobs")
    out = capsys.readouterr().out
    assert "0 traitement(s) marqué(s) en échec" in out
    assert "0 aperçu(s) d'import non confirmé(s) supprimé(s)" in out


def test_a_failed_job_can_be_retried_and_then_succeeds(sales_rep, replace_handler, django_capture_on_commit_callbacks):
    job = Job.objects.create(kind=JobKind.IMPORT_XLSX, created_by=sales_rep, status="failed", error_message="x")
    replace_handler(JobKind.IMPORT_XLSX, lambda job, progress: JobOutcome(counts={"created": 0}))
    with django_capture_on_commit_callbacks(execute=True):
        assert job_retry(job=job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.error_message == "" and job.attempts == 1
    assert not job_retry(job=job)  # only a failed job can be retried
