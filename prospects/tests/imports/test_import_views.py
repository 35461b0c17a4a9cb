"""The import pages: template, upload and preview, start, job report, error file, undo; R7 and the outsider."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from prospects.imports.columns import DATA_SHEET
from prospects.jobs.options import ImportOptions, ImportRecord
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.imports.import_helpers import TITLES, contact_row, write_xlsx
from tests.factories import NoteFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def _upload(client, path, existing="skip"):
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    return client.post(reverse("prospects:import_upload"), {"file": upload, "existing": existing})


def _preview_job(client, tmp_path, rows, **kwargs) -> Job:
    response = _upload(client, write_xlsx(tmp_path / "contacts.xlsx", rows), **kwargs)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def _start(client, job, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("prospects:import_start", args=[job.pk]), data)
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def test_the_template_downloads_with_r7(client_as, importer):
    response = client_as(importer).get(reverse("prospects:import_template"))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="modele-import')
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [cell.value for cell in workbook[DATA_SHEET][1]] == TITLES


@pytest.mark.parametrize("name", ["prospects:import_template", "prospects:import_upload"])
def test_the_pages_refuse_users_without_r7(client_as, sales_rep, rep_without_rights, name):
    assert client_as(sales_rep).get(reverse(name)).status_code == 403
    assert client_as(rep_without_rights).get(reverse(name)).status_code == 403


def test_the_list_links_to_the_import_only_with_r7(client_as, importer, sales_rep):
    assert "Importer des contacts prospects" in client_as(importer).get(reverse("prospects:list")).content.decode()
    assert "Importer des contacts prospects" not in client_as(sales_rep).get(reverse("prospects:list")).content.decode()


def test_a_rejected_file_is_explained_on_the_form_and_nothing_is_stored(client_as, importer, tmp_path):
    header = list(TITLES)
    header[7] = "Courriel"
    response = _upload(client_as(importer), write_xlsx(tmp_path / "f.xlsx", [contact_row()], header=header))

    assert response.status_code == 200
    assert "Colonne H : « Courriel » trouvé, « E-mail » attendu." in response.content.decode()
    assert not Job.objects.exists()


def test_the_preview_counts_and_lists_the_first_errors_without_writing(client_as, importer, tmp_path):
    client = client_as(importer)
    rows = [contact_row(last_name=f"N{i}") for i in range(3)] + [contact_row(email="faux"), contact_row(last_name=None)]

    job = _preview_job(client, tmp_path, rows)
    page = client.get(reverse("prospects:import_preview", args=[job.pk])).content.decode()

    assert job.status == JobStatus.PENDING and ImportOptions.of(job).preview and not ImportOptions.of(job).confirmed
    assert job.counts["created"] == 3 and job.counts["errors"] == 2
    assert "Adresse e-mail invalide." in page and "Contacts, ligne 5" in page
    assert "Importer les 3 lignes valides" in page
    assert "Contacts déjà présents : ignorés" in page
    assert "Sans confirmation, cet aperçu et le fichier déposé sont supprimés le" in page
    assert ProspectContact.objects.count() == 0


def test_importing_runs_the_job_and_the_job_page_shows_the_summary(
    client_as, importer, tmp_path, django_capture_on_commit_callbacks
):
    client = client_as(importer)
    job = _preview_job(client, tmp_path, [contact_row(last_name=f"N{i}", company="Acme") for i in range(4)])

    job = _start(client, job, django_capture_on_commit_callbacks)

    assert job.status == JobStatus.DONE, job.error_message
    assert job.counts == {"created": 4, "updated": 0, "skipped": 0, "errors": 0, "companies_created": 1}
    assert set(ProspectContact.objects.values_list("import_job", flat=True)) == {job.pk}
    page = client.get(reverse("prospects:job_detail", args=[job.pk])).content.decode()
    assert "4 créés" in page and "1 société créée" in page and "Annuler cet import" in page


def test_an_import_with_errors_fails_whole_unless_valid_rows_only_is_chosen(
    client_as, importer, tmp_path, django_capture_on_commit_callbacks
):
    client = client_as(importer)
    rows = [contact_row(last_name="BON"), contact_row(email="faux")]
    all_or_nothing = _start(client, _preview_job(client, tmp_path, rows), django_capture_on_commit_callbacks)

    assert all_or_nothing.status == JobStatus.FAILED
    assert all_or_nothing.error_message == "1 ligne en erreur : aucun contact n'a été importé."
    assert all_or_nothing.errors[0]["row"] == 3 and ProspectContact.objects.count() == 0
    page = client.get(reverse("prospects:job_detail", args=[all_or_nothing.pk])).content.decode()
    assert "Adresse e-mail invalide." in page and "Télécharger le fichier des erreurs" in page

    valid_only = _start(
        client, _preview_job(client, tmp_path, rows), django_capture_on_commit_callbacks, valid_only="on"
    )
    assert valid_only.status == JobStatus.DONE and valid_only.counts["created"] == 1
    assert valid_only.errors[0]["message"] == "Adresse e-mail invalide."


def test_a_job_is_started_once(client_as, importer, tmp_path, django_capture_on_commit_callbacks):
    client = client_as(importer)
    job = _start(client, _preview_job(client, tmp_path, [contact_row()]), django_capture_on_commit_callbacks)
    job = _start(client, job, django_capture_on_commit_callbacks)

    assert job.status == JobStatus.DONE and ProspectContact.objects.count() == 1


def test_the_error_file_downloads(client_as, importer, tmp_path):
    client = client_as(importer)
    job = _preview_job(client, tmp_path, [contact_row(), contact_row(last_name="X", email="faux")])

    response = client.get(reverse("prospects:import_errors", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="erreurs-contacts.xlsx"'
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))[DATA_SHEET]
    assert sheet.cell(row=3, column=len(TITLES) + 1).value == "E-mail : Adresse e-mail invalide."


def test_the_outsider_gets_404_on_every_page_of_someone_elses_import(client_as, importer, outsider, tmp_path):
    job = _preview_job(client_as(importer), tmp_path, [contact_row(email="faux")])
    outsider.user_permissions.add(*importer.groups.get().permissions.all())  # even with R7
    client = client_as(outsider)

    assert client.get(reverse("prospects:import_preview", args=[job.pk])).status_code == 404
    assert client.get(reverse("prospects:import_errors", args=[job.pk])).status_code == 404
    assert client.post(reverse("prospects:import_start", args=[job.pk])).status_code == 404
    assert client.post(reverse("prospects:import_undo", args=[job.pk])).status_code == 404
    assert client.get(reverse("prospects:job_detail", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert not ImportOptions.of(job).confirmed


def test_state_changing_urls_refuse_get(client_as, importer, tmp_path):
    client = client_as(importer)
    job = _preview_job(client, tmp_path, [contact_row()])

    assert client.get(reverse("prospects:import_start", args=[job.pk])).status_code == 405
    assert client.get(reverse("prospects:import_undo", args=[job.pk])).status_code == 405


def _undo(client, job, django_capture_on_commit_callbacks):
    """Ask for the undo and run its job (queued on commit), then follow to the undo job's page."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("prospects:import_undo", args=[job.pk]))
    return client.get(response["Location"], follow=True)


