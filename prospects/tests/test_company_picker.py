"""The one company picker (list filter, contact form, convert page) and the admin's company search.

Both match the folded `Company.search_name`: accents and case never matter.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from crm.choices import CompanyType
from crm.models import Company
from crm.text import company_search_name_of
from tests.factories import CompanyFactory
from tests.helpers import logged

PICKER_URLS = [
    "/prospects/companies/?company_q={}",  # the list's company filter
    "/prospects/company-options/?q={}",  # the contact form's former address: the same view
    "/prospects/companies/?q={}",  # what the form and the convert page use now
]


@pytest.fixture
def accented(paris, lyon):
    return {
        "rhone": CompanyFactory(name="Transports du Rhône", entities=[paris]),
        "societe": CompanyFactory(name="Société Générale d'Équipement", type=CompanyType.CLIENT, entities=[paris]),
        "lyon": CompanyFactory(name="Rhône Lyon Services", entities=[lyon]),
    }


def found(client, url: str, query: str) -> str:
    response = client.get(url.format(query))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", PICKER_URLS)
@pytest.mark.parametrize("query", ["rhone", "RHÔNE", "Rhône", "du rho", "TRANSPORTS DU"])
def test_the_picker_ignores_accents_and_case(sales_rep, accented, url, query):
    body = found(logged(sales_rep), url, query)
    assert "Transports du Rhône" in body
    assert "Rhône Lyon Services" not in body  # another entity's company


@pytest.mark.django_db
@pytest.mark.parametrize("url", PICKER_URLS)
def test_societe_finds_societe_with_its_accents(sales_rep, accented, url):
    body = found(logged(sales_rep), url, "societe generale")
    assert "Société Générale d&#x27;Équipement" in body and 'class="company-option"' in body


@pytest.mark.django_db
def test_names_that_start_with_the_text_come_first(sales_rep, paris):
    CompanyFactory(name="Groupe Élan", entities=[paris])
    CompanyFactory(name="ÉLAN Conseil", entities=[paris])
    body = found(logged(sales_rep), "/prospects/companies/?q={}", "elan")
    assert body.index("ÉLAN Conseil") < body.index("Groupe Élan")


@pytest.mark.django_db
def test_the_convert_page_asks_for_clients_only(sales_rep, accented):
    body = found(logged(sales_rep), "/prospects/companies/?q={}&type=client", "SOCIÉTÉ")
    assert "Société Générale" in body
    assert "Transports du Rhône" not in found(logged(sales_rep), "/prospects/companies/?q={}&type=client", "rhone")
    # an unknown type is ignored rather than emptying the list
    assert "Transports du Rhône" in found(logged(sales_rep), "/prospects/companies/?q={}&type=x", "rhone")


@pytest.mark.django_db
def test_the_form_and_the_convert_page_point_to_the_one_picker(sales_rep, paris):
    from tests.factories import ProspectFactory

    picker = reverse("prospects:company_picker")
    assert reverse("prospects:company_options") != picker  # the old address still answers, same view
    body = logged(sales_rep).get("/prospects/new/").content.decode()
    assert f'hx-get="{picker}"' in body
    prospect = ProspectFactory(company=CompanyFactory(name="BSI", entities=[paris]), entities=[paris])
    body = logged(sales_rep).get(f"/prospects/{prospect.pk}/convert/").content.decode()
    assert f'hx-get="{picker}?type=client"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("url", PICKER_URLS)
def test_the_outsider_never_sees_another_entitys_companies(outsider, accented, url):
    body = found(logged(outsider), url, "rhone")
    assert "Transports du Rhône" not in body and "Rhône Lyon Services" in body
    assert "Société" not in found(logged(outsider), url, "societe")


@pytest.mark.django_db
@pytest.mark.parametrize("url", PICKER_URLS)
def test_a_user_without_rights_sees_only_their_entitys_companies(rep_without_rights, accented, url):
    body = found(logged(rep_without_rights), url, "rhone")
    assert "Transports du Rhône" in body and "Rhône Lyon Services" not in body


@pytest.mark.django_db
def test_the_picker_needs_a_login_and_a_query(accented, sales_rep):
    from django.test import Client

    assert Client().get("/prospects/companies/?q=rhone").status_code == 302
    assert "company-option" not in found(logged(sales_rep), "/prospects/companies/?q={}", "")
    assert "company-option" not in found(logged(sales_rep), "/prospects/companies/?q={}", "%20%20")


@pytest.mark.django_db
def test_every_orm_writer_keeps_the_folded_name(paris):
    company = CompanyFactory(name="Hôtel  de VILLE", entities=[paris])
    assert Company.objects.get(pk=company.pk).search_name == "hotel de ville"
    company.name = "Élysée Montmartre"
    company.save(update_fields=["name"])
    assert Company.objects.get(pk=company.pk).search_name == "elysee montmartre"
    assert company_search_name_of("x" * 300) == "x" * 200


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["rhone", "RHÔNE", "transports rhone"])
def test_the_admin_company_search_folds_accents_and_case(admin_user, accented, query):
    body = logged(admin_user).get("/admin/crm/company/", {"q": query}).content.decode()
    assert "Transports du Rhône" in body and "Société Générale" not in body


@pytest.mark.django_db
def test_the_admin_company_search_still_finds_a_city_or_a_postcode(admin_user, paris):
    CompanyFactory(name="ACME", city="Saint-Étienne", postcode="42000", entities=[paris])
    client = logged(admin_user)
    assert "ACME" in client.get("/admin/crm/company/", {"q": "Saint-Étienne"}).content.decode()
    assert "ACME" in client.get("/admin/crm/company/", {"q": "42000"}).content.decode()
    assert "ACME" not in client.get("/admin/crm/company/", {"q": "43000"}).content.decode()


@pytest.mark.django_db
def test_the_admin_autocomplete_of_companies_folds_too(admin_user, accented):
    response = logged(admin_user).get(
        "/admin/autocomplete/",
        {"term": "RHONE", "app_label": "prospects", "model_name": "prospectcontact", "field_name": "company"},
    )
    assert response.status_code == 200
    names = {result["text"] for result in response.json()["results"]}
    assert names == {"Transports du Rhône", "Rhône Lyon Services"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_folded_name_of_existing_companies():
    executor = MigrationExecutor(connection)
    executor.migrate([("crm", "0002_initial")])
    old_apps = executor.loader.project_state([("crm", "0002_initial")]).apps
    OldCompany = old_apps.get_model("crm", "Company")
    OldCompany.objects.create(name="Société du Rhône", type="prospect", status="nouveau", country="France")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Company.objects.get(name="Société du Rhône").search_name == "societe du rhone"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'company_search_name_trgm_idx'")
            assert "gin_trgm_ops" in cursor.fetchone()[0]
    call_command("migrate", verbosity=0)
