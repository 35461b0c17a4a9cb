"""The job pages: progress, result download, retry."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from prospects.imports.undo import import_can_undo, import_undo_right
from prospects.jobs.options import ImportCounts, ImportRecord
from prospects.jobs.runner import job_count_labels, job_percent, job_progress, job_retry
from prospects.models import IMPORT_KINDS
from prospects.rights import has_right
from prospects.selectors import get_job_for


def _job_context(job, user) -> dict:
    done, total = job_progress(job)
    return {
        "job": job,
        "done": done,
        "total": total,
        "percent": job_percent(job),
        "counts": job_count_labels(job),
        "can_undo": import_can_undo(job) and has_right(user, import_undo_right(job)),
        # Import jobs: what the import recorded and its counters, for the report and undo.
        "import_record": ImportRecord.of(job) if job.kind in IMPORT_KINDS else None,
        "import_counts": ImportCounts.of(job) if job.kind in IMPORT_KINDS else None,
    }


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    return render(request, "prospects/job_detail.html", _job_context(job, request.user))


@login_required
@require_GET
def job_progress_partial(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    return render(request, "prospects/_job_progress.html", _job_context(job, request.user))


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    return job_result_response(get_job_for(request.user, pk))


def job_result_response(job) -> FileResponse:
    """The result file of a visible job (also served by the API); 404 while it has none."""
    if not job.result_file:
        raise Http404
    response = FileResponse(job.result_file.open("rb"), as_attachment=True, filename=job.result_name or "export")
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    if job_retry(job=job):
        messages.success(request, _("Le traitement a été relancé."))
    else:
        messages.error(request, _("Seul un traitement échoué peut être relancé."))
    return redirect("prospects:job_detail", pk=job.pk)
