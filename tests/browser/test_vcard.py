"""vCards in Chromium: files dropped on the list's drop zone, the preview, the import job; a .zip export."""

import io
import re
import zipfile
from pathlib import Path

import pytest
import vobject
from playwright.sync_api import expect

from prospects.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

CORPUS = Path(__file__).resolve().parents[2] / "prospects" / "tests" / "vcard" / "vcf"

DROP = """([files]) => {
  const transfer = new DataTransfer();
  for (const file of files) {
    transfer.items.add(new File([file.text], file.name, { type: "text/vcard" }));
  }
  const zone = document.querySelector("#vcf-quick-add [data-vcf-dropzone]");
  zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
}"""


def test_drop_two_vcf_files_preview_import_and_find_the_contacts(page, demo_data):
    from prospects.models import ProspectContact

    login(page, "lise", DEMO_PASSWORD)  # Assistant commercial: R2, R8, R9
    zone = page.locator("#vcf-quick-add [data-vcf-dropzone]")
    assert "Ajout rapide de contacts (fichiers vcf)" in zone.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "vcard-list-dropzone.png"))
    files = [{"name": name, "text": (CORPUS / name).read_text()} for name in ("google_30.vcf", "android_30.vcf")]
    page.evaluate(DROP, [files])
    page.wait_for_url(re.compile(r".*/prospects/vcard/import/\d+/$"))
    rows = page.locator("#vcf-cards tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().count("Création") == 1 and "Julie Bernard" in rows.nth(0).inner_text()
    assert "Chloé Moreau" in rows.nth(1).inner_text()
    assert not ProspectContact.objects.filter(last_name__in=["Bernard", "Moreau"]).exists()
    page.screenshot(path=str(ARTIFACTS / "vcard-preview.png"), full_page=True)

    page.click("button:has-text('Importer 2 contacts')")
    page.wait_for_selector(".job-progress.status-done")
    page.screenshot(path=str(ARTIFACTS / "vcard-import-done.png"), full_page=True)

    page.goto("/prospects/?q=bernard")
    assert page.locator("#results td.name").all_inner_texts() == ["Bernard"]
    page.goto("/prospects/?q=moreau")
    assert "Moreau" in page.locator("#results td.name").all_inner_texts()


def test_the_file_picker_works_too(page, demo_data):
    login(page, "lise", DEMO_PASSWORD)
    page.set_input_files("#vcf-quick-add input[type=file]", [str(CORPUS / "many_with_broken.vcf")])
    page.wait_for_url(re.compile(r".*/prospects/vcard/import/\d+/$"))
    assert "THIS LINE IS NOT A PROPERTY" in page.locator("#vcf-cards").inner_text()
    assert page.locator("button:has-text('Importer les 4 cartes valides')").is_visible()
    page.screenshot(path=str(ARTIFACTS / "vcard-preview-errors.png"), full_page=True)
    page.click("button:has-text('Importer les 4 cartes valides')")
    page.wait_for_selector(".job-progress.status-done")
    assert "THIS LINE IS NOT A PROPERTY" in page.locator(".import-report").inner_text()
    page.screenshot(path=str(ARTIFACTS / "vcard-import-valid-only.png"), full_page=True)

    page.goto("/prospects/vcard/import/")
    page.set_input_files("#id_files", [str(CORPUS / "outlook_21_qp.vcf"), str(CORPUS / "thunderbird_40.vcf")])
    assert "outlook_21_qp.vcf, thunderbird_40.vcf" in page.locator(".vcf-chosen").inner_text()
    page.screenshot(path=str(ARTIFACTS / "vcard-import-page.png"), full_page=True)
    page.click("button[type=submit]:has-text('Vérifier les fichiers')")
    page.wait_for_url(re.compile(r".*/prospects/vcard/import/\d+/$"))
    assert page.locator("#vcf-cards tbody tr").count() == 2


def test_select_three_contacts_and_export_them_as_a_zip(page, demo_data):
    login(page, "lise", DEMO_PASSWORD)
    checks = page.locator("#results .row-check")
    for index in range(3):
        checks.nth(index).check()
    chosen = page.locator("#results tbody tr.selected td.name").all_inner_texts()
    page.click(".mass-bar button:has-text('Exporter en VCF')")
    dialog = page.locator("#dlg-vcf")
    assert "Vous avez sélectionné 3 contact(s) prospect(s)" in dialog.inner_text()
    dialog.locator("input[name=zip]").check()
    page.screenshot(path=str(ARTIFACTS / "vcard-export-dialog.png"))
    with page.expect_download() as download_info:
        dialog.locator("button[type=submit]").click()
    download = download_info.value
    expect(page.locator("#dlg-vcf")).to_be_hidden()  # not wait_for_function: the CSP refuses its eval
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        names = archive.namelist()
        families = sorted(
            next(vobject.readComponents(archive.read(name).decode())).n.value.family.upper() for name in names
        )
    assert len(names) == 3 and all(name.endswith(".vcf") and "/" not in name for name in names)
    assert families == sorted(name.upper() for name in chosen)
