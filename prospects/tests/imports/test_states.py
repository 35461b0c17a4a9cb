"""The preview → confirm → queue states both import pages share (prospects.imports.states)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from prospects.imports.states import Confirmation, is_awaiting_confirmation, preview_confirm
from prospects.jobs.options import ImportOptions, VCardImportOptions
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from tests.factories import UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db

VCARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:DUPONT;Anne;;;\r\nFN:Anne DUPONT\r\nEMAIL:anne@exemple.fr\r\nEND:VCARD\r\n"


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def excel_preview(client, tmp_path) -> Job:
    path = write_xlsx(tmp_path / "contacts.xlsx", [contact_row()])
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile(path.name, handle.read())
    response = client.post(reverse("prospects:import_upload"), {"file": upload, "existing": "update"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.filter(kind=JobKind.IMPORT_XLSX).latest("pk")


def vcard_preview(client, url="prospects:vcard_import") -> Job:
    upload = SimpleUploadedFile("a.vcf", VCARD.encode(), content_type="text/vcard")
    response = client.post(reverse(url), {"files": [upload], "existing": "skip"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.filter(kind=JobKind.IMPORT_VCF).latest("pk")


def _age(job: Job, seconds: int) -> None:
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=seconds))
    job.refresh_from_db()


def test_both_pages_save_a_typed_preview_that_awaits_confirmation(importer, tmp_path):
    client = logged(importer)

    excel = excel_preview(client, tmp_path)
    vcard = vcard_preview(client)

    assert is_awaiting_confirmation(excel) and is_awaiting_confirmation(vcard)
    checked = ImportOptions.of(excel).checked_sha256  # the previewed bytes, for the run (not scanned twice)
    assert len(checked) == 64
    assert ImportOptions.of(excel) == ImportOptions(preview=True, update_existing=True, rows=1, checked_sha256=checked)
    options = VCardImportOptions.of(vcard)
    assert (options.preview, options.via, options.files, options.cards) == (True, "import", ["a.vcf"], 1)
    assert [card["action"] for card in options.preview_cards] == ["create"]


def test_confirming_queues_once_after_commit(importer, tmp_path, django_capture_on_commit_callbacks):
    job = excel_preview(logged(importer), tmp_path)

    with django_capture_on_commit_callbacks() as queued:
        first = preview_confirm(job=job, valid_only=True)
        second = preview_confirm(job=job, valid_only=False)

    assert (first, second) == (Confirmation.QUEUED, Confirmation.ALREADY_QUEUED)
    assert len(queued) == 1  # one message, sent only once the transaction commits
    job.refresh_from_db()
    options = ImportOptions.of(job)
    assert options.confirmed and options.valid_only and options.update_existing and options.rows == 1
    assert job.counts == {} and job.errors == [] and not is_awaiting_confirmation(job)


def test_a_started_job_is_not_queued_again(importer, tmp_path, django_capture_on_commit_callbacks):
    job = excel_preview(logged(importer), tmp_path)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    with django_capture_on_commit_callbacks() as queued:
        assert preview_confirm(job=job, valid_only=False) == Confirmation.ALREADY_QUEUED
    assert not queued


def test_a_vcard_confirmation_drops_the_preview_lines(importer, django_capture_on_commit_callbacks):
    job = vcard_preview(logged(importer))

    with django_capture_on_commit_callbacks():
        assert preview_confirm(job=job, valid_only=False) == Confirmation.QUEUED

    job.refresh_from_db()
    options = VCardImportOptions.of(job)
    assert options.confirmed and options.preview_cards == [] and options.files == ["a.vcf"]


def test_a_preview_deleted_meanwhile_is_expired(importer, tmp_path):
    job = excel_preview(logged(importer), tmp_path)
    Job.objects.filter(pk=job.pk).delete()

    assert preview_confirm(job=job, valid_only=False) == Confirmation.EXPIRED


@pytest.mark.parametrize("page", ["excel", "vcard", "quick_add"])
def test_an_expired_preview_cannot_be_confirmed(page, importer, tmp_path, settings, django_capture_on_commit_callbacks):
    client = logged(importer)
    if page == "excel":
        job, start, back = excel_preview(client, tmp_path), "prospects:import_start", "prospects:import_upload"
    else:
        url = "prospects:vcard_import" if page == "vcard" else "prospects:vcard_quick_add"
        job, start = vcard_preview(client, url), "prospects:vcard_import_start"
        back = url if page == "vcard" else "prospects:list"
    _age(job, settings.JOB_PREVIEW_EXPIRES_SECONDS + 1)

    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.post(reverse(start, args=[job.pk]), follow=True)

    assert not queued
    assert response.redirect_chain[0][0] == reverse(back)
    assert "Cet aperçu a expiré" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and not ImportOptions.of(job).confirmed
    assert not ProspectContact.objects.exists()


def test_confirming_needs_the_right_and_ones_own_preview(
    importer, rep_without_rights, outsider, groups, paris, tmp_path, django_capture_on_commit_callbacks
):
    excel = excel_preview(logged(importer), tmp_path)
    vcard = vcard_preview(logged(importer))
    colleague = UserFactory(entities=[paris], groups=[groups["Assistant commercial"]])  # same rights, same entity
    for user, statuses in ((rep_without_rights, {403, 404}), (outsider, {403, 404}), (colleague, {404})):
        client = logged(user)
        with django_capture_on_commit_callbacks() as queued:
            assert client.post(reverse("prospects:import_start", args=[excel.pk])).status_code in statuses
            assert client.post(reverse("prospects:vcard_import_start", args=[vcard.pk])).status_code in statuses
        assert not queued
    excel.refresh_from_db()
    vcard.refresh_from_db()
    assert is_awaiting_confirmation(excel) and is_awaiting_confirmation(vcard)
