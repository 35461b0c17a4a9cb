"""The prospect list page: columns, filters, sorts, search, paging, rights and query counts."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from crm.choices import CompanyType, HeadcountBand, RevenueBand
from crm.models import Skill, SkillCategory
from prospects.list import paging
from prospects.list.filters import prospect_filter_for
from prospects.list.selectors import prospect_list_page
from prospects.models import ContactStatus, ProspectContact
from prospects.services import prospect_create
from tests.factories import (
    CompanyFactory,
    NoteFactory,
    OpportunityFactory,
    ProposalFactory,
    ProspectFactory,
    SectorFactory,
    UserFactory,
)
from tests.helpers import logged, row_menu

pytestmark = pytest.mark.django_db


def names(client, query: str = "") -> list[str]:
    """Last names of the rows, in display order."""
    body = client.get(f"/prospects/?{query}", follow=True).content.decode()
    return re.findall(r'<td class="name"><a href="[^"]*">([^<]*)</a>', body)


def contact(paris, **fields):
    """A contact created through the service, so its search column is filled."""
    fields.setdefault("first_name", "Julie")
    return prospect_create(by=None, entities=[paris], **fields)


# --- L1 columns and L2 count ------------------------------------------------------------


def test_the_rows_show_every_column_of_the_guide(sales_rep, paris):
    rep = UserFactory(last_name="Alpes", first_name="Lise", entities=[paris])
    company = CompanyFactory(name="PM Conseil", assigned_to=sales_rep, entities=[paris])
    duband = contact(
        paris,
        company=company,
        last_name="DUBAND",
        first_name="Pierre",
        job_title="Directeur",
        email="pduband@pm-conseil.com",
        phone="0144.55.66.77",
        mobile="06 12 34 56 78",
        fax="01 44 55 66 78",
        region="idf",
        assigned_to=rep,
        status=ContactStatus.ASSIGNED,
    )
    opportunity = OpportunityFactory(company=company, prospect=duband)
    ProposalFactory(opportunity=opportunity, prospect=duband)
    NoteFactory(prospect=duband, author=sales_rep, entity=paris, text="Rappeler lundi")
    body = logged(sales_rep).get("/prospects/").content.decode()
    for title in (
        "Société", "Compte affecté à", "Société - type / statut", "Nom", "Prénom", "Fonction", "E-mail",
        "Téléphone", "Mobile", "Fax", "Région", "Affecté à", "Statut", "Affaires", "Post-it",
    ):  # fmt: skip
        assert f">{title}" in body, title
    assert "PM Conseil" in body and "DIRON Marine" in body and "Prospect Nouveau" in body
    assert 'href="mailto:pduband@pm-conseil.com"' in body
    assert 'href="tel:01 44 55 66 77"' in body and 'href="tel:06 12 34 56 78"' in body
    assert "Ile-de-France" in body and "ALPES Lise" in body and "Affecté" in body
    assert "1 opportunité\n1 proposition" in body
    assert "Rappeler lundi" in body  # the last post-it, as the badge's tooltip
    assert "1 élément - 1/1" in body


def test_every_value_of_a_row_is_escaped(sales_rep, paris):
    """The rows are built as HTML in Python (prospects.list.rows): nothing typed reaches the page raw."""
    hostile = '<b>"x"</b>'
    company = CompanyFactory(name=f"Soc {hostile}", entities=[paris])
    rep = UserFactory(last_name=hostile, entities=[paris])
    marked = contact(
        paris, company=company, last_name=f"NOM{hostile}", first_name=hostile, job_title=hostile,
        email="a&b@x.fr", phone=hostile, mobile=hostile, fax=hostile, assigned_to=rep,
    )  # fmt: skip
    NoteFactory(prospect=marked, author=sales_rep, entity=paris, text=hostile)
    body = logged(sales_rep).get("/prospects/").content.decode()
    row = body[body.index(f'<tr data-id="{marked.pk}"') :]
    row = row[: row.index("</tr>")]
    assert "<b>" not in row and "&lt;b&gt;&quot;x&quot;&lt;/b&gt;" in row
    assert 'href="mailto:a&amp;b@x.fr"' in row and "NOM&lt;b&gt;" in row


def test_the_count_and_page_sizes(sales_rep, paris):
    for index in range(30):
        ProspectFactory(last_name=f"NOM{index:02d}", entities=[paris])
    client = logged(sales_rep)
    body = client.get("/prospects/?per_page=25").content.decode()
    assert "30 éléments - 1/2" in body and len(re.findall(r'class="row-check"', body)) == 25
    assert "30 éléments - 2/2" in client.get("/prospects/?per_page=25&page=2").content.decode()
    assert len(names(client, "per_page=25&page=2")) == 5
    for size in (50, 100, 200, 999, "abc"):
        assert "30 éléments - 1/1" in client.get(f"/prospects/?per_page={size}", follow=True).content.decode()
    assert "30 éléments - 2/2" in client.get("/prospects/?per_page=25&page=99").content.decode()


def test_deep_pages_read_from_the_end_give_the_same_rows_as_offsets(sales_rep, paris):
    for index in range(57):
        ProspectFactory(last_name=f"NOM{index % 7}", first_name=f"P{index:02d}", entities=[paris])
    client = logged(sales_rep)
    for sort in ("last_name", "-last_name", "first_name", "-company", "status"):
        all_rows = names(client, f"sort={sort}")
        paged = []
        for page in (1, 2, 3):
            paged += names(client, f"sort={sort}&per_page=25&page={page}")
        assert paged == all_rows, sort


def _page_names(user, data, *, sort, number, per_page):
    page = prospect_list_page(user, data, sort=sort, page=number, per_page=per_page).page
    return [row["last_name"] for row in page.rows]


@pytest.mark.parametrize("sort", [f"{way}{key}" for key in sorted(paging.WALKABLE_SORTS) for way in ("", "-")])
def test_pages_read_along_the_sort_index_are_the_pages_of_the_plain_query(sales_rep, paris, monkeypatch, sort):
    statuses = ContactStatus.values
    for index in range(40):
        company = CompanyFactory(name=f"Société {index % 6}", entities=[paris])
        contact(
            paris, company=company if index % 5 else None, last_name=f"NOM{index % 9}", first_name=f"P{index % 11:02d}",
            job_title=f"Poste {index % 4}" if index % 3 else "", status=statuses[index % len(statuses)],
        )  # fmt: skip
    searches = [QueryDict(""), QueryDict("q=nom"), QueryDict("q=nom3"), QueryDict("company_type=prospect")]
    pages = [(number, per_page) for per_page in (1, 7) for number in (1, 2, 3, 6, 99)]
    monkeypatch.setattr(paging, "_table_rows", lambda prospects: None)  # the plain query only
    expected = {(str(data), *page): _page_names(sales_rep, data, sort=sort, number=page[0], per_page=page[1])
                for data in searches for page in pages}  # fmt: skip
    monkeypatch.setattr(paging, "_table_rows", lambda prospects: 40)  # walk whenever dense enough
    with CaptureQueriesContext(connection) as walked:
        for data in searches:
            for number, per_page in pages:
                found = _page_names(sales_rep, data, sort=sort, number=number, per_page=per_page)
                assert found == expected[(str(data), number, per_page)], (str(data), number, per_page)
    assert any("FROM (SELECT" in query["sql"] for query in walked.captured_queries)


def test_a_walk_that_misses_the_page_falls_back_to_the_plain_query(sales_rep, paris, monkeypatch):
    """Matches clustered at the far end of the sort order: the bounded walk finds none and gives up."""
    for index in range(30):
        contact(paris, company=CompanyFactory(name=f"A{index:02d}", entities=[paris]), last_name="AVANT")
    for index in range(30):
        contact(paris, company=CompanyFactory(name=f"Z{index:02d}", entities=[paris]), last_name=f"APRES{index:02d}")
    monkeypatch.setattr(paging, "_table_rows", lambda prospects: 60)
    monkeypatch.setattr(paging, "WALK_LIMIT", 4)  # 2 rows expected before the first match: walked
    with CaptureQueriesContext(connection) as queries:
        assert _page_names(sales_rep, QueryDict("q=apres"), sort="company", number=1, per_page=1) == ["APRES00"]
    walks = [query["sql"] for query in queries.captured_queries if "FROM (SELECT" in query["sql"]]
    assert len(walks) == 1 and "LIMIT 4" in walks[0]


# --- L3 sorting ---------------------------------------------------------------------------


SORT_PAIRS = {
    # sort key: (fields of the contact that must come first, fields of the second)
    "company": ({"company": "A Société"}, {"company": "B Société"}),
    "company_rep": ({"company_rep": "AAA"}, {"company_rep": "ZZZ"}),
    "company_type": ({"company_type": CompanyType.CLIENT}, {"company_type": CompanyType.PROSPECT}),
    "last_name": ({"last_name": "ALPHA"}, {"last_name": "BRAVO"}),
    "first_name": ({"first_name": "Anne"}, {"first_name": "Zoé"}),
    "job_title": ({"job_title": "Acheteur"}, {"job_title": "DSI"}),
    "email": ({"email": "a@x.fr"}, {"email": "b@x.fr"}),
    "phone": ({"phone": "01 00"}, {"phone": "02 00"}),
    "mobile": ({"mobile": "06 00"}, {"mobile": "07 00"}),
    "fax": ({"fax": "01 00"}, {"fax": "03 00"}),
    "region": ({"region": "ara"}, {"region": "bre"}),
    "assigned_to": ({"rep": "AAA"}, {"rep": "ZZZ"}),
    "status": ({"status": ContactStatus.ABANDONED}, {"status": ContactStatus.NEW}),
    "deals": ({}, {"deals": 1}),
    "notes": ({}, {"notes": 1}),
}


def _sortable(paris, author, last_name, spec):
    company_rep = UserFactory(last_name=spec.get("company_rep", "MMM"), entities=[paris])
    company = CompanyFactory(
        name=spec.get("company", "M Société"),
        type=spec.get("company_type", CompanyType.PROSPECT),
        assigned_to=company_rep,
        entities=[paris],
    )
    fields = {
        key: spec[key]
        for key in ("first_name", "job_title", "email", "phone", "mobile", "fax", "region", "status")
        if key in spec
    }
    prospect = contact(
        paris,
        company=company,
        last_name=spec.get("last_name", last_name),
        assigned_to=UserFactory(last_name=spec.get("rep", "MMM"), entities=[paris]),
        **fields,
    )
    if spec.get("deals"):
        OpportunityFactory(company=company, prospect=prospect)
    if spec.get("notes"):
        NoteFactory(prospect=prospect, author=author, entity=paris)
    return prospect


@pytest.mark.parametrize("sort", list(SORT_PAIRS))
def test_every_column_sorts_both_ways(sales_rep, paris, sort):
    first_spec, second_spec = SORT_PAIRS[sort]
    first = _sortable(paris, sales_rep, "PREMIER", first_spec)
    second = _sortable(paris, sales_rep, "SECOND", second_spec)
    client = logged(sales_rep)
    assert names(client, f"sort={sort}") == [first.last_name, second.last_name]
    assert names(client, f"sort=-{sort}") == [second.last_name, first.last_name]


def test_equal_values_are_ordered_by_id_so_pages_never_overlap(sales_rep, paris):
    created = [ProspectFactory(last_name="PAREIL", first_name="Même", entities=[paris]) for _ in range(5)]
    body = logged(sales_rep).get("/prospects/?sort=last_name").content.decode()
    ids = [int(pk) for pk in re.findall(r'<tr data-id="(\d+)"', body)]
    assert ids == sorted(prospect.pk for prospect in created)


def test_an_unknown_sort_falls_back_to_the_company_order(sales_rep, paris):
    response = logged(sales_rep).get("/prospects/?sort=password&q=x")
    assert response.status_code == 302 and response["Location"] == "/prospects/?q=x"


# --- Filter URLs carry only what is set (issue 15) ------------------------------------------


@pytest.mark.parametrize(
    "query, canonical",
    [
        ("q=&status=&company_type=&company=", "/prospects/"),
        ("q=&status=affecte&sector=", "/prospects/?status=affecte"),
        ("status=affecte&sort=company&per_page=200&page=1", "/prospects/?status=affecte"),
        ("sort=-company&per_page=50&page=2&q=", "/prospects/?sort=-company&per_page=50&page=2"),
        ("status=affecte&status=&status=nouveau", "/prospects/?status=affecte&status=nouveau"),
    ],
)
def test_a_list_url_with_empty_or_default_parameters_redirects_to_the_set_ones(sales_rep, query, canonical):
    response = logged(sales_rep).get(f"/prospects/?{query}")
    assert response.status_code == 302 and response["Location"] == canonical
    assert logged(sales_rep).get(canonical).status_code == 200


def test_an_htmx_request_with_empty_parameters_is_redirected_too(sales_rep):
    response = logged(sales_rep).get("/prospects/?q=&status=affecte", headers={"HX-Request": "true"})
    assert response.status_code == 302 and response["Location"] == "/prospects/?status=affecte"


def test_the_outsider_and_the_user_without_rights_are_redirected_the_same_way(outsider, rep_without_rights):
    for user in (outsider, rep_without_rights):
        assert logged(user).get("/prospects/?q=&status=")["Location"] == "/prospects/"


def _links(body: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="(/prospects/\?[^"]*|/prospects/)"', body)]


def test_sort_pager_and_page_size_links_carry_only_the_set_filters(sales_rep, paris):
    for index in range(30):
        contact(paris, last_name=f"NOM{index:02d}", status=ContactStatus.ASSIGNED)
    body = logged(sales_rep).get("/prospects/?status=affecte&per_page=25").content.decode()
    links = _links(body)
    assert "/prospects/?status=affecte&per_page=25&page=2" in links  # next
    assert "/prospects/?status=affecte&per_page=25&sort=-company" in links  # the current column, reversed
    assert "/prospects/?status=affecte&per_page=25&sort=last_name" in links
    assert "/prospects/?status=affecte" in links  # page size 200, the default
    assert 'name="per_page" value="25" form="filters"' in body and 'name="sort"' not in body
    for link in links:
        assert "=&" not in link and not link.endswith("=")
        assert not re.search(r"(sort=company|page=1|per_page=200)(&|$)", link)
    body = logged(sales_rep).get("/prospects/?status=affecte&per_page=25&page=2").content.decode()
    assert "/prospects/?status=affecte&per_page=25" in _links(body)  # first and previous: no page=1


# --- B3 search ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("helene", "DURAND"),
        ("HÉLÈNE", "DURAND"),
        ("lefevre", "LEFÈVRE"),
        ("LefÈvre", "LEFÈVRE"),
        ("0144", "DURAND"),
        ("01 44 55", "DURAND"),
        ("01.44.55.66.77", "DURAND"),
        ("+33 1 44 55 66 77", "DURAND"),
        ("0612", "LEFÈVRE"),
        ("boreal", "LEFÈVRE"),
        ("BORÉAL CONSEIL", "LEFÈVRE"),
        ("h.durand@", "DURAND"),
        ("durand helene", "DURAND"),
    ],
)
def test_search_ignores_accents_case_and_phone_formatting(sales_rep, paris, query, found):
    contact(paris, last_name="DURAND", first_name="Hélène", email="h.durand@exemple.fr", phone="01 44 55 66 77")
    contact(
        paris,
        last_name="LEFÈVRE",
        first_name="Marc",
        mobile="06-12-34-56-78",
        company=CompanyFactory(name="Boréal Conseil", entities=[paris]),
    )
    assert names(logged(sales_rep), urlencode({"q": query})) == [found]


def test_a_search_matching_nothing_says_so(sales_rep, paris):
    contact(paris, last_name="DURAND")
    body = logged(sales_rep).get("/prospects/?q=introuvable").content.decode()
    assert "0 élément" in body and "Aucun contact prospect ne correspond." in body


def test_the_search_column_follows_a_company_rename_in_admin(admin_user, paris):
    company = CompanyFactory(name="Ancien Nom", entities=[paris])
    contact(paris, last_name="DURAND", company=company)
    client = logged(admin_user)
    response = client.post(
        f"/admin/crm/company/{company.pk}/change/",
        {
            "name": "Nouvelle Étoile",
            "type": "prospect",
            "status": "nouveau",
            "country": "France",
            "entities": [paris.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert names(client, "q=nouvelle etoile") == ["DURAND"]
    assert names(client, "q=ancien") == []


# --- L4 filters -------------------------------------------------------------------------


@pytest.fixture
def filter_world(sales_rep, paris, lyon):
    """Four contacts that differ on every filter."""
    sales_rep.entities.add(lyon)
    other_rep = UserFactory(last_name="Alpes", entities=[paris])
    it, banking = SectorFactory(name="Informatique"), SectorFactory(name="Banque")
    java = Skill.objects.create(name="Java", category=SkillCategory.objects.create(name="Langages"))
    big_client = CompanyFactory(
        name="Gros Client",
        type=CompanyType.CLIENT,
        headcount_band=HeadcountBand.LARGE,
        revenue_band=RevenueBand.OVER_1B,
        entities=[paris],
    )
    small_prospect = CompanyFactory(
        name="Petit Prospect",
        type=CompanyType.PROSPECT,
        headcount_band=HeadcountBand.MICRO,
        revenue_band=RevenueBand.UNDER_1M,
        entities=[paris],
    )
    contacts = {
        "ALPHA": contact(paris, last_name="ALPHA", company=big_client, assigned_to=sales_rep, sector=it),
        "BRAVO": contact(
            paris, last_name="BRAVO", company=small_prospect, assigned_to=other_rep, status=ContactStatus.ASSIGNED
        ),
        "CHARLIE": prospect_create(by=None, entities=[lyon], last_name="CHARLIE", first_name="Eve", sector=banking),
        "DELTA": contact(paris, last_name="DELTA", company=big_client, status=ContactStatus.ASSIGNED, skills=[java]),
    }
    return {
        "contacts": contacts, "other_rep": other_rep, "it": it, "banking": banking, "java": java,
        "big_client": big_client, "paris": paris, "lyon": lyon,
    }  # fmt: skip


def _filter_cases(world, sales_rep):
    return {
        "assigned_to one": (f"assigned_to={sales_rep.pk}", ["ALPHA"]),
        "assigned_to several": (f"assigned_to={sales_rep.pk}&assigned_to={world['other_rep'].pk}", ["ALPHA", "BRAVO"]),
        "company_type client": ("company_type=client", ["ALPHA", "DELTA"]),
        "company_type prospect": ("company_type=prospect", ["BRAVO"]),
        "company_type none": ("company_type=aucune", ["CHARLIE"]),
        "company": (f"company={world['big_client'].pk}", ["ALPHA", "DELTA"]),
        "status": ("status=affecte", ["BRAVO", "DELTA"]),
        "status several": ("status=affecte&status=nouveau", ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]),
        "entity": (f"entity={world['lyon'].pk}", ["CHARLIE"]),
        "entities": (f"entity={world['lyon'].pk}&entity={world['paris'].pk}", ["ALPHA", "BRAVO", "CHARLIE", "DELTA"]),
        "headcount": ("headcount=1-9", ["BRAVO"]),
        "revenue": ("revenue=gt1b", ["ALPHA", "DELTA"]),
        "sector": (f"sector={world['it'].pk}&sector={world['banking'].pk}", ["ALPHA", "CHARLIE"]),
        "skill": (f"skill={world['java'].pk}", ["DELTA"]),
        "combined": (f"company_type=client&status=affecte&skill={world['java'].pk}", ["DELTA"]),
        "combined with search": (f"company={world['big_client'].pk}&q=alp", ["ALPHA"]),
    }


@pytest.mark.parametrize(
    "case",
    [
        "assigned_to one", "assigned_to several", "company_type client", "company_type prospect", "company_type none",
        "company", "status", "status several", "entity", "entities", "headcount", "revenue", "sector", "skill",
        "combined", "combined with search",
    ],
)  # fmt: skip
def test_each_filter_alone_and_combined(sales_rep, filter_world, case):
    query, expected = _filter_cases(filter_world, sales_rep)[case]
    assert sorted(names(logged(sales_rep), query)) == expected


def test_the_sector_filter_falls_back_on_the_company_sector(sales_rep, filter_world, paris):
    it, banking = filter_world["it"], filter_world["banking"]
    it_company = CompanyFactory(name="Info SA", sector=it, entities=[paris])
    contact(paris, last_name="ECHO", company=it_company)  # no own sector: the company's counts
    contact(paris, last_name="FOXTROT", company=it_company, sector=banking)  # its own sector wins
    client = logged(sales_rep)
    assert sorted(names(client, f"sector={it.pk}")) == ["ALPHA", "ECHO"]
    assert sorted(names(client, f"sector={banking.pk}")) == ["CHARLIE", "FOXTROT"]
    filterset = prospect_filter_for(sales_rep, QueryDict(f"sector={it.pk}"), ProspectContact.objects.all())
    sql = str(filterset.qs.query)
    assert "EXISTS" not in sql.upper() and "DISTINCT" not in sql.upper()


def test_filters_live_in_the_url_and_are_shown_checked(sales_rep, filter_world):
    body = (
        logged(sales_rep)
        .get(f"/prospects/?status=affecte&q=bra&sort=-last_name&assigned_to={sales_rep.pk}")
        .content.decode()
    )
    assert 'name="status" value="affecte" checked' in body
    assert f'name="assigned_to" value="{sales_rep.pk}" checked' in body
    assert 'value="bra"' in body and 'name="sort" value="-last_name"' in body


def test_a_company_the_user_cannot_see_is_not_a_usable_filter(outsider, filter_world):
    client = logged(outsider)
    assert names(client, f"company={filter_world['big_client'].pk}") == []
    body = client.get(f"/prospects/?company={filter_world['big_client'].pk}").content.decode()
    assert 'id="company-errors"' in body and "Gros Client" not in body


@pytest.mark.parametrize(
    "query, field",
    [("revenue=nope", "revenue"), ("sector=abc", "sector"), ("status=bogus", "status"),
     ("assigned_to=999999", "assigned_to"), ("company_type=zzz", "company_type"), ("skill=-1", "skill")],
)  # fmt: skip
def test_an_unusable_filter_value_shows_its_error_and_no_contact(sales_rep, filter_world, query, field):
    body = logged(sales_rep).get(f"/prospects/?{query}").content.decode()
    assert f'id="{field}-errors"' in body
    assert "aucun contact n’est affiché tant qu’il n’est pas corrigé" in body
    assert re.findall(r'<td class="name">([^<]*)</td>', body) == []
    assert 'data-count="0"' in body


def test_an_unusable_filter_value_says_so_in_the_htmx_partial_too(sales_rep, filter_world):
    response = logged(sales_rep).get("/prospects/?revenue=nope&status=affecte", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "filter-invalid" in body and "BRAVO" not in body


def test_htmx_requests_get_only_the_results_partial(sales_rep, filter_world):
    response = logged(sales_rep).get("/prospects/?status=affecte", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="results"') and "<html" not in body
    assert "BRAVO" in body and "ALPHA" not in body
    assert "HX-Request" in response["Vary"]


def test_the_company_picker_searches_visible_companies_only(sales_rep, outsider, paris, lyon):
    CompanyFactory(name="Atlas Conseil", entities=[paris])
    CompanyFactory(name="Atlas Lyon", entities=[lyon])
    for index in range(30):
        CompanyFactory(name=f"Groupe Atlas {index}", entities=[paris])
    body = logged(sales_rep).get("/prospects/companies/?company_q=atlas").content.decode()
    assert "Atlas Conseil" in body and "Atlas Lyon" not in body
    assert body.count('class="company-option"') == 15
    assert "Atlas Conseil" not in logged(outsider).get("/prospects/companies/?company_q=atlas").content.decode()
    assert "company-option" not in logged(sales_rep).get("/prospects/companies/?company_q=").content.decode()


# --- Performance: a fixed number of queries -----------------------------------------------


def _queries(client, query="") -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/prospects/?{query}").status_code == 200
    return len(ctx.captured_queries)


def _busy_contacts(count, paris, author):
    rep = UserFactory(entities=[paris])
    for _index in range(count):
        company = CompanyFactory(assigned_to=rep, entities=[paris])
        prospect = contact(paris, company=company, last_name="NOM", assigned_to=rep, phone="01 02 03 04 05")
        opportunity = OpportunityFactory(company=company, prospect=prospect)
        ProposalFactory(opportunity=opportunity, prospect=prospect)
        NoteFactory(prospect=prospect, author=author, entity=paris)


@pytest.mark.parametrize("who", ["sales_rep", "rep_without_rights", "admin_user"])
@pytest.mark.parametrize("query", ["", "q=nom&status=nouveau&company_type=prospect&sort=-deals"])
def test_the_page_runs_the_same_queries_for_10_and_200_rows(request, paris, who, query):
    user = request.getfixturevalue(who)
    author = UserFactory(entities=[paris])
    client = logged(user)
    _busy_contacts(10, paris, author)
    client.get(f"/prospects/?{query}")  # the user's views and preferences are then cached
    with_ten = _queries(client, query)
    _busy_contacts(190, paris, author)
    assert _queries(client, query) == with_ten
    assert "200 éléments" in client.get(f"/prospects/?{query}").content.decode() or who == "admin_user"


# --- L5 rights on the rows ------------------------------------------------------------------


def menu_urls(pk: int, company_pk: int | None = None) -> dict[str, str]:
    """Where each item of a row's "⋮" menu leads: the real pages of the contact (issue 4)."""
    return {
        "company": f"/prospects/companies/{company_pk}/",
        "task": f"/tasks/prospects/{pk}/new/",
        "opportunity": f"/prospects/{pk}/opportunities/new/",
        "skills": f"/prospects/{pk}/skills/",
        "convert": f"/prospects/{pk}/convert/",
        "duplicate": f"/prospects/{pk}/duplicate/",
        "vcf": f"/prospects/{pk}/vcard.vcf",
        "subscriptions": f"/prospects/{pk}/subscriptions/",
        "delete": f"/prospects/{pk}/delete/",
    }


