import pytest
from rest_framework.test import APIClient

from accounts.tokens import token_create


def api_client(user) -> APIClient:
    """A client authenticated with a fresh API token of `user` (as an integration would be)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_create(user=user, name='tests').key}")
    return client


@pytest.fixture
def api():
    return api_client
