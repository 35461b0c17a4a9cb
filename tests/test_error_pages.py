"""400, 403, 404 and 500 pages: French, in the site's layout, and the 500 one without a database."""

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from django.utils.functional import SimpleLazyObject

from config.errors import server_error
from tests.factories import ProspectFactory
from tests.helpers import logged

ERRORS = {
    400: ("Demande incorrecte", "Vérifiez l’adresse ou les valeurs saisies"),
    403: ("Accès refusé", "Demandez à votre administrateur de vous donner le droit nécessaire."),
    404: ("Page introuvable", "Cette page n’existe pas"),
    500: ("Erreur du serveur", "Une erreur inattendue s’est produite"),
}


def _assert_error_page(response, status: int, *, menu: bool) -> str:
    body = response.content.decode()
    assert response.status_code == status
    for text in ERRORS[status]:
        assert text in body, text
    assert f"Erreur {status}" in body
    assert 'class="topbar"' in body and 'href="/"' in body  # the layout and a way back
    assert "Aller à la liste des contacts" in body and "data-back" in body
    assert ('class="mainnav"' in body) is menu and ("Mes tâches" in body) is menu
    assert "Traceback" not in body and "Django" not in body
    return body


@pytest.mark.django_db
@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize("status", [400, 403, 500])
def test_the_error_pages_keep_the_menu_for_a_signed_in_user(sales_rep, status):
    client = logged(sales_rep, raise_request_exception=False)
    body = _assert_error_page(client.get(f"/boom/{status}/"), status, menu=True)
    assert "Marine" in body  # the signed-in user's name in the top bar


@pytest.mark.django_db
def test_a_missing_page_is_the_french_404_with_the_menu(sales_rep):
    _assert_error_page(logged(sales_rep).get("/prospects/999999/"), 404, menu=True)
    _assert_error_page(logged(sales_rep).get("/nowhere/"), 404, menu=True)


@pytest.mark.django_db
def test_a_missing_right_says_to_ask_an_administrator(rep_without_rights, outsider, paris):
    # The import needs a right the user without rights lacks.
    _assert_error_page(logged(rep_without_rights).get("/prospects/import/"), 403, menu=True)
    # An outsider asking for another entity's contact gets a French error page too.
    julie = ProspectFactory(entities=[paris])
    response = logged(outsider).get(f"/prospects/{julie.pk}/")
    _assert_error_page(response, response.status_code, menu=True)


@pytest.mark.django_db
def test_an_anonymous_visitor_gets_the_page_without_the_menu():
    _assert_error_page(Client().get("/nowhere/"), 404, menu=False)


@pytest.mark.django_db
def test_an_expired_form_gets_the_french_csrf_page(sales_rep):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    response = client.post("/prospects/new/", {"last_name": "X"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "Formulaire expiré" in body and "Rechargez la page" in body and 'class="topbar"' in body


def test_the_500_page_renders_when_the_database_is_down():
    """No `db` fixture: any query raises, like a database that is down. The session and the user
    need it, so the page renders without them, still in the site's layout."""
    request = RequestFactory().get("/prospects/")
    request.session = SessionStore(session_key="a" * 32)
    request.user = SimpleLazyObject(lambda: get_user(request))
    response = server_error(request)
    _assert_error_page(response, 500, menu=False)
