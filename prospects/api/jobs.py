"""Background jobs over the API: start an Excel or vCard import by upload (preview, then confirm,
or start at once), start an Excel or vCard export, poll a job, fetch its result or error file.

Same steps, forms, rights and services as the web pages (prospects/imports/, prospects/vcard/).
"""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from crm.api import (
    AFTER_PARAMETER_DESCRIPTION,
    BAD_INPUT,
    form_validated,
    page_by_id,
    page_serializer,
    serializer_for_form,
)
from prospects.api.serializers import ErrorSerializer, JobSerializer
from prospects.imports.states import Confirmation, is_awaiting_confirmation, preview_confirm, preview_expired_message
from prospects.imports.uploads import VCardUploadRejected, vcard_upload_preview, xlsx_upload_preview
from prospects.imports.views import ImportStartForm, ImportUploadForm, import_error_response
from prospects.imports.xlsx import ImportRejected
from prospects.jobs.options import VCardImportOptions
from prospects.jobs.runner import job_create, job_percent, job_progress
from prospects.jobs.views import job_result_response
from prospects.list.exports import export_options as list_export_options
from prospects.list.forms import MassExportForm
from prospects.list.selection import Selection
from prospects.models import IMPORT_KINDS, Job, JobKind
from prospects.rights import R7, R8, R9, R14, has_right, require_right
from prospects.selectors import get_job_for, holds_right_somewhere, jobs_visible_to
from prospects.vcard.exports import export_options
from prospects.vcard.forms import VCardExportForm, VCardUploadForm
from prospects.vcard.imports import VIA_RIGHTS

START_FIELD = serializers.BooleanField(
    required=False,
    help_text=gettext_lazy("Démarrer sans attendre de confirmation (sinon : aperçu, puis POST …/confirm/)."),
)
VALID_ONLY_FIELD = serializers.BooleanField(
    required=False, help_text=gettext_lazy("N'importer que les lignes valides (sinon une erreur bloque tout).")
)
XlsxImportInput = type(
    "XlsxImportInput",
    (serializer_for_form(ImportUploadForm, "XlsxImportFields"),),
    {"file": serializers.FileField(), "start": START_FIELD, "valid_only": VALID_ONLY_FIELD},
)
VCardImportInput = type(
    "VCardImportInput",
    (serializer_for_form(VCardUploadForm, "VCardImportFields"),),
    {"start": START_FIELD, "valid_only": VALID_ONLY_FIELD},
)
ConfirmInput = serializer_for_form(ImportStartForm, "ConfirmInput")
ExportXlsxInput = serializer_for_form(MassExportForm, "ExportXlsxInput")
ExportVCardInput = serializer_for_form(VCardExportForm, "ExportVCardInput")
JOB_DOWNLOAD = OpenApiResponse(OpenApiTypes.BINARY, description=gettext_lazy("Le fichier"))


def job_out(job: Job, request) -> dict:
    """The job as the API shows it, with its live progress (from the cache while it runs)."""
    data = JobSerializer(job).data
    data["progress_done"], data["progress_total"] = job_progress(job)
    data["percent"] = job_percent(job)
    data["awaiting_confirmation"] = job.kind in IMPORT_KINDS and is_awaiting_confirmation(job)
    result = reverse("api:job-result", args=[job.pk]) if job.result_file else None
    data["result_url"] = request.build_absolute_uri(result) if result else None
    has_error_file = job.kind == JobKind.IMPORT_XLSX and job.errors and job.source_file
    data["errors_url"] = (
        request.build_absolute_uri(reverse("api:job-errors", args=[job.pk])) if has_error_file else None
    )
    return data


def _confirm(job: Job, *, valid_only: bool, request) -> Response:
    outcome = preview_confirm(job=job, valid_only=valid_only)
    if outcome == Confirmation.EXPIRED:
        return Response({"detail": preview_expired_message()}, status=status.HTTP_410_GONE)
    job.refresh_from_db()
    code = status.HTTP_202_ACCEPTED if outcome == Confirmation.QUEUED else status.HTTP_200_OK
    return Response(job_out(job, request), status=code)


