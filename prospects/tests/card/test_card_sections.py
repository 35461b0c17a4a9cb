"""Sections other apps add to the card (the tasks tab), without prospects importing them."""

import pytest
from django.utils.html import format_html

from prospects.card import sections
from prospects.services import prospect_create
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def julie(paris):
    return prospect_create(by=None, entities=[paris], last_name="ARMANON", first_name="Julie")


@pytest.fixture
def extra_section(monkeypatch):
    """A section registered like the tasks app does, shown after it; the registry is restored."""
    monkeypatch.setattr(sections, "_SECTIONS", dict(sections._SECTIONS))
    sections.card_section_register(
        "extra",
        lambda request, prospect: format_html('<p id="extra">{} · {}</p>', prospect.last_name, request.user),
        order=50,
    )


def test_the_tasks_app_registers_the_cards_tasks_section():
    assert "tasks" in sections._SECTIONS


def test_registered_sections_are_rendered_into_the_card_in_order(sales_rep, julie, extra_section):
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert body.index('id="tasks-tab"') < body.index('<p id="extra">ARMANON · ') < body.index('id="history-title"')


def test_a_section_is_rendered_for_a_user_without_rights_but_never_for_the_outsider(
    rep_without_rights, outsider, julie, extra_section
):
    body = logged(rep_without_rights).get(f"/prospects/{julie.pk}/").content.decode()
    assert 'id="extra"' in body and 'id="tasks-tab"' in body and 'id="task-add"' not in body
    response = logged(outsider).get(f"/prospects/{julie.pk}/")
    assert response.status_code == 404 and 'id="extra"' not in response.content.decode()


def test_registering_again_replaces_the_section(monkeypatch):
    monkeypatch.setattr(sections, "_SECTIONS", {})
    sections.card_section_register("a", lambda request, prospect: "1", order=2)
    sections.card_section_register("b", lambda request, prospect: "2", order=1)
    sections.card_section_register("a", lambda request, prospect: "3", order=0)
    assert sections.card_sections_render(None, None) == ["3", "2"]
