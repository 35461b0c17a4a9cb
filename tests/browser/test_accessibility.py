"""axe-core on the pages sales staff use all day (issue 15), at a laptop's 1366×768 and a phone's
390×844: no serious or critical violation of WCAG 2.1 AA and axe's best practices."""

import pytest

from prospects.demo import DEMO_PASSWORD
from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def pages_to_check() -> dict[str, str]:
    """Name → URL of each page checked: the demo data, a job waiting and one done, one's own view and a colleague's."""
    from accounts.models import User
    from crm.models import Company
    from prospects.jobs.runner import job_run
    from prospects.models import Job, JobKind, ProspectContact
    from prospects.saved_views.services import saved_view_save

    admin, lise = User.objects.get(username="admin"), User.objects.get(username="lise")
    duband = ProspectContact.objects.get(last_name="DUBAND")
    waiting = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=admin)
    done = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=admin)
    job_run(done.pk)
    saved_view_save(owner=admin, name="Mes prospects à relancer", query="status=affecte", shared=True, default=False)
    saved_view_save(owner=lise, name="Vue de Lise", query="status=affecte", shared=True)
    return {
        "list": "/prospects/?view=0",
        "card": f"/prospects/{duband.pk}/",
        "contact-create": "/prospects/new/",
        "contact-edit": f"/prospects/{duband.pk}/edit/",
        "import-upload": "/prospects/import/",
        "job-waiting": f"/prospects/jobs/{waiting.pk}/",
        "job-done": f"/prospects/jobs/{done.pk}/",
        "companies": "/prospects/companies/list/",
        "company": f"/prospects/companies/{Company.objects.get(name='IT CONNECT').pk}/",
        "saved-views": "/prospects/views/",
    }


@pytest.mark.parametrize("size", SIZES)
def test_the_daily_pages_have_no_serious_or_critical_axe_violation(page, demo_data, size):
    page.set_viewport_size(SIZES[size])
    login(page, "admin", DEMO_PASSWORD)  # every right: every button is on the page
    ARTIFACTS.mkdir(exist_ok=True)
    urls, found = pages_to_check(), {}
    for name, url in urls.items():
        assert page.goto(url).status == 200, url
        page.wait_for_load_state("networkidle")
        violations = axe_violations(page)
        if violations:
            found[name] = violations
            page.screenshot(path=str(ARTIFACTS / f"axe-{name}-{size}.png"), full_page=True)
    report = "\n".join(f"{name} ({urls[name]}):\n{describe(violations)}" for name, violations in found.items())
    assert not found, f"axe violations at {size}:\n{report}"


def test_axe_runs_under_the_sites_csp_and_reports_what_it_finds(page, transactional_db):
    page.goto("/accounts/login/")
    assert axe_violations(page) == []
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<button></button>')")
    assert [violation["id"] for violation in axe_violations(page)] == ["button-name"]
