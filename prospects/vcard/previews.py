"""The preview of a vCard upload (I4, L7): read the files, dry-run the cards, save the preview.

Small uploads are previewed inside the request. Past VCARD_SYNC_PREVIEW_MAX_CARDS cards or
VCARD_SYNC_PREVIEW_MAX_BYTES bytes (fifty files of 20,000 cards outlive gunicorn's
timeout), the files are stored in a VCF_PREVIEW job that reads them in the background with
a progress bar; once done, its page hands over to the preview it saved (an IMPORT_VCF job
waiting for the user's confirmation, as after a small upload).
"""

import dataclasses
import re

from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from crm.storage import stored_files_delete_on_commit
from prospects.imports.plans import MAX_STORED_ERRORS
from prospects.imports.states import preview_save
from prospects.jobs.options import VCardImportOptions, VCardPreviewOptions
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_create, job_handler
from prospects.models import Job, JobKind, JobStatus
from prospects.rights import has_right
from prospects.selectors import jobs_visible_to
from prospects.vcard.imports import (
    R9,
    VIA_RIGHTS,
    VCardUpload,
    uploads_pack,
    uploads_parse,
    uploads_unpack,
    vcard_preview,
)
from prospects.vcard.reader import VCardRejected

CARD_START = re.compile(rb"(?im)^begin:vcard")


def vcard_upload_is_large(uploads: list[tuple[str, bytes]]) -> bool:
    """Too many cards or bytes to read within one request."""
    if sum(len(data) for _name, data in uploads) > settings.VCARD_SYNC_PREVIEW_MAX_BYTES:
        return True
    return sum(len(CARD_START.findall(data)) for _name, data in uploads) > settings.VCARD_SYNC_PREVIEW_MAX_CARDS


def vcard_preview_save(
    *, user: User, uploads: list[tuple[str, bytes]], parsed: VCardUpload, via: str, update_existing: bool, content
) -> Job:
    """Dry-run the parsed cards and save the preview job (with `content`, the packed files)."""
    counts, errors, cards = vcard_preview(user=user, upload=parsed, update_existing=update_existing)
    options = VCardImportOptions(
        via=via,
        update_existing=update_existing,
        files=[name for name, _data in uploads],
        cards=parsed.card_total,
        preview_cards=cards,
    )
    return preview_save(
        kind=JobKind.IMPORT_VCF,
        by=user,
        options=options,
        source_name=", ".join(name for name, _data in uploads),
        file_name="vcards.zip",
        content=content,
        counts=counts,
        errors=errors[:MAX_STORED_ERRORS],
    )


def vcard_preview_queue(*, user: User, uploads: list[tuple[str, bytes]], via: str, update_existing: bool) -> Job:
    """Store a large upload in a VCF_PREVIEW job, read in the background."""
    options = VCardPreviewOptions(via=via, update_existing=update_existing, files=[name for name, _data in uploads])
    return job_create(
        kind=JobKind.VCF_PREVIEW,
        by=user,
        options=options.to_options(),
        source=uploads_pack(uploads),
        source_name=", ".join(name for name, _data in uploads),
    )


@job_handler(JobKind.VCF_PREVIEW)
def vcard_preview_job(job: Job, progress: JobProgress) -> JobOutcome:
    """Read the stored files, save their preview, and drop this job's copy of them."""
    options = VCardPreviewOptions.of(job)
    if not has_right(job.created_by, VIA_RIGHTS.get(options.via, R9)):
        raise JobFailed(_("Vous n'avez plus le droit d'importer des contacts prospects."))
    try:
        uploads = uploads_unpack(job)
    except (VCardRejected, OSError, ValueError) as refused:
        raise JobFailed(_("Les fichiers déposés n'ont pas pu être relus : déposez-les à nouveau.")) from refused
    progress.start(len(uploads) + 1)
    parsed = VCardUpload()
    for upload in uploads:
        one = uploads_parse([upload])
        parsed.files.extend(one.files)
        parsed.rejected.extend(one.rejected)
        progress.advance()
    if not parsed.files:
        raise JobFailed(" ".join(error["message"] for error in parsed.rejected) or _("Aucun fichier reçu."))
    with job.source_file.open("rb") as handle:
        content = ContentFile(handle.read())
    preview = vcard_preview_save(
        user=job.created_by,
        uploads=uploads,
        parsed=parsed,
        via=options.via,
        update_existing=options.update_existing,
        content=content,
    )
    progress.advance()
    # The preview holds the files now; this job's copy goes once the run commits.
    stored_files_delete_on_commit([job.source_file.name])
    Job.objects.filter(pk=job.pk).update(
        source_file="", options=dataclasses.replace(options, preview_job=preview.pk).merged_into(job.options)
    )
    return JobOutcome(counts={"cards": parsed.card_total})


def vcard_preview_url(job: Job, user: User) -> str | None:
    """Where a finished VCF_PREVIEW job sends its user: the preview it saved (if it still exists)."""
    if job.kind != JobKind.VCF_PREVIEW or job.status != JobStatus.DONE:
        return None
    preview_id = VCardPreviewOptions.of(job).preview_job
    if preview_id is None or not jobs_visible_to(user).filter(pk=preview_id, kind=JobKind.IMPORT_VCF).exists():
        return None
    return reverse("prospects:vcard_preview", args=[preview_id])
