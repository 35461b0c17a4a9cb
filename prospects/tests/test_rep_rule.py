"""The rep's right is a rule (issue 13): every kind of reassignment moves it, and none writes a guardian row."""

import importlib

import pytest
from django.apps import apps as live_apps
from django.contrib.auth.models import Permission
from django.urls import reverse
from guardian.shortcuts import assign_perm

from prospects.models import ProspectContact, ProspectContactUserObjectPermission
from prospects.rights import R1, R3, has_right, rep_rule_q
from prospects.selectors import holds_right_somewhere, prospect_row_rights, prospects_changeable_by
from prospects.services import prospect_assign, prospect_create, prospects_mass_assign
from tests.factories import ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def reps(paris):
    """Two reps holding no right of their own: only the rule can let them edit."""
    return UserFactory(username="old-rep", entities=[paris]), UserFactory(username="new-rep", entities=[paris])


@pytest.fixture
def contact(reps, paris, manager):
    return prospect_create(by=manager, entities=[paris], last_name="ARMANON", first_name="Julie", assigned_to=reps[0])


def _by_edit_form(contact, new_rep, manager, admin_user):
    data = {"last_name": contact.last_name, "first_name": "Julie", "status": "affecte", "country": "France"}
    data["entities"] = [entity.pk for entity in contact.entities.all()]
    response = logged(manager).post(f"/prospects/{contact.pk}/edit/", {**data, "assigned_to": new_rep.pk})
    assert response.status_code == 302


def _by_service(contact, new_rep, manager, admin_user):
    assert prospect_assign(prospect=contact, to=new_rep, by=manager)


def _by_mass_assign(contact, new_rep, manager, admin_user):
    response = logged(manager).post("/prospects/mass/assign/", {"ids": [contact.pk], "assigned_to": new_rep.pk})
    assert response.status_code == 302


def _by_mass_service(contact, new_rep, manager, admin_user):
    prospects_mass_assign(prospects=ProspectContact.objects.filter(pk=contact.pk), to=new_rep, by=manager)


def _by_admin(contact, new_rep, manager, admin_user):
    form = {
        "last_name": contact.last_name, "first_name": contact.first_name, "status": "affecte",
        "country": "France", "assigned_to": new_rep.pk, "entities": [e.pk for e in contact.entities.all()],
        "notes-TOTAL_FORMS": 0, "notes-INITIAL_FORMS": 0,
    }  # fmt: skip
    url = reverse("admin:prospects_prospectcontact_change", args=[contact.pk])
    response = logged(admin_user).post(url, form)
    assert response.status_code == 302, (response.context or {}).get("errors")


def _by_plain_update(contact, new_rep, manager, admin_user):
    ProspectContact.objects.filter(pk=contact.pk).update(assigned_to=new_rep)


REASSIGNMENTS = [_by_edit_form, _by_service, _by_mass_assign, _by_mass_service, _by_admin, _by_plain_update]


def _fresh(contact):
    return ProspectContact.objects.get(pk=contact.pk)


def test_the_rep_holds_the_edit_right_on_their_contact_only(reps, contact, paris):
    old_rep, new_rep = reps
    other = ProspectFactory(entities=[paris])
    assert has_right(old_rep, R1, contact) and not has_right(old_rep, R1, other)
    assert not has_right(new_rep, R1, contact)
    assert not has_right(old_rep, R1)  # the rule is on the contact, never global
    assert not has_right(old_rep, R3, contact)  # and only for the rep's rights
    old_rep.is_active = False
    assert not has_right(old_rep, R1, contact) and rep_rule_q(old_rep) is None


def test_creating_an_assigned_contact_writes_no_guardian_row(contact):
    assert not ProspectContactUserObjectPermission.objects.exists()


@pytest.mark.parametrize("reassign", REASSIGNMENTS, ids=lambda f: f.__name__.removeprefix("_by_"))
def test_after_any_reassignment_the_new_rep_edits_and_the_old_one_no_longer_can(
    reassign, reps, contact, manager, admin_user
):
    old_rep, new_rep = reps
    reassign(contact, new_rep, manager, admin_user)
    contact = _fresh(contact)
    assert contact.assigned_to == new_rep
    assert not ProspectContactUserObjectPermission.objects.exists()
    assert has_right(new_rep, R1, contact) and not has_right(old_rep, R1, contact)
    assert list(prospects_changeable_by(new_rep, R1)) == [contact]
    assert not prospects_changeable_by(old_rep, R1).exists()
    assert prospect_row_rights(new_rep, [contact.pk])[contact.pk] == {R1}
    assert prospect_row_rights(old_rep, [contact.pk])[contact.pk] == set()
    assert holds_right_somewhere(new_rep, R1) and not holds_right_somewhere(old_rep, R1)

    new_client, old_client = logged(new_rep), logged(old_rep)
    assert new_client.get(f"/prospects/{contact.pk}/edit/").status_code == 200
    data = {"last_name": "ARMANON", "first_name": "Juliette", "status": "en_cours", "country": "France"}
    data["entities"] = [entity.pk for entity in contact.entities.all()]
    response = new_client.post(f"/prospects/{contact.pk}/edit/", {**data, "assigned_to": new_rep.pk})
    assert response.status_code == 302 and _fresh(contact).first_name == "Juliette"
    assert old_client.get(f"/prospects/{contact.pk}/edit/").status_code == 403
    assert old_client.post(f"/prospects/{contact.pk}/edit/", {**data, "first_name": "X"}).status_code == 403
    assert _fresh(contact).first_name == "Juliette"
    assert not ProspectContactUserObjectPermission.objects.exists()


