"""Undoing an import (Excel or vCard): delete the contacts it created that nobody touched
since, then the companies it created that nothing uses any more; record what was kept.

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
from prospects.jobs.options import ImportCounts, ImportRecord, VCardImportOptions
from prospects.models import IMPORT_KINDS, Job, JobKind, JobStatus, ProspectContact
from prospects.rights import R7, Right
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


def import_can_undo(job: Job) -> bool:
    return (
        job.kind in IMPORT_KINDS
        and job.status == JobStatus.DONE
        and not ImportRecord.of(job).undone
        and bool(ImportCounts.of(job).created)
    )


@transaction.atomic
def import_undo(*, job: Job, by: User) -> UndoResult:
    """Delete the contacts the import created and nobody touched since; list the others (kept)."""
    from prospects.services import prospect_delete_blockers, prospects_with_links

    locked = Job.objects.select_for_update().get(pk=job.pk)
    if not import_can_undo(locked):
        raise ValueError("import cannot be undone")
    result = UndoResult()
    created_ids = list(ProspectContact.objects.filter(import_job=locked).order_by("pk").values_list("pk", flat=True))
    deletable = []
    for batch in batches(created_ids, 900):
        for prospect in prospects_with_links(batch).select_for_update(of=("self",)).order_by("pk"):
            reasons = prospect_delete_blockers(prospect)
            if locked.finished_at and prospect.updated_at > locked.finished_at:
                reasons.insert(0, _("modifié depuis l'import"))
            if reasons:
                result.kept.append((prospect.pk, str(prospect), ", ".join(str(reason) for reason in reasons)))
            else:
                deletable.append(prospect.pk)
    for batch in batches(deletable, 900):
        ProspectContact.objects.filter(pk__in=batch).delete()
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
