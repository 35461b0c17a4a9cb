import pytest

from prospects.demo import DEMO_PASSWORD
from prospects.models import Job, JobKind
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_the_job_page_polls_until_the_export_is_ready_then_offers_the_file(page, demo_data):
    from accounts.models import User

    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=User.objects.get(username="marine"))
    login(page, "marine", DEMO_PASSWORD)
    page.goto(f"/prospects/jobs/{job.pk}/")
    assert "En attente" in page.locator("#job-progress").inner_text()

    from prospects.jobs.runner import job_run

    job_run(job.pk)  # what a worker does; the page refreshes itself

    page.wait_for_selector("text=Terminé")
    assert page.locator("progress").get_attribute("value") == "100"
    with page.expect_download() as download:
        page.click("text=Télécharger")
    assert download.value.suggested_filename.endswith(".xlsx")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "job-done.png"), full_page=True)
