"""The entry points of an import: `import_run` (any source's rows) and `xlsx_import` (a file).

    context = ImportContext(user=..., update_existing=...)
    result = import_run(rows=parser_rows, context=context, job=job, valid_only=..., dry_run=...)

`import_run` checks the rows (`prospects.imports.checks`) and writes the valid ones in bulk
(`prospects.imports.writer`, COPY on PostgreSQL) with the same side effects as
`prospect_create` (entities, search columns, `import_job`). It is atomic: in all-or-nothing
mode any error raises `ImportHasErrors` and nothing stays written (G1).
"""

import gc
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.db import connection, transaction

from accounts.models import User
from prospects.duplicates.imports import MAX_FLAGGED, plans_probable_duplicates
from prospects.imports.checks import ImportContext, rows_validate
from prospects.imports.plans import (
    CHUNK_SIZE,
    CREATE,
    ERROR,
    MAX_STORED_ERRORS,
    SKIP,
    UPDATE,
    ImportHasErrors,
    ImportResult,
    RowPlan,
    SourceRow,
)
from prospects.imports.turns import Turns
from prospects.imports.writer import ImportWriter
from prospects.imports.xlsx import XlsxSource
from prospects.jobs.options import ImportRecord
from prospects.models import Job
from prospects.privacy.imports import opposition_screen
from prospects.services import prospects_data_changed

# Advisory lock keys (PostgreSQL): one per entity, and one for "every entity".
LOCK_ENTITY = 0x43524D45
LOCK_ALL = 0x43524D41
MAX_ENTITY_LOCKS = 32

# A second progress display for the same run (the command's terminal bar), beside the job's.
progress_listener: ContextVar = ContextVar("import_progress_listener", default=None)


def imports_lock(context: ImportContext) -> None:
    """Serialise the imports that could match or create the same contacts (G4), until commit.

    Matching then creating is only safe if no other import writes the same contacts in
    between: two runs of one file at the same time would both find nothing and both create.
    A row matches contacts the uploader sees, and is written into entities the uploader
    sees, so each writing run takes a transaction-level advisory lock on each entity it sees
    (in id order, so two runs never deadlock): a run that shares an entity waits for the other
    to commit, then matches its rows. A user who sees many entities takes one lock on all of
    them instead; everyone else holds that one shared, so the two kinds still exclude each
    other. SQLite allows one writer at a time anyway.
    """
    if connection.vendor != "postgresql":
        return
    entity_ids = sorted(set(context.entities.values()))
    with connection.cursor() as cursor:
        if len(entity_ids) > MAX_ENTITY_LOCKS:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, 0)", [LOCK_ALL])
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s, 0)", [LOCK_ALL])
        for entity_id in entity_ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_ENTITY, entity_id])


@transaction.atomic
def import_run(
    *,
    rows: Iterable[SourceRow],
    context: ImportContext,
    job: Job | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate and (unless dry_run) write the rows in one transaction (see the module docstring).

    All-or-nothing unless `valid_only`: with any bad row nothing is written and
    ImportHasErrors carries the report. Dry runs return the counts of what would happen.
    """
    if not dry_run:
        imports_lock(context)  # held until commit: a concurrent run of the same rows waits here
        context.companies_load()
    counts = {CREATE: 0, UPDATE: 0, SKIP: 0, ERROR: 0}
    errors: list[dict] = []
    context.job_id = job.pk if job is not None and not dry_run else None
    # The calling thread runs first and its helpers while it waits, when it waits on COPYs.
    turns = Turns(enabled=not dry_run and connection.vendor == "postgresql")
    writer = None if dry_run else ImportWriter(context=context, job=job, turns=turns)
    writing = writer is not None
    chunk: list[RowPlan] = []
    probable_duplicates: list[dict] = []

    def flush():
        nonlocal chunk
        if dry_run and chunk:  # the preview flags probable duplicates (issue 17)
            probable_duplicates.extend(
                plans_probable_duplicates(context.user, chunk, limit=MAX_FLAGGED - len(probable_duplicates))
            )
        if writing and chunk:
            writer.write(chunk)
        if progress and chunk:
            progress(len(chunk))
        chunk = []

    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects per chunk: full collections would dominate (trap 8)
    try:
        plans = rows_validate(rows, context=context, chunk_size=CHUNK_SIZE, turns=turns)
        for plan in opposition_screen(plans, batch_size=CHUNK_SIZE):
            counts[plan.action] += 1
            if plan.action == ERROR:
                if len(errors) < MAX_STORED_ERRORS:
                    errors.extend(plan.errors[: MAX_STORED_ERRORS - len(errors)])
                if not valid_only:
                    writing = False  # all-or-nothing: no point writing any further
                if progress:
                    progress(1)
                continue
            chunk.append(plan)
            if len(chunk) >= CHUNK_SIZE:
                flush()
        flush()
        if writing:
            writer.finish()
    finally:
        turns.close()
        if writer is not None:
            writer.close()
        if gc_was_enabled:
            gc.enable()
    result_counts = {
        "created": counts[CREATE],
        "updated": counts[UPDATE],
        "skipped": counts[SKIP],
        "errors": counts[ERROR],
    }
    if writer is not None:
        result_counts["companies_created"] = writer.counts["companies_created"]
    else:
        result_counts["companies_created"] = len(context.new_companies)
    result = ImportResult(
        counts=result_counts, errors=errors, error_rows=counts[ERROR], probable_duplicates=probable_duplicates
    )
    if counts[ERROR] and not valid_only and not dry_run:
        transaction.set_rollback(True)
        raise ImportHasErrors(result)
    if writer is not None and job is not None and writer.company_ids:
        # Undo removes these companies too, when nothing uses them any more.
        created = sorted(writer.company_ids.values())
        record = ImportRecord(created_company_ids=created)
        Job.objects.filter(pk=job.pk).update(options=record.merged_into(job.options))
    if not dry_run and (counts[CREATE] or counts[UPDATE]):
        prospects_data_changed()
    return result


def xlsx_import(
    *,
    path,
    user: User,
    update_existing: bool,
    valid_only: bool,
    dry_run: bool,
    job=None,
    progress=None,
    checked: bool = False,
) -> tuple[ImportResult, int]:
    """Parse, validate and write one template file. Returns the result and the row total.

    `progress` is a JobProgress-like object (start/advance); `progress_listener` another one.
    `checked`: the file's contents passed the upload checks before (see `XlsxSource`).
    """
    source = XlsxSource(path, checked=checked)
    displays = [display for display in (progress, progress_listener.get()) if display is not None]
    try:
        context = ImportContext(user=user, update_existing=update_existing)
        for display in displays:
            display.start(source.total)

        def step(count: int) -> None:
            for display in displays:
                display.advance(count)

        result = import_run(
            rows=source.rows(), context=context, job=job, valid_only=valid_only, dry_run=dry_run, progress=step
        )
        return result, source.total
    finally:
        source.close()
