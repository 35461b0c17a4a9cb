"""The interface languages: French (the source language of the msgids) and English (locale/en).

French has no translation to provide, but locale/fr holds the plural entries so that French
counts follow the French rule (singular for 0 and 1) instead of gettext's English fallback.
"""

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from tests.helpers import logged


@pytest.fixture(autouse=True)
def _restore_the_language():
    """A request through LocaleMiddleware leaves its language active in the thread: switch back
    afterwards, or the non-database tests that pytest-django runs later would speak English."""
    previous = translation.get_language()
    yield
    if previous:
        translation.activate(previous)
    else:
        translation.deactivate()


def test_french_uses_the_singular_for_zero_and_one():
    with translation.override("fr"):
        for count in (0, 1):
            text = ngettext("%(counter)s élément", "%(counter)s éléments", count) % {"counter": count}
            assert text == f"{count} élément"
        assert ngettext("%(counter)s élément", "%(counter)s éléments", 2) % {"counter": 2} == "2 éléments"


def test_english_keeps_the_plural_for_zero():
    with translation.override("en"):
        assert ngettext("%(counter)s élément", "%(counter)s éléments", 0) % {"counter": 0} == "0 items"
        assert ngettext("%(counter)s élément", "%(counter)s éléments", 1) % {"counter": 1} == "1 item"


def test_the_empty_french_list_counts_0_element(sales_rep):
    body = logged(sales_rep).get("/prospects/").content.decode()
    assert "0 élément - 1/1" in body
    assert "0 éléments" not in body


def test_the_english_list_shows_english_labels(sales_rep):
    client = logged(sales_rep)
    client.post("/i18n/setlang/", {"language": "en", "next": "/prospects/"})
    body = client.get("/prospects/").content.decode()
    assert "Prospect contacts" in body
    assert "Assigned to" in body
    assert "0 items" in body
    assert "Contacts prospects" not in body and "Affecté à" not in body


def test_job_counters_agree_with_their_number_in_both_languages():
    from prospects.jobs.runner import count_label

    with translation.override("fr"):
        assert [count_label("companies_created", n) for n in (0, 1, 2)] == [
            "société créée",
            "société créée",
            "sociétés créées",
        ]
        assert count_label("updated", 5) == "mis à jour"
    with translation.override("en"):
        assert [count_label("companies_deleted", n) for n in (0, 1, 2)] == [
            "companies deleted",
            "company deleted",
            "companies deleted",
        ]
        assert count_label("errors", 3) == "in error" and count_label("unknown_key", 1) == "unknown_key"
