"""vCard pages: export one contact (E1), export a selection (E2/E3), import (I4) and quick add (L7)."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prospects.imports.states import (
    Confirmation,
    import_job_for,
    is_awaiting_confirmation,
    preview_confirm,
    preview_context,
    preview_expired_message,
)
from prospects.imports.uploads import VCardUploadRejected, vcard_upload_preview
from prospects.jobs.options import VCardImportOptions
from prospects.jobs.runner import job_create
from prospects.list.selection import Selection
from prospects.models import JobKind
from prospects.privacy.models import PersonalDataAction
from prospects.privacy.services import privacy_log
from prospects.rights import R2, R8, R9, require_right
from prospects.selectors import get_prospect_for, holds_right_somewhere
from prospects.vcard.exports import (
    SYNC_EXPORT_LIMIT,
    export_file_name,
    export_options,
    prospects_for_vcard_export,
    write_export,
)
from prospects.vcard.forms import VCardExportForm, VCardStartForm, VCardUploadForm
from prospects.vcard.imports import (
    VIA_RIGHTS,
    upload_limits_text,
)
from prospects.vcard.writer import DEFAULT_VERSION, VERSIONS, archive_stem, fields_of, safe_file_stem, serialize

VCARD_TYPE = "text/vcard; charset=utf-8"


def _download(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _back_to_list(query: str = "") -> HttpResponse:
    url = reverse("prospects:list")
    return redirect(f"{url}?{query}" if query and len(query) <= 4000 else url)


@login_required
@require_GET
def vcard_export_one(request: HttpRequest, pk: int) -> HttpResponse:
    """E1: one contact as a .vcf (404 when not visible, 403 without R8 on it)."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, R8, prospect)
    privacy_log(action=PersonalDataAction.EXPORT_VCF, by=request.user, count=1, detail=f"#{prospect.pk}")
    return vcard_response(prospect, request.GET.get("version"))


def vcard_response(prospect, version: str | None) -> HttpResponse:
    """The download of one (visible, rights-checked) contact; also served by the list's row menu."""
    fields = fields_of(prospect)
    return _download(
        serialize(fields, version if version in VERSIONS else DEFAULT_VERSION),
        filename=safe_file_stem(archive_stem(fields)) + ".vcf",
        content_type=VCARD_TYPE,
    )


@login_required
@require_POST
def vcard_export_many(request: HttpRequest) -> HttpResponse:
    """E2/E3: the ticked contacts (or the whole filter) as one .vcf or a .zip; big ones as a job."""
    user = request.user
    if not holds_right_somewhere(user, R8):
        raise PermissionDenied
    form = VCardExportForm(request.POST, user=user)
    back_query = request.POST.get("query", "")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_list(back_query)
    data = form.cleaned_data
    selection = Selection.from_form(form)
    prospects = prospects_for_vcard_export(user, selection)
    count = prospects.count()
    if not count:
        messages.error(request, _("Aucun des contacts sélectionnés ne peut être exporté."))
        return _back_to_list(back_query)
    if count > SYNC_EXPORT_LIMIT:
        options = export_options(selection=selection, as_zip=data["zip"], version=data["version"])
        job = job_create(kind=JobKind.EXPORT_VCF, by=user, options=options)
        return redirect("prospects:job_detail", pk=job.pk)
    buffer = io.BytesIO()
    written = write_export(prospects, buffer, as_zip=data["zip"], version=data["version"])
    privacy_log(action=PersonalDataAction.EXPORT_VCF, by=user, count=written, filters=selection.as_options())
    return _download(
        buffer.getvalue(),
        filename=export_file_name(as_zip=data["zip"]),
        content_type="application/zip" if data["zip"] else VCARD_TYPE,
    )


# ---------------------------------------------------------------------------------------
# Import (I4, R9) and quick add by drop zone (L7, R2): upload → preview (dry run) → job.


def _upload_and_preview(request: HttpRequest, *, via: str) -> tuple[HttpResponse | None, VCardUploadForm]:
    """Check and parse the posted files, store them in a not-yet-queued job, go to its preview.

    The response is None (and the form carries the errors) when nothing could be previewed."""
    form = VCardUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return None, form
    try:
        job = vcard_upload_preview(
            user=request.user,
            files=form.cleaned_data["files"],
            update_existing=form.cleaned_data["existing"] == "update",
            via=via,
        )
    except VCardUploadRejected as rejected:
        for message in rejected.messages:
            form.add_error("files", message)
        return None, form
    if job.kind == JobKind.VCF_PREVIEW:
        return redirect("prospects:job_detail", pk=job.pk), form
    return redirect("prospects:vcard_preview", pk=job.pk), form


@login_required
@require_http_methods(["GET", "POST"])
def vcard_import(request: HttpRequest) -> HttpResponse:
    """I4: the import page, one or many .vcf files (R9)."""
    require_right(request.user, R9)
    if request.method == "POST":
        response, form = _upload_and_preview(request, via="import")
        if response is not None:
            return response
    else:
        form = VCardUploadForm()
    return render(request, "prospects/vcard/upload.html", {"form": form, "limits": upload_limits_text()})


@login_required
@require_POST
def vcard_quick_add(request: HttpRequest) -> HttpResponse:
    """L7: files dropped on the list's drop zone (R2); errors are shown back on the list."""
    require_right(request.user, R2)
    response, form = _upload_and_preview(request, via="quick_add")
    if response is not None:
        return response
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return _back_to_list()


ACTION_LABELS = {
    "create": gettext_lazy("Création"),
    "update": gettext_lazy("Mise à jour du contact existant"),
    "skip": gettext_lazy("Ignorée : contact déjà présent"),
    "error": gettext_lazy("Erreur"),
}


@login_required
@require_GET
def vcard_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_for(request.user, pk, kind=JobKind.IMPORT_VCF)
    if not is_awaiting_confirmation(job):
        return redirect("prospects:job_detail", pk=job.pk)
    options = VCardImportOptions.of(job)
    cards = [dict(card, label=ACTION_LABELS.get(card["action"], "")) for card in options.preview_cards]
    context = preview_context(job, options)
    context.update(cards=cards, more_cards=max(0, options.cards - len(cards)), via=options.via)
    return render(request, "prospects/vcard/preview.html", context)


@login_required
@require_POST
def vcard_import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the previewed import; importing only the valid cards must be asked for (G1)."""
    job = import_job_for(request.user, pk, kind=JobKind.IMPORT_VCF)
    via = VCardImportOptions.of(job).via
    require_right(request.user, VIA_RIGHTS.get(via, R9))
    form = VCardStartForm(request.POST)
    valid_only = form.is_valid() and form.cleaned_data["valid_only"]
    if preview_confirm(job=job, valid_only=valid_only) == Confirmation.EXPIRED:
        messages.error(request, preview_expired_message())
        return _back_to_list() if via == "quick_add" else redirect("prospects:vcard_import")
    return redirect("prospects:job_detail", pk=job.pk)
