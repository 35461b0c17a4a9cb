"""E1–E3: contacts out as vCards — one card, one multi-contact .vcf, or a .zip of one .vcf each.

Only contacts the user may see *and* export (R8, globally or on the contact) are written.
Small selections are answered in the request; larger ones run as an EXPORT_VCF job.
"""

import tempfile

from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from prospects.jobs.options import VCardExportOptions
from prospects.jobs.runner import JobOutcome, JobProgress, job_handler, job_save_result
from prospects.list.selection import Selection
from prospects.models import Job, JobKind, ProspectContact
from prospects.privacy.models import PersonalDataAction
from prospects.privacy.selectors import exportable_without_opposed
from prospects.privacy.services import privacy_log
from prospects.rights import R8, has_right
from prospects.selectors import prospects_changeable_by
from prospects.vcard.writer import DEFAULT_VERSION, VERSIONS, VCardFields, prospect_uid, serialize, write_zip

# Above this many contacts the export runs in the background (a job with progress).
SYNC_EXPORT_LIMIT = 500
CHUNK = 2000

_VALUES = (
    "pk",
    "last_name",
    "first_name",
    "company__name",
    "department",
    "job_title",
    "email",
    "phone",
    "mobile",
    "fax",
    "address",
    "postcode",
    "city",
    "country",
    "description",
    "updated_at",
)


def exportable_prospects(user: User, selection: QuerySet[ProspectContact]) -> QuerySet[ProspectContact]:
    """The part of a (visible) selection the user may export: R8 globally, or on each contact."""
    if has_right(user, R8):
        return selection
    return selection.filter(pk__in=prospects_changeable_by(user, R8).values("pk"))


def prospects_for_vcard_export(user: User, selection: Selection | None = None) -> QuerySet[ProspectContact]:
    """The selected contacts (B5; all visible ones by default) the user may export, in file order."""
    selection = selection or Selection()
    prospects = exportable_without_opposed(selection.prospects(user), selection.filters)
    return exportable_prospects(user, prospects).order_by("last_name", "first_name", "pk")


def vcard_fields_of(prospects: QuerySet[ProspectContact]):
    """Stream VCardFields from plain rows: no model instances, no per-row query."""
    for row in prospects.values_list(*_VALUES, named=True).iterator(chunk_size=CHUNK):
        yield VCardFields(
            uid=prospect_uid(row.pk),
            last_name=row.last_name,
            first_name=row.first_name,
            company=row.company__name or "",
            department=row.department,
            job_title=row.job_title,
            email=row.email,
            phone=row.phone,
            mobile=row.mobile,
            fax=row.fax,
            address=row.address,
            postcode=row.postcode,
            city=row.city,
            country=row.country,
            description=row.description,
            updated_at=row.updated_at,
        )


def export_file_name(*, as_zip: bool) -> str:
    return f"contacts-prospects-{timezone.localtime():%Y%m%d-%H%M}.{'zip' if as_zip else 'vcf'}"


def write_export(prospects, target, *, as_zip: bool, version: str = DEFAULT_VERSION, progress=None) -> int:
    """Write the selection to `target` (a binary file); returns how many contacts."""

    def counted():
        for fields in vcard_fields_of(prospects):
            if progress is not None:
                progress.advance()
            yield fields

    if as_zip:
        return write_zip(counted(), target, version)
    written = 0
    buffer = []
    for fields in counted():
        buffer.append(serialize(fields, version))
        written += 1
        if len(buffer) >= CHUNK:
            target.write("".join(buffer).encode("utf-8"))
            buffer.clear()
    target.write("".join(buffer).encode("utf-8"))
    return written


def export_options(*, selection: Selection, as_zip: bool, version: str) -> dict:
    """The stored options of an export job: the ticked ids, or else the list's filters."""
    return VCardExportOptions(
        ids=selection.ids,
        filters=selection.filters if selection.ids is None else None,
        as_zip=bool(as_zip),
        version=version if version in VERSIONS else DEFAULT_VERSION,
    ).to_options()


@job_handler(JobKind.EXPORT_VCF)
def export_vcf(job: Job, progress: JobProgress) -> JobOutcome:
    options = VCardExportOptions.of(job)
    prospects = prospects_for_vcard_export(job.created_by, Selection.of_job(options))
    progress.start(prospects.count())
    as_zip = options.as_zip
    with tempfile.TemporaryFile() as tmp:
        written = write_export(
            prospects, tmp, as_zip=as_zip, version=options.version or DEFAULT_VERSION, progress=progress
        )
        tmp.seek(0)
        job_save_result(job, name=export_file_name(as_zip=as_zip), content=File(tmp))
    privacy_log(action=PersonalDataAction.EXPORT_VCF, by=job.created_by, count=written, filters=options.to_options())
    return JobOutcome(counts={"exported": written})