def menu_actions(body: str) -> set[str]:
    """The menu items offered on the page's rows (one row in these tests)."""
    return {action for pk in re.findall(r'<tr data-id="(\d+)"', body) for action in row_menu(body, int(pk))}


def test_a_rep_with_rights_sees_edit_and_the_whole_menu_pointing_to_the_real_pages(sales_rep, paris):
    company = CompanyFactory(entities=[paris])
    prospect = contact(paris, last_name="DURAND", company=company)
    client = logged(sales_rep)
    body = client.get("/prospects/").content.decode()
    assert f'href="/prospects/{prospect.pk}/"' in body and f'href="/prospects/{prospect.pk}/edit/"' in body
    assert row_menu(body, prospect.pk) == menu_urls(prospect.pk, company.pk)
    assert 'class="danger" data-action="delete"' in body  # the confirmation page, not a script dialog
    assert 'data-dialog="dlg-assign"' in body and 'data-dialog="dlg-status"' in body
    # Without JavaScript the ⋮ opens the contact's actions page, which lists the same pages.
    assert f'<a class="more" href="/prospects/{prospect.pk}/actions/"' in body
    actions_page = client.get(f"/prospects/{prospect.pk}/actions/").content.decode()
    for url in menu_urls(prospect.pk, company.pk).values():
        assert f'"{url}"' in actions_page, url
    assert "data-confirm" not in actions_page  # deleting asks on its own page


