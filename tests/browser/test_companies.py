"""Companies in the browser: the list, a company's page and "Créer la société « … »" from the
contact form, at a laptop's 1366×768 and a phone's 390×844, with layout facts asserted."""

import re

import pytest

from crm.models import Company
from prospects.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_no_sideways_scroll(page) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"the page is {width}px wide in a {inner}px window"


def assert_within_viewport(page, selector: str) -> None:
    box = page.locator(selector).first.bounding_box()
    inner = page.evaluate("window.innerWidth")
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= inner, (selector, box, inner)


@pytest.mark.parametrize("size", SIZES)
def test_the_companies_list_and_a_company_page_fit_the_screen(page, demo_data, size):
    page.set_viewport_size(SIZES[size])
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/companies/list/?q=CONSEIL")
    names = page.locator("#companies td.name a").all_inner_texts()
    assert names == ["CONSEIL&M", "PM Conseil"]
    page.goto("/prospects/companies/list/")
    assert page.locator("#companies tbody tr").count() == 8
    assert_no_sideways_scroll(page)
    assert_within_viewport(page, "#companies tbody tr:first-child td.name a")
    shoot(page, f"companies-list-{size}")

    page.goto("/prospects/companies/list/?headcount=50-249")
    assert page.locator("#companies td.name a").all_inner_texts() == ["BSI CORP", "IEI"]

    page.goto("/prospects/companies/list/?q=it+connect")
    page.click("#companies td.name a")
    page.wait_for_url("**/prospects/companies/*/")
    assert page.locator("h1").inner_text() == "IT CONNECT"
    assert "250 à 999 salariés" in page.locator("#company-file").inner_text()
    assert page.locator("#company-contacts tbody tr").count() == 3
    assert_no_sideways_scroll(page)
    assert_within_viewport(page, "#edit-company")
    shoot(page, f"company-page-{size}")


def test_the_user_without_the_right_reads_the_page_without_edit_button(page, demo_data):
    from accounts.models import User
    from tests.factories import UserFactory

    paris_user = UserFactory(username="lecteur", entities=list(User.objects.get(username="marine").entities.all()))
    paris_user.set_password(DEMO_PASSWORD)
    paris_user.save()
    page.set_viewport_size(SIZES["laptop"])
    login(page, "lecteur", DEMO_PASSWORD)
    page.goto(f"/prospects/companies/{Company.objects.get(name='IT CONNECT').pk}/")
    assert page.locator("h1").inner_text() == "IT CONNECT" and page.locator("#edit-company").count() == 0
    page.goto("/prospects/companies/list/")
    assert page.locator("#add-company").count() == 0


def test_the_outsider_of_lyon_sees_none_of_the_guides_companies(page, demo_data):
    page.set_viewport_size(SIZES["laptop"])
    login(page, "hugo", DEMO_PASSWORD)
    page.goto("/prospects/companies/list/?q=IT+CONNECT")
    assert page.locator("#companies").count() == 0
    response = page.goto(f"/prospects/companies/{Company.objects.get(name='IT CONNECT').pk}/")
    assert response.status == 404


@pytest.mark.parametrize("size", SIZES)
def test_marine_creates_the_contacts_company_from_the_form_without_leaving_it(page, demo_data, size):
    page.set_viewport_size(SIZES[size])
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/new/")
    page.fill("#id_company_q", "Rhône Énergie")
    create = "#id_company option.picker-create"
    page.wait_for_selector(create, state="attached")
    assert page.locator(create).inner_text() == "Créer la société « Rhône Énergie »"
    page.select_option("#id_company", label="Créer la société « Rhône Énergie »")
    page.wait_for_selector("#id_company option:checked:has-text('Rhône Énergie (Prospect)')", state="attached")
    assert page.url.endswith("/prospects/new/")
    page.fill("#id_last_name", "Neuf")
    page.fill("#id_first_name", "Camille")
    assert_no_sideways_scroll(page)
    shoot(page, f"company-created-in-form-{size}")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/prospects/*/")
    assert "Rhône Énergie" in page.locator("#key-info-title + dl").inner_text()
    company = Company.objects.get(name="Rhône Énergie")
    assert list(company.entities.values_list("code", flat=True)) == ["paris"]


def test_without_javascript_the_form_links_to_the_company_page_and_comes_back(browser, live_server, demo_data):
    context = browser.new_context(
        locale="fr-FR", viewport=SIZES["laptop"], base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        page.goto("/accounts/login/")  # without JS the language form's OK button comes first
        page.fill("#id_username", "marine")
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/prospects/**")
        page.goto("/prospects/new/")
        page.click("a.company-create-link")
        page.wait_for_url(re.compile(r"/prospects/companies/new/\?next=/prospects/new/$"))
        page.fill("#id_name", "Sans Script SARL")
        shoot(page, "company-create-nojs")
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(r"/prospects/new/\?company=\d+$"))
        assert page.locator("#id_company option:checked").inner_text() == "Sans Script SARL"
        # The server-side search: "Chercher" lists the matches, the typed name stays.
        page.fill("#id_last_name", "Sanscript")
        page.fill("#id_company_q", "it connect")
        page.click("button[name=_company_search][value=company]")
        page.select_option("#id_company", label="IT CONNECT (Prospect)")
        assert page.locator("#id_last_name").input_value() == "Sanscript"
        shoot(page, "contact-form-nojs-search")
    finally:
        context.close()
