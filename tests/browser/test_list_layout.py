"""The list as sales staff use it all day (issue 15), with layout facts asserted: the whole row
fits 1920×1080 and 1366×768, one card per contact at 390×844, saved views and the columns menu;
the card and a company's page never scroll sideways."""

import re

import pytest
from playwright.sync_api import expect

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact, SavedView
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

WIDE = {"width": 1920, "height": 1080}
LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
SIZES = {"1920": WIDE, "1366": LAPTOP, "390": PHONE}


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def page_width(page) -> tuple[int, int]:
    return tuple(page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]"))


def right_edge(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box["x"] + box["width"]


def test_at_1920_the_whole_row_and_its_actions_fit_without_scrolling(page, demo_data):
    page.set_viewport_size(WIDE)
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    width, inner = page_width(page)
    assert width <= inner, f"the page is {width}px wide at {inner}px"
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls sideways"
    assert page.locator("#prospect-table th").count() == 17
    last = page.locator("#prospect-table tbody tr:last-child td.row-actions")
    assert last.is_visible() and right_edge(page, "#prospect-table tbody tr:last-child td.row-actions") <= inner
    shoot(page, "list-1920")


@pytest.mark.parametrize("size", SIZES)
def test_the_card_and_a_company_page_do_not_scroll_sideways(page, demo_data, size):
    from crm.models import Company

    page.set_viewport_size(SIZES[size])
    login(page, "marine", DEMO_PASSWORD)
    duband = ProspectContact.objects.get(last_name="DUBAND")
    company = Company.objects.get(name="IT CONNECT")
    for name, url in (("card", f"/prospects/{duband.pk}/"), ("company", f"/prospects/companies/{company.pk}/")):
        page.goto(url)
        width, inner = page_width(page)
        assert width <= inner, f"the {name} page is {width}px wide at {inner}px"
        assert right_edge(page, "h1") <= inner
        shoot(page, f"{name}-{size}")


def test_at_1366_the_whole_row_and_its_actions_fit_without_scrolling(page, demo_data):
    page.set_viewport_size(LAPTOP)
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    width, inner = page_width(page)
    assert width <= inner, f"the page is {width}px wide at {inner}px"
    wrap = page.locator(".table-wrap").first
    assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table scrolls sideways"
    assert right_edge(page, "#prospect-table tbody tr:first-child td.row-actions") <= inner
    deals = page.locator("#prospect-table td.deal-counts").first.bounding_box()
    assert deals["width"] < 150, deals  # not the card's 430 px .deals grid
    assert page.locator("#prospect-table th").count() == 17
    # A cut cell shows its full text on hover.
    email = page.locator("#prospect-table tr", has_text="DUBAND").locator("td.cut").nth(2)
    assert email.evaluate("el => el.scrollWidth > el.clientWidth"), "the e-mail should be cut at 1366"
    email.hover()
    assert email.get_attribute("title") == "pduband@pm-conseil.com"
    # The name opens the card.
    page.click("#prospect-table td.name a >> text=DUBAND")
    page.wait_for_url(re.compile(r"/prospects/\d+/$"))
    assert page.locator("h1").inner_text() == "DUBAND Pierre"
    page.go_back()
    # The Excel import sits with the other global actions, above the table.
    imports = page.locator(".head-actions .import-link")
    if imports.count():
        assert imports.bounding_box()["y"] < page.locator("#prospect-table").bounding_box()["y"]
    shoot(page, "list-1366")


def test_at_390_each_contact_is_a_card_with_its_actions_and_one_tap_links(page, demo_data):
    page.set_viewport_size(PHONE)
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    width, inner = page_width(page)
    assert width <= inner, f"the page is {width}px wide at {inner}px"
    assert page.locator("#prospect-table thead").bounding_box()["height"] <= 1
    card = page.locator("#prospect-table tbody tr").filter(has_text="DUBAND")
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= inner
    actions = card.locator("td.row-actions").bounding_box()
    assert actions["x"] >= box["x"] and actions["x"] + actions["width"] <= box["x"] + box["width"]
    # Each value is labelled with its column's title (filled in from the header by the script).
    assert card.locator("td.name").evaluate("el => el.nextElementSibling.dataset.label") == "Prénom"
    phone = card.locator("a[href^='tel:']").first
    assert phone.get_attribute("href").startswith("tel:") and phone.is_visible()
    assert card.locator("a[href^='mailto:']").first.is_visible()
    # The top bar collapses into a menu.
    toggle = page.locator(".nav-toggle")
    assert toggle.is_visible() and not page.locator(".mainnav").is_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.locator(".mainnav")).to_be_visible()
    shoot(page, "list-390-menu-open")
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    shoot(page, "list-390")
    card.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "list-390-card.png"))


def test_a_saved_view_opens_in_one_click_and_becomes_the_default(page, demo_data):
    page.set_viewport_size(LAPTOP)
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    page.click("summary:has-text('Statut')")
    page.check("label:has-text('Affecté') input[name=status]")
    page.wait_for_url(re.compile(r".*status=affecte.*"))
    page.click(".save-view summary")
    page.fill("#save-view-form input[name=name]", "Mes prospects à relancer")
    page.check("#save-view-form input[name=shared]")
    page.check("#save-view-form input[name=default]")
    shoot(page, "saved-view-form")
    page.click("#save-view-form button[type=submit]")
    page.wait_for_url(re.compile(r".*status=affecte.*"))
    view = SavedView.objects.get()
    assert "status=affecte" in view.query and view.entities.exists()
    chip = page.locator(".view-chip.current")
    expect(chip).to_contain_text("Mes prospects à relancer")
    page.click(".view-chip >> text=Toute la liste")
    page.wait_for_url(re.compile(r".*view=0$"))
    page.click(".view-chip >> text=Mes prospects à relancer")
    page.wait_for_url(re.compile(r".*status=affecte.*"))
    page.goto("/prospects/")  # the default view opens
    page.wait_for_url(re.compile(r".*status=affecte.*"))
    shoot(page, "saved-view-open")

    # A colleague of Paris sees it; Hugo of Lyon does not, and cannot open it.
    page.context.clear_cookies()
    login(page, "lise", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    expect(page.locator("#saved-views")).to_contain_text("Mes prospects à relancer")
    page.context.clear_cookies()
    login(page, "hugo", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    expect(page.locator("#saved-views")).not_to_contain_text("Mes prospects à relancer")
    assert page.goto(f"/prospects/views/{view.pk}/").status == 404


def test_the_columns_menu_hides_a_column_and_the_choice_stays(page, demo_data):
    page.set_viewport_size(LAPTOP)
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    page.click("#columns-menu summary")
    page.uncheck("#columns-form input[value=job_title]")
    expect(page.locator("#prospect-table th")).to_have_count(16)
    shoot(page, "list-columns-menu")
    page.goto("/prospects/?view=0")
    expect(page.locator("#prospect-table th")).to_have_count(16)
    assert "Fonction" not in page.locator("#prospect-table thead").inner_text()
    assert ProspectContact.objects.exists()
