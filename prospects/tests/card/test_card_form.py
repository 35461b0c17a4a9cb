"""C1: create and edit a contact through the form; the rep's rights follow the assignment."""

import pytest
from guardian.shortcuts import assign_perm

from prospects.models import ProspectContact, ProspectContactUserObjectPermission
from prospects.rights import R1, has_right
from prospects.services import prospect_create, prospect_update
from tests.factories import CompanyFactory, ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db
EDIT = "prospects.edit_prospect"


def form_data(**overrides) -> dict:
    data = {"last_name": "ARMANON", "first_name": "Julie", "status": "nouveau", "country": "France"}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_the_new_contact_form_has_french_labels_and_preselects_the_users_entities(sales_rep, paris, lyon):
    body = logged(sales_rep).get("/prospects/new/").content.decode()
    assert "Ajout d&#x27;un nouveau contact prospect" in body
    for label in ("Société", "Genre", "Nom", "Prénom", "Service dans l&#x27;organigramme", "Fonction", "Statut"):
        assert f">{label}" in body, label
    assert f'value="{paris.pk}" id="id_entities_0" checked' in body
    assert "Lyon" not in body


def test_a_rep_creates_a_contact_with_normalised_details_and_gets_its_rights(sales_rep, paris):
    company = CompanyFactory(name="BSI CORP", entities=[paris])
    client = logged(sales_rep)
    response = client.post(
        "/prospects/new/",
        form_data(
            company=company.pk,
            email="  Julie.Armanon@BSI.fr ",
            phone="0144.55.66.77",
            entities=[paris.pk],
            assigned_to=sales_rep.pk,
            origin="campagne",
        ),
    )
    prospect = ProspectContact.objects.get(last_name="ARMANON")
    assert response.status_code == 302 and response["Location"] == f"/prospects/{prospect.pk}/"
    assert prospect.email == "julie.armanon@bsi.fr" and prospect.phone == "01 44 55 66 77"
    assert prospect.company == company and list(prospect.entities.all()) == [paris]
    assert prospect.created_by == sales_rep
    assert has_right(sales_rep, R1, prospect)
    assert "a été créé" in client.get(response["Location"]).content.decode()


