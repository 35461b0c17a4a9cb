from django.core.management.base import BaseCommand

from prospects.jobs.runner import jobs_expire_previews, jobs_sweep_stuck


class Command(BaseCommand):
    help = (
        "Mark FAILED the background jobs stuck in RUNNING (their worker died) and delete the "
        "import previews never confirmed (JOB_PREVIEW_EXPIRES_SECONDS)."
    )

    def handle(self, *args, **options):
        self.stdout.write(f"{jobs_sweep_stuck()} traitement(s) marqué(s) en échec")
        self.stdout.write(f"{jobs_expire_previews()} aperçu(s) d'import non confirmé(s) supprimé(s)")
