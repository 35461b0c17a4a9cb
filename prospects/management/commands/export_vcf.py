import os
import tempfile

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from prospects.list.filters import filter_errors
from prospects.list.selection import Selection
from prospects.rights import R8
from prospects.selectors import holds_right_somewhere
from prospects.vcard.exports import prospects_for_vcard_export, write_export
from prospects.vcard.writer import DEFAULT_VERSION, VERSIONS


class Command(BaseCommand):
    help = (
        "Exporte en vCard les contacts prospects qu'un utilisateur peut voir et exporter (R8) : "
        "un seul .vcf, ou un .zip d'un .vcf par contact."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="identifiant de l'utilisateur dont les droits s'appliquent")
        parser.add_argument("--output", required=True, help="fichier à écrire (.vcf ou .zip)")
        parser.add_argument("--zip", action="store_true", help="une archive .zip d'un .vcf par contact")
        parser.add_argument("--vcard-version", choices=VERSIONS, default=DEFAULT_VERSION, dest="vcard_version")
        parser.add_argument(
            "--filter",
            action="append",
            default=[],
            metavar="NOM=VALEUR",
            help="filtre de la liste, répétable (q=dupont, status=nouveau, company_type=client…)",
        )

    def handle(self, *args, **options):
        try:
            user = User.objects.get(username=options["user"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"utilisateur inconnu ou inactif : {options['user']}") from None
        if not holds_right_somewhere(user, R8):
            raise CommandError(f"{user.username} n'a pas le droit d'exporter des contacts en VCF")
        filters: dict[str, list[str]] = {}
        for item in options["filter"]:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise CommandError(f"filtre invalide (attendu NOM=VALEUR) : {item}")
            filters.setdefault(key, []).append(value)
        selection = Selection(filters=filters)
        if errors := filter_errors(user, selection.query):
            raise CommandError("filtre inutilisable : " + " ; ".join(errors))
        prospects = prospects_for_vcard_export(user, selection)
        output = os.path.abspath(options["output"])
        # Written next to the target, then moved into place: never a half-written file.
        with tempfile.NamedTemporaryFile(dir=os.path.dirname(output), delete=False, suffix=".part") as tmp:
            try:
                count = write_export(prospects, tmp, as_zip=options["zip"], version=options["vcard_version"])
            except BaseException:
                os.unlink(tmp.name)
                raise
        os.replace(tmp.name, output)
        self.stdout.write(f"{count} contact(s) exporté(s) dans {output}")
