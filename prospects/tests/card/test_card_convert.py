"""X1: convert a prospect contact into a client contact, once, with R6."""

import pytest
from django.core.exceptions import ValidationError
from guardian.shortcuts import assign_perm

from crm.choices import CompanyStatus, CompanyType
from crm.models import ClientContact
from prospects.models import ContactStatus
from prospects.services import ProspectAlreadyConverted, prospect_convert
from tests.factories import CompanyFactory, NoteFactory, ProspectFactory, TaskFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def bsi(paris):
    return CompanyFactory(name="BSI CORP", type=CompanyType.PROSPECT, entities=[paris])


@pytest.fixture
def client_company(paris):
    return CompanyFactory(name="ACME CLIENT", type=CompanyType.CLIENT, entities=[paris])


@pytest.fixture
def julie(paris, bsi, sales_rep):
    return ProspectFactory(
        last_name="ARMANON",
        first_name="Julie",
        job_title="DSI",
        email="julie@bsi.fr",
        mobile="06 12 34 56 78",
        company=bsi,
        assigned_to=sales_rep,
        entities=[paris],
    )


def test_a_contact_of_a_client_company_is_converted_there(sales_rep, julie, bsi, paris):
    bsi.type = CompanyType.CLIENT
    bsi.save()
    TaskFactory(prospect=julie, name="Relancer Julie")
    NoteFactory(prospect=julie, author=sales_rep, entity=paris, text="Très intéressée")
    client = logged(sales_rep)
    assert (
        "Un contact client sera créé dans la société cliente BSI CORP."
        in client.get(f"/prospects/{julie.pk}/convert/").content.decode()
    )
    response = client.post(f"/prospects/{julie.pk}/convert/")
    assert response.status_code == 302 and response["Location"] == f"/prospects/{julie.pk}/"
    converted = ClientContact.objects.get()
    assert (converted.company, converted.last_name, converted.first_name) == (bsi, "ARMANON", "Julie")
    assert (converted.job_title, converted.email, converted.mobile) == ("DSI", "julie@bsi.fr", "06 12 34 56 78")
    assert converted.assigned_to == sales_rep and converted.created_by == sales_rep
    julie.refresh_from_db()
    assert julie.status == ContactStatus.CONVERTED and julie.client_contact == converted
    card = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert "ARMANON Julie chez BSI CORP" in card and "Relancer Julie" in card and "Très intéressée" in card
    assert f"/prospects/{julie.pk}/convert/" not in card


def test_the_prospect_company_can_be_converted_to_a_client_on_the_way(sales_rep, julie, bsi):
    response = logged(sales_rep).post(f"/prospects/{julie.pk}/convert/", {"target": "convertir_societe"})
    assert response.status_code == 302
    bsi.refresh_from_db()
    assert (bsi.type, bsi.status) == (CompanyType.CLIENT, CompanyStatus.CONVERTED)
    assert ClientContact.objects.get().company == bsi


def test_a_client_company_can_be_picked_instead(sales_rep, julie, bsi, client_company):
    data = {"target": "choisir_client", "client_company": client_company.pk}
    assert logged(sales_rep).post(f"/prospects/{julie.pk}/convert/", data).status_code == 302
    assert ClientContact.objects.get().company == client_company
    bsi.refresh_from_db()
    julie.refresh_from_db()
    assert bsi.type == CompanyType.PROSPECT and julie.company == bsi


def test_picking_requires_a_visible_client_company(sales_rep, julie, lyon, bsi):
    hidden_client = CompanyFactory(name="LYON CLIENT", type=CompanyType.CLIENT, entities=[lyon])
    client = logged(sales_rep)
    response = client.post(f"/prospects/{julie.pk}/convert/", {"target": "choisir_client"})
    assert response.status_code == 200 and "Choisissez la société cliente." in response.content.decode()
    data = {"target": "choisir_client", "client_company": hidden_client.pk}
    assert "client_company" in client.post(f"/prospects/{julie.pk}/convert/", data).context["form"].errors
    data = {"target": "choisir_client", "client_company": bsi.pk}  # visible but still a prospect
    assert "client_company" in client.post(f"/prospects/{julie.pk}/convert/", data).context["form"].errors
    assert not ClientContact.objects.exists()


def test_the_company_search_can_be_limited_to_clients(sales_rep, bsi, client_company):
    body = logged(sales_rep).get("/prospects/company-options/?q=c&type=client").content.decode()
    assert "ACME CLIENT" in body and "BSI CORP" not in body


def test_a_contact_is_converted_only_once(sales_rep, julie, client_company):
    client = logged(sales_rep)
    data = {"target": "choisir_client", "client_company": client_company.pk}
    client.post(f"/prospects/{julie.pk}/convert/", data)
    response = client.post(f"/prospects/{julie.pk}/convert/", data)
    assert response.status_code == 302 and ClientContact.objects.count() == 1
    assert client.get(f"/prospects/{julie.pk}/convert/").status_code == 302
    with pytest.raises(ProspectAlreadyConverted):
        prospect_convert(prospect=julie, by=sales_rep, client_company=client_company)
    assert ClientContact.objects.count() == 1


def test_a_free_contact_needs_a_client_company_and_nothing_is_left_half_done(sales_rep, paris):
    free = ProspectFactory(entities=[paris])
    with pytest.raises(ValidationError):
        prospect_convert(prospect=free, by=sales_rep, convert_company=True)
    free.refresh_from_db()
    assert not ClientContact.objects.exists() and free.status == ContactStatus.NEW


def test_without_r6_convert_is_hidden_and_refused(rep_without_rights, julie, client_company):
    client = logged(rep_without_rights)
    assert "/convert/" not in client.get(f"/prospects/{julie.pk}/").content.decode()
    assert client.get(f"/prospects/{julie.pk}/convert/").status_code == 403
    data = {"target": "choisir_client", "client_company": client_company.pk}
    assert client.post(f"/prospects/{julie.pk}/convert/", data).status_code == 403
    assert not ClientContact.objects.exists()


def test_r6_on_this_contact_is_enough(rep_without_rights, julie):
    assign_perm("prospects.convert_prospect", rep_without_rights, julie)
    client = logged(rep_without_rights)
    assert f"/prospects/{julie.pk}/convert/" in client.get(f"/prospects/{julie.pk}/").content.decode()
    assert client.get(f"/prospects/{julie.pk}/convert/").status_code == 200


def test_the_outsider_gets_a_404(outsider, julie):
    assert logged(outsider).get(f"/prospects/{julie.pk}/convert/").status_code == 404
    assert logged(outsider).post(f"/prospects/{julie.pk}/convert/", {"target": "convertir_societe"}).status_code == 404
