"""Undoing an import (Excel or vCard): delete the contacts it created that nobody touched
since, then the companies it created that nothing uses any more; record what was kept.

An undo may delete 100,000 contacts: it runs as a background job (IMPORT_UNDO) with progress.
`import_undo_request` records the undo job on the import under a row lock, so a second click
finds it there and starts nothing; the job re-checks the right and that the import is still
not undone when it runs.

Deleting a contact deletes its django-guardian rows too (cascade), including those an import
made before the rep's right became a rule (G7).
"""

import dataclasses
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from crm.models import Company
from prospects.imports.plans import batches
from prospects.jobs.options import ImportCounts, ImportRecord, ImportUndoOptions, VCardImportOptions
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_create, job_handler
from prospects.models import IMPORT_KINDS, Job, JobKind, JobStatus, ProspectContact
from prospects.rights import R7, Right, has_right
from prospects.services import prospects_data_changed


@dataclass
class UndoResult:
    deleted: int = 0
    kept: list[tuple[int, str, str]] = field(default_factory=list)  # (id, contact, reason)
    companies_deleted: int = 0
    companies_kept: list[tuple[int, str, str]] = field(default_factory=list)  # (id, company, reason)


def import_undo_right(job: Job) -> Right:
    """The right an undo needs: the one that allowed the import (R7 Excel; R9 or R2 vCard)."""
    if job.kind == JobKind.IMPORT_VCF:
        from prospects.vcard.imports import R9, VIA_RIGHTS

        return VIA_RIGHTS.get(VCardImportOptions.of(job).via, R9)
    return R7


def _undoable(job: Job) -> bool:
    return (
        job.kind in IMPORT_KINDS
        and job.status == JobStatus.DONE
        and not ImportRecord.of(job).undone
        and bool(ImportCounts.of(job).created)
    )


def import_can_undo(job: Job) -> bool:
    """Done, created contacts, not undone, and no undo asked for yet (one undo only)."""
    return _undoable(job) and ImportRecord.of(job).undo_job is None


@transaction.atomic
def import_undo_request(*, job: Job, by: User) -> Job | None:
    """Queue the undo of an import as a job; None if it cannot be undone (or an undo was asked already)."""
    locked = Job.objects.select_for_update().filter(pk=job.pk).first()
    if locked is None or not import_can_undo(locked):
        return None
    undo = job_create(kind=JobKind.IMPORT_UNDO, by=by, options=ImportUndoOptions(import_job=locked.pk).to_options())
    record = dataclasses.replace(ImportRecord.of(locked), undo_job=undo.pk)
    Job.objects.filter(pk=locked.pk).update(options=record.merged_into(locked.options))
    return undo


def import_undo_target(undo: Job) -> Job | None:
    """The import an undo job undoes (None when it is gone)."""
    return Job.objects.filter(pk=ImportUndoOptions.of(undo).import_job, kind__in=IMPORT_KINDS).first()


@job_handler(JobKind.IMPORT_UNDO)
def import_undo_job(job: Job, progress: JobProgress) -> JobOutcome:
    """Undo the import inside the runner's transaction; refuses a second undo and a lost right."""
    target = Job.objects.select_for_update().filter(pk=ImportUndoOptions.of(job).import_job).first()
    if target is None or target.kind not in IMPORT_KINDS or target.created_by_id != job.created_by_id:
        raise JobFailed(_("L'import à annuler n'existe plus."))
    if not has_right(job.created_by, import_undo_right(target)):
        raise JobFailed(_("Vous n'avez plus le droit d'annuler cet import."))
    record = ImportRecord.of(target)
    if record.undone or record.undo_job != job.pk or not _undoable(target):
        raise JobFailed(_("Cet import a déjà été annulé, ou ne peut pas l'être."))
    result = import_undo(job=target, by=job.created_by, progress=progress)
    counts = {"deleted": result.deleted, "kept": len(result.kept), "companies_deleted": result.companies_deleted}
    counts["companies_kept"] = len(result.companies_kept)
    return JobOutcome(counts=counts)


