"""Undoing an import runs as a background job (IMPORT_UNDO): progress, report, one undo only, rights."""

import pytest
from django.urls import reverse

from crm.models import Company
from prospects.jobs.options import ImportRecord, ImportUndoOptions
from prospects.jobs.runner import job_run
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from tests.factories import TaskFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


@pytest.fixture
def imported(importer, tmp_path, django_capture_on_commit_callbacks):
    """A done Excel import of three contacts (one with a new company) by `importer`."""
    client = logged(importer)
    rows = [
        contact_row(last_name="UN", company="Nouvelle SARL"),
        contact_row(last_name="DEUX"),
        contact_row(last_name="TROIS"),
    ]
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)
    with open(path, "rb") as handle:
        response = client.post(reverse("prospects:import_upload"), {"file": handle, "existing": "skip"})
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("prospects:import_start", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and ProspectContact.objects.count() == 3
    return job


def _ask_undo(client, job, captured, *, execute=True):
    with captured(execute=execute):
        return client.post(reverse("prospects:import_undo", args=[job.pk]))


def test_the_undo_runs_as_a_job_and_its_page_reports_what_was_deleted_and_kept(
    importer, imported, django_capture_on_commit_callbacks
):
    TaskFactory(prospect=ProspectContact.objects.get(last_name="TROIS"))
    client = logged(importer)

    response = _ask_undo(client, imported, django_capture_on_commit_callbacks)

    undo = Job.objects.get(kind=JobKind.IMPORT_UNDO)
    assert response["Location"] == reverse("prospects:job_detail", args=[undo.pk])
    assert ImportUndoOptions.of(undo).import_job == imported.pk and undo.created_by == importer
    undo.refresh_from_db()
    assert undo.status == JobStatus.DONE
    assert undo.counts == {"deleted": 2, "kept": 1, "companies_deleted": 1, "companies_kept": 0}
    assert set(ProspectContact.objects.values_list("last_name", flat=True)) == {"TROIS"}
    assert not Company.objects.filter(name="Nouvelle SARL").exists()
    page = client.get(response["Location"]).content.decode()
    assert "Import annulé : 2 contacts supprimés." in page
    assert "1 tâche commerciale" in page and "1 société créée par l'import a été supprimée." in page
    assert reverse("prospects:job_detail", args=[imported.pk]) in page  # back to the import
    import_page = client.get(reverse("prospects:job_detail", args=[imported.pk])).content.decode()
    assert "Import annulé : 2 contacts supprimés." in import_page and "Annuler cet import" not in import_page


def test_while_the_undo_waits_a_second_request_starts_nothing(importer, imported, django_capture_on_commit_callbacks):
    client = logged(importer)
    _ask_undo(client, imported, django_capture_on_commit_callbacks, execute=False)  # queued, not run yet
    undo = Job.objects.get(kind=JobKind.IMPORT_UNDO)
    page = client.get(reverse("prospects:job_detail", args=[imported.pk])).content.decode()
    assert "L'annulation de cet import est demandée." in page and "Annuler cet import" not in page

    again = _ask_undo(client, imported, django_capture_on_commit_callbacks)

    assert again["Location"] == reverse("prospects:job_detail", args=[imported.pk])
    assert Job.objects.filter(kind=JobKind.IMPORT_UNDO).count() == 1
    assert ProspectContact.objects.count() == 3
    assert job_run(undo.pk) == JobStatus.DONE and ProspectContact.objects.count() == 0


def test_the_undo_job_refuses_a_second_run(importer, imported, django_capture_on_commit_callbacks):
    _ask_undo(logged(importer), imported, django_capture_on_commit_callbacks)
    undo = Job.objects.get(kind=JobKind.IMPORT_UNDO)
    assert undo.status == JobStatus.DONE
    ProspectContact.objects.create(
        last_name="APRES", first_name="Eve", import_job=imported
    )  # would go with a second undo
    Job.objects.filter(pk=undo.pk).update(status=JobStatus.PENDING)  # a message delivered again, say

    assert job_run(undo.pk) == JobStatus.FAILED

    undo.refresh_from_db()
    assert "déjà été annulé" in undo.error_message
    assert ProspectContact.objects.filter(last_name="APRES").exists()
    imported.refresh_from_db()
    assert imported.counts["deleted"] == 3 and ImportRecord.of(imported).undone


def test_an_undo_job_for_another_import_than_the_one_recorded_is_refused(importer, imported):
    stray = Job.objects.create(kind=JobKind.IMPORT_UNDO, created_by=importer, options={"import_job": imported.pk})

    assert job_run(stray.pk) == JobStatus.FAILED
    assert ProspectContact.objects.count() == 3


def test_the_undo_job_rechecks_the_right_when_it_runs(importer, imported, django_capture_on_commit_callbacks):
    _ask_undo(logged(importer), imported, django_capture_on_commit_callbacks, execute=False)
    undo = Job.objects.get(kind=JobKind.IMPORT_UNDO)
    importer.groups.clear()  # R7 withdrawn before the worker runs it

    assert job_run(undo.pk) == JobStatus.FAILED

    undo.refresh_from_db()
    assert "plus le droit" in undo.error_message and ProspectContact.objects.count() == 3


def test_the_user_without_the_right_and_the_outsider_cannot_ask_for_an_undo(
    importer, imported, sales_rep, outsider, django_capture_on_commit_callbacks
):
    outsider.user_permissions.add(*importer.groups.get().permissions.all())  # even with R7
    assert _ask_undo(logged(outsider), imported, django_capture_on_commit_callbacks).status_code == 404
    importer.groups.clear()
    assert _ask_undo(logged(importer), imported, django_capture_on_commit_callbacks).status_code == 403
    assert not Job.objects.filter(kind=JobKind.IMPORT_UNDO).exists()
    assert ProspectContact.objects.count() == 3


def test_the_undo_job_page_is_the_authors_only(importer, imported, outsider, django_capture_on_commit_callbacks):
    _ask_undo(logged(importer), imported, django_capture_on_commit_callbacks)
    undo = Job.objects.get(kind=JobKind.IMPORT_UNDO)

    assert logged(outsider).get(reverse("prospects:job_detail", args=[undo.pk])).status_code == 404
    assert logged(outsider).get(reverse("prospects:job_progress", args=[undo.pk])).status_code == 404


def test_the_undo_reports_progress_while_it_deletes(importer, imported, monkeypatch):
    from prospects.imports import undo as undo_module
    from prospects.imports.undo import import_undo_request

    seen = []
    real = undo_module.import_undo

    def watched(*, job, by, progress=None):
        result = real(job=job, by=by, progress=progress)
        seen.append((progress.done, progress.total))
        return result

    monkeypatch.setattr(undo_module, "import_undo", watched)
    undo = import_undo_request(job=imported, by=importer)

    assert job_run(undo.pk) == JobStatus.DONE
    assert seen == [(6, 6)]  # 3 checked, then 3 deleted
    undo.refresh_from_db()
    assert (undo.progress_done, undo.progress_total) == (6, 6)