def test_undo_deletes_the_untouched_contacts_and_keeps_the_changed_ones(
    client_as, importer, tmp_path, django_capture_on_commit_callbacks
):
    client = client_as(importer)
    rows = [contact_row(last_name=name) for name in ("GARDE", "NOTE", "TACHE", "PART1", "PART2")]
    job = _start(client, _preview_job(client, tmp_path, rows), django_capture_on_commit_callbacks)
    contacts = {c.last_name: c for c in ProspectContact.objects.all()}
    later = job.finished_at + timedelta(minutes=5)
    ProspectContact.objects.filter(pk=contacts["GARDE"].pk).update(job_title="DSI", updated_at=later)
    TaskFactory(prospect=contacts["TACHE"])
    NoteFactory(prospect=contacts["NOTE"], author=importer, entity=importer.entities.get())

    response = _undo(client, job, django_capture_on_commit_callbacks)

    remaining = set(ProspectContact.objects.values_list("last_name", flat=True))
    assert remaining == {"GARDE", "TACHE"}  # a note alone does not keep a contact (it goes with it)
    job.refresh_from_db()
    assert job.counts["deleted"] == 3 and ImportRecord.of(job).undo_kept_count == 2
    page = response.content.decode()
    assert "Import annulé : 3 contacts supprimés." in page and "modifié depuis l&#x27;import" in page
    assert "1 tâche" in page and "Annuler cet import" not in page
    again = _undo(client, job, django_capture_on_commit_callbacks)
    assert "ne peut pas être annulé" in again.content.decode()


