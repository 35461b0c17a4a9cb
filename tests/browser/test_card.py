import pytest

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_marine_opens_julies_card_and_sees_her_task_and_rep(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "marine", DEMO_PASSWORD)

    page.goto(f"/prospects/{julie.pk}/")

    assert page.locator("h1").inner_text() == "ARMANON Julie"
    assert "BSI CORP" in page.locator("#key-info-title + dl").inner_text()
    assert "DIRON Marine" in page.locator("#assigned-rep").inner_text()
    tasks = page.locator("#tasks").inner_text()
    assert "Contacter le prospect début 2024" in tasks and "28/12/2023 à 11:00" in tasks and "ALPES Lise" in tasks
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "card-armanon.png"), full_page=True)
