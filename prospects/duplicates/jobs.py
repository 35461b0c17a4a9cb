"""The duplicate finder as a background job, for users who see many contacts."""

import json

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import User
from prospects.duplicates.finder import DuplicatePair, duplicate_pairs
from prospects.jobs.runner import JobOutcome, JobProgress, job_create, job_handler, job_save_result
from prospects.models import Job, JobKind, JobStatus
from prospects.selectors import jobs_visible_to, prospects_visible_to


def duplicates_need_job(user: User) -> bool:
    """Above DUPLICATES_SYNC_MAX visible contacts the page shows a job's result instead of searching."""
    limit = settings.DUPLICATES_SYNC_MAX
    return prospects_visible_to(user).select_related(None).order_by()[: limit + 1].count() > limit


def duplicates_job_start(*, by: User) -> Job:
    return job_create(kind=JobKind.DUPLICATES_FIND, by=by)


@job_handler(JobKind.DUPLICATES_FIND)
def duplicates_find_job(job: Job, progress: JobProgress) -> JobOutcome:
    progress.start(1)
    pairs = duplicate_pairs(prospects_visible_to(job.created_by))
    content = json.dumps([pair.as_json() for pair in pairs]).encode()
    job_save_result(job, name=f"doublons-{timezone.now():%Y%m%d-%H%M}.json", content=ContentFile(content))
    progress.advance()
    return JobOutcome(counts={"pairs": len(pairs)})


def duplicates_last_job(user: User) -> Job | None:
    """The user's latest duplicate search, finished or not."""
    return jobs_visible_to(user).filter(kind=JobKind.DUPLICATES_FIND, created_by=user).first()


def duplicates_job_pairs(job: Job) -> list[DuplicatePair]:
    if job.status != JobStatus.DONE or not job.result_file:
        return []
    with job.result_file.open("rb") as stored:
        return [DuplicatePair.from_json(item) for item in json.load(stored)]
