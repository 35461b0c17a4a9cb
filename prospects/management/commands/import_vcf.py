"""python manage.py import_vcf FILE... --user LOGIN [--dry-run] [--update] [--valid-only]

The same import as the web page: the files are checked against the published limits, read,
validated through the shared pipeline and, unless --dry-run, written by an IMPORT_VCF job run
in this process (recorded like any other). Exit status 1 when nothing was imported because of
errors, or when the files were refused.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import User
from prospects.jobs.options import VCardImportOptions
from prospects.jobs.runner import count_label, job_run
from prospects.models import Job, JobKind, JobStatus
from prospects.rights import R9, has_right
from prospects.vcard.imports import uploads_check, uploads_pack, uploads_parse, vcard_preview
from prospects.vcard.reader import VCardRejected


class Command(BaseCommand):
    help = "Importe des contacts prospects depuis un ou plusieurs fichiers vCard (.vcf)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--user", required=True, help="identifiant de l'utilisateur qui importe (droit R9)")
        parser.add_argument("--dry-run", action="store_true", help="vérifie et compte sans rien écrire")
        parser.add_argument("--update", action="store_true", help="met à jour les contacts déjà présents")
        parser.add_argument("--valid-only", action="store_true", help="importe les cartes valides, ignore les autres")

    def handle(self, *args, files: list[Path], user: str, dry_run: bool, update: bool, valid_only: bool, **options):
        translation.activate("fr")
        uploader = User.objects.filter(username=user, is_active=True).first()
        if uploader is None:
            raise CommandError(f"utilisateur inconnu ou inactif : {user}")
        if not has_right(uploader, R9):
            raise CommandError(f"{user} n'a pas le droit d'importer des contacts prospects à partir de VCF (R9)")
        for path in files:
            if not path.is_file():
                raise CommandError(f"fichier introuvable : {path}")
        try:
            uploads_check([(path.name, path.stat().st_size) for path in files])
        except VCardRejected as rejected:
            raise CommandError(rejected.message) from rejected
        uploads = [(path.name, path.read_bytes()) for path in files]
        if dry_run:
            counts, errors, _cards = vcard_preview(user=uploader, upload=uploads_parse(uploads), update_existing=update)
            self.stdout.write("Vérification seule : rien n'a été écrit.")
            failure = f"{counts['errors']} carte(s) en erreur" if counts["errors"] else ""
        else:
            job = Job(
                kind=JobKind.IMPORT_VCF,
                created_by=uploader,
                options=VCardImportOptions(
                    confirmed=True,
                    via="import",
                    update_existing=update,
                    valid_only=valid_only,
                    files=[name for name, _data in uploads],
                    command=True,
                ).to_options(),
                source_name=", ".join(name for name, _data in uploads)[:255],
            )
            job.source_file.save("vcards.zip", uploads_pack(uploads), save=False)
            job.save()
            job_run(job.pk)  # in this process: the same runner and handler as a worker
            job.refresh_from_db()
            self.stdout.write(f"Traitement n° {job.pk} : {job.get_status_display()}")
            counts, errors = job.counts, job.errors
            failure = job.error_message if job.status != JobStatus.DONE else ""
        for key, value in counts.items():
            self.stdout.write(f"{value} {count_label(key, value)}")
        for error in errors[:100]:
            where = f"{error.get('file', '')}, carte {error.get('card') or '-'}, ligne {error.get('line') or '-'}"
            column = f" {error['column']}" if error.get("column") else ""
            self.stdout.write(f"{where}{column} : {error['message']}")
        if len(errors) > 100:
            self.stdout.write(f"… et {len(errors) - 100} autres erreurs")
        if failure:
            raise CommandError(failure)
