"""A real Celery worker runs a vCard export and a vCard import (G8), on PostgreSQL and Redis."""

import io
import zipfile

import pytest
import vobject
from django.db import transaction

from prospects.jobs.runner import job_create, job_enqueue
from prospects.list.selection import Selection
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.jobs.test_worker import _wait_finished, worker  # noqa: F401  the worker fixture
from prospects.vcard.exports import export_options
from prospects.vcard.imports import uploads_pack
from prospects.vcard.writer import VCardFields, serialize_many
from tests.factories import ProspectFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_exports_and_imports_vcards(worker, sales_rep, manager, paris):  # noqa: F811
    mine = [ProspectFactory(last_name=f"VCF{index}", first_name="Zoé", entities=[paris]) for index in range(12)]
    export = job_create(
        kind=JobKind.EXPORT_VCF,
        by=sales_rep,
        options=export_options(selection=Selection(ids=[p.pk for p in mine]), as_zip=True, version="3.0"),
    )
    export = _wait_finished(export)
    assert export.status == JobStatus.DONE, f"{export.error_message}\n{''.join(worker.output)}"
    assert export.counts == {"exported": 12}
    with export.result_file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as archive:
        families = sorted(
            next(vobject.readComponents(archive.read(n).decode())).n.value.family for n in archive.namelist()
        )
    assert families == sorted(p.last_name for p in mine)

    cards = [VCardFields(last_name=f"Worker{i}", first_name="Anne", email=f"worker{i}@example.fr") for i in range(5)]
    uploads = [("worker.vcf", serialize_many(cards).encode())]
    with transaction.atomic():
        job = Job(
            kind=JobKind.IMPORT_VCF,
            created_by=manager,
            options={"confirmed": True, "via": "import", "files": ["worker.vcf"]},
            source_name="worker.vcf",
        )
        job.source_file.save("vcards.zip", uploads_pack(uploads), save=False)
        job.save()
        job_enqueue(job.pk)
    job = _wait_finished(job)
    assert job.status == JobStatus.DONE, f"{job.error_message}\n{''.join(worker.output)}"
    assert job.counts["created"] == 5
    assert ProspectContact.objects.filter(last_name__startswith="Worker", import_job=job).count() == 5
