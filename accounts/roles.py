"""The groups an admin starts from; rights are the codenames of prospects.models.RIGHTS."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils.translation import gettext_lazy as _

R1 = "edit_prospect"
R2 = "quick_add_prospects"
R3 = "manage_prospect_tasks"
R4 = "manage_free_prospect_opportunities"
R5 = "manage_prospect_skills"
R6 = "convert_prospect"
R7 = "import_prospects"
R8 = "export_prospects_vcf"
R9 = "import_prospects_vcf"
R10 = "manage_prospect_subscriptions"
R11 = "manage_own_prospect_notes"
R12 = "view_all_prospect_notes"
R13 = "manage_all_prospect_notes"

ROLES: dict[str, tuple[str, ...]] = {
    # Works their own prospects day to day.
    "Commercial": (R1, R3, R4, R5, R6, R8, R10, R11),
    # Loads and maintains the files; does not convert or manage deals.
    "Assistant commercial": (R1, R2, R3, R5, R7, R8, R9, R10, R11),
    # Everything, including other people's notes.
    "Responsable commercial": (R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13),
}
ROLE_LABELS = {
    "Commercial": _("Commercial"),
    "Assistant commercial": _("Assistant commercial"),
    "Responsable commercial": _("Responsable commercial"),
}


@transaction.atomic
def roles_setup() -> dict[str, int]:
    """Create or update the groups with exactly their rights. Idempotent."""
    result = {}
    for name, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label="prospects", codename__in=codenames)
        found = set(permissions.values_list("codename", flat=True))
        missing = set(codenames) - found
        if missing:
            raise LookupError(f"rights missing from the database (run migrate): {sorted(missing)}")
        group.permissions.set(permissions)
        result[name] = len(found)
    return result