def test_a_rep_outside_the_contacts_entities_still_sees_and_edits_it(paris, lyon, manager):
    far_rep = UserFactory(username="far", entities=[lyon])
    contact = ProspectFactory(entities=[paris], assigned_to=far_rep)
    client = logged(far_rep)
    assert client.get(f"/prospects/{contact.pk}/").status_code == 200
    assert client.get(f"/prospects/{contact.pk}/edit/").status_code == 200
    ProspectContact.objects.filter(pk=contact.pk).update(assigned_to=None)
    assert client.get(f"/prospects/{contact.pk}/").status_code == 404


def test_the_rule_gives_the_rep_nothing_else(reps, contact, outsider, rep_without_rights):
    old_rep, _new_rep = reps
    client = logged(old_rep)
    assert client.get(f"/prospects/{contact.pk}/skills/").status_code == 403
    assert client.get(f"/prospects/{contact.pk}/convert/").status_code == 403
    assert client.get("/prospects/new/").status_code == 403
    assert logged(rep_without_rights).get(f"/prospects/{contact.pk}/edit/").status_code == 403
    assert logged(outsider).get(f"/prospects/{contact.pk}/edit/").status_code == 404


def test_an_admin_grant_to_another_user_stays_a_grant(reps, contact, rep_without_rights):
    assign_perm(R1.perm, rep_without_rights, contact)
    prospect_assign(prospect=contact, to=reps[1], by=None)
    assert has_right(rep_without_rights, R1, _fresh(contact))
    assert ProspectContactUserObjectPermission.objects.filter(user=rep_without_rights).count() == 1


# --- The data migration that removes the rows the old rule wrote ---------------------------------


def _remove_rep_rows():
    migration = importlib.import_module("prospects.migrations.0006_rep_rights_rule")
    migration.remove_rep_rows(live_apps, None)


def test_the_migration_removes_exactly_the_current_reps_rows(reps, paris, rep_without_rights, groups):
    old_rep, new_rep = reps
    edit = Permission.objects.get(content_type__app_label="prospects", codename=R1.codename)
    convert = Permission.objects.get(content_type__app_label="prospects", codename="convert_prospect")
    mine = ProspectFactory(entities=[paris], assigned_to=old_rep)
    moved = ProspectFactory(entities=[paris], assigned_to=new_rep)
    unassigned = ProspectFactory(entities=[paris])
    rows = ProspectContactUserObjectPermission.objects
    old_rule = [rows.create(user=old_rep, content_object=mine, permission=edit)]
    old_rule.append(rows.create(user=new_rep, content_object=moved, permission=edit))
    kept = [
        rows.create(user=rep_without_rights, content_object=mine, permission=edit),  # an admin's grant
        rows.create(user=old_rep, content_object=moved, permission=edit),  # not (any more) the rep
        rows.create(user=old_rep, content_object=unassigned, permission=edit),
        rows.create(user=old_rep, content_object=mine, permission=convert),  # not a rep's right
    ]
    _remove_rep_rows()
    assert set(rows.values_list("pk", flat=True)) == {row.pk for row in kept}
    assert has_right(rep_without_rights, R1, mine) and has_right(old_rep, R1, mine)


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_on_the_historical_models(paris):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("prospects", "0005_export_xlsx_right")], [("prospects", "0006_rep_rights_rule")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    rep, admin_grantee = UserFactory(username="rep", entities=[paris]), UserFactory(username="grantee")
    contact = ProspectFactory(entities=[paris], assigned_to=rep)
    edit = old.get_model("auth", "Permission").objects.get(content_type__app_label="prospects", codename=R1.codename)
    rows = old.get_model("prospects", "ProspectContactUserObjectPermission").objects
    rows.create(user_id=rep.pk, content_object_id=contact.pk, permission_id=edit.pk)
    grant = rows.create(user_id=admin_grantee.pk, content_object_id=contact.pk, permission_id=edit.pk)
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert list(ProspectContactUserObjectPermission.objects.values_list("pk", flat=True)) == [grant.pk]
    executor = MigrationExecutor(connection)  # back to the latest schema for the tests that follow
    executor.migrate(executor.loader.graph.leaf_nodes())
