"""Creating and editing companies: the right R17, entity scoping, the picker's quick creation."""

import pytest

from crm.models import Company
from prospects.rights import R17
from tests.factories import CompanyFactory, ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db
CREATE = "/prospects/companies/new/"
QUICK = "/prospects/companies/quick-create/"


def company_data(**overrides) -> dict:
    return {"name": "Rhône Énergie", "type": "prospect", "status": "nouveau", "country": "France", **overrides}


def test_a_rep_creates_a_company_shared_with_their_entity(sales_rep, paris):
    response = logged(sales_rep).post(CREATE, company_data(entities=[paris.pk], headcount_band="10-49"))
    company = Company.objects.get(name="Rhône Énergie")
    assert response.status_code == 302 and response.url == f"/prospects/companies/{company.pk}/"
    assert list(company.entities.all()) == [paris]
    assert (company.search_name, company.headcount_band) == ("rhone energie", "10-49")


def test_the_create_form_starts_with_the_users_entities_and_refuses_none(sales_rep, paris):
    client = logged(sales_rep)
    page = client.get(CREATE).content.decode()
    assert f'value="{paris.pk}"' in page and "checked" in page
    response = client.post(CREATE, company_data())
    assert response.status_code == 200 and not Company.objects.exists()
    assert "sans entité" in response.content.decode()


def test_the_user_without_the_right_may_neither_open_nor_post_the_forms(rep_without_rights, paris):
    company = CompanyFactory(name="BSI CORP", entities=[paris])
    client = logged(rep_without_rights)
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, company_data(entities=[paris.pk])).status_code == 403
    assert client.get(f"/prospects/companies/{company.pk}/edit/").status_code == 403
    assert client.post(QUICK, {"name": "Nouvelle"}).status_code == 403
    assert Company.objects.count() == 1


def test_the_outsider_cannot_reach_another_entitys_company(outsider, paris):
    company = CompanyFactory(name="BSI CORP", entities=[paris])
    client = logged(outsider)
    assert client.get(f"/prospects/companies/{company.pk}/edit/").status_code == 404
    response = client.post(f"/prospects/companies/{company.pk}/edit/", company_data(entities=[]))
    assert response.status_code == 404
    company.refresh_from_db()
    assert company.name == "BSI CORP"


def test_an_edit_saves_the_file_and_keeps_the_entities_the_user_cannot_see(sales_rep, paris, lyon):
    company = CompanyFactory(name="BSI CORP", entities=[paris, lyon])
    data = company_data(name="BSI Corp", entities=[paris.pk], revenue_band="gt1b", region="idf")
    response = logged(sales_rep).post(f"/prospects/companies/{company.pk}/edit/", data)
    assert response.status_code == 302
    company.refresh_from_db()
    assert (company.name, company.search_name, company.revenue_band, company.region) == (
        "BSI Corp", "bsi corp", "gt1b", "idf"
    )  # fmt: skip
    assert set(company.entities.all()) == {paris, lyon}


def test_the_create_page_goes_back_to_the_contact_form_with_the_company_chosen(sales_rep, paris):
    client = logged(sales_rep)
    page = client.get(CREATE + "?next=/prospects/new/&name=Rh%C3%B4ne").content.decode()
    assert 'name="next" value="/prospects/new/"' in page and 'value="Rhône"' in page
    response = client.post(CREATE, company_data(entities=[paris.pk], next="/prospects/new/"))
    company = Company.objects.get()
    assert response.url == f"/prospects/new/?company={company.pk}"
    form = client.get(response.url).content.decode()
    assert f'<option value="{company.pk}" selected>Rhône Énergie</option>' in form


def test_an_outside_next_is_ignored(sales_rep, paris):
    response = logged(sales_rep).post(CREATE, company_data(entities=[paris.pk], next="https://evil.example/"))
    assert response.url == f"/prospects/companies/{Company.objects.get().pk}/"


def test_the_contact_form_ignores_a_company_the_user_cannot_see(sales_rep, lyon):
    hidden = CompanyFactory(name="LYON TRANSPORTS", entities=[lyon])
    assert "LYON TRANSPORTS" not in logged(sales_rep).get(f"/prospects/new/?company={hidden.pk}").content.decode()


def test_the_contact_form_offers_the_creation_only_with_the_right(sales_rep, manager, paris, groups):
    contact = ProspectFactory(entities=[paris])
    assert "companies/new/?next=" in logged(manager).get(f"/prospects/{contact.pk}/edit/").content.decode()
    groups["Responsable commercial"].permissions.remove(
        *groups["Responsable commercial"].permissions.filter(codename=R17.codename)
    )
    assert "companies/new/?next=" not in logged(manager).get(f"/prospects/{contact.pk}/edit/").content.decode()


# The picker's "Créer la société « … »"


def test_the_contact_forms_picker_offers_to_create_the_typed_company(sales_rep, rep_without_rights, paris):
    CompanyFactory(name="Atlas Conseil", entities=[paris])
    body = logged(sales_rep).get("/prospects/companies/?q=Rh%C3%B4ne&create=1").content.decode()
    assert "Créer la société « Rhône »" in body and f'data-create-url="{QUICK}"' in body
    assert "Créer la société" not in logged(sales_rep).get("/prospects/companies/?q=Rh%C3%B4ne").content.decode()
    assert (
        "Créer la société"
        not in logged(sales_rep).get("/prospects/companies/?q=ATLAS+conseil&create=1").content.decode()
    )
    assert (
        "Créer la société"
        not in logged(rep_without_rights).get("/prospects/companies/?q=Rhone&create=1").content.decode()
    )


def test_the_quick_creation_answers_the_new_company_chosen(sales_rep, paris):
    response = logged(sales_rep).post(QUICK, {"name": "  Rhône   Énergie "})
    company = Company.objects.get()
    assert response.status_code == 201
    assert (company.name, company.type, list(company.entities.all())) == ("Rhône Énergie", "prospect", [paris])
    assert f'value="{company.pk}" data-name="Rhône Énergie" selected' in response.content.decode()


def test_the_quick_creation_picks_the_visible_company_of_that_name(sales_rep, outsider, paris):
    existing = CompanyFactory(name="Rhône Énergie", entities=[paris])
    response = logged(sales_rep).post(QUICK, {"name": "RHONE energie"})
    assert response.status_code == 200 and Company.objects.count() == 1
    assert f'value="{existing.pk}"' in response.content.decode()
    # The outsider does not see Paris's company: they get their own, and learn nothing of the other.
    response = logged(outsider).post(QUICK, {"name": "Rhône Énergie"})
    assert response.status_code == 201 and f'value="{existing.pk}"' not in response.content.decode()


def test_the_quick_creation_refuses_an_empty_name_and_a_get(sales_rep):
    client = logged(sales_rep)
    response = client.post(QUICK, {"name": "   "})
    assert response.status_code == 400 and "picker-error" in response.content.decode()
    assert client.get(QUICK).status_code == 405
    assert not Company.objects.exists()
