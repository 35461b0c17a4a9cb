import pytest

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_marine_changes_a_status_and_reads_it_in_the_cards_history(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    old_status = julie.get_status_display()
    login(page, "marine", DEMO_PASSWORD)
    page.goto(f"/prospects/{julie.pk}/edit/")
    page.select_option("#id_status", "abandonne")
    page.click("button[type=submit].primary")
    page.wait_for_url(f"**/prospects/{julie.pk}/")
    history = page.locator("#history").inner_text()
    assert "DIRON Marine" in history and "Statut" in history
    assert old_status in history and "→ Abandonné" in history
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#history").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "card-history.png"), full_page=True)


def test_the_list_row_menu_links_the_real_pages_and_deletes_after_confirmation(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?q=armanon&per_page=25")
    assert page.locator("#add-prospect").is_visible()
    row = page.locator("tr", has=page.locator(f'a[href="/prospects/{julie.pk}/"]'))
    row.locator("a.more").click()
    menu = row.locator(".row-menu")
    assert menu.locator('a[data-action="skills"]').get_attribute("href") == f"/prospects/{julie.pk}/skills/"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "list-row-menu.png"), full_page=True)
    menu.locator('a[data-action="delete"]').click()  # a confirmation page, not a script dialog
    page.wait_for_url(f"**/prospects/{julie.pk}/delete/")
    page.click("text=Annuler")
    assert ProspectContact.objects.filter(pk=julie.pk).exists(), "cancelling the confirmation keeps the contact"
    page.goto("/prospects/?q=armanon&per_page=25")
    row.locator("a.more").click()
    menu.locator('a[data-action="duplicate"]').click()
    page.wait_for_url(f"**/prospects/{julie.pk}/duplicate/")
