"""Saved views of the contacts list: save, open, share with one's entities, default view, delete."""

import pytest

from prospects.models import SavedView
from prospects.saved_views.services import list_default_view_set, saved_view_query_of, saved_view_save
from tests.factories import UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def test_a_view_keeps_the_filters_sort_and_page_size_but_not_the_page():
    query = saved_view_query_of("status=nouveau&status=affecte&q=&page=3&sort=-last_name&per_page=50&evil=1")
    assert "page=3" not in query and "evil" not in query and "q=" not in query
    assert "status=nouveau&status=affecte" in query and "sort=-last_name" in query and "per_page=50" in query


def test_a_rep_saves_the_current_list_under_a_name_and_opens_it_in_one_click(sales_rep):
    client = logged(sales_rep)
    data = {"name": "Mes prospects à relancer", "query": "status=nouveau&sort=-last_name&per_page=50&page=2"}
    response = client.post("/prospects/views/new/", data)
    view = SavedView.objects.get()
    assert response.status_code == 302 and response.url == "/prospects/?status=nouveau&sort=-last_name&per_page=50"
    body = client.get(response.url).content.decode()
    assert f'href="/prospects/views/{view.pk}/"' in body and "Mes prospects à relancer" in body
    assert 'class="view-chip current"' in body
    assert client.get(f"/prospects/views/{view.pk}/").url == response.url


def test_saving_again_under_the_same_name_updates_the_view(sales_rep):
    saved_view_save(owner=sales_rep, name="Relances", query="status=nouveau")
    saved_view_save(owner=sales_rep, name="Relances", query="status=affecte")
    assert list(SavedView.objects.values_list("query", flat=True)) == ["status=affecte"]


def test_a_view_without_a_name_is_not_saved(sales_rep):
    response = logged(sales_rep).post("/prospects/views/new/", {"name": "  ", "query": "status=nouveau"})
    assert response.status_code == 302 and not SavedView.objects.exists()


def test_a_shared_view_is_seen_by_the_entity_but_not_by_the_outsider(sales_rep, rep_without_rights, outsider):
    view = saved_view_save(owner=sales_rep, name="Équipe Paris", query="status=nouveau", shared=True)
    private = saved_view_save(owner=sales_rep, name="Perso", query="status=affecte")
    colleague = logged(rep_without_rights)
    body = colleague.get("/prospects/?view=0").content.decode()
    assert "Équipe Paris" in body and "Perso" not in body
    assert colleague.get(f"/prospects/views/{view.pk}/").status_code == 302
    assert colleague.get(f"/prospects/views/{private.pk}/").status_code == 404
    stranger = logged(outsider)
    assert "Équipe Paris" not in stranger.get("/prospects/?view=0").content.decode()
    for url in (f"/prospects/views/{view.pk}/", f"/prospects/views/{view.pk}/delete/"):
        assert stranger.get(url).status_code == 404
    assert stranger.post(f"/prospects/views/{view.pk}/delete/").status_code == 404
    assert stranger.post(f"/prospects/views/{view.pk}/share/", {"shared": "0"}).status_code == 404
    assert stranger.post("/prospects/views/default/", {"view": view.pk}).status_code == 404


def test_only_the_owner_deletes_or_unshares_a_shared_view(sales_rep, rep_without_rights):
    view = saved_view_save(owner=sales_rep, name="Équipe Paris", query="status=nouveau", shared=True)
    colleague = logged(rep_without_rights)
    assert colleague.get(f"/prospects/views/{view.pk}/delete/").status_code == 403
    assert colleague.post(f"/prospects/views/{view.pk}/delete/").status_code == 403
    assert colleague.post(f"/prospects/views/{view.pk}/share/", {"shared": "0"}).status_code == 403
    assert view.entities.exists() and SavedView.objects.filter(pk=view.pk).exists()


def test_the_owner_deletes_after_a_confirmation_page(sales_rep):
    view = saved_view_save(owner=sales_rep, name="Perso", query="status=nouveau", default=True)
    client = logged(sales_rep)
    page = client.get(f"/prospects/views/{view.pk}/delete/")
    assert page.status_code == 200 and "Supprimer la vue « Perso » ?" in page.content.decode()
    assert SavedView.objects.exists()
    assert client.post(f"/prospects/views/{view.pk}/delete/").status_code == 302
    assert not SavedView.objects.exists()
    assert client.get("/prospects/").status_code == 200  # the default is gone: the plain list opens


def test_the_list_opens_on_the_default_view_and_reset_shows_the_plain_list(sales_rep, rep_without_rights):
    view = saved_view_save(owner=sales_rep, name="Équipe", query="status=nouveau&per_page=50", shared=True)
    client = logged(rep_without_rights)  # a shared view may be one's default too
    assert client.post("/prospects/views/default/", {"view": view.pk}).status_code == 302
    response = client.get("/prospects/")
    assert response.status_code == 302 and response.url == "/prospects/?status=nouveau&per_page=50"
    assert client.get("/prospects/?view=0").status_code == 200
    assert client.get("/prospects/", HTTP_HX_REQUEST="true").status_code == 200
    client.post("/prospects/views/default/", {"view": "0"})
    assert client.get("/prospects/").status_code == 200


def test_an_unshared_default_no_longer_opens_for_the_colleague(sales_rep, rep_without_rights):
    view = saved_view_save(owner=sales_rep, name="Équipe", query="status=nouveau", shared=True)
    list_default_view_set(user=rep_without_rights, view=view)
    logged(sales_rep).post(f"/prospects/views/{view.pk}/share/", {"shared": "0"})
    assert logged(rep_without_rights).get("/prospects/").status_code == 200


def test_the_management_page_lists_own_and_shared_views_with_the_owners_actions_only(sales_rep, paris):
    colleague = UserFactory(username="collegue", entities=[paris])
    shared = saved_view_save(owner=colleague, name="Vue collègue", query="status=nouveau", shared=True)
    mine = saved_view_save(owner=sales_rep, name="Ma vue", query="status=affecte")
    body = logged(sales_rep).get("/prospects/views/").content.decode()
    assert "Vue collègue" in body and "Ma vue" in body
    assert f"/prospects/views/{mine.pk}/delete/" in body and f"/prospects/views/{shared.pk}/delete/" not in body


def test_the_pages_need_a_login(client):
    assert client.get("/prospects/views/").status_code == 302
    assert client.post("/prospects/views/new/", {"name": "x"}).status_code == 302


def test_the_cached_views_bar_follows_every_write(sales_rep, paris):
    """The list keeps the user's views and preferences in the cache: a colleague's share, an
    admin's edit of the preference and a deletion all show on the next page."""
    colleague = UserFactory(username="colleague", entities=[paris])
    client = logged(sales_rep)
    assert "Relances équipe" not in client.get("/prospects/").content.decode()  # now cached
    view = saved_view_save(owner=colleague, name="Relances équipe", query="status=nouveau", shared=True)
    assert "Relances équipe" in client.get("/prospects/?q=a").content.decode()
    from prospects.saved_views.models import ProspectListPreference

    ProspectListPreference.objects.create(user=sales_rep, hidden_columns=["fax"])  # as the admin would
    assert ">Fax<" not in client.get("/prospects/?q=b").content.decode()
    view.entities.clear()  # unshared
    assert "Relances équipe" not in client.get("/prospects/?q=c").content.decode()
