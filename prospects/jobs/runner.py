"""Background jobs shared by imports and exports: create, claim, run, report progress, sweep.

Life of a job: PENDING (row created, message queued after commit) → RUNNING (claimed by a
conditional update, so a redelivered message cannot run it twice) → DONE or FAILED. The
handler's writes and the final status change commit together, so a worker that dies
mid-run leaves no rows of that run; the sweeper then marks the job FAILED and it can be
retried.

Progress goes to the cache (Redis in production, process memory in embedded mode) because
the handler's own transaction hides any row update until it commits. Signs of life go to
the row: a small thread, on its own connection (autocommit), stamps `heartbeat_at` every
JOB_HEARTBEAT_SECONDS; the sweeper fails a RUNNING job whose stamp is older than
JOB_STALE_AFTER_SECONDS. Every update a run makes is conditional on its status and on its
attempt number, so a worker that comes back after being swept (or after a retry started a
new attempt) changes nothing.
"""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import File
from django.db import DatabaseError, connections, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from crm.storage import stored_files_delete_on_commit
from prospects.jobs.options import PreviewedImportOptions
from prospects.models import IMPORT_KINDS, Job, JobKind, JobStatus

logger = logging.getLogger(__name__)

PROGRESS_WRITE_INTERVAL = 0.5  # seconds between two cache writes of the progress


class JobFailed(Exception):
    """Raised by a handler to end its job FAILED with a message (and per-row errors)."""

    def __init__(self, message: str, *, errors: list | None = None, counts: dict | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        self.counts = counts or {}


class JobLost(Exception):
    """The job stopped being ours (the sweeper failed it) before we could finish."""


@dataclass
class JobOutcome:
    counts: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)


