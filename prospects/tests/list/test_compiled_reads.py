"""The list's reads by id, compiled once per user scope (prospects.list.compiled), and the per-request rights cache."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from accounts.models import User
from accounts.permissions import has_right as has_perm_right
from prospects.list import compiled
from prospects.list.compiled import AnyOfIds, compiled_read, forget_compiled_reads
from prospects.list.selectors import _rows_of_ids, prospect_list_page
from prospects.models import ProspectContact
from prospects.rights import R5, R12
from tests.factories import (
    CompanyFactory,
    NoteFactory,
    OpportunityFactory,
    ProposalFactory,
    ProspectFactory,
    UserFactory,
)
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_store():
    forget_compiled_reads()
    yield
    forget_compiled_reads()


def fresh(user: User) -> User:
    """The user as the next request loads them (no per-request caches)."""
    return User.objects.get(pk=user.pk)


def test_rows_read_by_compiled_sql_are_the_orm_rows(sales_rep, paris, lyon):
    visible_company = CompanyFactory(name="Visible", entities=[paris])
    hidden_company = CompanyFactory(name="Cachée", entities=[lyon])
    first = ProspectFactory(company=visible_company, entities=[paris], job_title="Directrice")
    second = ProspectFactory(company=hidden_company, entities=[paris])
    third = ProspectFactory(entities=[paris])
    NoteFactory(prospect=first, author=sales_rep, entity=paris, text="Rappeler")
    OpportunityFactory(company=visible_company, prospect=first)
    ids = [third.pk, first.pk, second.pk]
    expected = {row["pk"]: row for row in _rows_of_ids(sales_rep, ids)}
    read = compiled_read("rows", sales_rep, lambda marker: _rows_of_ids(sales_rep, marker))
    found = {row["pk"]: row for row in read.dicts(ids)}
    assert found == expected
    assert found[first.pk]["note_count"] == 1 and found[first.pk]["opportunity_count"] == 1
    assert found[first.pk]["company_visible"] and not found[second.pk]["company_visible"]
    assert [row["pk"] for row in read.dicts([first.pk])] == [first.pk]


def test_a_scope_is_compiled_once_and_replayed_for_every_page(sales_rep, paris, monkeypatch):
    for index in range(7):
        ProspectFactory(last_name=f"NOM{index}", entities=[paris])
    compiles = []
    original = compiled.compile_read
    monkeypatch.setattr(compiled, "compile_read", lambda *args: compiles.append(1) or original(*args))
    pages = [
        [row["last_name"] for row in prospect_list_page(fresh(sales_rep), QueryDict(""), sort="last_name",
                                                        page=number, per_page=3).page.rows]
        for number in (1, 2, 3)
    ]  # fmt: skip
    assert pages == [["NOM0", "NOM1", "NOM2"], ["NOM3", "NOM4", "NOM5"], ["NOM6"]]
    assert len(compiles) == 2  # the rows and the row rights, once each for the three pages


def test_a_new_right_makes_a_new_scope(sales_rep, paris, lyon):
    """R12 held globally counts every entity's notes: granting it is seen on the next request."""
    prospect = ProspectFactory(entities=[paris])
    NoteFactory(prospect=prospect, author=UserFactory(entities=[lyon]), entity=lyon, text="Note de Lyon")
    first = prospect_list_page(fresh(sales_rep), QueryDict(""), sort="company", page=1, per_page=25)
    assert first.page.rows[0]["note_count"] == 0
    sales_rep.user_permissions.add(Permission.objects.get(codename=R12.codename))
    second = prospect_list_page(fresh(sales_rep), QueryDict(""), sort="company", page=1, per_page=25)
    assert second.page.rows[0]["note_count"] == 1


def test_a_new_entity_makes_a_new_scope(sales_rep, paris, lyon):
    """The company link of a row follows the user's entities from one request to the next."""
    company = CompanyFactory(name="Lyonnaise", entities=[lyon])
    prospect = ProspectFactory(company=company, entities=[paris])
    client = logged(sales_rep)
    link = f'data-c="{company.pk}"'
    assert link not in client.get("/prospects/").content.decode()
    sales_rep.entities.add(lyon)
    assert link in client.get("/prospects/").content.decode()
    assert ProspectContact.objects.filter(pk=prospect.pk).exists()


