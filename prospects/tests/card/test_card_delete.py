"""D1: delete a contact from its card, only when nothing links to it."""

import pytest
from guardian.shortcuts import assign_perm

from prospects.models import ProspectContact, ProspectContactUserObjectPermission, ProspectNote
from prospects.services import ProspectNotDeletable, prospect_create, prospect_delete
from tests.factories import NoteFactory, OpportunityFactory, ProposalFactory, ProspectFactory, TaskFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def julie(paris, sales_rep):
    return prospect_create(
        by=sales_rep, entities=[paris], last_name="ARMANON", first_name="Julie", assigned_to=sales_rep
    )


def test_a_rep_deletes_a_contact_and_its_notes_and_object_rights_go_with_it(
    sales_rep, julie, paris, rep_without_rights
):
    NoteFactory(prospect=julie, author=sales_rep, entity=paris)
    assign_perm("prospects.edit_prospect", rep_without_rights, julie)  # an admin's grant
    assert ProspectContactUserObjectPermission.objects.filter(content_object_id=julie.pk).exists()
    client = logged(sales_rep)
    response = client.post(f"/prospects/{julie.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/prospects/"
    assert not ProspectContact.objects.exists() and not ProspectNote.objects.exists()
    assert not ProspectContactUserObjectPermission.objects.filter(content_object_id=julie.pk).exists()
    assert "Le contact prospect ARMANON Julie a été supprimé." in client.get("/prospects/").content.decode()


def test_a_contact_with_tasks_and_deals_is_kept_and_the_message_says_why(sales_rep, julie):
    TaskFactory(prospect=julie)
    TaskFactory(prospect=julie)
    OpportunityFactory(prospect=julie)
    client = logged(sales_rep)
    response = client.post(f"/prospects/{julie.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == f"/prospects/{julie.pk}/"
    assert ProspectContact.objects.filter(pk=julie.pk).exists()
    body = client.get(response["Location"]).content.decode()
    assert "ARMANON Julie ne peut pas être supprimé : lié à 1 opportunité, 2 tâches commerciales." in body


def test_the_service_names_every_blocking_link(julie, sales_rep):
    ProposalFactory(opportunity=OpportunityFactory(prospect=julie), prospect=julie)
    with pytest.raises(ProspectNotDeletable) as blocked:
        prospect_delete(prospect=julie, by=sales_rep)
    assert blocked.value.reasons == ["1 opportunité", "1 proposition commerciale"]


def test_the_card_menu_offers_delete_through_a_confirmation_page(sales_rep, julie):
    client = logged(sales_rep)
    body = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert f'href="/prospects/{julie.pk}/delete/"' in body and "data-confirm" not in body
    page = client.get(f"/prospects/{julie.pk}/delete/").content.decode()
    assert "Supprimer définitivement ARMANON Julie ?" in page and f'action="/prospects/{julie.pk}/delete/"' in page
    assert ProspectContact.objects.filter(pk=julie.pk).exists()  # asking deletes nothing


def test_a_user_without_the_right_sees_no_delete_and_the_server_refuses(rep_without_rights, julie):
    client = logged(rep_without_rights)
    assert "/delete/" not in client.get(f"/prospects/{julie.pk}/").content.decode()
    assert client.post(f"/prospects/{julie.pk}/delete/").status_code == 403
    assert ProspectContact.objects.filter(pk=julie.pk).exists()


def test_the_right_on_this_contact_is_enough_to_delete_it(rep_without_rights, paris):
    prospect = ProspectFactory(entities=[paris])
    assign_perm("prospects.edit_prospect", rep_without_rights, prospect)
    assert logged(rep_without_rights).post(f"/prospects/{prospect.pk}/delete/").status_code == 302
    assert not ProspectContact.objects.exists()


def test_the_outsider_gets_a_404(outsider, julie):
    assert logged(outsider).post(f"/prospects/{julie.pk}/delete/").status_code == 404
    assert ProspectContact.objects.filter(pk=julie.pk).exists()


def test_the_confirmation_page_needs_the_right_and_visibility(rep_without_rights, outsider, julie):
    assert logged(rep_without_rights).get(f"/prospects/{julie.pk}/delete/").status_code == 403
    assert logged(outsider).get(f"/prospects/{julie.pk}/delete/").status_code == 404
    assert ProspectContact.objects.filter(pk=julie.pk).exists()


def test_the_blockers_are_the_relations_that_protect_a_contact_whichever_app_owns_them():
    from prospects.services import _delete_blocking_relations

    blocking = {relation.related_model._meta.label for relation in _delete_blocking_relations()}
    assert blocking == {"crm.Opportunity", "crm.Proposal", "tasks.Task"}  # notes and rights go with the contact
