"""The preview → confirm → queue states both import pages share (Excel I1–I3, vCard I4 and L7).

    upload ──► PREVIEW: a PENDING job, not queued, holding the file, the dry run's counts
               │        and errors, and its options (`preview=True`)
               ├─ the user confirms ──► QUEUED: `confirmed=True`, enqueued once the
               │                        transaction commits ──► RUNNING ──► DONE / FAILED
               └─ nobody confirms for JOB_PREVIEW_EXPIRES_SECONDS ──► EXPIRED: refused here,
                                        deleted with its file by `jobs_expire_previews`

A job queued (or started) already is never queued twice: the confirmation locks the row.
"""

import dataclasses
import enum

from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from prospects.jobs.options import ImportCounts, ImportOptions, PreviewedImportOptions, VCardImportOptions
from prospects.jobs.runner import job_enqueue
from prospects.models import Job, JobKind, JobStatus
from prospects.selectors import get_job_for

PREVIEW_ERRORS_SHOWN = 20

OPTIONS_OF_KIND: dict[str, type[PreviewedImportOptions]] = {
    JobKind.IMPORT_XLSX: ImportOptions,
    JobKind.IMPORT_VCF: VCardImportOptions,
}


class Confirmation(enum.Enum):
    QUEUED = "queued"  # confirmed now, runs once the request commits
    ALREADY_QUEUED = "already_queued"  # confirmed before (twice-clicked button, back button): nothing done
    EXPIRED = "expired"  # left unconfirmed too long: the file must be uploaded again


def import_job_for(user: User, pk: int, *, kind: str) -> Job:
    """The user's own import job of this kind (404 for anybody else's, like a missing one)."""
    job = get_job_for(user, pk)
    if job.kind != kind:
        raise Http404
    return job


def preview_options(job: Job) -> PreviewedImportOptions:
    return OPTIONS_OF_KIND[job.kind].of(job)


def preview_save(
    *,
    kind: str,
    by: User,
    options: PreviewedImportOptions,
    source_name: str,
    file_name: str,
    content: File,
    counts: dict,
    errors: list,
) -> Job:
    """Store an upload and its dry run as a preview: PENDING but not queued until confirmed."""
    if not isinstance(options, OPTIONS_OF_KIND[kind]):
        raise TypeError(f"{kind} takes {OPTIONS_OF_KIND[kind].__name__}")
    job = Job(
        kind=kind,
        created_by=by,
        options=dataclasses.replace(options, preview=True).to_options(),
        source_name=source_name[:255],
        counts=counts,
        errors=errors,
    )
    job.source_file.save(file_name, content, save=False)
    job.save()
    return job


def is_awaiting_confirmation(job: Job) -> bool:
    """A preview the user has not confirmed yet (the preview page shows it; others redirect)."""
    return job.status == JobStatus.PENDING and not preview_options(job).confirmed


def is_expired(job: Job) -> bool:
    return timezone.now() >= job.preview_expires_at


def preview_expired_message() -> str:
    return _("Cet aperçu a expiré et le fichier déposé a été supprimé : déposez-le à nouveau.")


@transaction.atomic
def preview_confirm(*, job: Job, valid_only: bool) -> Confirmation:
    """Confirm a preview and queue its run after commit; "valid rows only" only when asked (G1)."""
    locked = Job.objects.select_for_update().filter(pk=job.pk).first()
    if locked is None:
        return Confirmation.EXPIRED  # deleted by the expiry sweep meanwhile
    if not is_awaiting_confirmation(locked):
        return Confirmation.ALREADY_QUEUED
    if is_expired(locked):
        return Confirmation.EXPIRED
    options = preview_options(locked).confirmed_with(valid_only=valid_only)
    # The counts and errors were the dry run's; the run writes its own. Its age restarts now.
    Job.objects.filter(pk=locked.pk).update(
        options=options.merged_into(locked.options), counts={}, errors=[], created_at=timezone.now()
    )
    job_enqueue(locked.pk)
    return Confirmation.QUEUED


def preview_context(job: Job, options: PreviewedImportOptions) -> dict:
    """What both preview pages show of a previewed job: its counts and its first errors."""
    counts = ImportCounts.of(job)
    return {
        "job": job,
        "options": options,
        "counts": counts,
        "errors": job.errors[:PREVIEW_ERRORS_SHOWN],
        "more_errors": max(0, len(job.errors) - PREVIEW_ERRORS_SHOWN),
        "update_existing": options.update_existing,
        "importable": counts.importable,
        "probable_duplicates": getattr(options, "probable_duplicates", None) or [],
    }
