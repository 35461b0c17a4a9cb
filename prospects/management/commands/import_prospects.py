"""python manage.py import_prospects FILE --user LOGIN [--dry-run] [--update] [--valid-only]

Runs the same import as the web page, through the job runner (so the run is recorded and
can be undone from its page), with a terminal progress bar. Exit status 1 when nothing was
imported because of errors, or when the file was refused.
"""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from tqdm import tqdm

from accounts.models import User
from prospects.imports.jobs import import_failure_message
from prospects.imports.run import progress_listener, xlsx_import
from prospects.imports.xlsx import ImportRejected
from prospects.jobs.options import ImportOptions
from prospects.jobs.runner import count_label, job_run
from prospects.models import Job, JobKind, JobStatus
from prospects.rights import R7, has_right


class TqdmProgress:
    """The JobProgress interface (start/advance) drawn as a terminal bar."""

    def __init__(self, stream):
        self.stream = stream
        self.bar = None

    def start(self, total: int) -> None:
        self.close()
        self.bar = tqdm(total=total, unit=" lignes", file=self.stream, dynamic_ncols=True, mininterval=0.2)

    def advance(self, step: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(step)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class Command(BaseCommand):
    help = "Importe des contacts prospects depuis un fichier Excel au format du modèle."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--user", required=True, help="identifiant de l'utilisateur qui importe (droit R7)")
        parser.add_argument("--dry-run", action="store_true", help="vérifie et compte sans rien écrire")
        parser.add_argument("--update", action="store_true", help="met à jour les contacts déjà présents")
        parser.add_argument("--valid-only", action="store_true", help="importe les lignes valides, ignore les autres")

    def handle(self, *args, file: Path, user: str, dry_run: bool, update: bool, valid_only: bool, **options):
        translation.activate("fr")
        uploader = User.objects.filter(username=user, is_active=True).first()
        if uploader is None:
            raise CommandError(f"utilisateur inconnu ou inactif : {user}")
        if not has_right(uploader, R7):
            raise CommandError(f"{user} n'a pas le droit d'importer des contacts prospects (R7)")
        if not file.is_file():
            raise CommandError(f"fichier introuvable : {file}")
        bar = TqdmProgress(self.stderr._out)
        token = progress_listener.set(bar)
        try:
            if dry_run:
                counts, errors, failure = self._dry_run(file, uploader, update)
            else:
                counts, errors, failure = self._run_job(file, uploader, update, valid_only)
        except ImportRejected as rejected:
            raise CommandError(rejected.message) from rejected
        finally:
            progress_listener.reset(token)
            bar.close()
        self._report(counts, errors)
        if failure:
            raise CommandError(failure)

    def _dry_run(self, file: Path, uploader: User, update: bool):
        result, _total = xlsx_import(path=file, user=uploader, update_existing=update, valid_only=True, dry_run=True)
        self.stdout.write("Vérification seule : rien n'a été écrit.")
        failure = import_failure_message(result) if result.error_rows else ""
        return result.counts, result.errors, failure

    def _run_job(self, file: Path, uploader: User, update: bool, valid_only: bool):
        job = Job(
            kind=JobKind.IMPORT_XLSX,
            created_by=uploader,
            options=ImportOptions(
                confirmed=True, update_existing=update, valid_only=valid_only, command=True
            ).to_options(),
            source_name=file.name,
        )
        with open(file, "rb") as handle:
            job.source_file.save(file.name, File(handle), save=False)
        job.save()
        job_run(job.pk)  # in this process: the same runner and handler as a worker
        job.refresh_from_db()
        self.stdout.write(f"Traitement n° {job.pk} : {job.get_status_display()}")
        failure = job.error_message if job.status != JobStatus.DONE else ""
        return job.counts, job.errors, failure

    def _report(self, counts: dict, errors: list) -> None:
        for key, value in counts.items():
            self.stdout.write(f"{value} {count_label(key, value)}")
        for error in errors[:100]:
            where = f"{error.get('sheet', '')} ligne {error.get('row', '?')}"
            self.stdout.write(f"{where}, {error.get('column', '')} « {error.get('value', '')} » : {error['message']}")
        if len(errors) > 100:
            self.stdout.write(f"… et {len(errors) - 100} autres erreurs")
