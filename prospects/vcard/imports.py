"""I4 and quick add (L7): vCard files into contacts, through the shared import pipeline.

The reader (`prospects.vcard.reader`) turns each card into a row keyed like the Excel
template; `prospects.imports.checks` validates the rows into plans (create / update / skip /
error, matching on e-mail or name + company, G4) and writes them inside the job's
transaction, all-or-nothing unless the user chose to import the valid cards only (G1).
A card the reader could not read counts as an error row of that pipeline.

The uploaded files are kept together in one server-built .zip on the job (member names are
positions, the users' file names stay in the job's options).
"""

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from prospects.duplicates.imports import plans_probable_duplicates
from prospects.imports.checks import ImportContext, rows_validate
from prospects.imports.plans import ERROR, ImportHasErrors, SourceRow
from prospects.imports.run import import_run
from prospects.jobs.options import VCardImportOptions
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_handler
from prospects.models import Job, JobKind
from prospects.privacy.imports import opposition_screen
from prospects.rights import R2, R9, has_right
from prospects.vcard.reader import MAX_FILE_BYTES, MAX_FILES, ParsedFile, VCardRejected, parse_vcards

VIA_RIGHTS = {"quick_add": R2, "import": R9}
MAX_TOTAL_BYTES = 50 * 1024 * 1024
PREVIEW_CARDS_KEPT = 500  # per-card lines stored for the preview page


@dataclass
class VCardUpload:
    """The parsed files of one upload, and the files refused as a whole."""

    files: list[ParsedFile] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    @property
    def card_total(self) -> int:
        return sum(len(parsed.cards) for parsed in self.files)

    def rows(self) -> Iterator[SourceRow]:
        for parsed in self.files:
            for card in parsed.cards:
                if not card.error:
                    yield SourceRow(location=card.location, values=card.values)

    def errors(self) -> list[dict]:
        """Whole files refused and cards that could not be read, as the pipeline's error dicts."""
        errors = list(self.rejected)
        for parsed in self.files:
            for card in parsed.cards:
                if card.error:
                    errors.append(dict(card.location, column="", key="", value="", message=card.error))
        return errors


def upload_limits_text() -> str:
    return _("%(files)d fichiers .vcf au plus, de %(size)d Mo chacun ; les photos ne sont pas importées.") % {
        "files": MAX_FILES,
        "size": MAX_FILE_BYTES // (1024 * 1024),
    }


