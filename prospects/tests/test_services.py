import pytest
from django.core.exceptions import ValidationError

from prospects.models import ProspectContact
from prospects.rights import R1, has_right
from prospects.selectors import prospects_visible_to
from prospects.services import prospect_assign, prospect_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_creating_a_contact_gives_its_rep_the_right_by_rule(paris, manager):
    rep = UserFactory(entities=[paris])
    contact = prospect_create(by=manager, entities=[paris], last_name="TROUVA", first_name="Jacques", assigned_to=rep)
    assert has_right(rep, R1, contact)
    assert not has_right(rep, R1)
    assert not rep.has_perm("prospects.edit_prospect", contact)  # no guardian row: the rule grants it


def test_creation_lowercases_the_email_and_validates(paris, manager):
    contact = prospect_create(by=manager, entities=[paris], last_name="A", first_name="B", email=" JT@TrouveTout.FR ")
    assert contact.email == "jt@trouvetout.fr"
    with pytest.raises(ValidationError):
        prospect_create(by=manager, entities=[paris], last_name="", first_name="B")
    with pytest.raises(ValidationError):
        prospect_create(by=manager, entities=[paris], last_name="A", first_name="B", email="pas-un-email")
    assert ProspectContact.objects.count() == 1


def test_reassigning_moves_the_right_from_old_to_new_rep(paris, lyon, manager):
    old_rep, new_rep = UserFactory(entities=[paris]), UserFactory(entities=[lyon])
    contact = prospect_create(by=manager, entities=[paris], last_name="A", first_name="B", assigned_to=old_rep)

    assert prospect_assign(prospect=contact, to=new_rep, by=manager)

    contact.refresh_from_db()
    assert contact.assigned_to == new_rep and contact.updated_by == manager
    assert not has_right(old_rep, R1, contact)
    # the new rep, of another entity, now sees and may edit this one contact
    assert contact in prospects_visible_to(new_rep)
    assert has_right(new_rep, R1, contact)


def test_unassigning_revokes_and_a_no_op_changes_nothing(paris, manager):
    rep = UserFactory(entities=[paris])
    contact = prospect_create(by=manager, entities=[paris], last_name="A", first_name="B", assigned_to=rep)
    assert not prospect_assign(prospect=contact, to=rep, by=manager)
    assert prospect_assign(prospect=contact, to=None, by=manager)
    contact.refresh_from_db()
    assert not has_right(rep, R1, contact)


def test_a_stale_assignment_still_moves_the_rights_of_the_actual_rep(paris, manager):
    first, second, third = (UserFactory(entities=[paris]) for _ in range(3))
    contact = prospect_create(by=manager, entities=[paris], last_name="A", first_name="B", assigned_to=first)
    stale_copy = ProspectContact.objects.get(pk=contact.pk)
    prospect_assign(prospect=contact, to=second, by=manager)  # someone else reassigned meanwhile

    prospect_assign(prospect=stale_copy, to=third, by=manager)

    contact.refresh_from_db()
    assert not has_right(second, R1, contact) and has_right(third, R1, contact)
