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
