from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from prospects.demo import DEMO_PASSWORD, DEMO_USERS, seed_generated_contacts, seed_guide_contacts, seed_reference_data
from prospects.models import ProspectContact
from tasks.demo import seed_guide_tasks


class Command(BaseCommand):
    help = "Load the guide's ten contacts and task, demo users and reference data; --contacts N adds N generated."

    def add_arguments(self, parser):
        parser.add_argument("--contacts", type=int, default=0, help="number of generated contacts to add")
        parser.add_argument(
            "--min-contacts",
            type=int,
            default=0,
            help="generate only what is missing for the database to hold at least this many contacts",
        )
        parser.add_argument("--quiet-users", action="store_true", help="do not print the demo logins")

    def handle(self, *args, **options):
        count = options["contacts"]
        if count < 0 or options["min_contacts"] < 0:
            raise CommandError("--contacts and --min-contacts must be positive")
        reference = seed_reference_data()
        added = seed_guide_contacts(reference)
        seed_guide_tasks()
        if options["min_contacts"]:
            count = max(count, options["min_contacts"] - ProspectContact.objects.count())
        self.stdout.write(f"Contacts du guide : {added} ajoutés" if added else "Contacts du guide : déjà présents")
        if count:
            import time

            started = time.monotonic()
            with tqdm(total=count, unit="contacts", desc="Génération", disable=None) as bar:
                seed_generated_contacts(count, reference=reference, progress=bar.update)
            elapsed = time.monotonic() - started
            self.stdout.write(f"{count} contacts générés en {elapsed:.1f} s ({count / elapsed:,.0f} contacts/s)")
        if not options["quiet_users"]:
            self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
            for login, last, first, entities, group, _superuser in DEMO_USERS:
                self.stdout.write(f"  {login:8} {last.upper()} {first} — {group} — entités : {', '.join(entities)}")