@transaction.atomic
def import_undo(*, job: Job, by: User, progress: JobProgress | None = None) -> UndoResult:
    """Delete the contacts the import created and nobody touched since; list the others (kept)."""
    from prospects.services import prospect_delete_blockers, prospects_with_links

    locked = Job.objects.select_for_update().get(pk=job.pk)
    if not _undoable(locked):
        raise ValueError("import cannot be undone")
    result = UndoResult()
    created_ids = list(ProspectContact.objects.filter(import_job=locked).order_by("pk").values_list("pk", flat=True))
    if progress is not None:
        progress.start(2 * len(created_ids))
    deletable = []
    for batch in batches(created_ids, 900):
        if progress is not None:
            progress.advance(len(batch))
        for prospect in prospects_with_links(batch).select_for_update(of=("self",)).order_by("pk"):
            reasons = prospect_delete_blockers(prospect)
            if locked.finished_at and prospect.updated_at > locked.finished_at:
                reasons.insert(0, _("modifié depuis l'import"))
            if reasons:
                result.kept.append((prospect.pk, str(prospect), ", ".join(str(reason) for reason in reasons)))
            else:
                deletable.append(prospect.pk)
    if progress is not None:
        progress.start(len(created_ids) + len(deletable))
    for batch in batches(deletable, 900):
        ProspectContact.objects.filter(pk__in=batch).delete()
        if progress is not None:
            progress.advance(len(batch))
    result.deleted = len(deletable)
    _undo_companies(locked, result)
    record = dataclasses.replace(
        ImportRecord.of(locked),
        undone_at=timezone.now().isoformat(),
        undone_by=by.pk,
        undo_kept=[{"id": pk, "contact": name, "reason": reason} for pk, name, reason in result.kept[:500]],
        undo_kept_count=len(result.kept),
        undo_kept_companies=[
            {"id": pk, "company": name, "reason": reason} for pk, name, reason in result.companies_kept[:500]
        ],
    )
    counts = dataclasses.replace(
        ImportCounts.of(locked), deleted=result.deleted, companies_deleted=result.companies_deleted
    )
    Job.objects.filter(pk=locked.pk).update(
        options=record.merged_into(locked.options), counts=counts.merged_into(locked.counts)
    )
    prospects_data_changed()
    return result


def _undo_companies(job: Job, result: UndoResult) -> None:
    """Delete the companies the import created that nothing uses any more (and unchanged since)."""
    ids = ImportRecord.of(job).created_company_ids
    for batch in batches(ids, 900):
        companies = list(Company.objects.filter(pk__in=batch).select_for_update(of=("self",)).order_by("pk"))
        in_use = set(
            ProspectContact.objects.filter(company_id__in=batch).values_list("company_id", flat=True).distinct()
        )
        deletable = []
        for company in companies:
            if job.finished_at and company.updated_at > job.finished_at:
                result.companies_kept.append((company.pk, company.name, _("modifiée depuis l'import")))
            elif company.pk in in_use:
                result.companies_kept.append((company.pk, company.name, _("a encore des contacts")))
            else:
                deletable.append(company)
        # The usual case: nothing else points to them, one delete for the batch; otherwise
        # one by one, to keep only the ones used elsewhere.
        if deletable and _companies_deleted(deletable):
            result.companies_deleted += len(deletable)
            continue
        for company in deletable:
            if _companies_deleted([company]):
                result.companies_deleted += 1
            else:
                result.companies_kept.append((company.pk, company.name, _("utilisée ailleurs")))


def _companies_deleted(companies: list[Company]) -> bool:
    """Delete these companies together, or none of them if something protects one (False)."""
    from django.db.models.deletion import ProtectedError, RestrictedError

    try:
        with transaction.atomic():
            Company.objects.filter(pk__in=[company.pk for company in companies]).delete()
    except (ProtectedError, RestrictedError):
        return False
    return True