def test_the_actions_page_offers_only_the_users_actions(sales_rep, rep_without_rights, outsider, paris):
    company = CompanyFactory(entities=[paris])
    prospect = contact(paris, last_name="DURAND", company=company)
    body = logged(rep_without_rights).get(f"/prospects/{prospect.pk}/actions/").content.decode()
    assert f'"/prospects/companies/{company.pk}/"' in body and f"/prospects/{prospect.pk}/edit/" not in body
    assert f"/prospects/{prospect.pk}/delete/" not in body
    assert logged(outsider).get(f"/prospects/{prospect.pk}/actions/").status_code == 404
    assert logged(sales_rep).post(f"/prospects/{prospect.pk}/actions/").status_code == 405


def test_a_user_without_rights_sees_no_action_but_the_card(rep_without_rights, paris):
    prospect = contact(paris, last_name="DURAND")
    body = logged(rep_without_rights).get("/prospects/").content.decode()
    assert f'href="/prospects/{prospect.pk}/"' in body
    assert f"/prospects/{prospect.pk}/edit/" not in body
    assert menu_actions(body) == set()
    assert 'data-dialog="dlg-assign"' not in body and 'id="dlg-delete"' not in body


@pytest.mark.parametrize(
    ("codename", "actions"),
    [
        ("manage_prospect_tasks", {"task"}),
        ("manage_free_prospect_opportunities", {"opportunity"}),  # R4: the contact is free
        ("manage_prospect_skills", {"skills"}),
        ("convert_prospect", {"convert"}),
        ("export_prospects_vcf", {"vcf"}),
        ("manage_prospect_subscriptions", {"subscriptions"}),
        ("edit_prospect", {"duplicate", "delete"}),
    ],
)
def test_each_menu_item_shows_with_its_own_right_only(rep_without_rights, paris, codename, actions):
    contact(paris, last_name="DURAND")
    rep_without_rights.user_permissions.add(Permission.objects.get(codename=codename))
    body = logged(rep_without_rights).get("/prospects/").content.decode()
    assert menu_actions(body) == actions


