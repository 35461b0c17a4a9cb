"""vCard pages: export one contact (E1), export a selection (E2/E3), import (I4) and quick add (L7)."""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import require_right
from prospects.jobs import job_create
from prospects.models import JobKind
from prospects.selectors import get_prospect_for, holds_right_somewhere
from prospects.vcard_exports import (
    R8,
    SYNC_EXPORT_LIMIT,
    export_file_name,
    export_options,
    prospects_for_vcard_export,
    write_export,
)
from prospects.vcard_forms import VCardExportForm
from prospects.vcards import DEFAULT_VERSION, VERSIONS, archive_stem, fields_of, safe_file_stem, serialize

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
    require_right(request.user, f"prospects.{R8}", prospect)
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
    if data.get("select_all"):
        ids, filters = None, {key: form.filter_data.getlist(key) for key in form.filter_data}
    else:
        ids, filters = data["ids"], None
    prospects = prospects_for_vcard_export(user, ids=ids, filters=filters)
    count = prospects.count()
    if not count:
        messages.error(request, _("Aucun des contacts sélectionnés ne peut être exporté."))
        return _back_to_list(back_query)
    if count > SYNC_EXPORT_LIMIT:
        options = export_options(ids=ids, filters=filters, as_zip=data["zip"], version=data["version"])
        job = job_create(kind=JobKind.EXPORT_VCF, by=user, options=options)
        return redirect("prospects:job_detail", pk=job.pk)
    buffer = io.BytesIO()
    write_export(prospects, buffer, as_zip=data["zip"], version=data["version"])
    return _download(
        buffer.getvalue(),
        filename=export_file_name(as_zip=data["zip"]),
        content_type="application/zip" if data["zip"] else VCARD_TYPE,
    )
