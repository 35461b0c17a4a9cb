"""The job handler of the Excel import (I3): runs a confirmed upload inside the runner's transaction."""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prospects.imports.plans import ImportHasErrors, ImportResult
from prospects.imports.run import xlsx_import
from prospects.imports.xlsx import ImportRejected, checked_before, stored_copy
from prospects.jobs.options import ImportOptions
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_handler
from prospects.models import Job, JobKind
from prospects.rights import R7, has_right


def import_failure_message(result: ImportResult) -> str:
    return ngettext(
        "%(count)d ligne en erreur : aucun contact n'a été importé.",
        "%(count)d lignes en erreur : aucun contact n'a été importé.",
        result.error_rows,
    ) % {"count": result.error_rows}


@job_handler(JobKind.IMPORT_XLSX)
def import_xlsx_job(job: Job, progress: JobProgress) -> JobOutcome:
    """Run a confirmed Excel import inside the runner's transaction (all-or-nothing by default)."""
    options = ImportOptions.of(job)
    if not options.confirmed:
        raise JobFailed(_("Cet import n'a pas été confirmé."))
    if not has_right(job.created_by, R7):
        raise JobFailed(_("Vous n'avez plus le droit d'importer des contacts prospects."))
    try:
        with stored_copy(job) as tmp:
            result, _total = xlsx_import(
                path=tmp.name,
                user=job.created_by,
                update_existing=options.update_existing,
                valid_only=options.valid_only,
                dry_run=False,
                job=job,
                progress=progress,
                checked=checked_before(tmp.name, options.checked_sha256),  # by the preview: not again
            )
    except ImportRejected as rejected:
        raise JobFailed(rejected.message) from rejected
    except ImportHasErrors as failed:
        raise JobFailed(
            import_failure_message(failed.result), errors=failed.result.errors, counts=failed.result.counts
        ) from failed
    return result.outcome()