def test_an_object_right_shows_the_actions_on_that_row_only(rep_without_rights, paris):
    mine = contact(paris, last_name="MIEN", assigned_to=rep_without_rights)  # the service grants R1 on it
    other = contact(paris, last_name="AUTRE")
    assign_perm("prospects.manage_prospect_subscriptions", rep_without_rights, other)
    body = logged(rep_without_rights).get("/prospects/").content.decode()
    assert f"/prospects/{mine.pk}/edit/" in body and "delete" in row_menu(body, mine.pk)
    # Duplicating creates a contact: R1 on one contact is not enough.
    assert "duplicate" not in row_menu(body, mine.pk)
    assert f"/prospects/{other.pk}/edit/" not in body and set(row_menu(body, other.pk)) == {"subscriptions"}
    assert 'data-dialog="dlg-assign"' in body and 'data-dialog="dlg-subscriptions"' in body


def test_opportunities_on_a_free_contact_need_r4(groups, paris):
    assistant = UserFactory(entities=[paris], groups=[Group.objects.get(name="Assistant commercial")])
    free = contact(paris, last_name="LIBRE")
    body = logged(assistant).get("/prospects/").content.decode()
    assert "opportunity" not in row_menu(body, free.pk)
    assert logged(assistant).get(f"/prospects/{free.pk}/opportunities/new/").status_code == 403


