"""The prospect list in Chromium: filters, search, selection and mass actions."""

import re

import pytest
from playwright.sync_api import expect

from prospects.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def wait_for_count(page, number: int) -> None:
    # A locator assertion, not wait_for_function: the page's CSP refuses the latter's eval.
    expect(page.locator("#results .count")).to_have_text(re.compile(rf"^\s*{number} "), use_inner_text=True)


def count_text(page) -> str:
    return page.locator("#results .count").inner_text()


def test_filter_search_select_three_and_change_their_status(page, demo_data):
    from prospects.models import ContactStatus, ProspectContact

    login(page, "marine", DEMO_PASSWORD)
    assert count_text(page) == "10 éléments - 1/1"

    page.click("summary:has-text('Affectation')")
    page.check("input[name=assigned_to] + *, label:has-text('DIRON Marine') input[name=assigned_to]")
    wait_for_count(page, 2)
    page.click("summary:has-text('Statut')")
    page.check("label:has-text('Affecté') input[name=status]")
    page.wait_for_url(re.compile(r".*status=affecte.*"))
    assert count_text(page) == "2 éléments - 1/1"
    assert sorted(page.locator("#results td.name").all_inner_texts()) == ["ARMANON", "DUBAND"]
    assert "assigned_to=" in page.url  # the URL carries the whole state

    page.fill("#id_q", "duband")
    page.wait_for_url(re.compile(r".*q=duband.*"))
    wait_for_count(page, 1)
    assert page.locator("#results td.name").all_inner_texts() == ["DUBAND"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "list-filtered.png"), full_page=True)

    page.click("a.reset")
    wait_for_count(page, 10)
    checks = page.locator("#results .row-check")
    for index in range(3):
        checks.nth(index).check()
    chosen = page.locator("#results tbody tr.selected td.name").all_inner_texts()
    assert len(chosen) == 3
    assert page.locator(".mass-bar .js-selected-count").inner_text() == "3"
    page.click(".mass-bar button:has-text('Modifier le statut')")
    dialog = page.locator("#dlg-status")
    assert "Vous avez sélectionné 3 contact(s) prospect(s)" in dialog.inner_text()
    dialog.locator("select[name=status]").select_option("abandonne")
    page.screenshot(path=str(ARTIFACTS / "list-mass-status-dialog.png"))
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector(".message.success")
    assert "3 contacts passés au statut « Abandonné »." in page.locator(".messages").inner_text()
    for last_name in chosen:
        row = page.locator("#results tbody tr", has=page.locator(f"td.name a:text-is('{last_name}')"))
        assert row.locator(".status").inner_text() == "Abandonné"
    assert set(
        ProspectContact.objects.filter(status=ContactStatus.ABANDONED).values_list("last_name", flat=True)
    ) == set(chosen)


def test_select_all_contacts_matching_the_filter_across_pages(page, demo_data):
    from accounts.models import Entity
    from prospects.models import ContactStatus, ProspectContact
    from prospects.services import prospect_create

    paris = Entity.objects.get(code="paris")
    already_in_progress = set(
        ProspectContact.objects.filter(status=ContactStatus.IN_PROGRESS).values_list("pk", flat=True)
    )
    for index in range(40):
        prospect_create(by=None, entities=[paris], last_name=f"CIBLE{index:02d}", first_name="Anaïs")
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?per_page=25&q=anais")
    assert count_text(page) == "40 éléments - 1/2"
    page.check("#check-page")
    assert page.locator(".mass-bar .js-selected-count").inner_text() == "25"
    page.click("button.js-select-matching")
    assert page.locator(".mass-bar .js-selected-count").inner_text() == "40"
    assert page.locator(".js-matching-selected").is_visible()
    page.screenshot(path=str(ARTIFACTS / "list-select-all-matching.png"))
    page.click(".mass-bar button:has-text('Modifier le statut')")
    dialog = page.locator("#dlg-status")
    assert "Vous avez sélectionné 40 contact(s) prospect(s)" in dialog.inner_text()
    dialog.locator("select[name=status]").select_option("en_cours")
    dialog.locator("button[type=submit]").click()
    page.wait_for_selector(".message.success")
    assert "40 contacts passés au statut « En cours »." in page.locator(".messages").inner_text()
    assert "q=anais" in page.url
    assert ProspectContact.objects.filter(status=ContactStatus.IN_PROGRESS, first_name="Anaïs").count() == 40
    others = ProspectContact.objects.filter(status=ContactStatus.IN_PROGRESS).exclude(first_name="Anaïs")
    assert set(others.values_list("pk", flat=True)) == already_in_progress


def test_the_company_picker_filters_the_table(page, demo_data):
    login(page, "marine", DEMO_PASSWORD)
    page.fill("#company-q", "it con")
    option = page.wait_for_selector(".company-option:has-text('IT CONNECT')")
    page.select_option("#company-options", value=option.get_attribute("value"))
    page.wait_for_url(re.compile(r".*company=\d+.*"))
    wait_for_count(page, 3)
    assert sorted(page.locator("#results td.name").all_inner_texts()) == ["BLOUJ", "JEANOT", "LUJIS"]


def test_sorting_by_a_column_header_without_reloading_the_page(page, demo_data):
    login(page, "marine", DEMO_PASSWORD)
    page.click("#results th a:has-text('Nom')")
    page.wait_for_url(re.compile(r".*sort=last_name.*"))
    names = page.locator("#results td.name").all_inner_texts()
    assert names == sorted(names)
    page.click("#results th a:has-text('Nom')")
    page.wait_for_url(re.compile(r".*sort=-last_name.*"))
    assert page.locator("#results td.name").all_inner_texts() == sorted(names, reverse=True)