def test_the_outsider_reads_none_of_another_entitys_rows(sales_rep, outsider, paris):
    ProspectFactory(last_name="PARISIEN", entities=[paris])
    sales_rep_rows = prospect_list_page(fresh(sales_rep), QueryDict(""), sort="company", page=1, per_page=25)
    outsider_rows = prospect_list_page(fresh(outsider), QueryDict(""), sort="company", page=1, per_page=25)
    assert [row["last_name"] for row in sales_rep_rows.page.rows] == ["PARISIEN"]
    assert outsider_rows.page.rows == [] and outsider_rows.page.count == 0


def test_the_store_is_bounded(sales_rep, paris, monkeypatch):
    prospect = ProspectFactory(entities=[paris])
    monkeypatch.setattr(compiled, "MAX_KEPT", 2)
    for name in ("a", "b", "c"):
        read = compiled_read(name, sales_rep, lambda marker: ProspectContact.objects.filter(AnyOfIds("pk", marker)))
        assert [row[0] for row in read.rows([prospect.pk])] == [prospect.pk]
    assert len(compiled._kept) == 2 and ("a", compiled.scope_key(sales_rep)) not in compiled._kept


def test_a_read_built_without_the_marker_is_refused(sales_rep):
    with pytest.raises(ValueError):
        compiled_read("bad", sales_rep, lambda marker: ProspectContact.objects.filter(pk__in=[1, 2]))


def test_hostile_ids_read_nothing(sales_rep, paris):
    prospect = ProspectFactory(entities=[paris])
    read = compiled_read("rows", sales_rep, lambda marker: _rows_of_ids(sales_rep, marker))
    assert read.dicts([-1, 0, 2**62]) == []
    assert [row["pk"] for row in read.dicts([prospect.pk, prospect.pk])] == [prospect.pk]


# --- object grants read once per request (accounts.permissions) ---------------------------


def test_an_object_grant_is_seen_from_the_next_request(paris):
    user = UserFactory(entities=[paris])  # no group: no global right
    prospect = ProspectFactory(entities=[paris])
    assert not has_perm_right(user, f"prospects.{R5.codename}", prospect)
    assign_perm(f"prospects.{R5.codename}", user, prospect)
    # The same request (the same user object) keeps what it read; the next one sees the grant.
    assert not has_perm_right(user, f"prospects.{R5.codename}", prospect)
    assert has_perm_right(fresh(user), f"prospects.{R5.codename}", prospect)
    client = logged(user)
    assert "/skills/" in client.get(f"/prospects/{prospect.pk}/").content.decode()


def test_the_card_reads_the_object_grants_once(paris):
    """A dozen rights checked on one contact: the user's and their groups' grants are read once each."""
    user = UserFactory(entities=[paris])  # no global right: every check asks the object grants
    prospect = ProspectFactory(entities=[paris])
    client = logged(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/prospects/{prospect.pk}/").status_code == 200
    grants = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "auth_permission"."codename"') and "objectpermission" in query["sql"]
    ]
    assert 1 <= len(grants) <= 2


# --- the card's deals --------------------------------------------------------------------


def test_the_card_shows_the_contacts_deals_and_hides_a_proposal_on_a_deal_it_may_not_see(
    sales_rep, outsider, paris, lyon
):
    prospect = ProspectFactory(entities=[paris])
    company = CompanyFactory(entities=[paris])
    own = OpportunityFactory(company=company, prospect=prospect, name="Affaire visible")
    ProposalFactory(opportunity=own, prospect=prospect, name="Proposition visible")
    elsewhere = OpportunityFactory(
        company=CompanyFactory(entities=[lyon]), prospect=ProspectFactory(entities=[lyon]), name="Affaire lyonnaise"
    )
    ProposalFactory(opportunity=elsewhere, prospect=prospect, name="Proposition lyonnaise")
    body = logged(sales_rep).get(f"/prospects/{prospect.pk}/").content.decode()
    assert "Affaire visible" in body and "Proposition visible" in body
    assert "Proposition lyonnaise" not in body and "Affaire lyonnaise" not in body
    sales_rep.entities.add(lyon)  # the other deal becomes visible: so does its proposal
    assert "Proposition lyonnaise" in logged(sales_rep).get(f"/prospects/{prospect.pk}/").content.decode()
    assert logged(outsider).get(f"/prospects/{prospect.pk}/").status_code == 404