def test_undo_also_deletes_the_companies_it_created_that_nothing_uses_any_more(
    client_as, importer, paris, tmp_path, django_capture_on_commit_callbacks
):
    from crm.models import Company

    existing = Company.objects.create(name="Existante SA")
    existing.entities.add(paris)
    client = client_as(importer)
    rows = [
        contact_row(last_name="SEUL", company="Seule SARL"),
        contact_row(last_name="GARDE", company="Gardée SA"),
        contact_row(last_name="PARTI", company="Gardée SA"),
        contact_row(last_name="CHEZ", company="Existante SA"),
        contact_row(last_name="RENOMME", company="Renommée SAS"),
    ]
    job = _start(client, _preview_job(client, tmp_path, rows), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.counts["companies_created"] == 3 and len(ImportRecord.of(job).created_company_ids) == 3
    later = job.finished_at + timedelta(minutes=5)
    ProspectContact.objects.filter(last_name="GARDE").update(job_title="DSI", updated_at=later)
    Company.objects.filter(name="Renommée SAS").update(name="Renommée Groupe", updated_at=later)

    response = _undo(client, job, django_capture_on_commit_callbacks)

    assert set(Company.objects.values_list("name", flat=True)) == {"Existante SA", "Gardée SA", "Renommée Groupe"}
    job.refresh_from_db()
    assert job.counts["companies_deleted"] == 1
    kept = {kept["company"]: kept["reason"] for kept in ImportRecord.of(job).undo_kept_companies}
    assert kept == {"Gardée SA": "a encore des contacts", "Renommée Groupe": "modifiée depuis l'import"}
    page = response.content.decode()
    assert "1 société créée par l'import a été supprimée." in page and "Renommée Groupe" in page


def test_undo_keeps_a_created_company_that_a_deal_uses_and_deletes_the_others(
    client_as, importer, paris, tmp_path, django_capture_on_commit_callbacks
):
    from crm.models import Company, Opportunity

    client = client_as(importer)
    rows = [contact_row(last_name=f"NOM{index}", company=f"Société {index}") for index in range(4)]
    job = _start(client, _preview_job(client, tmp_path, rows), django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert len(ImportRecord.of(job).created_company_ids) == 4
    Opportunity.objects.create(name="Contrat cadre", company=Company.objects.get(name="Société 2"))

    _undo(client, job, django_capture_on_commit_callbacks)

    assert set(Company.objects.values_list("name", flat=True)) == {"Société 2"}
    job.refresh_from_db()
    assert job.counts["companies_deleted"] == 3
    kept = {kept["company"]: kept["reason"] for kept in ImportRecord.of(job).undo_kept_companies}
    assert kept == {"Société 2": "utilisée ailleurs"}


def test_undo_is_refused_for_a_failed_or_unstarted_import(client_as, importer, tmp_path):
    client = client_as(importer)
    job = _preview_job(client, tmp_path, [contact_row()])
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now())

    response = client.post(reverse("prospects:import_undo", args=[job.pk]), follow=True)

    assert "ne peut pas être annulé" in response.content.decode()


def test_an_export_job_is_not_an_import(client_as, importer):
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=importer)

    assert client_as(importer).get(reverse("prospects:import_preview", args=[job.pk])).status_code == 404
