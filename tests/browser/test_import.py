"""The Excel import in Chromium: template, upload with two bad rows, preview, error file, import, summary."""

import pytest
from openpyxl import load_workbook

from prospects.demo import DEMO_PASSWORD
from prospects.imports.columns import COLUMNS, DATA_SHEET, ERRORS_TITLE
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def _fill(path, rows: list[dict]) -> None:
    workbook = load_workbook(path)
    sheet = workbook[DATA_SHEET]
    for number, values in enumerate(rows, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            if column.key in values:
                sheet.cell(row=number, column=index, value=values[column.key])
    workbook.save(path)


def test_an_assistant_imports_the_good_rows_of_a_file_with_two_bad_ones(page, demo_data, tmp_path):
    from prospects.models import ProspectContact

    ARTIFACTS.mkdir(exist_ok=True)
    login(page, "lise", DEMO_PASSWORD)
    page.goto("/prospects/")
    page.click("text=Importer des contacts prospects")
    page.wait_for_url("**/prospects/import/")
    page.screenshot(path=str(ARTIFACTS / "import-upload.png"), full_page=True)

    with page.expect_download() as template_download:
        page.click("text=Télécharger le modèle Excel")
    template = tmp_path / "modele.xlsx"
    template_download.value.save_as(template)
    _fill(
        template,
        [
            {"last_name": "NAVIGATEUR", "first_name": "Anne", "company": "Société Chromium", "phone": "0144556677"},
            {"last_name": "MAUVAIS", "first_name": "Mail", "email": "pas-un-email"},
            {"last_name": "PAGE", "first_name": "Paul", "email": "paul.page@exemple.fr", "assigned_to": "marine"},
            {"last_name": "INCONNU", "first_name": "Statut", "status": "Peut-être"},
            {"last_name": "PLAYWRIGHT", "first_name": "Léa", "region": "Ile-de-France"},
        ],
    )

    page.set_input_files("input[type=file]", str(template))
    page.click("text=Vérifier le fichier")
    page.wait_for_selector("#import-preview")
    preview = page.locator("#import-preview").inner_text()
    assert "3\nà créer" in preview or "3 à créer" in preview
    assert "2\nen erreur" in preview or "2 en erreur" in preview
    assert "Adresse e-mail invalide." in preview and "Contacts, ligne 3" in preview
    assert "Valeur inconnue" in preview and "Contacts, ligne 5" in preview
    page.screenshot(path=str(ARTIFACTS / "import-preview.png"), full_page=True)
    assert not ProspectContact.objects.filter(last_name="NAVIGATEUR").exists()

    with page.expect_download() as error_download:
        page.click("text=Télécharger le fichier des erreurs")
    errors_path = tmp_path / "erreurs.xlsx"
    error_download.value.save_as(errors_path)
    sheet = load_workbook(errors_path)[DATA_SHEET]
    assert sheet.cell(row=1, column=len(COLUMNS) + 1).value == ERRORS_TITLE
    assert "E-mail : Adresse e-mail invalide." in sheet.cell(row=3, column=len(COLUMNS) + 1).value

    page.click("text=Importer les 3 lignes valides")
    page.wait_for_url("**/prospects/jobs/*/")
    page.wait_for_selector("text=Terminé")
    assert page.locator("progress").get_attribute("value") == "100"
    summary = page.locator("#job-progress").inner_text()
    assert "3 créés" in summary and "2 en erreur" in summary and "Adresse e-mail invalide." in summary
    page.screenshot(path=str(ARTIFACTS / "import-done.png"), full_page=True)
    created = ProspectContact.objects.filter(last_name__in=["NAVIGATEUR", "PAGE", "PLAYWRIGHT"])
    assert created.count() == 3 and all(contact.import_job_id for contact in created)

    # Undo: the contacts go, and the company the import created with them.
    from crm.models import Company

    assert Company.objects.filter(name="Société Chromium").exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Annuler cet import")
    page.wait_for_selector("text=Import annulé : 3 contacts supprimés.")
    report = page.locator("#job-progress").inner_text()
    assert "1 société créée par l'import a été supprimée." in report
    assert not ProspectContact.objects.filter(last_name__in=["NAVIGATEUR", "PAGE", "PLAYWRIGHT"]).exists()
    assert not Company.objects.filter(name="Société Chromium").exists()
    page.screenshot(path=str(ARTIFACTS / "import-undone.png"), full_page=True)
