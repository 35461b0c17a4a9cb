"""A large vCard upload is read in a background job (VCF_PREVIEW); its page hands over to the preview."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from prospects.jobs.options import VCardImportOptions, VCardPreviewOptions
from prospects.jobs.runner import job_run
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.vcard.test_vcard_import import IMPORT, QUICK_ADD, upload
from prospects.vcard.writer import VCardFields, serialize_many
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def cards(count: int, prefix: str = "CARTE") -> str:
    return serialize_many(
        [VCardFields(last_name=f"{prefix}{number}", first_name="Anne") for number in range(count)], "3.0"
    )


@pytest.fixture
def small_threshold(settings):
    settings.VCARD_SYNC_PREVIEW_MAX_CARDS = 5
    settings.VCARD_SYNC_PREVIEW_MAX_BYTES = 1024 * 1024


def test_an_upload_past_the_card_threshold_is_read_in_a_job_then_previewed(
    manager, small_threshold, django_capture_on_commit_callbacks
):
    client = logged(manager)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(IMPORT, {"files": [upload("a.vcf", cards(4, "A")), upload("b.vcf", cards(3, "B"))]})

    reading = Job.objects.get(kind=JobKind.VCF_PREVIEW)
    assert response["Location"] == reverse("prospects:job_detail", args=[reading.pk])
    assert not Job.objects.filter(kind=JobKind.IMPORT_VCF).exists() and len(queued) == 1
    page = client.get(response["Location"]).content.decode()
    assert "En attente" in page and "<progress" in page and 'hx-trigger="every 1s"' in page

    queued[0]()  # the worker's turn
    reading.refresh_from_db()

    assert reading.status == JobStatus.DONE and reading.counts == {"cards": 7}
    preview = Job.objects.get(kind=JobKind.IMPORT_VCF)
    assert VCardPreviewOptions.of(reading).preview_job == preview.pk and not reading.source_file
    options = VCardImportOptions.of(preview)
    assert options.files == ["a.vcf", "b.vcf"] and options.cards == 7 and options.via == "import"
    assert preview.counts["created"] == 7 and preview.status == JobStatus.PENDING and not options.confirmed
    preview_url = reverse("prospects:vcard_preview", args=[preview.pk])
    assert client.get(reverse("prospects:job_detail", args=[reading.pk]))["Location"] == preview_url
    partial = client.get(reverse("prospects:job_progress", args=[reading.pk]), HTTP_HX_REQUEST="true")
    assert partial["HX-Redirect"] == preview_url
    page = client.get(preview_url).content.decode()
    assert "A0" in page and "B2" in page
    assert not ProspectContact.objects.exists()  # a preview writes nothing


def test_the_previewed_large_upload_imports_like_a_small_one(
    manager, small_threshold, django_capture_on_commit_callbacks
):
    client = logged(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(IMPORT, {"files": [upload("a.vcf", cards(8))]})
    preview = Job.objects.get(kind=JobKind.IMPORT_VCF)
    assert default_storage.exists(preview.source_file.name)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("prospects:vcard_import_start", args=[preview.pk]))

    preview.refresh_from_db()
    assert preview.status == JobStatus.DONE and ProspectContact.objects.count() == 8


def test_an_upload_past_the_byte_threshold_goes_to_a_job_too(manager, settings, django_capture_on_commit_callbacks):
    settings.VCARD_SYNC_PREVIEW_MAX_BYTES = 200
    with django_capture_on_commit_callbacks(execute=True):
        response = logged(manager).post(IMPORT, {"files": [upload("a.vcf", cards(3))]})
    reading = Job.objects.get(kind=JobKind.VCF_PREVIEW)
    assert response["Location"] == reverse("prospects:job_detail", args=[reading.pk])


def test_a_small_upload_is_still_previewed_in_the_request(manager, small_threshold):
    response = logged(manager).post(IMPORT, {"files": [upload("a.vcf", cards(5))]})

    preview = Job.objects.get(kind=JobKind.IMPORT_VCF)
    assert response["Location"] == reverse("prospects:vcard_preview", args=[preview.pk])
    assert not Job.objects.filter(kind=JobKind.VCF_PREVIEW).exists()


def test_a_large_quick_add_keeps_its_right_and_the_job_rechecks_it(
    manager, small_threshold, django_capture_on_commit_callbacks
):
    client = logged(manager)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(QUICK_ADD, {"files": [upload("a.vcf", cards(6))]})
    reading = Job.objects.get(kind=JobKind.VCF_PREVIEW)
    assert VCardPreviewOptions.of(reading).via == "quick_add"
    manager.groups.clear()  # R2 withdrawn before the worker reads the files

    assert job_run(reading.pk) == JobStatus.FAILED
    reading.refresh_from_db()
    assert "plus le droit" in reading.error_message and not Job.objects.filter(kind=JobKind.IMPORT_VCF).exists()


def test_files_that_are_not_vcards_fail_the_reading_job_with_the_readers_message(
    manager, settings, django_capture_on_commit_callbacks
):
    settings.VCARD_SYNC_PREVIEW_MAX_BYTES = 100
    with django_capture_on_commit_callbacks(execute=True):
        logged(manager).post(IMPORT, {"files": [upload("a.vcf", "Nom;Prénom;Société\n" * 20)]})
    reading = Job.objects.get(kind=JobKind.VCF_PREVIEW)
    assert reading.status == JobStatus.FAILED and "a.vcf" in reading.error_message
    assert not Job.objects.filter(kind=JobKind.IMPORT_VCF).exists()


def test_the_user_without_the_right_and_the_outsider_never_reach_a_reading_job(
    manager, sales_rep, outsider, small_threshold, django_capture_on_commit_callbacks
):
    assert logged(sales_rep).post(IMPORT, {"files": [upload("a.vcf", cards(8))]}).status_code == 403
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        logged(manager).post(IMPORT, {"files": [upload("a.vcf", cards(8))]})
    reading = Job.objects.get(kind=JobKind.VCF_PREVIEW)
    preview = Job.objects.get(kind=JobKind.IMPORT_VCF)
    assert logged(outsider).get(reverse("prospects:job_detail", args=[reading.pk])).status_code == 404
    assert logged(outsider).get(reverse("prospects:vcard_preview", args=[preview.pk])).status_code == 404
