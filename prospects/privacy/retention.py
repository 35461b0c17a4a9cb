"""Retention (CNIL: 3 years after the last contact from the prospect): find, review, purge.

A weekly Celery beat task (`retention_review`) counts the contacts past the period and keeps
the figure for the review page; the page lists them live; an authorised user (R16) deletes or
anonymises them in bulk as a job, each contact through `prospect_erase` and so under the D1
delete guard (a contact that tasks or deals still link to is anonymised, never deleted).
"""

from datetime import date

from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from prospects.jobs.options import RetentionPurgeOptions
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_create, job_handler
from prospects.models import Job, JobKind, ProspectContact
from prospects.privacy.dates import retention_limit
from prospects.privacy.models import PersonalDataAction
from prospects.privacy.services import privacy_log, prospect_erase
from prospects.rights import R16, has_right

REVIEW_CACHE_KEY = "privacy:retention-review"
PURGE_MAX = 10_000  # contacts per purge job


def retention_expired(queryset: QuerySet[ProspectContact], today: date | None = None) -> QuerySet[ProspectContact]:
    """The contacts of `queryset` with no contact from them since the limit (or never, and created before it)."""
    limit = retention_limit(today)
    never = Q(last_inbound_at__isnull=True, created_at__date__lt=limit)
    return queryset.filter(Q(last_inbound_at__lt=limit) | never)


def retention_review() -> int:
    """The weekly scan: how many contacts are past the retention period (kept for the review page)."""
    count = retention_expired(ProspectContact.objects.all()).count()
    cache.set(REVIEW_CACHE_KEY, {"at": timezone.now().isoformat(), "count": count}, None)
    return count


def retention_last_review() -> dict | None:
    return cache.get(REVIEW_CACHE_KEY)


def retention_purge_start(*, ids: list[int], anonymise: bool, by: User) -> Job:
    options = RetentionPurgeOptions(ids=sorted(set(ids))[:PURGE_MAX], anonymise=anonymise)
    return job_create(kind=JobKind.RETENTION_PURGE, by=by, options=options.to_options())


@job_handler(JobKind.RETENTION_PURGE)
def retention_purge(job: Job, progress: JobProgress) -> JobOutcome:
    """Erase the chosen contacts still past the period, still visible to and erasable by the user."""
    from prospects.selectors import prospects_changeable_by

    user = job.created_by
    if not has_right(user, R16):
        raise JobFailed(_("Vous n'avez plus le droit d'administrer les données personnelles."))
    options = RetentionPurgeOptions.of(job)
    targets = retention_expired(prospects_changeable_by(user, R16).filter(pk__in=options.ids))
    progress.start(len(options.ids))
    counts = {"deleted": 0, "anonymised": 0, "skipped": 0}
    for prospect in targets.select_related(None).order_by("pk").iterator(chunk_size=500):
        outcome = prospect_erase(prospect=prospect, by=user, anonymise=options.anonymise, log=False)
        counts[outcome] += 1
        progress.advance()
    counts["skipped"] = len(options.ids) - counts["deleted"] - counts["anonymised"]
    if counts["deleted"]:
        privacy_log(
            action=PersonalDataAction.ERASURE, by=user, count=counts["deleted"], detail=f"retention job #{job.pk}"
        )
    if counts["anonymised"]:
        privacy_log(
            action=PersonalDataAction.ANONYMISATION,
            by=user,
            count=counts["anonymised"],
            detail=f"retention job #{job.pk}",
        )
    return JobOutcome(counts=counts)
