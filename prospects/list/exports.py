"""Exports of prospect contacts, run as background jobs."""

import tempfile

from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from crm.spreadsheets import header_row, text_cell
from prospects.jobs.options import ListExportOptions
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_handler, job_save_result
from prospects.list.paging import ordering_for, sort_param
from prospects.list.selection import Selection
from prospects.list.selectors import prospect_list_annotate
from prospects.models import Job, JobKind
from prospects.privacy.models import PersonalDataAction
from prospects.privacy.selectors import exportable_without_opposed
from prospects.privacy.services import privacy_log
from prospects.rights import R14, has_right

CHUNK = 2000


def export_options(form) -> dict:
    """The stored options of a list export (B6) from a valid MassExportForm: ticked ids, or the filters."""
    selection = Selection.from_form(form)
    return ListExportOptions(
        ids=selection.ids,
        filters=selection.filters if selection.ids is None else None,
        sort=sort_param(form.filter_data.get("sort")),
    ).to_options()


def list_columns():
    """The list page's columns (L1), as (title, value-of-contact)."""
    return [
        (_("Société"), lambda p: p.company.name if p.company else ""),
        (_("Compte affecté à"), lambda p: str(p.company.assigned_to) if p.company and p.company.assigned_to else ""),
        (
            _("Société - type / statut"),
            lambda p: f"{p.company.get_type_display()} {p.company.get_status_display()}" if p.company else "",
        ),
        (_("Nom"), lambda p: p.last_name),
        (_("Prénom"), lambda p: p.first_name),
        (_("Fonction"), lambda p: p.job_title),
        (_("E-mail"), lambda p: p.email),
        (_("Téléphone"), lambda p: p.phone),
        (_("Mobile"), lambda p: p.mobile),
        (_("Fax"), lambda p: p.fax),
        (_("Région"), lambda p: p.get_region_display()),
        (_("Affecté à"), lambda p: str(p.assigned_to) if p.assigned_to else ""),
        (_("Statut"), lambda p: p.get_status_display()),
        (_("Opportunités"), lambda p: p.opportunity_count),
        (_("Propositions"), lambda p: p.proposal_count),
        (_("Post-it"), lambda p: p.note_count),
        (_("Dernier post-it"), lambda p: p.last_note or ""),
    ]


def prospects_for_export(job: Job):
    """What the user saw: the ticked ids, or the list's filters (B6), in the list's sort order."""
    user = job.created_by
    options = ListExportOptions.of(job)
    selection = Selection.of_job(options)
    prospects = exportable_without_opposed(selection.prospects(user), selection.filters)
    sort = sort_param(options.sort)
    return prospect_list_annotate(user, prospects).order_by(*ordering_for(sort))


@job_handler(JobKind.EXPORT_XLSX)
def export_xlsx(job: Job, progress: JobProgress) -> JobOutcome:
    if not has_right(job.created_by, R14):  # withdrawn since the job was queued
        raise JobFailed(_("Vous n'avez plus le droit d'exporter des contacts prospects en Excel."))
    prospects = prospects_for_export(job)
    progress.start(prospects.count())
    columns = list_columns()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Contacts prospects"))
    sheet.append(header_row(sheet, [title for title, _value in columns]))
    written = 0
    for prospect in prospects.iterator(chunk_size=CHUNK):
        sheet.append([text_cell(sheet, value(prospect)) for _title, value in columns])
        written += 1
        progress.advance()
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        workbook.save(tmp.name)
        name = f"contacts-prospects-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
        with open(tmp.name, "rb") as handle:
            job_save_result(job, name=name, content=File(handle))
    privacy_log(
        action=PersonalDataAction.EXPORT_XLSX,
        by=job.created_by,
        count=written,
        filters=ListExportOptions.of(job).to_options(),
    )
    return JobOutcome(counts={"exported": written})
