"""Browser tests of the duplicates page and the side-by-side merge screen (issue 17)."""

import pytest

from accounts.models import Entity
from crm.models import Company
from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact, ProspectMerge
from tests.browser.conftest import ARTIFACTS, login
from tests.factories import ProspectFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def twins(demo_data):
    paris = Entity.objects.get(code="paris")
    company = Company.objects.filter(entities=paris).order_by("pk").first()
    first = ProspectFactory(
        last_name="Lefèvre", first_name="Hélène", company=company, email="helene@exemple.fr",
        phone="03 81 27 49 63", job_title="Acheteuse", entities=[paris],
    )  # fmt: skip
    second = ProspectFactory(
        last_name="LEFEVRE", first_name="helene", company=company, email="h.lefevre@exemple.fr",
        mobile="06 12 34 56 78", job_title="Directrice des achats", entities=[paris],
    )  # fmt: skip
    return first, second


def test_the_duplicates_page_lists_the_pair_and_leads_to_the_merge_screen(page, twins):
    first, second = twins
    login(page, "admin", DEMO_PASSWORD)
    page.goto("/prospects/duplicates/")
    row = page.locator("#duplicates-table tr", has=page.locator(f'a[href="/prospects/{first.pk}/"]')).filter(
        has=page.locator(f'a[href="/prospects/{second.pk}/"]')
    )
    assert "même nom à la même société" in row.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "duplicates-page.png"), full_page=True)
    row.locator("a.button").click()
    page.wait_for_url("**/prospects/duplicates/merge/**")
    assert page.locator('input[name="pick_email"]').count() == 2


def test_the_merge_screen_keeps_the_picked_values_and_records_the_merge(page, twins):
    first, second = twins
    login(page, "admin", DEMO_PASSWORD)
    page.goto(f"/prospects/{first.pk}/")
    page.locator("details.kebab summary").click()
    page.get_by_role("menuitem", name="Fusionner avec…").click()
    page.wait_for_url(f"**/prospects/{first.pk}/merge/")
    page.get_by_role("button", name="Comparer et fusionner").click()
    page.wait_for_url("**/prospects/duplicates/merge/**")
    page.check(f'input[name="pick_job_title"][value="{second.pk}"]')
    page.check(f'input[name="pick_mobile"][value="{second.pk}"]')
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "merge-screen.png"), full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#merge-form button.primary").click()
    page.wait_for_url(f"**/prospects/{first.pk}/**")
    survivor = ProspectContact.objects.get(pk=first.pk)
    assert not ProspectContact.objects.filter(pk=second.pk).exists()
    assert survivor.job_title == "Directrice des achats" and survivor.mobile == "06 12 34 56 78"
    assert survivor.email == "helene@exemple.fr" and survivor.phone == "03 81 27 49 63"
    assert ProspectMerge.objects.get().survivor_id == first.pk
    merges = page.locator("#merges")
    merges.scroll_into_view_if_needed()
    assert f"#{second.pk}" in merges.inner_text()
    page.screenshot(path=str(ARTIFACTS / "merge-recorded-in-history.png"), full_page=True)
