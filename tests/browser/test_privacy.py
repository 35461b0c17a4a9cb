"""Browser test of a contact's personal-data page: legal basis, opposition, access export (issue 17)."""

import pytest

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_an_admin_records_an_opposition_and_reads_the_access_export(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"/prospects/{julie.pk}/privacy/")
    page.select_option("#id_channel", "telephone")
    page.locator("#opposition-form button[type=submit]").click()
    page.wait_for_url(f"**/prospects/{julie.pk}/privacy/")
    assert page.locator("#opposed-badge").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "privacy-page.png"), full_page=True)
    page.goto(f"/prospects/{julie.pk}/privacy/access/")
    assert "ARMANON" in page.locator("#access-export").inner_text().upper()
    page.screenshot(path=str(ARTIFACTS / "access-export.png"), full_page=True)
    page.goto("/prospects/?opposition=opposes")
    assert page.locator(f'tr[data-id="{julie.pk}"] .badge.opposed').is_visible()