def test_the_company_file_is_offered_only_when_the_company_is_visible(sales_rep, paris, lyon):
    shared = contact(paris, last_name="PARTAGE", company=CompanyFactory(name="Lyon seulement", entities=[lyon]))
    body = logged(sales_rep).get("/prospects/").content.decode()
    assert "company" not in row_menu(body, shared.pk) and f'data-c="{shared.company_id}"' not in body
    assert logged(sales_rep).get(f"/prospects/companies/{shared.company_id}/").status_code == 404


@pytest.mark.parametrize("action", ["task", "skills", "convert", "duplicate", "vcf", "subscriptions", "delete"])
def test_the_server_refuses_a_row_action_without_its_right(rep_without_rights, sales_rep, outsider, paris, action):
    company = CompanyFactory(type=CompanyType.CLIENT, entities=[paris])
    prospect = contact(paris, last_name="DURAND", company=company)
    url = menu_urls(prospect.pk, company.pk)[action]
    method = "post" if action == "delete" else "get"
    assert getattr(logged(rep_without_rights), method)(url).status_code == 403
    assert getattr(logged(outsider), method)(url).status_code == 404
    assert getattr(logged(sales_rep), method)(url).status_code in (200, 302)


def test_the_company_file_of_a_row_is_refused_to_the_outsider(sales_rep, outsider, paris):
    company = CompanyFactory(entities=[paris])
    contact(paris, last_name="DURAND", company=company)
    assert logged(sales_rep).get(f"/prospects/companies/{company.pk}/").status_code == 200
    assert logged(outsider).get(f"/prospects/companies/{company.pk}/").status_code == 404


