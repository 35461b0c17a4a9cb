from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from prospects.jobs import job_count_labels, job_create, job_percent, job_progress, job_retry
from prospects.models import JobKind
from prospects.selectors import get_job_for, prospects_visible_to

PAGE_SIZES = (25, 50, 100, 200)


def _page_size(request: HttpRequest) -> int:
    try:
        size = int(request.GET.get("per_page", 200))
    except ValueError:
        return 200
    return size if size in PAGE_SIZES else 200


@login_required
@require_GET
def prospect_list(request: HttpRequest) -> HttpResponse:
    prospects = (
        prospects_visible_to(request.user)
        .annotate(
            opportunity_count=Count("opportunities", distinct=True),
            proposal_count=Count("proposals", distinct=True),
        )
        .order_by("company__name", "last_name", "first_name", "id")
    )
    page = Paginator(prospects, _page_size(request)).get_page(request.GET.get("page"))
    return render(request, "prospects/list.html", {"page": page, "page_sizes": PAGE_SIZES})


@login_required
@require_POST
def prospect_export_xlsx(request: HttpRequest) -> HttpResponse:
    job = job_create(kind=JobKind.EXPORT_XLSX, by=request.user)
    return redirect("prospects:job_detail", pk=job.pk)


def _job_context(job) -> dict:
    done, total = job_progress(job)
    return {"job": job, "done": done, "total": total, "percent": job_percent(job), "counts": job_count_labels(job)}


@login_required
@require_GET
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    return render(request, "prospects/job_detail.html", _job_context(job))


@login_required
@require_GET
def job_progress_partial(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_job_for(request.user, pk)
    return render(request, "prospects/_job_progress.html", _job_context(job))


@login_required
@require_GET
def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = get_job_for(request.user, pk)
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
