"""I4 and quick add: upload → preview (nothing written) → job through the shared import pipeline; rights R2/R9."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from crm.models import Company
from prospects.jobs.options import VCardImportOptions
from prospects.jobs.runner import job_run
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.vcard import imports as vcard_imports
from prospects.vcard.writer import VCardFields, serialize, serialize_many
from tests.factories import CompanyFactory, ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "vcf"
IMPORT = reverse("prospects:vcard_import")
QUICK_ADD = reverse("prospects:vcard_quick_add")


def corpus(*names: str) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(name, (CORPUS / name).read_bytes(), content_type="text/vcard") for name in names]


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode() if isinstance(text, str) else text, content_type="text/vcard")


def preview(client, files, url=IMPORT, **extra):
    response = client.post(url, {"files": files, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    job = Job.objects.filter(kind=JobKind.IMPORT_VCF).latest("pk")
    assert response["Location"] == reverse("prospects:vcard_preview", args=[job.pk])
    return job


def start(client, job, captured, **data):
    with captured(execute=True):
        response = client.post(reverse("prospects:vcard_import_start", args=[job.pk]), data)
    assert response.status_code == 302
    job.refresh_from_db()
    return job


# Rights -----------------------------------------------------------------------------------


def test_the_import_page_needs_r9(sales_rep, rep_without_rights, manager):
    assert logged(sales_rep).get(IMPORT).status_code == 403  # a Commercial has R8, not R9
    assert logged(rep_without_rights).get(IMPORT).status_code == 403
    page = logged(manager).get(IMPORT)
    assert page.status_code == 200 and 'name="files"' in page.content.decode()


def test_quick_add_needs_r2_and_is_post_only_with_csrf(sales_rep, manager):
    files = corpus("google_30.vcf")
    assert logged(sales_rep).post(QUICK_ADD, {"files": files}).status_code == 403
    assert logged(manager).get(QUICK_ADD).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(QUICK_ADD, {"files": corpus("google_30.vcf")}).status_code == 403
    assert not Job.objects.exists()


def test_the_list_shows_the_drop_zone_with_r2_and_the_import_link_with_r9(sales_rep, manager, groups, paris):
    body = logged(manager).get(reverse("prospects:list")).content.decode()
    assert "data-vcf-dropzone" in body and reverse("prospects:vcard_import") in body
    assert "Ajout rapide de contacts (fichiers vcf)" in body
    body = logged(sales_rep).get(reverse("prospects:list")).content.decode()
    assert "data-vcf-dropzone" not in body and reverse("prospects:vcard_import") not in body
    assistant = UserFactory(entities=[paris], groups=[groups["Assistant commercial"]])
    assert "data-vcf-dropzone" in logged(assistant).get(reverse("prospects:list")).content.decode()


def test_another_users_preview_and_start_answer_404(manager, outsider, django_capture_on_commit_callbacks):
    job = preview(logged(manager), corpus("google_30.vcf"))
    other = logged(outsider)
    assert other.get(reverse("prospects:vcard_preview", args=[job.pk])).status_code == 404
    assert other.post(reverse("prospects:vcard_import_start", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert not VCardImportOptions.of(job).confirmed


# Preview then import ------------------------------------------------------------------------


def test_two_files_preview_then_import_in_a_job(manager, paris, django_capture_on_commit_callbacks):
    client = logged(manager)
    job = preview(client, corpus("apple_icloud_30.vcf", "outlook_21_qp.vcf"))
    assert ProspectContact.objects.count() == 0  # the preview writes nothing
    assert job.status == JobStatus.PENDING and VCardImportOptions.of(job).cards == 3
    assert job.counts["created"] == 3 and job.counts["errors"] == 0
    page = client.get(reverse("prospects:vcard_preview", args=[job.pk])).content.decode()
    for expected in ("apple_icloud_30.vcf", "outlook_21_qp.vcf", "Hélène Lefèvre", "André Lefèvre", "Création"):
        assert expected in page
    assert "Photo ignorée." in page
    job = start(client, job, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.DONE, job.error_message
    assert job.counts["created"] == 3
    helene = ProspectContact.objects.get(email="h.lefevre@brasserie-nord.fr")
    assert (helene.last_name, helene.first_name, helene.gender) == ("Lefèvre", "Hélène", "mme")
    assert helene.company.name == "Brasserie du Nord" and helene.department == "Achats"
    assert helene.mobile and helene.phone and helene.city == "Lille" and helene.postcode == "59000"
    assert helene.description.startswith("Rencontrée au salon, stand B12")
    assert list(helene.entities.all()) == [paris]
    andre = ProspectContact.objects.get(email="andre.lefevre@sge.example")
    assert andre.company.name == "Société Générale d'Équipement" and andre.fax
    assert andre.import_job_id == job.pk


def test_re_importing_the_same_files_creates_no_duplicate(manager, django_capture_on_commit_callbacks):
    client = logged(manager)
    start(client, preview(client, corpus("google_30.vcf", "android_30.vcf")), django_capture_on_commit_callbacks)
    assert ProspectContact.objects.count() == 2
    again = preview(client, corpus("google_30.vcf", "android_30.vcf"))
    assert again.counts["skipped"] == 2 and again.counts["created"] == 0
    page = client.get(reverse("prospects:vcard_preview", args=[again.pk])).content.decode()
    assert "Ignorée : contact déjà présent" in page
    start(client, again, django_capture_on_commit_callbacks)
    assert ProspectContact.objects.count() == 2


def test_the_update_policy_updates_the_contact_found_by_email(manager, paris, django_capture_on_commit_callbacks):
    existing = ProspectFactory(
        last_name="Bernard", first_name="Julie", email="julie.bernard@acme-industrie.fr", job_title="", entities=[paris]
    )
    client = logged(manager)
    job = preview(client, corpus("google_30.vcf"), existing="update")
    assert job.counts["updated"] == 1
    job = start(client, job, django_capture_on_commit_callbacks)
    existing.refresh_from_db()
    assert existing.job_title == "Directrice technique" and ProspectContact.objects.count() == 1


def test_a_match_by_name_and_company(manager, paris, django_capture_on_commit_callbacks):
    company = CompanyFactory(name="Nantes Logistique", entities=[paris])
    ProspectFactory(last_name="MOREAU", first_name="Chloe", email="", company=company, entities=[paris])
    job = preview(logged(manager), corpus("android_30.vcf"))
    assert job.counts["skipped"] == 1 and job.counts["companies_created"] == 0


def test_another_entitys_contact_with_the_same_email_is_neither_matched_nor_shown(
    manager, lyon, django_capture_on_commit_callbacks
):
    ProspectFactory(last_name="SECRET", email="julie.bernard@acme-industrie.fr", entities=[lyon])
    client = logged(manager)
    job = preview(client, corpus("google_30.vcf"))
    assert job.counts["created"] == 1 and job.counts["skipped"] == 0
    assert "SECRET" not in client.get(reverse("prospects:vcard_preview", args=[job.pk])).content.decode()


def test_a_broken_card_blocks_the_whole_import_unless_valid_cards_only_is_chosen(
    manager, django_capture_on_commit_callbacks
):
    client = logged(manager)
    job = preview(client, corpus("many_with_broken.vcf"))
    assert job.counts["created"] == 4 and job.counts["errors"] == 1
    [error] = job.errors
    assert (error["file"], error["card"], error["line"]) == ("many_with_broken.vcf", 3, 20)
    page = client.get(reverse("prospects:vcard_preview", args=[job.pk])).content.decode()
    assert "THIS LINE IS NOT A PROPERTY" in page and "Importer les 4 cartes valides" in page
    failed = start(client, job, django_capture_on_commit_callbacks)  # all-or-nothing (G1)
    assert failed.status == JobStatus.FAILED and ProspectContact.objects.count() == 0
    assert failed.errors[0]["card"] == 3
    retry = preview(client, corpus("many_with_broken.vcf"))
    done = start(client, retry, django_capture_on_commit_callbacks, valid_only="on")
    assert done.status == JobStatus.DONE and done.counts["created"] == 4 and done.counts["errors"] == 1
    assert ProspectContact.objects.count() == 4


def test_cards_without_a_name_are_errors_naming_the_card(manager, django_capture_on_commit_callbacks):
    job = preview(logged(manager), corpus("no_name.vcf"))
    assert job.counts["errors"] == 2 and job.counts["created"] == 0
    assert {(error["card"], error["key"]) for error in job.errors} >= {(1, "last_name"), (2, "first_name")}


def test_unusable_files_are_listed_and_the_good_ones_previewed(manager):
    client = logged(manager)
    job = preview(client, corpus("empty.vcf", "calendar.vcf", "google_30.vcf"))
    assert job.counts["created"] == 1 and job.counts["errors"] == 2
    assert {error["file"] for error in job.errors} == {"empty.vcf", "calendar.vcf"}


def test_only_unusable_files_give_a_form_error_and_no_job(manager):
    response = logged(manager).post(IMPORT, {"files": corpus("not_a_vcard.vcf")})
    assert response.status_code == 200 and "pas un fichier vCard" in response.content.decode()
    assert not Job.objects.exists()


def test_quick_add_errors_come_back_on_the_list(manager):
    response = logged(manager).post(QUICK_ADD, {"files": corpus("empty.vcf")}, follow=True)
    assert "le fichier est vide" in response.content.decode()
    assert not Job.objects.exists()


def test_quick_add_previews_like_the_import_page(manager, django_capture_on_commit_callbacks):
    client = logged(manager)
    job = preview(client, corpus("thunderbird_40.vcf", "nextcloud_40.vcf"), url=QUICK_ADD)
    assert VCardImportOptions.of(job).via == "quick_add" and job.counts["created"] == 2
    assert start(client, job, django_capture_on_commit_callbacks).status == JobStatus.DONE
    assert Company.objects.filter(name="Laval Conseil").exists()


def test_the_published_limits_are_checked_before_reading(manager, monkeypatch):
    monkeypatch.setattr(vcard_imports, "MAX_FILES", 2)
    response = logged(manager).post(IMPORT, {"files": corpus("google_30.vcf", "android_30.vcf", "bom_utf8.vcf")})
    assert "3 fichiers : 2 au plus." in response.content.decode()
    assert not Job.objects.exists()


def test_a_file_that_names_a_path_is_stored_under_a_server_built_name(manager):
    job = preview(
        logged(manager), [upload("../../etc/passwd.vcf", serialize(VCardFields(last_name="A", first_name="B")))]
    )
    assert "/etc/" not in job.source_file.name and job.source_file.name.startswith("jobs/import_vcf/")


def test_two_files_with_the_same_name_stay_apart(manager):
    first = upload("contacts.vcf", serialize(VCardFields(last_name="Un", first_name="A", email="un@example.fr")))
    second = upload("contacts.vcf", serialize(VCardFields(last_name="Deux", first_name="B", email="deux@example.fr")))
    job = preview(logged(manager), [first, second])
    assert {card["file"] for card in VCardImportOptions.of(job).preview_cards} == {"contacts.vcf", "contacts.vcf (2)"}


def test_duplicates_inside_the_upload_are_reported(manager):
    card = VCardFields(last_name="Double", first_name="A", email="double@example.fr")
    job = preview(logged(manager), [upload("a.vcf", serialize_many([card, card]))])
    assert job.counts["created"] == 1 and job.counts["errors"] == 1


def test_the_job_refuses_to_run_when_the_right_was_withdrawn(manager, django_capture_on_commit_callbacks, groups):
    client = logged(manager)
    job = preview(client, corpus("google_30.vcf"))
    manager.groups.clear()
    response = client.post(reverse("prospects:vcard_import_start", args=[job.pk]))
    assert response.status_code == 403
    # A job confirmed before the right was withdrawn refuses to run as well.
    Job.objects.filter(pk=job.pk).update(
        options=VCardImportOptions.of(job).confirmed_with(valid_only=False).to_options()
    )
    assert job_run(job.pk) == JobStatus.FAILED
    assert ProspectContact.objects.count() == 0


# Command line ---------------------------------------------------------------------------------


def test_the_import_command_dry_run_writes_nothing(manager):
    out = io.StringIO()
    call_command("import_vcf", str(CORPUS / "google_30.vcf"), str(CORPUS / "android_30.vcf"), "--user",
                 manager.username, "--dry-run", stdout=out)  # fmt: skip
    assert "rien n'a été écrit" in out.getvalue() and "2 créés" in out.getvalue()
    assert ProspectContact.objects.count() == 0 and not Job.objects.exists()


def test_the_import_command_runs_a_recorded_job_and_reports_bad_cards(manager):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_vcf", str(CORPUS / "many_with_broken.vcf"), "--user", manager.username, stdout=out)
    assert "many_with_broken.vcf, carte 3, ligne 20" in out.getvalue()
    assert ProspectContact.objects.count() == 0
    call_command(
        "import_vcf", str(CORPUS / "many_with_broken.vcf"), "--user", manager.username, "--valid-only", stdout=out
    )
    job = Job.objects.filter(kind=JobKind.IMPORT_VCF).latest("pk")
    assert job.status == JobStatus.DONE and job.counts["created"] == 4
    assert ProspectContact.objects.count() == 4


def test_the_import_command_checks_the_user_and_the_files(sales_rep, manager, tmp_path):
    with pytest.raises(CommandError, match="R9"):
        call_command("import_vcf", str(CORPUS / "google_30.vcf"), "--user", sales_rep.username)
    with pytest.raises(CommandError, match="introuvable"):
        call_command("import_vcf", str(tmp_path / "missing.vcf"), "--user", manager.username)
    with pytest.raises(CommandError, match="inconnu"):
        call_command("import_vcf", str(CORPUS / "google_30.vcf"), "--user", "nobody")


def test_the_job_page_reports_the_bad_cards_by_file_card_and_line(manager, django_capture_on_commit_callbacks):
    client = logged(manager)
    failed = start(client, preview(client, corpus("many_with_broken.vcf")), django_capture_on_commit_callbacks)
    page = client.get(reverse("prospects:job_detail", args=[failed.pk])).content.decode()
    assert "1 carte en erreur : aucun contact n&#x27;a été importé." in page
    assert "many_with_broken.vcf, fiche 3, ligne 20" in page and "THIS LINE IS NOT A PROPERTY" in page


def test_the_import_pages_speak_english_too(manager):
    client = logged(manager)
    client.post("/i18n/setlang/", {"language": "en", "next": "/prospects/"})
    assert "Import contacts from VCF" in client.get(IMPORT).content.decode()
    job = preview(client, corpus("many_with_broken.vcf"))
    page = client.get(reverse("prospects:vcard_preview", args=[job.pk])).content.decode()
    assert "VCF import preview" in page and "Import the 4 valid cards and skip the cards in error" in page


def test_huge_and_html_uploads_are_refused_and_nothing_is_served_back(manager, monkeypatch):
    client = logged(manager)
    monkeypatch.setattr(vcard_imports, "MAX_FILE_BYTES", 100)
    response = client.post(IMPORT, {"files": corpus("apple_icloud_30.vcf")})
    assert "apple_icloud_30.vcf : le fichier dépasse 0 Mo." in response.content.decode()
    monkeypatch.undo()
    html = upload("page.vcf", "<html><script>alert(1)</script></html>")
    svg = upload("image.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    response = client.post(IMPORT, {"files": [html, svg]})
    body = response.content.decode()
    assert "page.vcf : ce n&#x27;est pas un fichier vCard" in body and "<script>alert" not in body
    assert not Job.objects.exists()


def test_starting_an_import_is_post_only(manager):
    client = logged(manager)
    job = preview(client, corpus("google_30.vcf"))
    assert client.get(reverse("prospects:vcard_import_start", args=[job.pk])).status_code == 405
    job.refresh_from_db()
    assert not VCardImportOptions.of(job).confirmed


def test_a_vcard_import_can_be_undone_with_the_right_that_allowed_it(
    manager, outsider, groups, django_capture_on_commit_callbacks
):
    client = logged(manager)
    job = start(
        client, preview(client, corpus("apple_icloud_30.vcf", "outlook_21_qp.vcf")), django_capture_on_commit_callbacks
    )
    assert job.status == JobStatus.DONE and ProspectContact.objects.count() == 3
    companies = set(Company.objects.values_list("name", flat=True))
    assert "Brasserie du Nord" in companies
    undo = reverse("prospects:import_undo", args=[job.pk])
    assert "Annuler cet import" in client.get(reverse("prospects:job_detail", args=[job.pk])).content.decode()

    assert logged(outsider).post(undo).status_code == 404  # someone else's job
    assert client.get(undo).status_code == 405
    manager.groups.clear()  # the right that allowed the import (R9) withdrawn
    assert client.post(undo).status_code == 403
    assert ProspectContact.objects.count() == 3

    manager.groups.add(groups["Responsable commercial"])
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(undo)
    page = client.get(asked["Location"]).content.decode()
    assert "Import annulé : 3 contacts supprimés." in page
    assert ProspectContact.objects.count() == 0
    assert not Company.objects.filter(name="Brasserie du Nord").exists()
    assert "Annuler cet import" not in page
