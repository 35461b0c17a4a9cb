"""The company file ("Dossier du compte"): details and the contacts the user may see."""

import pytest

from crm.models import ClientContact
from tests.factories import CompanyFactory, ProspectFactory
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
    assert "SOCIETE LYON" in body and "/prospects/companies/" not in body


def test_the_outsider_gets_a_404(outsider, bsi):
    assert logged(outsider).get(f"/prospects/companies/{bsi.pk}/").status_code == 404
    assert logged(outsider).get("/prospects/companies/999999/").status_code == 404
