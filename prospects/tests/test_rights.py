from io import StringIO

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command

from accounts.permissions import has_right
from prospects.rights import R15, R16, ROLES, SPEC_RIGHTS, roles_setup
from tests.factories import ProspectFactory, UserFactory

GUIDE_LABELS = [
    "Ajouter/modifier un contact prospect",
    "Charger des contacts prospects en masse (ajout rapide de fichiers vcf)",
    "Gestion des tâches sur les contacts prospects",
    "Gestion des opportunités sur un contact prospect libre (non rattaché à une société)",
    "Gérer l'environnement de compétences d'un contact prospect",
    "Convertir un contact prospect en contact client",
    "Importer en masse des contacts prospects",
    "Exporter des contacts prospects en VCF",
    "Importer des contacts prospects à partir de VCF",
    "Gestion des abonnements aux listes de diffusion",
    "Gérer ses notes pour les contacts prospects",
    "Voir toutes les notes saisies sur un contact prospect (toutes entités)",
    "Gérer toutes les notes saisies sur un contact prospect",
]


@pytest.mark.django_db
def test_the_thirteen_rights_exist_with_their_french_labels():
    stored = dict(
        Permission.objects.filter(
            content_type__app_label="prospects", codename__in=[right.codename for right in SPEC_RIGHTS]
        ).values_list("codename", "name")
    )
    assert len(stored) == 13
    assert [stored[right.codename] for right in SPEC_RIGHTS] == GUIDE_LABELS


@pytest.mark.django_db
def test_setup_roles_creates_the_three_groups_with_their_rights():
    call_command("setup_roles", stdout=StringIO())
    for name, rights in ROLES.items():
        group = Group.objects.get(name=name)
        assert set(group.permissions.values_list("codename", flat=True)) == {right.codename for right in rights}
    manager = Group.objects.get(name="Responsable commercial")
    # R1–R13, Excel export (R14), merge (R15), personal data (R16), companies (R17)
    assert manager.permissions.count() == 17


@pytest.mark.django_db
def test_setup_roles_is_idempotent_and_restores_edited_groups():
    roles_setup()
    commercial = Group.objects.get(name="Commercial")
    commercial.permissions.clear()
    roles_setup()
    roles_setup()
    assert Group.objects.filter(name__in=ROLES).count() == 3
    assert commercial.permissions.count() == len(ROLES["Commercial"])


@pytest.mark.django_db
def test_commercial_cannot_import_but_assistant_can(sales_rep, groups, paris):
    assistant = UserFactory(entities=[paris], groups=[groups["Assistant commercial"]])
    assert not has_right(sales_rep, "prospects.import_prospects")
    assert has_right(assistant, "prospects.import_prospects")


@pytest.mark.django_db
def test_object_right_passes_only_on_that_object(rep_without_rights, paris):
    from guardian.shortcuts import assign_perm

    granted, other = ProspectFactory(entities=[paris]), ProspectFactory(entities=[paris])
    assign_perm("prospects.edit_prospect", rep_without_rights, granted)
    assert has_right(rep_without_rights, "prospects.edit_prospect", granted)
    assert not has_right(rep_without_rights, "prospects.edit_prospect", other)
    assert not has_right(rep_without_rights, "prospects.edit_prospect")


@pytest.mark.django_db
def test_inactive_user_has_no_right(sales_rep):
    sales_rep.is_active = False
    assert not has_right(sales_rep, "prospects.edit_prospect")


@pytest.mark.django_db
def test_superuser_has_every_right(admin_user):
    assert all(
        has_right(admin_user, f"prospects.{codename}")
        for codename, _label in [(r.codename, r.label) for r in SPEC_RIGHTS]
    )


@pytest.mark.django_db
def test_default_permissions_are_labelled_in_french():
    names = set(
        Permission.objects.filter(
            content_type__app_label="prospects", codename__endswith="_prospectcontact"
        ).values_list("name", flat=True)
    )
    assert {"Peut ajouter contact prospect", "Peut modifier contact prospect"} <= names


@pytest.mark.django_db
def test_the_admin_role_alone_gets_merge_and_personal_data_by_default():
    call_command("setup_roles", stdout=StringIO())
    holders = Group.objects.filter(permissions__codename__in=[R15.codename, R16.codename]).distinct()
    assert list(holders.values_list("name", flat=True)) == ["Responsable commercial"]


@pytest.mark.django_db
def test_the_migration_gives_merge_and_personal_data_to_existing_admin_groups():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("prospects.migrations.0008_gdpr_duplicates")
    call_command("setup_roles", stdout=StringIO())
    manager = Group.objects.get(name="Responsable commercial")
    renamed = Group.objects.create(name="Direction")  # another group of the admin role: holds R13
    renamed.permissions.set(manager.permissions.exclude(codename__in=[R15.codename, R16.codename]))
    manager.permissions.remove(*manager.permissions.filter(codename__in=[R15.codename, R16.codename]))
    migration.give_new_rights_to_admin_groups(apps, None)
    for group in (manager, renamed):
        assert {R15.codename, R16.codename} <= set(group.permissions.values_list("codename", flat=True))
    assert not Group.objects.get(name="Commercial").permissions.filter(codename=R15.codename).exists()
