"""B1: before saving, a likely duplicate among the visible contacts is shown; the user may save anyway."""

import pytest

from prospects.models import ProspectContact
from tests.factories import CompanyFactory, ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def bsi(paris):
    return CompanyFactory(name="BSI CORP", entities=[paris])


@pytest.fixture
def julie(paris, bsi, sales_rep):
    return ProspectFactory(
        last_name="ARMANON",
        first_name="Julie",
        email="julie@bsi.fr",
        company=bsi,
        assigned_to=sales_rep,
        entities=[paris],
    )


def new_contact(paris, **overrides) -> dict:
    data = {"last_name": "Dupont", "first_name": "Anne", "status": "nouveau", "entities": [paris.pk]}
    data.update(overrides)
    return data


def test_the_same_e_mail_is_shown_with_a_link_and_nothing_is_saved(sales_rep, julie, paris):
    response = logged(sales_rep).post("/prospects/new/", new_contact(paris, email="JULIE@bsi.fr"))
    body = response.content.decode()
    assert response.status_code == 200 and "Doublon possible" in body
    assert f'href="/prospects/{julie.pk}/"' in body and "ARMANON Julie" in body and "affecté à DIRON Marine" in body
    assert "Enregistrer quand même" in body
    assert ProspectContact.objects.count() == 1


def test_the_same_name_at_the_same_company_is_a_likely_duplicate(sales_rep, julie, paris, bsi):
    data = new_contact(paris, last_name="armanon", first_name="JULIE", company=bsi.pk)
    response = logged(sales_rep).post("/prospects/new/", data)
    assert [other.pk for other in response.context["form"].duplicates] == [julie.pk]
    assert ProspectContact.objects.count() == 1


def test_the_same_name_elsewhere_is_not_a_duplicate(sales_rep, julie, paris):
    other_company = CompanyFactory(name="AUTRE", entities=[paris])
    data = new_contact(paris, last_name="ARMANON", first_name="Julie", company=other_company.pk)
    assert logged(sales_rep).post("/prospects/new/", data).status_code == 302
    assert ProspectContact.objects.count() == 2


def test_save_anyway_creates_the_contact(sales_rep, julie, paris):
    data = new_contact(paris, email="julie@bsi.fr", confirm_duplicates="1")
    assert logged(sales_rep).post("/prospects/new/", data).status_code == 302
    assert ProspectContact.objects.filter(email="julie@bsi.fr").count() == 2


def test_a_contact_the_user_cannot_see_is_never_revealed(sales_rep, paris, lyon):
    ProspectFactory(last_name="SECRET", email="secret@lyon.fr", entities=[lyon])
    response = logged(sales_rep).post("/prospects/new/", new_contact(paris, email="secret@lyon.fr"))
    assert response.status_code == 302
    assert ProspectContact.objects.filter(email="secret@lyon.fr").count() == 2


def test_editing_other_fields_does_not_warn_but_taking_anothers_e_mail_does(sales_rep, julie, paris, bsi):
    twin = ProspectFactory(last_name="ARMANON", first_name="Julie", company=bsi, email="", entities=[paris])
    client = logged(sales_rep)
    data = {
        "last_name": "ARMANON",
        "first_name": "Julie",
        "company": bsi.pk,
        "status": "en_cours",
        "entities": [paris.pk],
    }
    assert client.post(f"/prospects/{twin.pk}/edit/", data).status_code == 302
    response = client.post(f"/prospects/{twin.pk}/edit/", {**data, "email": "julie@bsi.fr"})
    assert response.status_code == 200 and [other.pk for other in response.context["form"].duplicates] == [julie.pk]
    twin.refresh_from_db()
    assert twin.email == "" and twin.status == "en_cours"


# Names are compared folded, like the import's matching ---------------------------------------


@pytest.fixture
def elodie(paris, bsi):
    from prospects.services import prospect_create

    return prospect_create(by=None, last_name="Ménard", first_name="Élodie", company=bsi, entities=[paris])


@pytest.mark.parametrize(
    ("last_name", "first_name"), [("MENARD", "elodie"), ("menard", "ÉLODIE"), (" Ménard ", "Elodie")]
)
def test_a_name_differing_only_by_accents_or_case_warns_on_create(sales_rep, elodie, paris, bsi, last_name, first_name):
    data = new_contact(paris, last_name=last_name, first_name=first_name, company=bsi.pk)
    response = logged(sales_rep).post("/prospects/new/", data)
    assert response.status_code == 200 and "Doublon possible" in response.content.decode()
    assert [other.pk for other in response.context["form"].duplicates] == [elodie.pk]
    assert ProspectContact.objects.count() == 1


def test_free_contacts_fold_too(sales_rep, paris):
    from prospects.services import prospect_create

    free = prospect_create(by=None, last_name="Lefèvre", first_name="Hélène", entities=[paris])
    response = logged(sales_rep).post("/prospects/new/", new_contact(paris, last_name="LEFEVRE", first_name="helene"))
    assert [other.pk for other in response.context["form"].duplicates] == [free.pk]


def test_a_longer_name_sharing_the_start_is_not_a_duplicate(sales_rep, elodie, paris, bsi):
    data = new_contact(paris, last_name="Ménard-Durand", first_name="Élodie", company=bsi.pk)
    assert logged(sales_rep).post("/prospects/new/", data).status_code == 302
    data = new_contact(paris, last_name="Ménard", first_name="Élodie-Marie", company=bsi.pk)
    assert logged(sales_rep).post("/prospects/new/", data).status_code == 302


def test_renaming_a_contact_into_a_folded_twin_warns_on_edit(sales_rep, elodie, paris, bsi):
    from guardian.shortcuts import assign_perm

    other = ProspectFactory(last_name="Autre", first_name="Nom", company=bsi, entities=[paris])
    assign_perm("prospects.edit_prospect", sales_rep, other)
    data = new_contact(paris, last_name="MENARD", first_name="ELODIE", company=bsi.pk)
    response = logged(sales_rep).post(f"/prospects/{other.pk}/edit/", data)
    assert response.status_code == 200
    assert [found.pk for found in response.context["form"].duplicates] == [elodie.pk]
    other.refresh_from_db()
    assert other.last_name == "Autre"


def test_an_e_mail_differing_only_by_case_warns(sales_rep, julie, paris):
    response = logged(sales_rep).post("/prospects/new/", new_contact(paris, email="  Julie@BSI.fr "))
    assert [other.pk for other in response.context["form"].duplicates] == [julie.pk]


def test_the_outsider_is_not_warned_about_a_contact_it_cannot_see(outsider, sales_rep, paris, lyon):
    from prospects.services import prospect_create

    prospect_create(by=None, last_name="Ménard", first_name="Élodie", entities=[paris])  # free, in Paris
    data = new_contact(paris, last_name="MENARD", first_name="elodie")
    assert logged(sales_rep).post("/prospects/new/", data).status_code == 200  # Paris is warned
    response = logged(outsider).post("/prospects/new/", new_contact(lyon, last_name="MENARD", first_name="elodie"))
    assert response.status_code == 302  # nothing visible to warn about (another entity's contact)


def test_a_user_without_the_right_cannot_reach_the_check(rep_without_rights, elodie, paris, bsi):
    data = new_contact(paris, last_name="MENARD", first_name="elodie", company=bsi.pk)
    assert logged(rep_without_rights).post("/prospects/new/", data).status_code == 403
    assert ProspectContact.objects.count() == 1
