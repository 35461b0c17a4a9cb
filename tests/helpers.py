"""Helpers shared by the test modules."""

from django.test import Client


def logged(user, **kwargs) -> Client:
    """A test client logged in as `user` (`kwargs` go to Client, e.g. HTTP_ACCEPT_LANGUAGE)."""
    client = Client(**kwargs)
    client.force_login(user)
    return client
