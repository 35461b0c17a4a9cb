"""The list's mass actions without JavaScript (issue 15): the ticked boxes open an actions page
whose forms post to the same mass actions as the list's dialogs."""

import pytest

from prospects.demo import DEMO_PASSWORD
from prospects.models import ContactStatus, ProspectContact
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_without_javascript_ticked_contacts_get_a_mass_status_change(browser, live_server, demo_data):
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1366, "height": 768}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/accounts/login/")
        page.fill("#id_username", "marine")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/prospects/**")
        page.goto("/prospects/?q=it+connect")
        boxes = page.locator("#prospect-table .row-check")
        ticked = [int(boxes.nth(index).get_attribute("value")) for index in range(2)]
        for index in range(2):
            boxes.nth(index).check()
        page.click("button[form=mass-select]")
        page.wait_for_url("**/prospects/mass/?**")
        assert "2 contacts prospects sélectionnés." in page.locator("main").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "list-mass-nojs.png"), full_page=True)
        status_form = page.locator("form[action='/prospects/mass/status/']")
        status_form.locator("select[name=status]").select_option(ContactStatus.ABANDONED)
        status_form.locator("button[type=submit]").click()
        page.wait_for_url("**/prospects/?q=it+connect")
        assert "2 contacts passés au statut « Abandonné »." in page.locator("main").inner_text()
        changed = ProspectContact.objects.filter(pk__in=ticked, status=ContactStatus.ABANDONED)
        assert changed.count() == 2
    finally:
        context.close()
