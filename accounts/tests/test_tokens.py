"""API tokens: hashed at rest, shown once, revocable by their owner only, dated on use; page, admin, command."""

import hashlib
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ApiToken
from accounts.tokens import token_authenticate, token_create
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def test_only_a_digest_is_stored_and_the_key_authenticates(sales_rep):
    created = token_create(user=sales_rep, name="Formulaire du site")
    row = ApiToken.objects.get()
    assert created.key not in {row.digest, row.prefix, row.name}
    assert row.digest == hashlib.sha256(created.key.encode()).hexdigest()
    assert row.last_used_at is None
    assert token_authenticate(created.key).user == sales_rep
    row.refresh_from_db()
    assert row.last_used_at is not None
    assert token_authenticate(created.key.replace(row.prefix, "0" * 12)) is None


def test_a_deactivated_user_loses_api_access(sales_rep):
    created = token_create(user=sales_rep, name="BI")
    sales_rep.is_active = False
    sales_rep.save()
    assert token_authenticate(created.key) is None


def test_the_page_creates_shows_the_key_once_and_revokes(sales_rep, outsider):
    client = logged(sales_rep)
    url = reverse("accounts:tokens")
    response = client.post(url, {"name": "E-mailing"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    page = client.get(url).content.decode()
    assert "E-mailing" in page and key not in page
    token = ApiToken.objects.get()
    assert logged(outsider).post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 404
    assert token_authenticate(key) is not None
    assert client.post(reverse("accounts:token_revoke", args=[token.pk])).status_code == 302
    assert token_authenticate(key) is None


def test_the_page_needs_a_login_and_a_name(client, sales_rep):
    assert client.get(reverse("accounts:tokens")).status_code == 302
    response = logged(sales_rep).post(reverse("accounts:tokens"), {"name": "   "})
    assert response.context["new_key"] is None and not ApiToken.objects.exists()


def test_the_page_is_translated(sales_rep):
    page = logged(sales_rep, HTTP_ACCEPT_LANGUAGE="en").get(reverse("accounts:tokens")).content.decode()
    assert "API tokens" in page and "Create a token" in page


def test_the_command_prints_a_working_key(sales_rep):
    out = StringIO()
    call_command("create_api_token", sales_rep.username, "Script", stdout=out)
    assert token_authenticate(out.getvalue().strip()).user == sales_rep


def test_the_admin_lists_tokens_without_their_secret(admin_user, sales_rep):
    created = token_create(user=sales_rep, name="BI")
    page = logged(admin_user).get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert "BI" in page and created.key not in page
