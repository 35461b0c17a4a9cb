"""Undoing an import in Chromium: the undo job's page shows its progress, then its report."""

import time

import pytest

from prospects.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_the_undo_page_shows_progress_then_what_was_deleted_and_kept(page, demo_data, monkeypatch):
    from accounts.models import User
    from crm.models import Company
    from prospects.jobs import runner
    from prospects.jobs.runner import JobProgress, job_claim, job_run
    from prospects.models import Job, JobKind, JobStatus, ProspectContact
    from tests.factories import TaskFactory

    lise = User.objects.get(username="lise")
    company = Company.objects.create(name="Société Annulée")
    imported = Job.objects.create(
        kind=JobKind.IMPORT_XLSX,
        created_by=lise,
        status=JobStatus.DONE,
        counts={"created": 3, "companies_created": 1},
        options={"created_company_ids": [company.pk], "confirmed": True},
    )
    names = ("ANNULE1", "ANNULE2", "GARDE")
    for name in names:
        ProspectContact.objects.create(last_name=name, first_name="Anne", company=company, import_job=imported)
    TaskFactory(prospect=ProspectContact.objects.get(last_name="GARDE"))
    queued = []
    monkeypatch.setattr(runner, "job_enqueue", queued.append)  # the worker is this test, below

    login(page, "lise", DEMO_PASSWORD)
    page.goto(f"/prospects/jobs/{imported.pk}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Annuler cet import")
    page.wait_for_url("**/prospects/jobs/*/")
    undo = Job.objects.get(kind=JobKind.IMPORT_UNDO)
    assert page.url.endswith(f"/prospects/jobs/{undo.pk}/") and queued == [undo.pk]
    assert "En attente" in page.locator("#job-progress").inner_text()

    # A worker picks it up and reports progress: the page follows without a reload.
    assert job_claim(undo.pk)
    progress = JobProgress(undo.pk)
    progress.start(6)
    time.sleep(runner.PROGRESS_WRITE_INTERVAL + 0.1)  # progress writes are throttled
    progress.advance(3)
    page.wait_for_selector("text=(3 / 6)")
    assert page.locator("progress").get_attribute("value") == "50"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "undo-progress.png"), full_page=True)

    Job.objects.filter(pk=undo.pk).update(status=JobStatus.PENDING)  # hand it to the real run
    assert job_run(undo.pk) == JobStatus.DONE

    page.wait_for_selector("text=Import annulé : 2 contacts supprimés.")
    report = page.locator("#job-progress").inner_text()
    assert "GARDE Anne — 1 tâche commerciale" in report and "Société Annulée — a encore des contacts" in report
    assert page.locator("progress").get_attribute("value") == "100"
    assert set(ProspectContact.objects.filter(last_name__in=names).values_list("last_name", flat=True)) == {"GARDE"}
    page.screenshot(path=str(ARTIFACTS / "undo-done.png"), full_page=True)