def _import_right(job: Job):
    if job.kind == JobKind.IMPORT_XLSX:
        return R7
    return VIA_RIGHTS.get(VCardImportOptions.of(job).via, R9)


class JobListView(APIView):
    @extend_schema(
        operation_id="jobs_list",
        summary=gettext_lazy("Mes traitements (imports et exports)"),
        parameters=[OpenApiParameter("after", OpenApiTypes.INT, description=AFTER_PARAMETER_DESCRIPTION)],
        responses={200: page_serializer("JobPage", JobSerializer)},
        tags=["jobs"],
    )
    def get(self, request):
        rows, next_url = page_by_id(jobs_visible_to(request.user).select_related(None), request)
        return Response({"next": next_url, "results": [job_out(job, request) for job in rows]})


class JobDetailView(APIView):
    @extend_schema(
        operation_id="jobs_retrieve",
        summary=gettext_lazy("Un traitement : état et progression"),
        responses={200: JobSerializer, 404: ErrorSerializer},
        tags=["jobs"],
    )
    def get(self, request, pk: int):
        return Response(job_out(get_job_for(request.user, pk), request))


class JobConfirmView(APIView):
    @extend_schema(
        operation_id="jobs_confirm",
        summary=gettext_lazy("Confirmer un aperçu d'import et le lancer"),
        description=gettext_lazy("202 : lancé ; 200 : déjà lancé ; 410 : aperçu expiré, renvoyer le fichier."),
        request=ConfirmInput,
        responses={202: JobSerializer, 200: JobSerializer, 403: ErrorSerializer, 404: ErrorSerializer,
                   410: ErrorSerializer},
        tags=["jobs"],
    )  # fmt: skip
    def post(self, request, pk: int):
        job = get_job_for(request.user, pk)
        if job.kind not in IMPORT_KINDS:
            raise Http404
        require_right(request.user, _import_right(job))
        valid_only = bool(form_validated(ImportStartForm(request.data)).get("valid_only"))
        return _confirm(job, valid_only=valid_only, request=request)


class JobResultView(APIView):
    @extend_schema(
        operation_id="jobs_result",
        summary=gettext_lazy("Télécharger le fichier résultat d'un traitement (export)"),
        responses={(200, "application/octet-stream"): JOB_DOWNLOAD, 404: ErrorSerializer},
        tags=["jobs"],
    )
    def get(self, request, pk: int):
        return job_result_response(get_job_for(request.user, pk))


class JobErrorsView(APIView):
    @extend_schema(
        operation_id="jobs_errors",
        summary=gettext_lazy("Télécharger le fichier d'erreurs d'un import Excel"),
        responses={(200, "application/octet-stream"): JOB_DOWNLOAD, 404: ErrorSerializer},
        tags=["jobs"],
    )
    def get(self, request, pk: int):
        job = get_job_for(request.user, pk)
        if job.kind != JobKind.IMPORT_XLSX:
            raise Http404
        return import_error_response(job)


def _start_requested(request) -> tuple[bool, bool]:
    form = form_validated(ImportStartForm(request.data))
    start = str(request.data.get("start", "")).lower() in {"1", "true", "on", "yes"}
    return start, bool(form.get("valid_only"))


def _import_started(job: Job, request, *, start: bool, valid_only: bool) -> Response:
    if start:
        return _confirm(job, valid_only=valid_only, request=request)
    return Response(job_out(job, request), status=status.HTTP_201_CREATED)


def _job_start_schema(operation_id: str, summary, description, request, *, upload: bool):
    """The schema of a view that starts a job: an upload previews it (201) or starts it (202), with 413s."""
    codes = (201, 202) if upload else (202,)
    responses = {**dict.fromkeys(codes, JobSerializer), 400: BAD_INPUT, 403: ErrorSerializer}
    if upload:
        responses[413] = ErrorSerializer
    return extend_schema(
        operation_id=operation_id,
        summary=summary,
        description=description,
        request={"multipart/form-data": request} if upload else request,
        responses=responses,
        tags=["jobs"],
    )


