"""The rights of the prospects app, defined once: R1–R13 of the spec, the roles an admin starts
from, and the rep rule. Every other module names a right through this module's constants.

Each right is a `Right`: `.codename` ("edit_prospect", as stored in auth_permission and in
django-guardian rows) and `.perm` ("prospects.edit_prospect", what `User.has_perm` takes).
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Model, Q
from django.utils.translation import gettext_lazy as _

from accounts import permissions
from accounts.models import User

APP_LABEL = "prospects"


@dataclass(frozen=True)
class Right:
    codename: str
    label: str

    @property
    def perm(self) -> str:
        return f"{APP_LABEL}.{self.codename}"

    def __str__(self) -> str:
        return self.perm


# The rights R1–R13 of the spec. Codenames are stable; labels are the guide's wording.
R1 = Right("edit_prospect", "Ajouter/modifier un contact prospect")
R2 = Right("quick_add_prospects", "Charger des contacts prospects en masse (ajout rapide de fichiers vcf)")
R3 = Right("manage_prospect_tasks", "Gestion des tâches sur les contacts prospects")
R4 = Right(
    "manage_free_prospect_opportunities",
    "Gestion des opportunités sur un contact prospect libre (non rattaché à une société)",
)
R5 = Right("manage_prospect_skills", "Gérer l'environnement de compétences d'un contact prospect")
R6 = Right("convert_prospect", "Convertir un contact prospect en contact client")
R7 = Right("import_prospects", "Importer en masse des contacts prospects")
R8 = Right("export_prospects_vcf", "Exporter des contacts prospects en VCF")
R9 = Right("import_prospects_vcf", "Importer des contacts prospects à partir de VCF")
R10 = Right("manage_prospect_subscriptions", "Gestion des abonnements aux listes de diffusion")
R11 = Right("manage_own_prospect_notes", "Gérer ses notes pour les contacts prospects")
R12 = Right("view_all_prospect_notes", "Voir toutes les notes saisies sur un contact prospect (toutes entités)")
R13 = Right("manage_all_prospect_notes", "Gérer toutes les notes saisies sur un contact prospect")

SPEC_RIGHTS = (R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13)
# Beside the 13 (issue 14): the list's Excel export, given by default to the roles holding R8.
R14 = Right("export_prospects_xlsx", "Exporter des contacts prospects en Excel")
# Issue 17: merging duplicates, and the personal-data administration (GDPR: access export,
# erasure, opposition, retention review), given by default to the admin role.
R15 = Right("merge_prospects", "Fusionner des contacts prospects")
R16 = Right("manage_personal_data", "Administrer les données personnelles (RGPD) des contacts prospects")
# Issue 15: companies become first-class. One right creates and edits the companies the user
# sees (their entities' companies), from the companies list or the contact form's picker.
# Every role holds it: each role creates contacts (R1), and a contact form that cannot create
# the contact's company sends people to the admin, which is the pain the issue describes.
# An admin withdraws it from a group to keep the accounts' files with the managers.
R17 = Right("manage_companies", "Gérer les sociétés (dossier du compte)")
ALL_RIGHTS = (*SPEC_RIGHTS, R14, R15, R16, R17)
# What the admin's object-permission screen of a contact offers: the rights that a grant on one
# contact can open (R17 is checked globally, on companies; Django's add/change/delete/view
# permissions are checked nowhere).
CONTACT_OBJECT_RIGHTS = (*SPEC_RIGHTS, R14, R15, R16)
# ProspectContact.Meta.permissions
PERMISSIONS = tuple((right.codename, right.label) for right in ALL_RIGHTS)

ROLES: dict[str, tuple[Right, ...]] = {
    # Works their own prospects day to day.
    "Commercial": (R1, R3, R4, R5, R6, R8, R10, R11, R14, R17),
    # Loads and maintains the files; does not convert or manage deals.
    "Assistant commercial": (R1, R2, R3, R5, R7, R8, R9, R10, R11, R14, R17),
    # Everything, including other people's notes.
    "Responsable commercial": (R1, R2, R3, R4, R5, R6, R7, R8, R9, R10, R11, R12, R13, R14, R15, R16, R17),
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
    for name, rights in ROLES.items():
        codenames = {right.codename for right in rights}
        group, _created = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(content_type__app_label=APP_LABEL, codename__in=codenames)
        found = set(permissions.values_list("codename", flat=True))
        missing = codenames - found
        if missing:
            raise LookupError(f"rights missing from the database (run migrate): {sorted(missing)}")
        group.permissions.set(permissions)
        result[name] = len(found)
    return result


# ---------------------------------------------------------------------------------------
# The rep rule (SPEC: "the rep assigned to a contact gets change rights on it"). It is a
# rule, not stored rights: the rep of a contact holds these rights on it, and only while
# assigned, so every kind of reassignment (form, mass action, import, admin, a plain
# UPDATE of assigned_to) moves them without a write. django-guardian rows are kept for
# what an admin grants on one object.

REP_RIGHTS = (R1,)


_BY_NAME = {name: right for right in ALL_RIGHTS for name in (right.codename, right.perm)}


def as_right(value: Right | str) -> Right:
    """The right itself, or the one named by a codename or perm (as read from permission rows)."""
    return value if isinstance(value, Right) else _BY_NAME[value]


def _is_rep_right(right: Right | str) -> bool:
    return _BY_NAME.get(str(right)) in REP_RIGHTS


def rep_rule_q(user: User, right: Right | str | None = None) -> Q | None:
    """The contacts on which the rep rule grants `right` (any rep right when None); None if none.

    The queryset form of the rule, for the "changeable by" and visibility selectors and the
    list's row rights; `has_right` applies the same rule to one contact already loaded.
    """
    if not user.is_active or user.pk is None or (right is not None and not _is_rep_right(right)):
        return None
    return Q(assigned_to_id=user.pk)


def _rep_of(user: User, obj: Model) -> bool:
    return obj._meta.label == f"{APP_LABEL}.ProspectContact" and obj.assigned_to_id == user.pk


def has_right(user: User, right: Right | str, obj: Model | None = None) -> bool:
    """The check every prospects view and service makes: the rep rule, then the global or object right.

    `obj` must have been reached through the user's visibility selector (see
    accounts.permissions.has_right).
    """
    if obj is not None and rep_rule_q(user, right) is not None and _rep_of(user, obj):
        return True
    return permissions.has_right(user, str(right), obj)


def require_right(user: User, right: Right | str, obj: Model | None = None) -> None:
    if not has_right(user, right, obj):
        raise PermissionDenied