def test_deleting_one_contact_from_its_menu(sales_rep, rep_without_rights, paris):
    from tests.factories import TaskFactory

    free = contact(paris, last_name="SEUL")
    busy = contact(paris, last_name="OCCUPE")
    TaskFactory(prospect=busy)
    assert logged(rep_without_rights).post(f"/prospects/{free.pk}/delete/").status_code == 403
    client = logged(sales_rep)
    assert client.get(f"/prospects/{free.pk}/delete/").status_code == 200  # the confirmation page
    response = client.post(f"/prospects/{busy.pk}/delete/", follow=True)
    assert "OCCUPE Julie ne peut pas être supprimé : lié à 1 tâche commerciale." in response.content.decode()
    response = client.post(f"/prospects/{free.pk}/delete/", follow=True)
    assert "SEUL Julie a été supprimé" in response.content.decode()
    assert names(client) == ["OCCUPE"]


# --- L7 global actions --------------------------------------------------------------------


def test_the_add_button_shows_with_r1_only(sales_rep, rep_without_rights, outsider):
    button = '<a class="button primary" id="add-prospect" href="/prospects/new/">Ajouter un prospect</a>'
    assert button in logged(sales_rep).get("/prospects/").content.decode()
    assert button in logged(outsider).get("/prospects/").content.decode()  # R1 in their own entity
    assert "add-prospect" not in logged(rep_without_rights).get("/prospects/").content.decode()
    assert logged(rep_without_rights).get("/prospects/new/").status_code == 403