Handler = Callable[[Job, "JobProgress"], JobOutcome]
JOB_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of one kind."""

    def register(func: Handler) -> Handler:
        JOB_HANDLERS[kind] = func
        return func

    return register


def _progress_key(job_id: int) -> str:
    return f"job-progress:{job_id}"


class JobProgress:
    """Handed to a handler: `start(total)`, then `advance(n)`; writes are throttled."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self.done = 0
        self.total = 0
        self._last_write = 0.0

    def start(self, total: int) -> None:
        self.total = total
        self._write(force=True)

    def advance(self, step: int = 1) -> None:
        self.done += step
        self._write()

    def _write(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_write >= PROGRESS_WRITE_INTERVAL:
            self._last_write = now
            cache.set(
                _progress_key(self.job_id),
                {"done": self.done, "total": self.total, "beat": timezone.now().timestamp()},
                timeout=settings.JOB_STALE_AFTER_SECONDS * 4,
            )


def job_progress(job: Job) -> tuple[int, int]:
    """(done, total) for display: live from the cache while running, else from the row."""
    if job.status == JobStatus.RUNNING:
        live = cache.get(_progress_key(job.pk))
        if live:
            return live["done"], live["total"]
    return job.progress_done, job.progress_total


def job_percent(job: Job) -> int:
    if job.status == JobStatus.DONE:
        return 100
    done, total = job_progress(job)
    return min(100, done * 100 // total) if total else 0


COUNT_LABELS: dict[str, Callable[[int], str]] = {
    "exported": lambda n: ngettext("exporté", "exportés", n),
    "created": lambda n: ngettext("créé", "créés", n),
    "updated": lambda n: _("mis à jour"),  # invariable
    "skipped": lambda n: ngettext("ignoré", "ignorés", n),
    "errors": lambda n: _("en erreur"),
    "deleted": lambda n: ngettext("supprimé", "supprimés", n),
    "anonymised": lambda n: ngettext("anonymisé", "anonymisés", n),
    "pairs": lambda n: ngettext("paire de doublons probables", "paires de doublons probables", n),
    "companies_created": lambda n: ngettext("société créée", "sociétés créées", n),
    "companies_deleted": lambda n: ngettext("société supprimée", "sociétés supprimées", n),
    "kept": lambda n: ngettext("conservé", "conservés", n),
    "companies_kept": lambda n: ngettext("société conservée", "sociétés conservées", n),
    "selected": lambda n: ngettext("sélectionné", "sélectionnés", n),
    "changed": lambda n: ngettext("modifié", "modifiés", n),
    "unchanged": lambda n: _("déjà dans cet état"),
    "refused": lambda n: ngettext("refusé (droit manquant)", "refusés (droit manquant)", n),
    "cards": lambda n: ngettext("carte lue", "cartes lues", n),
}


def count_label(key: str, value: int) -> str:
    """The translated label of a job counter, agreeing with its value ("1 créé", "3 créés")."""
    label = COUNT_LABELS.get(key)
    return label(value) if label else key


def job_count_labels(job: Job) -> list[tuple[str, int]]:
    """The job's counters with translated labels, in a stable order."""
    return [(count_label(key, value), value) for key, value in job.counts.items()]


def job_create(
    *,
    kind: str,
    by: User,
    options: dict | None = None,
    source: File | None = None,
    source_name: str = "",
) -> Job:
    """Save the job row (and its uploaded file through the storage API), queue it on commit."""
    if kind not in JobKind.values:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(kind=kind, created_by=by, options=options or {}, source_name=source_name[:255])
    if source is not None:
        job.source_file.save(source_name or "upload", source, save=False)
    job.save()
    job_enqueue(job.pk)
    return job


def job_enqueue(job_id: int) -> None:
    from prospects.tasks import run_job

    # After commit: a worker must never look for a row that is not there yet, and a
    # request that rolls back must queue nothing.
    transaction.on_commit(lambda: run_job.delay(job_id))


def job_claim(job_id: int) -> bool:
    """Move PENDING → RUNNING; exactly one of several concurrent claims wins."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.PENDING).update(
        status=JobStatus.RUNNING, started_at=now, heartbeat_at=now, attempts=F("attempts") + 1
    )
    return claimed == 1


def _ours(job: Job):
    """The job's row while this very attempt still owns it (RUNNING, same attempt number)."""
    return Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)


class Heartbeat:
    """Stamps `heartbeat_at` on the running job's row every JOB_HEARTBEAT_SECONDS, from a thread.

    The thread has its own database connection, in autocommit, so the stamp is visible while the
    handler's transaction is still open. A failed stamp (a lock, a lost connection) is logged and
    tried again at the next beat: the sweeper decides, after JOB_STALE_AFTER_SECONDS.
    """

    def __init__(self, job: Job):
        self.job = job
        self.interval = settings.JOB_HEARTBEAT_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-heartbeat-{job.pk}", daemon=True)

    def __enter__(self) -> "Heartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not _ours(self.job).update(heartbeat_at=timezone.now()):
                        return  # swept, or taken over by a retry: no more beats
                except DatabaseError:
                    logger.warning("job %s: heartbeat not written", self.job.pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections


def job_run(job_id: int) -> str:
    """Run one job to its end. Returns the final status (or "skipped" when not claimed)."""
    if not job_claim(job_id):
        logger.info("job %s not claimed (already taken or gone)", job_id)
        return "skipped"
    job = Job.objects.select_related("created_by").get(pk=job_id)
    handler = JOB_HANDLERS.get(job.kind)
    progress = JobProgress(job.pk)
    try:
        if handler is None:
            raise JobFailed(_("Aucun traitement n'est défini pour ce type de tâche."))
        with Heartbeat(job), transaction.atomic():
            outcome = handler(job, progress)
            finished = _ours(job).update(
                status=JobStatus.DONE,
                counts=outcome.counts,
                errors=outcome.errors,
                progress_done=progress.done,
                progress_total=max(progress.total, progress.done),
                result_file=job.result_file.name or "",
                result_name=job.result_name,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
            )
            if not finished:
                raise JobLost
    except JobLost:
        logger.warning("job %s was failed by the sweeper while running; its writes are rolled back", job_id)
        return JobStatus.FAILED
    except JobFailed as failure:
        _job_fail(job, failure.message, errors=failure.errors, counts=failure.counts, progress=progress)
        return JobStatus.FAILED
    except Exception as exc:  # a bug or a database error: a French message, the cause for staff
        logger.exception("job %s (%s) crashed", job_id, job.kind)
        _job_fail(job, unexpected_failure_message(), detail=f"{type(exc).__name__}: {exc}", progress=progress)
        return JobStatus.FAILED
    finally:
        cache.delete(_progress_key(job.pk))
    return JobStatus.DONE


def unexpected_failure_message() -> str:
    return _(
        "Le traitement a échoué à cause d'une erreur inattendue ; rien n'a été enregistré. "
        "Vous pouvez le relancer ; si l'erreur revient, prévenez un administrateur."
    )


def stale_failure_message() -> str:
    return _("Le traitement s'est interrompu (processus arrêté) ; rien n'a été enregistré. Vous pouvez le relancer.")


def _job_fail(
    job: Job, message: str, *, errors=None, counts=None, detail: str = "", progress: JobProgress | None = None
) -> None:
    fields = {"status": JobStatus.FAILED, "error_message": message, "error_detail": detail[:10_000]}
    fields["finished_at"] = timezone.now()
    if errors is not None:
        fields["errors"] = errors
    if counts is not None:
        fields["counts"] = counts
    if progress is not None:
        fields.update(progress_done=progress.done, progress_total=progress.total)
    _ours(job).update(**fields)


def job_save_result(job: Job, *, name: str, content: File) -> None:
    """Store a result file through the storage API; the row is updated when the job ends."""
    job.result_file.save(name, content, save=False)
    job.result_name = name


def jobs_sweep_stuck(*, stale_after: timedelta | None = None) -> int:
    """Mark FAILED the RUNNING jobs that gave no sign of life for too long. Returns how many."""
    stale_after = stale_after or timedelta(seconds=settings.JOB_STALE_AFTER_SECONDS)
    limit = timezone.now() - stale_after
    swept = 0
    stale = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=limit)
    for job_id, heartbeat, attempts in stale.values_list("id", "heartbeat_at", "attempts"):
        live = cache.get(_progress_key(job_id))
        if live and live["beat"] >= limit.timestamp():
            continue  # still reporting progress: alive
        # Conditional: a beat written meanwhile, or another attempt, keeps the job running.
        swept += Job.objects.filter(
            pk=job_id, status=JobStatus.RUNNING, heartbeat_at=heartbeat, attempts=attempts
        ).update(
            status=JobStatus.FAILED,
            error_message=stale_failure_message(),
            error_detail=f"no heartbeat since {heartbeat.isoformat()}",
            finished_at=timezone.now(),
        )
    if swept:
        logger.warning("%d stuck job(s) marked failed", swept)
    return swept


def jobs_expire_previews(*, older_than: timedelta | None = None) -> int:
    """Delete the import previews never confirmed, with their uploaded file. Returns how many.

    An upload is checked and previewed, then waits for the user's "Importer": one left
    waiting longer than JOB_PREVIEW_EXPIRES_SECONDS is dropped (the file holds personal
    data). A preview being confirmed at that moment is locked and skipped.
    """
    older_than = older_than or timedelta(seconds=settings.JOB_PREVIEW_EXPIRES_SECONDS)
    limit = timezone.now() - older_than
    expired = 0
    previews = Job.objects.filter(kind__in=IMPORT_KINDS, status=JobStatus.PENDING, created_at__lt=limit)
    candidates = previews.values_list("pk", flat=True)
    for job_id in list(candidates):
        with transaction.atomic():
            job = (
                Job.objects.select_for_update(skip_locked=True)
                .filter(pk=job_id, status=JobStatus.PENDING, created_at__lt=limit)
                .first()
            )
            if job is None or PreviewedImportOptions.of(job).confirmed:
                continue  # being confirmed, or queued: not a preview
            files = [stored.name for stored in (job.source_file, job.result_file) if stored]
            job.delete()
            stored_files_delete_on_commit(files)
            expired += 1
    return expired


@transaction.atomic
def job_retry(*, job: Job) -> bool:
    """Queue a FAILED job again; False if it was not FAILED."""
    reset = Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.PENDING,
        error_message="",
        error_detail="",
        errors=[],
        counts={},
        progress_done=0,
        finished_at=None,
    )
    if reset:
        job_enqueue(job.pk)
    return bool(reset)
