"""Celery tasks: they take ids only and call the job runner (the same code in eager mode)."""

from celery import shared_task

from prospects.jobs.runner import job_run, jobs_expire_previews, jobs_sweep_stuck


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> str:
    return job_run(job_id)


@shared_task(ignore_result=True)
def sweep_stuck_jobs() -> int:
    return jobs_sweep_stuck()


@shared_task(ignore_result=True)
def expire_import_previews() -> int:
    return jobs_expire_previews()


@shared_task(ignore_result=True)
def retention_review() -> int:
    """Weekly (CELERY_BEAT_SCHEDULE): the contacts past PRIVACY_RETENTION_YEARS, for the review page."""
    from prospects.privacy.retention import retention_review as review

    return review()


@shared_task(ignore_result=True)
def recount_list(signed_order: str) -> int:
    """A list's count made stale by a write, recounted off the web (prospects.list.paging.prospect_count)."""
    from prospects.list.paging import recount

    return recount(signed_order)