def uploads_check(uploads: list[tuple[str, int]]) -> None:
    """Refuse an upload over the published limits before reading it (G5). (name, size) pairs."""
    if not uploads:
        raise VCardRejected(_("Aucun fichier reçu."))
    if len(uploads) > MAX_FILES:
        raise VCardRejected(_("%(count)d fichiers : %(max)d au plus.") % {"count": len(uploads), "max": MAX_FILES})
    for name, size in uploads:
        if size > MAX_FILE_BYTES:
            raise VCardRejected(
                _("%(file)s : le fichier dépasse %(max)d Mo.") % {"file": name, "max": MAX_FILE_BYTES // (1024 * 1024)}
            )
    if sum(size for _name, size in uploads) > MAX_TOTAL_BYTES:
        raise VCardRejected(
            _("L'ensemble des fichiers dépasse %(max)d Mo.") % {"max": MAX_TOTAL_BYTES // (1024 * 1024)}
        )


def uploads_parse(uploads: list[tuple[str, bytes]]) -> VCardUpload:
    result = VCardUpload()
    seen: set[str] = set()
    for name, data in uploads:
        name = (name or "contacts.vcf")[:120]
        base, number = name, 1
        while name in seen:  # two files of the same name stay apart in the report
            number += 1
            name = f"{base} ({number})"
        seen.add(name)
        try:
            result.files.append(parse_vcards(data, name=name))
        except VCardRejected as rejected:
            result.rejected.append(
                {"file": name, "card": "", "line": "", "row": name, "column": "", "key": "", "value": "",
                 "message": rejected.message}
            )  # fmt: skip
    return result


def uploads_pack(uploads: list[tuple[str, bytes]]) -> ContentFile:
    """One .zip holding the uploaded files under server-built names, for the job."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for position, (_name, data) in enumerate(uploads, start=1):
            archive.writestr(f"{position:03d}.vcf", data)
    return ContentFile(buffer.getvalue())


def uploads_unpack(job: Job) -> list[tuple[str, bytes]]:
    names = VCardImportOptions.of(job).files
    with job.source_file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        members = sorted(archive.namelist())
        total = sum(info.file_size for info in archive.infolist())
        if len(members) > MAX_FILES or total > MAX_TOTAL_BYTES:
            raise VCardRejected(_("Les fichiers de cet import dépassent les limites."))
        return [
            (names[index] if index < len(names) else member, archive.read(member))
            for index, member in enumerate(members)
        ]


def _card_name(values: dict) -> str:
    name = " ".join(part for part in (values.get("first_name"), values.get("last_name")) if part)
    return name or values.get("company") or values.get("email") or _("(sans nom)")


def vcard_preview(*, user: User, upload: VCardUpload, update_existing: bool) -> tuple[dict, list, list]:
    """Dry run: (counts, errors, one line per card) — what each card would become. Writes nothing."""
    context = ImportContext(user=user, update_existing=update_existing)
    counts = {"created": 0, "updated": 0, "skipped": 0, "errors": 0}
    labels = {"create": "created", "update": "updated", "skip": "skipped", ERROR: "errors"}
    errors = upload.errors()
    unreadable = len(errors)
    by_location: dict[tuple, dict] = {}
    to_create = []
    for plan in opposition_screen(rows_validate(upload.rows(), context=context)):
        counts[labels[plan.action]] += 1
        if plan.action == "create":
            to_create.append(plan)
        key = (plan.location["file"], plan.location["card"])
        by_location[key] = {
            "action": plan.action,
            "message": "; ".join(error["message"] for error in plan.errors),
            "match_id": plan.match_id,
        }
        errors.extend(plan.errors)
    counts["errors"] += unreadable
    counts["companies_created"] = len(context.new_companies)
    # The same matching rule as the duplicates page (issue 17): a warning with a link, not a block.
    flags = {(flag["file"], flag["card"]): flag for flag in plans_probable_duplicates(user, to_create)}
    cards = []
    for error in upload.rejected:
        cards.append({"file": error["file"], "card": "", "line": "", "name": "", "action": ERROR,
                      "message": error["message"], "warnings": ""})  # fmt: skip
    for parsed in upload.files:
        for card in parsed.cards:
            if len(cards) >= PREVIEW_CARDS_KEPT:
                break
            line = by_location.get((parsed.name, card.number), {})
            cards.append(
                {
                    "file": parsed.name,
                    "card": card.number,
                    "line": card.error_line or card.line,
                    "name": "" if card.error else _card_name(card.values),
                    "company": card.values.get("company", ""),
                    "email": card.values.get("email", ""),
                    "action": ERROR if card.error else line.get("action", ERROR),
                    "message": card.error or line.get("message", ""),
                    "warnings": " ".join(card.warnings + (parsed.warnings if card.number == 1 else [])),
                    "duplicate": flags.get((parsed.name, card.number)),
                }
            )
    return counts, errors, cards


class VCardImportFailed(JobFailed):
    """All-or-nothing import with a bad card: nothing written; carries the per-card report."""


def import_failure_message(error_count: int) -> str:
    return ngettext(
        "%(count)d carte en erreur : aucun contact n'a été importé.",
        "%(count)d cartes en erreur : aucun contact n'a été importé.",
        error_count,
    ) % {"count": error_count}


def vcard_import(
    *, user: User, upload: VCardUpload, update_existing: bool, valid_only: bool, job: Job | None = None, progress=None
):
    """Validate and write the cards in one transaction; returns (counts, errors).

    With a bad card and without `valid_only`, raises VCardImportFailed and nothing is written.
    """
    unreadable = upload.errors()
    if unreadable and not valid_only:
        raise VCardImportFailed(
            import_failure_message(len(unreadable)), errors=unreadable, counts={"errors": len(unreadable)}
        )
    step = None
    if progress is not None:
        progress.start(upload.card_total)
        progress.advance(len(unreadable))
        step = progress.advance
    context = ImportContext(user=user, update_existing=update_existing)
    try:
        result = import_run(
            rows=upload.rows(), context=context, job=job, valid_only=valid_only, dry_run=False, progress=step
        )
    except ImportHasErrors as failed:
        errors = unreadable + failed.result.errors
        raise VCardImportFailed(
            import_failure_message(failed.result.error_rows + len(unreadable)),
            errors=errors,
            counts=dict(failed.result.counts, errors=failed.result.counts["errors"] + len(unreadable)),
        ) from failed
    counts = dict(result.counts, errors=result.counts["errors"] + len(unreadable))
    return counts, unreadable + result.errors


@job_handler(JobKind.IMPORT_VCF)
def import_vcf_job(job: Job, progress: JobProgress) -> JobOutcome:
    """Run a confirmed vCard import inside the runner's transaction."""
    options = VCardImportOptions.of(job)
    if not options.confirmed:
        raise JobFailed(_("Cet import n'a pas été confirmé."))
    right = VIA_RIGHTS.get(options.via, R9)
    if not has_right(job.created_by, right):
        raise JobFailed(_("Vous n'avez plus le droit d'importer des contacts prospects."))
    try:
        upload = uploads_parse(uploads_unpack(job))
    except (VCardRejected, zipfile.BadZipFile, OSError) as refused:
        raise JobFailed(getattr(refused, "message", str(refused))) from refused
    counts, errors = vcard_import(
        user=job.created_by,
        upload=upload,
        update_existing=options.update_existing,
        valid_only=options.valid_only,
        job=job,
        progress=progress,
    )
    return JobOutcome(counts=counts, errors=errors)
