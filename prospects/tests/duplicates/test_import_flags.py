"""Import previews flag "doublon probable" rows with the duplicate rule (phone), without blocking them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from prospects.jobs.options import ImportOptions
from prospects.models import Job, JobKind
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from prospects.vcard.writer import VCardFields, serialize
from tests.factories import ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def test_the_excel_preview_flags_a_row_sharing_a_phone_with_a_visible_contact(importer, paris, lyon, tmp_path):
    known = ProspectFactory(last_name="Martin", first_name="Paul", mobile="06 12 34 56 78", entities=[paris])
    ProspectFactory(last_name="Caché", first_name="Lyon", phone="01 99 88 77 66", entities=[lyon])  # not visible
    rows = [
        contact_row(last_name="Martin", first_name="Paulo", phone="+33 6 12 34 56 78", entities="paris"),
        contact_row(last_name="Autre", first_name="Lyon", phone="01 99 88 77 66", entities="paris"),
    ]
    client = logged(importer)
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)
    with open(path, "rb") as handle:
        response = client.post(
            reverse("prospects:import_upload"),
            {"file": SimpleUploadedFile("c.xlsx", handle.read()), "existing": "skip"},
        )
    assert response.status_code == 302
    job = Job.objects.get(kind=JobKind.IMPORT_XLSX)
    flags = ImportOptions.of(job).probable_duplicates
    assert [(flag["row"], flag["contact_id"]) for flag in flags] == [(2, known.pk)]
    page = client.get(reverse("prospects:import_preview", args=[job.pk])).content.decode()
    assert "doublon probable" in page and f'href="/prospects/{known.pk}/"' in page and "Caché" not in page
    assert job.counts["created"] == 2  # a warning, not a block


def test_the_vcard_preview_flags_a_card_sharing_a_phone(manager, paris):
    known = ProspectFactory(last_name="Martin", first_name="Paul", phone="01 44 55 66 77", entities=[paris])
    card = serialize(VCardFields(last_name="Durand", first_name="Ana", phone="0144556677", email="ana@x.fr"))
    client = logged(manager)
    files = [SimpleUploadedFile("a.vcf", card.encode(), content_type="text/vcard")]
    response = client.post(reverse("prospects:vcard_import"), {"files": files})
    assert response.status_code == 302
    job = Job.objects.get(kind=JobKind.IMPORT_VCF)
    page = client.get(reverse("prospects:vcard_preview", args=[job.pk])).content.decode()
    assert "doublon probable" in page and f'href="/prospects/{known.pk}/"' in page
