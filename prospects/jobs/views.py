"""The job pages: progress, result download, retry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from crm.downloads import file_download
from prospects.imports.undo import import_can_undo, import_undo_right
from prospects.jobs.options import ImportCounts, ImportRecord, ImportUndoOptions
from prospects.jobs.runner import job_count_labels, job_percent, job_progress, job_retry
from prospects.list.mass_jobs import mass_job_summary
from prospects.models import IMPORT_KINDS, Job, JobKind, JobStatus
from prospects.rights import has_right
from prospects.selectors import get_job_for, jobs_visible_to
from prospects.vcard.previews import vcard_preview_url


def _job_context(job: Job, user) -> dict:
    done, total = job_progress(job)
    context = {
        "job": job,
        "done": done,
        "total": total,
        "percent": job_percent(job),
        "counts": job_count_labels(job),
        "can_undo": import_can_undo(job) and has_right(user, import_undo_right(job)),
        # The cause of a crash is for staff; users read the French message only.
        "show_error_detail": bool(job.error_detail) and user.is_staff,
        "import_record": None,
        "import_counts": None,
    }
    if job.kind in IMPORT_KINDS:  # what the import recorded and its counters, for the report and undo
        context.update(import_record=ImportRecord.of(job), import_counts=ImportCounts.of(job))
    elif job.kind == JobKind.IMPORT_UNDO:
        target = jobs_visible_to(user).filter(pk=ImportUndoOptions.of(job).import_job).first()
        context["undo_target"] = target
        if target is not None:
            context.update(import_record=ImportRecord.of(target), import_counts=ImportCounts.of(target))
    elif job.kind == JobKind.MASS_ACTION and job.status == JobStatus.DONE:
        context["mass_summary"] = mass_job_summary(job)
        # errors holds the first contacts not deleted (with the reason), then the first deleted ones' names.
        context["mass_skipped"] = [item for item in job.errors if not item.get("deleted")]
        context["mass_more_skipped"] = max(0, job.counts.get("skipped", 0) - len(context["mass_skipped"]))
    elif job.kind == JobKind.VCF_PREVIEW:
        context["preview_url"] = vcard_preview_url(job, user)
    return context


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    context = _job_context(job, request.user)
    if context.get("preview_url"):
        return redirect(context["preview_url"])  # a large vCard upload, read: on to its preview
    return render(request, "prospects/job_detail.html", context)


@login_required
@require_GET
def job_progress_partial(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    context = _job_context(job, request.user)
    response = render(request, "prospects/_job_progress.html", context)
    if context.get("preview_url"):
        response["HX-Redirect"] = context["preview_url"]  # the progress bar hands over to the preview
    return response


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    return job_result_response(get_job_for(request.user, pk))


def job_result_response(job) -> FileResponse:
    """The result file of a visible job (also served by the API); 404 while it has none."""
    if not job.result_file:
        raise Http404
    return file_download(job.result_file.open("rb"), filename=job.result_name or "export")


@login_required
@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    if job_retry(job=job):
        messages.success(request, _("Le traitement a été relancé."))
    else:
        messages.error(request, _("Seul un traitement échoué peut être relancé."))
    return redirect("prospects:job_detail", pk=job.pk)
