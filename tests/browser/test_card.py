import pytest

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_marine_opens_julies_card_sees_her_task_and_rep_and_adds_a_note(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "marine", DEMO_PASSWORD)

    page.goto(f"/prospects/{julie.pk}/")

    assert page.locator("h1").inner_text() == "ARMANON Julie"
    assert "BSI CORP" in page.locator("#key-info-title + dl").inner_text()
    assert "DIRON Marine" in page.locator("#assigned-rep").inner_text()
    tasks = page.locator("#tasks").inner_text()
    assert "Contacter le prospect début 2024" in tasks and "28/12/2023 à 11:00" in tasks and "ALPES Lise" in tasks

    page.fill("#id_new_note", "Rappeler Julie après le salon")
    page.click("#postit button[type=submit]")
    page.wait_for_url(f"**/prospects/{julie.pk}/#postit")
    assert "Rappeler Julie après le salon" in page.locator("#notes").inner_text()
    assert "DIRON Marine · Paris" in page.locator("#notes").inner_text()
    page.locator("summary[aria-label='Actions sur le contact']").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "card-armanon.png"), full_page=True)


def test_marine_creates_a_contact_through_the_form_picking_the_company_by_search(page, demo_data):
    login(page, "marine", DEMO_PASSWORD)

    page.goto("/prospects/new/")
    page.fill("#id_company_q", "bsi")
    page.wait_for_selector("#id_company option:has-text('BSI CORP')", state="attached")
    page.select_option("#id_company", label="BSI CORP (Prospect)")
    page.fill("#id_last_name", "Nouveau")
    page.fill("#id_first_name", "Camille")
    page.fill("#id_email", "Camille.Nouveau@BSI.fr")
    page.fill("#id_phone", "0144.55.66.77")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "card-form.png"), full_page=True)
    page.click("button[type=submit].primary")

    page.wait_for_url("**/prospects/*/")
    assert page.locator("h1").inner_text() == "NOUVEAU Camille"
    key_info = page.locator("#key-info-title + dl").inner_text()
    assert "BSI CORP" in key_info and "camille.nouveau@bsi.fr" in key_info and "01 44 55 66 77" in key_info


def test_marine_is_warned_of_a_duplicate_and_may_save_anyway(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "marine", DEMO_PASSWORD)

    page.goto("/prospects/new/")
    page.fill("#id_company_q", "BSI")
    page.wait_for_selector("#id_company option:has-text('BSI CORP')", state="attached")
    page.select_option("#id_company", label="BSI CORP (Prospect)")
    page.fill("#id_last_name", "Armanon")
    page.fill("#id_first_name", "Julie")
    page.click("button[type=submit].primary")

    warning = page.locator("#duplicates")
    assert "Doublon possible" in warning.inner_text()
    assert warning.locator(f"a[href='/prospects/{julie.pk}/']").inner_text() == "ARMANON Julie"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "card-duplicate-warning.png"), full_page=True)
    page.click("button[name=confirm_duplicates]")
    page.wait_for_url("**/prospects/*/")
    assert ProspectContact.objects.filter(last_name__iexact="armanon", first_name="Julie").count() == 2


def test_marine_filters_the_skills_and_sets_julies_environment(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "marine", DEMO_PASSWORD)

    page.goto(f"/prospects/{julie.pk}/")
    page.locator("summary[aria-label='Actions sur le contact']").click()
    page.get_by_role("menuitem", name="Environnement/Compétences").click()
    page.wait_for_url(f"**/prospects/{julie.pk}/skills/")  # waits for "load": the filter script is ready
    page.fill("input[data-filter]", "jav")
    assert page.locator("label.choice:visible").all_inner_texts() == ["Java", "JavaScript"]
    page.get_by_label("Java", exact=True).check()
    page.fill("input[data-filter]", "")
    page.get_by_label("AWS").check()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "card-skills.png"), full_page=True)
    page.click("button[type=submit].primary")

    page.wait_for_url(f"**/prospects/{julie.pk}/")
    assert page.locator("#skills").inner_text().split() == ["AWS", "Java"]


def test_marine_converts_julie_into_a_client_contact(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "marine", DEMO_PASSWORD)

    page.goto(f"/prospects/{julie.pk}/")
    page.locator("summary[aria-label='Actions sur le contact']").click()
    page.get_by_role("menuitem", name="Convertir en contact client").click()
    page.get_by_label("Convertir la société BSI CORP en client").check()
    page.get_by_role("button", name="Convertir").click()

    page.wait_for_url(f"**/prospects/{julie.pk}/")
    assert "ARMANON Julie chez BSI CORP" in page.locator("#client-contact").inner_text()
    assert "Converti" in page.locator("#follow-up-title + dl").inner_text()
    page.locator("summary[aria-label='Actions sur le contact']").click()
    assert page.get_by_role("menuitem", name="Convertir en contact client").count() == 0


def test_marine_tries_to_delete_julie_and_reads_why_not(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    login(page, "marine", DEMO_PASSWORD)

    page.goto(f"/prospects/{julie.pk}/")
    page.locator("summary[aria-label='Actions sur le contact']").click()
    page.get_by_role("menuitem", name="Supprimer le contact prospect").click()
    page.wait_for_url(f"**/prospects/{julie.pk}/delete/")  # the confirmation page
    assert "Supprimer définitivement ARMANON Julie ?" in page.locator("h1").inner_text()
    page.click("#confirm-delete")

    page.wait_for_url(f"**/prospects/{julie.pk}/")
    refused = "ARMANON Julie ne peut pas être supprimé : lié à 1 tâche commerciale."
    assert refused in page.locator(".messages").inner_text()
    assert ProspectContact.objects.filter(pk=julie.pk).exists()
