"""The contacts API against the rights matrix, the list's filters and keyset pages, and its errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prospects.list.keyset import cursor_encode
from prospects.models import ProspectContact
from prospects.services import prospects_reindex
from tests.factories import CompanyFactory, OpportunityFactory, ProspectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(paris):
    return ProspectFactory(entities=[paris], last_name="Martin", first_name="Anne")


def new_contact_data(entity, **extra):
    return {"last_name": "Durand", "first_name": "Paul", "entities": [entity.pk], "status": "nouveau", **extra}


def test_it_requires_authentication(client, contact):
    response = client.get("/api/contacts/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_revoked_or_forged_token_is_refused(api, sales_rep):
    from rest_framework.test import APIClient

    from accounts.tokens import token_create, token_revoke

    created = token_create(user=sales_rep, name="x")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.key}")
    assert client.get("/api/contacts/").status_code == 200
    token_revoke(token=created.token)
    assert client.get("/api/contacts/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created.key[:-1]}x")
    assert client.get("/api/contacts/").status_code == 401


def test_the_list_shows_what_the_user_sees(api, sales_rep, outsider, rep_without_rights, contact, lyon):
    other = ProspectFactory(entities=[lyon])
    assert [row["id"] for row in api(sales_rep).get("/api/contacts/").json()["results"]] == [contact.pk]
    assert [row["id"] for row in api(rep_without_rights).get("/api/contacts/").json()["results"]] == [contact.pk]
    assert [row["id"] for row in api(outsider).get("/api/contacts/").json()["results"]] == [other.pk]


def test_retrieve_answers_404_for_another_entity(api, sales_rep, outsider, contact):
    assert api(sales_rep).get(f"/api/contacts/{contact.pk}/").json()["last_name"] == "Martin"
    response = api(outsider).get(f"/api/contacts/{contact.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_the_list_filters_searches_and_sorts_like_the_page(api, sales_rep, paris):
    ProspectFactory(entities=[paris], last_name="Zola", first_name="Émile", status="en_cours")
    ProspectFactory(entities=[paris], last_name="Hélène", first_name="Abel")
    ProspectFactory(entities=[paris], last_name="Bernard", first_name="Luc")
    prospects_reindex(prospects=ProspectContact.objects.all())  # the factory skips the search column
    client = api(sales_rep)
    rows = client.get("/api/contacts/", {"sort": "-last_name"}).json()["results"]
    assert [row["last_name"] for row in rows] == ["Zola", "Hélène", "Bernard"]
    rows = client.get("/api/contacts/", {"q": "helene"}).json()["results"]
    assert [row["last_name"] for row in rows] == ["Hélène"]
    rows = client.get("/api/contacts/", {"status": "en_cours"}).json()["results"]
    assert [row["last_name"] for row in rows] == ["Zola"]


@pytest.mark.parametrize(
    "sort", ["company", "-company", "last_name", "-assigned_to", "company_type", "notes", "-deals"]
)
@pytest.mark.parametrize("extra", ["", "&status=nouveau"])  # a filter: the page is first read along the sort index
def test_keyset_pages_walk_every_contact_once_in_the_lists_order(api, sales_rep, paris, sort, extra):
    companies = [CompanyFactory(entities=[paris], name=name) for name in ("Acme", "Beta", "acme")]
    for index in range(13):
        company = companies[index % 4] if index % 4 < 3 else None
        ProspectFactory(
            entities=[paris], company=company, last_name=f"N{index % 5}", assigned_to=sales_rep if index % 2 else None
        )
    client = api(sales_rep)
    everything = client.get(f"/api/contacts/?sort={sort}&per_page=100{extra}").json()["results"]
    expected = [row["id"] for row in everything]
    seen, url = [], f"/api/contacts/?sort={sort}&per_page=4{extra}"
    while url:
        body = client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == expected
    assert len(seen) == 13


def test_the_list_runs_a_constant_number_of_queries(api, sales_rep, paris):
    client = api(sales_rep)
    company = CompanyFactory(entities=[paris])
    for _ in range(5):
        ProspectFactory(entities=[paris], company=company)
    client.get("/api/contacts/")  # the token's last use is written once a minute
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/api/contacts/", {"per_page": 100}).json()["results"]) == 5
    for _ in range(20):
        ProspectFactory(entities=[paris], company=company)
    with CaptureQueriesContext(connection) as twenty_five:
        assert len(client.get("/api/contacts/", {"per_page": 100}).json()["results"]) == 25
    assert len(five) == len(twenty_five)


@pytest.mark.parametrize(
    "params",
    [{"sort": "inconnu"}, {"status": "inconnu"}, {"cursor": "pas-un-curseur"}, {"per_page": "0"},
     {"per_page": "abc"}, {"assigned_to": "-1"}, {"cursor": "WyJjb21wYW55IixbMV1d"},
     {"cursor": cursor_encode("company", [1, "a", "b", 3])}, {"cursor": cursor_encode("company", ["a", 1, "b", 3])},
     {"cursor": cursor_encode("company", ["a", None, "b", 3])}, {"cursor": cursor_encode("notes", ["1", 3])},
     {"cursor": cursor_encode("company", ["a", "b", "c", 2**70])},
     {"cursor": cursor_encode("last_name", ["a", "b", 1])}],
)  # fmt: skip
def test_bad_parameters_get_a_400_with_the_field(api, sales_rep, contact, params):
    response = api(sales_rep).get("/api/contacts/", params)
    assert response.status_code == 400
    assert set(response.json()) <= set(params) | {"cursor"}


def test_a_nul_byte_gets_a_json_400(api, sales_rep):
    client = api(sales_rep)
    response = client.get("/api/contacts/?q=%00")
    assert response.status_code == 400
    assert "detail" in response.json()
    response = client.post("/api/contacts/", {"last_name": "A\x00", "first_name": "B"}, format="json")
    assert response.status_code == 400


def test_create_needs_r1_and_validates_per_field(api, sales_rep, rep_without_rights, paris):
    response = api(rep_without_rights).post("/api/contacts/", new_contact_data(paris), format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    response = api(sales_rep).post(
        "/api/contacts/", new_contact_data(paris, email="pas-un-mail", phone="abc"), format="json"
    )
    assert response.status_code == 400
    assert {"email", "phone"} <= set(response.json())
    response = api(sales_rep).post("/api/contacts/", new_contact_data(paris, email="Paul@Example.fr"), format="json")
    assert response.status_code == 201, response.json()
    created = ProspectContact.objects.get(pk=response.json()["id"])
    assert created.email == "paul@example.fr"  # normalised by the form, as on the page
    assert list(created.entities.all()) == [paris]


def test_create_stops_on_a_likely_duplicate_unless_confirmed(api, manager, paris, contact):
    data = new_contact_data(paris, last_name="Martin", first_name="Anne")
    response = api(manager).post("/api/contacts/", data, format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert api(manager).post("/api/contacts/", {**data, "confirm_duplicates": True}, format="json").status_code == 201


def test_update_needs_r1_on_the_contact(api, sales_rep, rep_without_rights, outsider, contact):
    url = f"/api/contacts/{contact.pk}/"
    assert api(rep_without_rights).patch(url, {"job_title": "DSI"}, format="json").status_code == 403
    assert api(outsider).patch(url, {"job_title": "DSI"}, format="json").status_code == 404
    response = api(sales_rep).patch(url, {"job_title": "DSI"}, format="json")
    assert response.status_code == 200, response.json()
    contact.refresh_from_db()
    assert (contact.job_title, contact.last_name) == ("DSI", "Martin")  # PATCH keeps the other fields
    response = api(sales_rep).put(url, {"last_name": "Martin"}, format="json")
    assert response.status_code == 400
    assert "first_name" in response.json()


def test_delete_keeps_the_d1_guard_and_says_why(api, sales_rep, rep_without_rights, outsider, contact, paris):
    url = f"/api/contacts/{contact.pk}/"
    assert api(rep_without_rights).delete(url).status_code == 403
    assert api(outsider).delete(url).status_code == 404
    OpportunityFactory(prospect=contact, company=CompanyFactory(entities=[paris]))
    response = api(sales_rep).delete(url)
    assert response.status_code == 409
    assert response.json()["reasons"] == ["1 opportunité"]
    free = ProspectFactory(entities=[paris])
    assert api(sales_rep).delete(f"/api/contacts/{free.pk}/").status_code == 204
    assert not ProspectContact.objects.filter(pk=free.pk).exists()


def test_the_rate_limit_is_per_token(api, sales_rep, settings):
    from django.core.cache import cache

    from accounts.authentication import ApiTokenRateThrottle

    cache.clear()
    rates = {"api_token": "3/minute"}
    old = ApiTokenRateThrottle.THROTTLE_RATES
    ApiTokenRateThrottle.THROTTLE_RATES = rates
    try:
        first, second = api(sales_rep), api(sales_rep)
        assert [first.get("/api/companies/").status_code for _ in range(4)] == [200, 200, 200, 429]
        assert second.get("/api/companies/").status_code == 200
    finally:
        ApiTokenRateThrottle.THROTTLE_RATES = old


def test_the_schema_is_valid_and_served_in_the_requests_language(api, sales_rep):
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    client = api(sales_rep)
    french = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get("/api/schema/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Liste des contacts prospects" in french
    assert "List of prospect contacts" in english


def test_the_docs_page_loads_its_scripts_from_our_own_files(client, sales_rep):
    client.force_login(sales_rep)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html and "cdn" not in html.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_browser_session_works_and_its_writes_need_the_csrf_token(sales_rep, paris, contact):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sales_rep)
    assert browser.get("/api/contacts/").status_code == 200
    response = browser.post("/api/contacts/", new_contact_data(paris), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_patch_keeps_the_entities_the_user_cannot_see(api, sales_rep, paris, lyon):
    shared = ProspectFactory(entities=[paris, lyon], last_name="Partagé", first_name="Jean")
    response = api(sales_rep).patch(f"/api/contacts/{shared.pk}/", {"job_title": "DAF"}, format="json")
    assert response.status_code == 200, response.json()
    assert set(shared.entities.all()) == {paris, lyon}
