"""F3: post-it notes on the card. R11 own notes, R12 sees every entity's, R13 manages anyone's."""

import pytest
from django.contrib.auth.models import Permission

from prospects.models import ProspectNote
from tests.factories import NoteFactory, ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def with_rights(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="prospects", codename__in=codenames))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def julie(paris, lyon):
    return ProspectFactory(last_name="ARMANON", entities=[paris, lyon])


@pytest.fixture
def colleague(paris, groups):
    return UserFactory(last_name="Alpes", first_name="Lise", entities=[paris], groups=[groups["Commercial"]])


def test_a_rep_adds_a_note_written_from_their_entity(sales_rep, julie, paris):
    client = logged(sales_rep)
    response = client.post(f"/prospects/{julie.pk}/notes/", {"text": "  Rappeler en janvier  "})
    assert response.status_code == 302 and response["Location"] == f"/prospects/{julie.pk}/#postit"
    note = ProspectNote.objects.get()
    assert (note.text, note.author, note.entity, note.prospect) == ("Rappeler en janvier", sales_rep, paris, julie)
    body = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert "Rappeler en janvier" in body and "DIRON Marine · Paris" in body and "La note a été ajoutée." in body


def test_an_empty_note_is_refused_with_a_message(sales_rep, julie):
    client = logged(sales_rep)
    client.post(f"/prospects/{julie.pk}/notes/", {"text": "   "})
    assert not ProspectNote.objects.exists()
    assert "Ce champ est obligatoire." in client.get(f"/prospects/{julie.pk}/").content.decode()


def test_without_r11_the_note_form_is_hidden_and_the_server_refuses(rep_without_rights, sales_rep, julie, paris):
    NoteFactory(prospect=julie, author=sales_rep, entity=paris, text="Note de Marine")
    client = logged(rep_without_rights)
    body = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert "Note de Marine" in body
    assert "Nouvelle note" not in body and "/notes/" not in body
    assert client.post(f"/prospects/{julie.pk}/notes/", {"text": "x"}).status_code == 403
    assert ProspectNote.objects.count() == 1


def test_the_outsider_gets_a_404_on_every_note_action(outsider, sales_rep, paris):
    prospect = ProspectFactory(entities=[paris])
    note = NoteFactory(prospect=prospect, author=sales_rep, entity=paris)
    client = logged(outsider)
    assert client.post(f"/prospects/{prospect.pk}/notes/", {"text": "x"}).status_code == 404
    assert client.post(f"/prospects/{prospect.pk}/notes/{note.pk}/edit/", {"text": "x"}).status_code == 404
    assert client.post(f"/prospects/{prospect.pk}/notes/{note.pk}/delete/").status_code == 404
    assert ProspectNote.objects.get().text == "Rappeler en janvier"


def test_without_r12_only_the_notes_of_ones_entities_are_shown(sales_rep, julie, paris, lyon, outsider):
    NoteFactory(prospect=julie, author=sales_rep, entity=paris, text="Note de Paris")
    lyon_note = NoteFactory(prospect=julie, author=outsider, entity=lyon, text="Note de Lyon")
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert "Note de Paris" in body and "Note de Lyon" not in body
    assert logged(sales_rep).post(f"/prospects/{julie.pk}/notes/{lyon_note.pk}/delete/").status_code == 404


def test_r12_sees_every_entitys_notes_but_may_not_change_others(julie, paris, lyon, outsider, groups):
    reader = with_rights(UserFactory(entities=[paris]), "manage_own_prospect_notes", "view_all_prospect_notes")
    lyon_note = NoteFactory(prospect=julie, author=outsider, entity=lyon, text="Note de Lyon")
    client = logged(reader)
    body = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert "Note de Lyon" in body and f"/notes/{lyon_note.pk}/edit/" not in body
    assert client.post(f"/prospects/{julie.pk}/notes/{lyon_note.pk}/edit/", {"text": "x"}).status_code == 403
    assert client.post(f"/prospects/{julie.pk}/notes/{lyon_note.pk}/delete/").status_code == 403


def test_r11_edits_and_deletes_own_notes_only(sales_rep, colleague, julie, paris):
    own = NoteFactory(prospect=julie, author=sales_rep, entity=paris, text="La mienne")
    theirs = NoteFactory(prospect=julie, author=colleague, entity=paris, text="Celle de Lise")
    client = logged(sales_rep)
    body = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert f"/notes/{own.pk}/edit/" in body and f"/notes/{theirs.pk}/edit/" not in body
    assert f"/notes/{theirs.pk}/delete/" not in body

    assert client.post(f"/prospects/{julie.pk}/notes/{own.pk}/edit/", {"text": "Corrigée"}).status_code == 302
    own.refresh_from_db()
    assert own.text == "Corrigée"
    assert client.post(f"/prospects/{julie.pk}/notes/{theirs.pk}/edit/", {"text": "x"}).status_code == 403
    assert client.post(f"/prospects/{julie.pk}/notes/{theirs.pk}/delete/").status_code == 403
    assert client.post(f"/prospects/{julie.pk}/notes/{own.pk}/delete/").status_code == 302
    assert list(ProspectNote.objects.values_list("text", flat=True)) == ["Celle de Lise"]


def test_r13_manages_anyones_notes_of_any_entity(manager, julie, lyon, outsider):
    lyon_note = NoteFactory(prospect=julie, author=outsider, entity=lyon, text="Note de Lyon")
    client = logged(manager)
    body = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert "Note de Lyon" in body and f"/notes/{lyon_note.pk}/delete/" in body
    client.post(f"/prospects/{julie.pk}/notes/{lyon_note.pk}/edit/", {"text": "Revue par le responsable"})
    lyon_note.refresh_from_db()
    assert lyon_note.text == "Revue par le responsable" and lyon_note.author == outsider
    assert client.post(f"/prospects/{julie.pk}/notes/{lyon_note.pk}/delete/").status_code == 302
    assert not ProspectNote.objects.exists()


def test_a_note_is_reached_only_through_its_own_contact(sales_rep, julie, paris):
    other = ProspectFactory(entities=[paris])
    note = NoteFactory(prospect=other, author=sales_rep, entity=paris)
    assert logged(sales_rep).post(f"/prospects/{julie.pk}/notes/{note.pk}/delete/").status_code == 404


def test_the_note_actions_reject_get(sales_rep, julie):
    assert logged(sales_rep).get(f"/prospects/{julie.pk}/notes/").status_code == 405


def test_an_author_without_entity_is_told_why_the_note_was_not_saved(admin_user, julie):
    client = logged(admin_user)
    client.post(f"/prospects/{julie.pk}/notes/", {"text": "x"})
    assert not ProspectNote.objects.exists()
    assert "aucune entité" in client.get(f"/prospects/{julie.pk}/").content.decode()