class XlsxImportView(APIView):
    @_job_start_schema(
        "imports_xlsx_create",
        gettext_lazy("Importer un fichier Excel (modèle d'import)"),
        gettext_lazy(
            "Droit R7. Le fichier est contrôlé et simulé : 201 avec l'aperçu (compteurs, erreurs), à confirmer par "
            "POST /api/jobs/{id}/confirm/ ; ou lancé aussitôt avec `start=true` (202). 20 Mo au plus."
        ),
        XlsxImportInput,
        upload=True,
    )
    def post(self, request):
        require_right(request.user, R7)
        # The page's default choice when left out; the file itself stays in request.FILES (never copied).
        form = ImportUploadForm({"existing": request.data.get("existing") or "skip"}, request.FILES)
        data = form_validated(form)
        start, valid_only = _start_requested(request)
        try:
            job = xlsx_upload_preview(
                user=request.user, upload=data["file"], update_existing=data["existing"] == "update"
            )
        except ImportRejected as rejected:
            raise ValidationError({"file": [rejected.message]}) from None
        return _import_started(job, request, start=start, valid_only=valid_only)


class VCardImportView(APIView):
    @_job_start_schema(
        "imports_vcard_create",
        gettext_lazy("Importer des fichiers vCard (.vcf)"),
        gettext_lazy("Droit R9. Un ou plusieurs fichiers `files` ; aperçu (201) à confirmer, ou `start=true` (202)."),
        VCardImportInput,
        upload=True,
    )
    def post(self, request):
        require_right(request.user, R9)
        data = form_validated(VCardUploadForm(request.data, request.FILES))
        start, valid_only = _start_requested(request)
        try:
            job = vcard_upload_preview(
                user=request.user, files=data["files"], update_existing=data["existing"] == "update", via="import"
            )
        except VCardUploadRejected as rejected:
            raise ValidationError({"files": rejected.messages}) from None
        return _import_started(job, request, start=start, valid_only=valid_only)


class XlsxExportView(APIView):
    @_job_start_schema(
        "exports_xlsx_create",
        gettext_lazy("Lancer un export Excel de la liste"),
        gettext_lazy(
            "Droit R14. `ids` : les contacts choisis ; sans `ids`, toute la liste filtrée par `query` (les "
            "paramètres de la liste, ex. `status=nouveau&sort=last_name`). Suivre le traitement, puis télécharger."
        ),
        ExportXlsxInput,
        upload=False,
    )
    def post(self, request):
        if not has_right(request.user, R14):
            raise PermissionDenied
        form = MassExportForm(request.data, user=request.user)
        form_validated(form)
        job = job_create(kind=JobKind.EXPORT_XLSX, by=request.user, options=list_export_options(form))
        return Response(job_out(job, request), status=status.HTTP_202_ACCEPTED)


class VCardExportView(APIView):
    @_job_start_schema(
        "exports_vcard_create",
        gettext_lazy("Lancer un export vCard"),
        gettext_lazy(
            "Droit R8 (sur chaque contact exporté). `ids`, ou `select_all=true` avec `query` ; `zip` : une "
            "archive d'un fichier par contact ; `version` : 3.0 ou 4.0."
        ),
        ExportVCardInput,
        upload=False,
    )
    def post(self, request):
        if not holds_right_somewhere(request.user, R8):
            raise PermissionDenied
        form = VCardExportForm(request.data, user=request.user)
        data = form_validated(form)
        options = export_options(selection=Selection.from_form(form), as_zip=data["zip"], version=data["version"])
        job = job_create(kind=JobKind.EXPORT_VCF, by=request.user, options=options)
        return Response(job_out(job, request), status=status.HTTP_202_ACCEPTED)
