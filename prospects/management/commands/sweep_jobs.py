from django.core.management.base import BaseCommand

from prospects.jobs import jobs_sweep_stuck


class Command(BaseCommand):
    help = "Mark FAILED the background jobs stuck in RUNNING (their worker died)."

    def handle(self, *args, **options):
        self.stdout.write(f"{jobs_sweep_stuck()} traitement(s) marqué(s) en échec")
