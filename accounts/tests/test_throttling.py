"""Login throttling (django-axes) on the app's login page and the admin's."""

import re
from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client, RequestFactory, override_settings

from accounts.throttling import client_address
from tests.helpers import logged

pytestmark = pytest.mark.django_db

APP_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "secret-pass-123"  # tests.factories.UserFactory's
LIMIT = settings.AXES_FAILURE_LIMIT


def _post(url: str, username: str, password: str, address: str = "10.0.0.1", **headers):
    return Client(**headers).post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def _fail(url: str, username: str, times: int, address: str = "10.0.0.1"):
    return [_post(url, username, "wrong-password", address) for _ in range(times)]


def _without_tokens(response) -> str:
    """The page with its random per-response parts (CSRF tokens) blanked."""
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())


def test_it_uses_the_database_per_username_and_address():
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_RESET_ON_SUCCESS is True
    assert 3 <= LIMIT <= 10


@pytest.mark.parametrize("url", [APP_LOGIN, ADMIN_LOGIN])
def test_it_locks_a_username_out_from_one_address_after_the_limit(url, admin_user):
    first = _fail(url, admin_user.username, LIMIT - 1)
    assert {response.status_code for response in first} == {200}
    assert _fail(url, admin_user.username, 1)[0].status_code == 429
    # Locked: even the right password is refused from that address ...
    assert _post(url, admin_user.username, PASSWORD).status_code == 429
    # ... but not from another address, and another username is not locked from the first one.
    assert _post(url, admin_user.username, PASSWORD, address="10.0.0.2").status_code == 302
    assert _post(url, "someone-else", "wrong-password").status_code == 200


def test_the_app_and_admin_logins_share_one_count(sales_rep):
    _fail(APP_LOGIN, "marine", LIMIT - 1)
    assert _fail(ADMIN_LOGIN, "marine", 1)[0].status_code == 429
    assert _post(APP_LOGIN, "marine", PASSWORD).status_code == 429


def test_the_lockout_page_is_in_french_in_the_site_layout(sales_rep):
    response = _fail(APP_LOGIN, "marine", LIMIT)[-1]
    body = response.content.decode()
    assert response.status_code == 429
    assert "Connexion bloquée" in body and "Trop de tentatives de connexion ont échoué" in body
    assert f"pendant {settings.AXES_COOLOFF_TIME.seconds // 60} minutes" in body
    assert "administrateur peut la débloquer" in body and 'href="/accounts/login/"' in body
    assert 'class="topbar"' in body
    assert "Account locked" not in body


def test_the_lockout_page_is_translated_to_english(sales_rep):
    for _ in range(LIMIT):
        response = _post(APP_LOGIN, "marine", "wrong-password", HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 429
    assert "Sign-in blocked" in body and "Connexion bloquée" not in body


def test_an_unknown_username_gets_the_same_answers_as_a_known_one(sales_rep):
    known = _fail(APP_LOGIN, "marine", LIMIT + 1, address="10.0.0.1")
    unknown = _fail(APP_LOGIN, "personne", LIMIT + 1, address="10.0.0.2")
    assert [r.status_code for r in known] == [r.status_code for r in unknown] == [200] * (LIMIT - 1) + [429, 429]
    # The failure message is the same, and so is the whole lockout page.
    error = re.compile(r'<div class="errors">.*?</div>', re.S)
    assert error.search(_without_tokens(known[0])).group() == error.search(_without_tokens(unknown[0])).group()
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in known[0].content.decode()
    assert _without_tokens(known[-1]) == _without_tokens(unknown[-1])
    assert _without_tokens(known[-2]) == _without_tokens(unknown[-2])
    assert "marine" not in known[-1].content.decode()


def test_an_unknown_username_costs_a_password_hash_like_a_known_one(sales_rep):
    """No timing difference: Django hashes the typed password even when the user does not exist."""
    calls = {}
    for username in ("marine", "personne"):
        original = MD5PasswordHasher.encode
        with mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=original) as encode:
            assert _post(APP_LOGIN, username, "wrong-password").status_code == 200
        calls[username] = encode.call_count
    assert calls["marine"] == calls["personne"] == 1


def test_a_successful_login_resets_the_failure_count(sales_rep):
    _fail(APP_LOGIN, "marine", LIMIT - 1)
    assert AccessAttempt.objects.filter(username="marine").exists()
    assert _post(APP_LOGIN, "marine", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="marine").exists()
    assert {r.status_code for r in _fail(APP_LOGIN, "marine", LIMIT - 1)} == {200}


def test_an_administrator_unlocks_from_the_admin(sales_rep, admin_user):
    _fail(APP_LOGIN, "marine", LIMIT)
    attempt = AccessAttempt.objects.get(username="marine")
    staff = logged(admin_user)
    listing = staff.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "marine" in listing.content.decode()
    response = staff.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _post(APP_LOGIN, "marine", PASSWORD).status_code == 302


def test_users_without_the_admin_cannot_see_or_delete_attempts(sales_rep, rep_without_rights, outsider):
    _fail(APP_LOGIN, "marine", LIMIT)
    attempt = AccessAttempt.objects.get(username="marine")
    for user in (sales_rep, rep_without_rights, outsider):
        client = logged(user)
        assert client.get("/admin/axes/accessattempt/").status_code == 302  # to the admin's login
        client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()


def test_the_test_client_fixtures_still_log_in(sales_rep):
    assert logged(sales_rep).get("/prospects/").status_code == 200


@pytest.mark.parametrize(
    "proxies, forwarded, expected",
    [
        (0, "6.6.6.6", "10.0.0.9"),  # no proxy: the header is the client's, ignored
        (1, "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # one proxy: the address it saw, not the forged one
        (2, "6.6.6.6, 203.0.113.5, 10.1.1.1", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.9"),  # fewer entries than proxies: not behind them
    ],
)
def test_the_client_address_trusts_only_the_configured_proxies(proxies, forwarded, expected):
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(LOGIN_THROTTLE_PROXY_COUNT=proxies):
        assert client_address(request) == expected
