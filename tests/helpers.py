"""Helpers shared by the test modules."""

from django.test import Client


def logged(user, **kwargs) -> Client:
    """A test client logged in as `user` (`kwargs` go to Client, e.g. HTTP_ACCEPT_LANGUAGE)."""
    client = Client(**kwargs)
    client.force_login(user)
    return client


def row_menu(body: str, pk: int) -> dict[str, str]:
    """The items a list row's ⋮ offers, as static/js/prospect_list.js builds them: action → URL.

    The page holds the menu once (<template id="row-menu">); a row says which items it offers
    with the bit mask `data-m` and its company with `data-c`. {} when the row has no ⋮.
    """
    import re

    row = re.search(rf'<tr data-id="{pk}">.*?</tr>', body, re.S)
    link = row and re.search(r'<a class="more" [^>]*data-m="(\d+)"(?: data-c="(\d+)")?', row.group(0))
    if not link:
        return {}
    mask, company = int(link.group(1)), link.group(2)
    template = re.search(r'<template id="row-menu">(.*?)</template>', body, re.S).group(1)
    offered = {}
    for position, item in enumerate(template.split("<li")[1:]):
        url = re.search(r'(?<![-\w])(?:href|action)="([^"]+)"', item).group(1)
        action = re.search(r'data-action="(\w+)"', item).group(1)
        if mask & (1 << position):
            offered[action] = url.replace("999999999", company if action == "company" else str(pk))
    return offered
