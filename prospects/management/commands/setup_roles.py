from django.core.management.base import BaseCommand

from prospects.rights import roles_setup


class Command(BaseCommand):
    help = "Create or update the groups Commercial, Assistant commercial and Responsable commercial."

    def handle(self, *args, **options):
        for name, count in roles_setup().items():
            self.stdout.write(f"{name}: {count} droits")
