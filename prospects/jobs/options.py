"""What a job takes and what it produced, typed: one small dataclass per job kind over the
`Job.options` JSON (its keys stay as stored, so rows written before still read), and the
counters of `Job.counts`.

    options = ImportOptions.of(job)                      # read: defaults filled, other keys ignored
    Job(kind=..., options=options.to_options())          # write a new job
    job.options = options.merged_into(job.options)       # update, keeping the keys others own

Nothing else reads `Job.options` or `Job.counts` by key; templates get these objects.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Self

from prospects.models import Job, JobKind


class JobOptions:
    """Base of the typed views of `Job.options`. A field may name its JSON key (metadata "key")."""

    @classmethod
    def _keys(cls) -> dict[str, str]:
        return {item.name: item.metadata.get("key", item.name) for item in dataclasses.fields(cls)}

    @classmethod
    def of(cls, job_or_options: Job | dict | None) -> Self:
        """The options of a job (or of a stored options dict); missing keys take the defaults."""
        stored = job_or_options.options if isinstance(job_or_options, Job) else job_or_options
        stored = stored or {}
        return cls(**{name: stored[key] for name, key in cls._keys().items() if key in stored})

    def to_options(self) -> dict:
        """The JSON to store; None values are left out."""
        values = {key: getattr(self, name) for name, key in self._keys().items()}
        return {key: value for key, value in values.items() if value is not None}

    def merged_into(self, options: dict | None) -> dict:
        """`options` (a job's stored dict) with these fields written over it."""
        return {**(options or {}), **self.to_options()}


# ---------------------------------------------------------------------------------------
# What a job takes.


@dataclass(frozen=True)
class PreviewedImportOptions(JobOptions):
    """What both imports take: previewed on upload, run once the user confirms (G1)."""

    preview: bool = False  # created by an upload page, waiting for the user's confirmation
    confirmed: bool = False  # the user (or the command) asked for the run
    update_existing: bool = False  # matched contacts: update them (else skip them)
    valid_only: bool = False  # import the valid rows and skip the bad ones (else all-or-nothing)
    command: bool = False  # started by a management command
    # Rows to create that look like a visible contact (prospects.duplicates.imports), the first 200.
    probable_duplicates: list = field(default_factory=list)

    def confirmed_with(self, *, valid_only: bool) -> Self:
        """These options once the user confirmed the preview."""
        return dataclasses.replace(self, confirmed=True, valid_only=valid_only, probable_duplicates=[])


@dataclass(frozen=True)
class ImportOptions(PreviewedImportOptions):
    """An Excel import (I1–I3)."""

    rows: int = 0  # data rows read by the preview
    # SHA-256 of the upload whose checks (sizes, XML, cell references) the preview passed: the
    # run reads the very same bytes from storage, so it does not scan them again.
    checked_sha256: str = ""


@dataclass(frozen=True)
class VCardImportOptions(PreviewedImportOptions):
    """A vCard import (I4, R9) or a quick add by drop zone (L7, R2)."""

    via: str = "import"  # "import" or "quick_add": which page (and right) started it
    files: list = field(default_factory=list)  # the uploaded file names, in upload order
    cards: int = 0  # cards read by the preview
    preview_cards: list = field(default_factory=list)  # per-card lines shown by the preview page

    def confirmed_with(self, *, valid_only: bool) -> Self:
        # The per-card lines served the preview page only.
        return dataclasses.replace(super().confirmed_with(valid_only=valid_only), preview_cards=[])


@dataclass(frozen=True)
class ListExportOptions(JobOptions):
    """The Excel export of the list (B6): the ticked ids, or the list's filters, in its sort order."""

    ids: list | None = None
    filters: dict | None = None
    sort: str | None = None


@dataclass(frozen=True)
class VCardExportOptions(JobOptions):
    """A vCard export (E2/E3): the ticked ids or the list's filters, one .vcf or a .zip."""

    ids: list | None = None
    filters: dict | None = None
    as_zip: bool = field(default=False, metadata={"key": "zip"})
    version: str = ""  # the vCard version; "" for the writer's default


@dataclass(frozen=True)
class ImportUndoOptions(JobOptions):
    """Undoing an import in the background: which import job."""

    import_job: int = 0


@dataclass(frozen=True)
class VCardPreviewOptions(JobOptions):
    """Reading a large vCard upload in the background, then saving its preview (an IMPORT_VCF job)."""

    via: str = "import"
    update_existing: bool = False
    files: list = field(default_factory=list)  # the uploaded file names, in upload order
    preview_job: int | None = None  # the preview it saved, once done


@dataclass(frozen=True)
class MassActionOptions(JobOptions):
    """A mass action of the list (L6) past MASS_ACTION_SYNC_LIMIT: what to do, on which selection."""

    action: str = ""  # "assign", "status", "subscriptions" or "delete"
    ids: list | None = None
    filters: dict | None = None
    assigned_to: int | None = None  # assign: the rep's id; None means nobody
    status: str = ""
    lists: list = field(default_factory=list)  # subscriptions: the diffusion lists' ids
    subscribe: bool = True


@dataclass(frozen=True)
class DuplicatesFindOptions(JobOptions):
    """The duplicate finder run as a job (issue 17): the pairs go to a JSON result file."""

    pairs: int | None = None  # how many pairs the run found (written by the handler)


@dataclass(frozen=True)
class RetentionPurgeOptions(JobOptions):
    """Contacts past the retention period, deleted or anonymised in bulk (issue 17)."""

    ids: list = field(default_factory=list)
    anonymise: bool = False  # else delete


OPTIONS_BY_KIND: dict[str, type[JobOptions]] = {
    JobKind.IMPORT_XLSX: ImportOptions,
    JobKind.IMPORT_VCF: VCardImportOptions,
    JobKind.EXPORT_XLSX: ListExportOptions,
    JobKind.EXPORT_VCF: VCardExportOptions,
    JobKind.IMPORT_UNDO: ImportUndoOptions,
    JobKind.VCF_PREVIEW: VCardPreviewOptions,
    JobKind.MASS_ACTION: MassActionOptions,
    JobKind.DUPLICATES_FIND: DuplicatesFindOptions,
    JobKind.RETENTION_PURGE: RetentionPurgeOptions,
}


def job_options(job: Job) -> JobOptions:
    """The typed options of any job, by its kind."""
    return OPTIONS_BY_KIND[job.kind].of(job)


# ---------------------------------------------------------------------------------------
# What a job produced.


@dataclass(frozen=True)
class ImportRecord(JobOptions):
    """What an import left on its job for undo, and what undo did (stored beside the options)."""

    created_company_ids: list = field(default_factory=list)
    undo_job: int | None = None  # the undo job asked for (one undo only)
    undone_at: str | None = None  # ISO date-time of the undo
    undone_by: int | None = None
    undo_kept: list = field(default_factory=list)  # [{"id", "contact", "reason"}], the first 500
    undo_kept_count: int = 0
    undo_kept_companies: list = field(default_factory=list)  # [{"id", "company", "reason"}], the first 500

    @property
    def undone(self) -> bool:
        return bool(self.undone_at)


@dataclass(frozen=True)
class ImportCounts:
    """The counters of an import job (`Job.counts`): previewed, then written, then undone."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: int = 0
    companies_created: int = 0
    deleted: int = 0
    companies_deleted: int = 0

    @classmethod
    def of(cls, job_or_counts: Job | dict | None) -> Self:
        stored = job_or_counts.counts if isinstance(job_or_counts, Job) else job_or_counts
        stored = stored or {}
        return cls(**{item.name: stored[item.name] for item in dataclasses.fields(cls) if item.name in stored})

    def merged_into(self, counts: dict | None) -> dict:
        """`counts` (a job's stored dict) with these counters written over it."""
        return {**(counts or {}), **dataclasses.asdict(self)}

    @property
    def importable(self) -> int:
        """Rows a confirmed run would write (created or updated)."""
        return self.created + self.updated
