"""The Excel import pages (I1, I2, B2, I3, undo): template, upload and preview, start, error file."""

import os
import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.downloads import file_download
from prospects.imports.files import error_file_for, template_write
from prospects.imports.states import (
    Confirmation,
    import_job_for,
    is_awaiting_confirmation,
    preview_confirm,
    preview_context,
    preview_expired_message,
)
from prospects.imports.undo import import_undo_request, import_undo_right
from prospects.imports.uploads import xlsx_upload_preview
from prospects.imports.xlsx import MAX_UPLOAD_BYTES, ImportRejected, limits_text, stored_copy
from prospects.jobs.options import ImportOptions
from prospects.models import IMPORT_KINDS, JobKind
from prospects.rights import R7, require_right
from prospects.selectors import get_job_for

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fichier Excel (.xlsx) rempli à partir du modèle"))
    existing = forms.ChoiceField(
        label=gettext_lazy("Contacts déjà présents"),
        choices=[
            ("skip", gettext_lazy("Les ignorer (ne rien modifier)")),
            ("update", gettext_lazy("Les mettre à jour avec les cellules remplies du fichier")),
        ],
        initial="skip",
        widget=forms.RadioSelect,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse la taille maximale de %(max)d Mo.") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload


class ImportStartForm(forms.Form):
    valid_only = forms.BooleanField(required=False)


@login_required
@require_GET
def import_template(request: HttpRequest) -> FileResponse:
    require_right(request.user, R7)
    with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
        path = tmp.name
    try:
        template_write(user=request.user, path=path)
        handle = open(path, "rb")  # noqa: SIM115  FileResponse closes it
    finally:
        os.unlink(path)  # the open handle keeps the data readable
    return file_download(handle, filename="modele-import-contacts-prospects.xlsx", content_type=XLSX_TYPE)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a filled template: checked, stored in a (not yet queued) job, previewed."""
    require_right(request.user, R7)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = xlsx_upload_preview(
                user=request.user,
                upload=form.cleaned_data["file"],
                update_existing=form.cleaned_data["existing"] == "update",
            )
        except ImportRejected as rejected:
            form.add_error("file", rejected.message)
        else:
            return redirect("prospects:import_preview", pk=job.pk)
    return render(request, "prospects/import/upload.html", {"form": form, "limits": limits_text()})


@login_required
@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    job = import_job_for(request.user, pk, kind=JobKind.IMPORT_XLSX)
    if not is_awaiting_confirmation(job):
        return redirect("prospects:job_detail", pk=job.pk)
    return render(request, "prospects/import/preview.html", preview_context(job, ImportOptions.of(job)))


@login_required
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the previewed import; "valid rows only" must be asked for explicitly (G1)."""
    require_right(request.user, R7)
    form = ImportStartForm(request.POST)
    form.is_valid()
    valid_only = bool(form.cleaned_data.get("valid_only"))
    job = import_job_for(request.user, pk, kind=JobKind.IMPORT_XLSX)
    if preview_confirm(job=job, valid_only=valid_only) == Confirmation.EXPIRED:
        messages.error(request, preview_expired_message())
        return redirect("prospects:import_upload")
    return redirect("prospects:job_detail", pk=job.pk)


@login_required
@require_GET
def import_error_file(request: HttpRequest, pk: int) -> FileResponse:
    """The uploaded rows with the bad cells highlighted and an error column (B2)."""
    return import_error_response(import_job_for(request.user, pk, kind=JobKind.IMPORT_XLSX))


def import_error_response(job) -> FileResponse:
    """The error file of a visible Excel import job (also served by the API); 404 when it has none."""
    if not job.errors or not job.source_file:
        raise Http404
    try:
        with stored_copy(job) as source:
            path = error_file_for(source_path=source.name, errors=job.errors)
    except ImportRejected as rejected:
        raise Http404 from rejected
    handle = open(path, "rb")  # noqa: SIM115  FileResponse closes it
    os.unlink(path)
    stem = os.path.splitext(os.path.basename(job.source_name or "import"))[0][:80] or "import"
    return file_download(handle, filename=f"erreurs-{stem}.xlsx", content_type=XLSX_TYPE)


@login_required
@require_POST
def import_undo_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo an Excel or vCard import (the user's own job, with the right that allowed it)."""
    job = get_job_for(request.user, pk)
    if job.kind not in IMPORT_KINDS:
        raise Http404
    require_right(request.user, import_undo_right(job))
    undo = import_undo_request(job=job, by=request.user)
    if undo is None:
        messages.error(request, _("Cet import ne peut pas être annulé (ou son annulation est déjà demandée)."))
        return redirect("prospects:job_detail", pk=job.pk)
    return redirect("prospects:job_detail", pk=undo.pk)
