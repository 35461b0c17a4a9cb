"""The company page ("Dossier du compte"): its file, contacts, deals and tasks, as the user may see them."""

import pytest

from crm.models import ClientContact
from tests.factories import CompanyFactory, OpportunityFactory, ProspectFactory, SectorFactory, TaskFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def bsi(paris):
    return CompanyFactory(name="BSI CORP", city="Paris", entities=[paris])


def test_the_company_file_shows_its_details_and_visible_contacts(rep_without_rights, bsi, paris, lyon):
    julie = ProspectFactory(last_name="ARMANON", first_name="Julie", company=bsi, entities=[paris])
    ProspectFactory(last_name="CACHE", company=bsi, entities=[lyon])
    ClientContact.objects.create(company=bsi, last_name="CLIENT", first_name="Paul")
    body = logged(rep_without_rights).get(f"/prospects/companies/{bsi.pk}/").content.decode()
    assert "Dossier du compte" in body and "BSI CORP" in body and "Prospect" in body
    assert f'href="/prospects/{julie.pk}/"' in body and "CACHE" not in body and "CLIENT" in body


def test_the_card_links_to_the_company_file_when_the_company_is_visible(sales_rep, bsi, paris, lyon):
    julie = ProspectFactory(company=bsi, entities=[paris])
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert body.count(f'href="/prospects/companies/{bsi.pk}/"') == 2  # the Société field and the menu
    hidden_company = CompanyFactory(name="SOCIETE LYON", entities=[lyon])
    shared = ProspectFactory(company=hidden_company, entities=[paris])
    body = logged(sales_rep).get(f"/prospects/{shared.pk}/").content.decode()
    assert "SOCIETE LYON" in body and f"/prospects/companies/{hidden_company.pk}/" not in body


def test_the_outsider_gets_a_404(outsider, bsi):
    assert logged(outsider).get(f"/prospects/companies/{bsi.pk}/").status_code == 404
    assert logged(outsider).get("/prospects/companies/999999/").status_code == 404


def test_the_page_shows_the_file_deals_and_tasks_of_the_company(sales_rep, bsi, paris, lyon):
    group = CompanyFactory(name="GROUPE BSI", entities=[paris])
    bsi.parent = group
    bsi.headcount_band, bsi.revenue_band, bsi.region = "50-249", "10m-50m", "idf"
    bsi.sector = SectorFactory(name="Informatique")
    bsi.save()
    julie = ProspectFactory(last_name="ARMANON", company=bsi, entities=[paris])
    hidden = ProspectFactory(last_name="CACHE", company=bsi, entities=[lyon])
    OpportunityFactory(name="Refonte SI", company=bsi, prospect=julie, amount=12000)
    OpportunityFactory(name="Affaire cachée", company=bsi, prospect=hidden)
    TaskFactory(name="Rappeler Julie", prospect=julie)
    TaskFactory(name="Tâche cachée", prospect=hidden)
    body = logged(sales_rep).get(f"/prospects/companies/{bsi.pk}/").content.decode()
    for shown in ("50 à 249 salariés", "10 à 50 M€", "Ile-de-France", "Informatique", "GROUPE BSI", "Refonte SI"):
        assert shown in body
    assert "12\xa0000 €" in body  # French grouping (a no-break space)
    assert 'id="company-tasks"' in body and "Rappeler Julie" in body
    assert "Affaire cachée" not in body and "Tâche cachée" not in body and "CACHE" not in body


def test_only_the_holder_of_the_right_sees_the_edit_button(sales_rep, rep_without_rights, bsi):
    url = f"/prospects/companies/{bsi.pk}/"
    assert f"/prospects/companies/{bsi.pk}/edit/" in logged(sales_rep).get(url).content.decode()
    assert f"/prospects/companies/{bsi.pk}/edit/" not in logged(rep_without_rights).get(url).content.decode()


def test_the_page_reads_a_constant_number_of_queries(sales_rep, bsi, paris, django_assert_max_num_queries):
    client = logged(sales_rep)
    client.get(f"/prospects/companies/{bsi.pk}/")  # session, permissions cache warm-up
    for index in range(15):
        contact = ProspectFactory(company=bsi, entities=[paris])
        OpportunityFactory(name=f"Affaire {index}", company=bsi, prospect=contact)
        TaskFactory(prospect=contact)
    with django_assert_max_num_queries(20):
        assert client.get(f"/prospects/companies/{bsi.pk}/").status_code == 200