# --- Counts in the French format ------------------------------------------------------------


def _bulk_contacts(count: int, entity) -> None:
    created = ProspectContact.objects.bulk_create(
        [ProspectContact(last_name=f"BULK{index:05d}", first_name="Léa") for index in range(count)]
    )
    through = ProspectContact.entities.through
    through.objects.bulk_create([through(prospectcontact_id=p.pk, entity_id=entity.pk) for p in created])


def test_counts_are_grouped_by_thousands_in_french_and_english(sales_rep, paris):
    _bulk_contacts(1001, paris)
    client = logged(sales_rep)
    body = client.get("/prospects/?per_page=25").content.decode()
    assert "1\xa0001 éléments - 1/41" in body
    assert "Sélectionner les 1\xa0001 contacts correspondant au filtre" in body
    assert "Les 1\xa0001 contacts du filtre sont sélectionnés." in body
    assert 'data-count="1001" data-count-label="1\xa0001"' in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/prospects/"})
    assert "1,001 items" in client.get("/prospects/?per_page=25").content.decode()


def test_the_outsider_and_the_user_without_rights_see_their_own_count(outsider, rep_without_rights, paris):
    _bulk_contacts(1001, paris)
    assert "0 élément - 1/1" in logged(outsider).get("/prospects/").content.decode()
    assert "1\xa0001 éléments" in logged(rep_without_rights).get("/prospects/").content.decode()
