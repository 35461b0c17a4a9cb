"""The companies list: visible companies only, accent-insensitive search, filters, constant queries."""

import pytest

from tests.factories import CompanyFactory, SectorFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db
URL = "/prospects/companies/list/"


def names(client, query: str = "") -> str:
    response = client.get(URL + query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_the_companies_of_the_users_entities_only(sales_rep, outsider, paris, lyon):
    CompanyFactory(name="BSI CORP", entities=[paris])
    CompanyFactory(name="LYON TRANSPORTS", entities=[lyon])
    body = names(logged(sales_rep))
    assert "BSI CORP" in body and "LYON TRANSPORTS" not in body
    body = names(logged(outsider))
    assert "LYON TRANSPORTS" in body and "BSI CORP" not in body


def test_the_search_ignores_accents_and_case(sales_rep, paris):
    CompanyFactory(name="Rhône Énergie", entities=[paris])
    CompanyFactory(name="Atlas Conseil", entities=[paris])
    body = names(logged(sales_rep), "?q=RHONE+energie")
    assert "Rhône Énergie" in body and "Atlas Conseil" not in body


@pytest.mark.parametrize(
    ("query", "field", "value"),
    [
        ("headcount=50-249", "headcount_band", "50-249"),
        ("revenue=gt1b", "revenue_band", "gt1b"),
        ("region=naq", "region", "naq"),
        ("type=client", "type", "client"),
        ("status=converti", "status", "converti"),
    ],
)
def test_each_filter_keeps_the_matching_companies(sales_rep, paris, query, field, value):
    CompanyFactory(name="MATCHING CO", entities=[paris], **{field: value})
    CompanyFactory(name="OTHER CO", entities=[paris])
    body = names(logged(sales_rep), f"?{query}")
    assert "MATCHING CO" in body and "OTHER CO" not in body


def test_the_sector_and_rep_filters(sales_rep, manager, paris):
    it = SectorFactory(name="Informatique")
    CompanyFactory(name="IT CONNECT", sector=it, assigned_to=manager, entities=[paris])
    CompanyFactory(name="HERMES", entities=[paris])
    body = names(logged(sales_rep), f"?sector={it.pk}")
    assert "IT CONNECT" in body and "HERMES" not in body
    body = names(logged(sales_rep), f"?assigned_to={manager.pk}")
    assert "IT CONNECT" in body and "HERMES" not in body


def test_an_unusable_filter_value_says_so_and_lists_nothing(sales_rep, paris):
    CompanyFactory(name="BSI CORP", entities=[paris])
    body = names(logged(sales_rep), "?headcount=huge")
    assert "BSI CORP" not in body and "huge" in body and 'class="error"' in body


def test_the_create_button_needs_the_right(sales_rep, rep_without_rights, paris):
    assert 'id="add-company"' in names(logged(sales_rep))
    assert 'id="add-company"' not in names(logged(rep_without_rights))


def test_pages_are_read_with_a_constant_number_of_queries(sales_rep, paris, django_assert_max_num_queries):
    for index in range(60):
        CompanyFactory(name=f"Société {index:02}", entities=[paris], assigned_to=sales_rep)
    client = logged(sales_rep)
    names(client)
    with django_assert_max_num_queries(12):
        body = names(client, "?page=2&page_size=25")
    assert "Société 25" in body and "Société 24" not in body and "60 sociétés" in body