def test_validation_messages_are_in_french_next_to_the_fields(sales_rep, paris):
    response = logged(sales_rep).post("/prospects/new/", form_data(last_name="", email="pas-un-mail", phone="abc"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_last_name_error">Ce champ est obligatoire.' in body
    assert "Saisissez une adresse de courriel valide." in body and "Numéro invalide" in body
    assert "Choisissez au moins une entité" in body
    assert not ProspectContact.objects.exists()


def test_companies_and_reps_of_another_entity_cannot_be_chosen(sales_rep, paris, lyon, outsider):
    lyon_company = CompanyFactory(name="LYON SA", entities=[lyon])
    response = logged(sales_rep).post(
        "/prospects/new/", form_data(company=lyon_company.pk, assigned_to=outsider.pk, entities=[paris.pk])
    )
    errors = response.context["form"].errors
    assert set(errors) == {"company", "assigned_to"}
    assert not ProspectContact.objects.exists()


def test_the_company_search_lists_only_visible_companies(sales_rep, paris, lyon):
    CompanyFactory(name="BSI CORP", entities=[paris])
    CompanyFactory(name="BSI LYON", entities=[lyon])
    body = logged(sales_rep).get("/prospects/company-options/?q=bsi").content.decode()
    assert "BSI CORP" in body and "BSI LYON" not in body
    assert "BSI" not in logged(sales_rep).get("/prospects/company-options/?q=").content.decode()


def test_the_form_renders_only_the_chosen_company_not_every_company(sales_rep, paris):
    chosen = CompanyFactory(name="BSI CORP", entities=[paris])
    CompanyFactory(name="AUTRE SOCIETE", entities=[paris])
    prospect = ProspectFactory(company=chosen, entities=[paris])
    body = logged(sales_rep).get(f"/prospects/{prospect.pk}/edit/").content.decode()
    assert f'<option value="{chosen.pk}" selected>BSI CORP</option>' in body
    assert "AUTRE SOCIETE" not in body


def test_a_user_without_the_right_cannot_create(rep_without_rights, paris):
    client = logged(rep_without_rights)
    assert client.get("/prospects/new/").status_code == 403
    assert client.post("/prospects/new/", form_data(entities=[paris.pk])).status_code == 403
    assert not ProspectContact.objects.exists()


def test_the_card_menu_offers_edit_only_with_the_right(sales_rep, rep_without_rights, paris):
    prospect = ProspectFactory(entities=[paris])
    assert (
        f'href="/prospects/{prospect.pk}/edit/"' in logged(sales_rep).get(f"/prospects/{prospect.pk}/").content.decode()
    )
    body = logged(rep_without_rights).get(f"/prospects/{prospect.pk}/").content.decode()
    assert "/edit/" not in body


def test_editing_saves_and_moves_the_rights_to_the_new_rep(sales_rep, paris, groups):
    lise = UserFactory(last_name="Alpes", first_name="Lise", entities=[paris])
    prospect = prospect_create(
        by=sales_rep, entities=[paris], last_name="ARMANON", first_name="Julie", assigned_to=sales_rep
    )
    response = logged(sales_rep).post(
        f"/prospects/{prospect.pk}/edit/",
        form_data(
            first_name="Juliette", mobile="0612345678", assigned_to=lise.pk, entities=[paris.pk], status="affecte"
        ),
    )
    assert response.status_code == 302 and response["Location"] == f"/prospects/{prospect.pk}/"
    prospect.refresh_from_db()
    assert prospect.first_name == "Juliette" and prospect.mobile == "06 12 34 56 78" and prospect.status == "affecte"
    assert prospect.assigned_to == lise and prospect.updated_by == sales_rep
    assert not ProspectContactUserObjectPermission.objects.exists()  # the rule, no row
    assert has_right(lise, R1, prospect)


def test_the_edit_form_keeps_the_entities_the_user_cannot_see(sales_rep, paris, lyon):
    prospect = ProspectFactory(entities=[paris, lyon])
    logged(sales_rep).post(f"/prospects/{prospect.pk}/edit/", form_data(entities=[paris.pk]))
    assert set(prospect.entities.all()) == {paris, lyon}


def test_a_user_without_the_right_cannot_edit(rep_without_rights, paris):
    prospect = ProspectFactory(last_name="AVANT", entities=[paris])
    client = logged(rep_without_rights)
    assert client.get(f"/prospects/{prospect.pk}/edit/").status_code == 403
    assert client.post(f"/prospects/{prospect.pk}/edit/", form_data(entities=[paris.pk])).status_code == 403
    prospect.refresh_from_db()
    assert prospect.last_name == "AVANT"


def test_the_right_on_one_contact_is_enough_to_edit_it(rep_without_rights, paris):
    prospect = ProspectFactory(entities=[paris])
    other = ProspectFactory(entities=[paris])
    assign_perm(EDIT, rep_without_rights, prospect)
    client = logged(rep_without_rights)
    assert client.get(f"/prospects/{prospect.pk}/edit/").status_code == 200
    assert client.get(f"/prospects/{other.pk}/edit/").status_code == 403
    assert client.get("/prospects/new/").status_code == 403


def test_the_outsider_gets_a_404_on_the_edit_page(outsider, paris):
    prospect = ProspectFactory(entities=[paris])
    assert logged(outsider).get(f"/prospects/{prospect.pk}/edit/").status_code == 404
    assert logged(outsider).post(f"/prospects/{prospect.pk}/edit/", form_data()).status_code == 404


def test_prospect_update_moves_the_object_rights_only_when_the_rep_changes(sales_rep, paris):
    lise = UserFactory(entities=[paris])
    prospect = prospect_create(by=None, entities=[paris], last_name="A", first_name="B", assigned_to=lise)
    prospect_update(prospect=prospect, by=sales_rep, job_title="Directrice")
    assert has_right(lise, R1, prospect)
    prospect_update(prospect=prospect, by=sales_rep, assigned_to=sales_rep, email=" X@Y.FR")
    assert not has_right(lise, R1, prospect)
    assert prospect.email == "x@y.fr"


def test_without_javascript_chercher_lists_the_companies_found_and_keeps_what_was_typed(sales_rep, paris, lyon):
    bsi = CompanyFactory(name="BSI CORP", entities=[paris])
    CompanyFactory(name="BSI LYON", entities=[lyon])
    client = logged(sales_rep)
    data = {"last_name": "Neuf", "company_q": "bsi", "_company_search": "company", "email": "pas-un-email"}
    response = client.post("/prospects/new/", data)
    body = response.content.decode()
    assert response.status_code == 200 and not ProspectContact.objects.exists()
    assert f'<option value="{bsi.pk}">BSI CORP (Prospect)</option>' in body and "BSI LYON" not in body
    assert 'value="Neuf"' in body and 'value="bsi"' in body
    assert "field-error" not in body  # a search, not a save
    data.pop("_company_search")
    data.update(company=bsi.pk, first_name="Camille", email="", status="nouveau", entities=[paris.pk], country="France")
    assert client.post("/prospects/new/", data).status_code == 302
    assert ProspectContact.objects.get().company == bsi
