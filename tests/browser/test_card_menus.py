"""The card at 1366×768 and 390×844: the ⋮ menu by keyboard and mouse, never over the Post-it;
a deal edited with a French date whatever the browser's language."""

import re

import pytest
from playwright.sync_api import expect

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser
SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"]
    )  # fmt: skip


@pytest.mark.parametrize("size", SIZES)
def test_the_card_menu_works_by_keyboard_closes_on_escape_and_outside_and_spares_the_postit(page, demo_data, size):
    page.set_viewport_size(SIZES[size])
    julie = ProspectContact.objects.get(last_name="ARMANON")
    login(page, "marine", DEMO_PASSWORD)
    page.goto(f"/prospects/{julie.pk}/")
    summary = page.locator(".card-head details.kebab > summary")
    expect(summary).to_have_attribute("aria-expanded", "false")
    summary.focus()
    page.keyboard.press("Enter")
    expect(summary).to_have_attribute("aria-expanded", "true")
    focused = page.evaluate("document.activeElement.getAttribute('role')")
    assert focused == "menuitem"
    page.keyboard.press("ArrowDown")
    menu = page.locator(".card-head .kebab-menu").bounding_box()
    postit = page.locator("#postit button[type=submit]").first.bounding_box()
    assert not overlaps(menu, postit), (menu, postit)
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"card-menu-open-{size}.png"), full_page=True)
    page.keyboard.press("Escape")
    expect(summary).to_have_attribute("aria-expanded", "false")
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    summary.click()
    assert page.locator(".card-head details.kebab[open]").count() == 1
    page.locator("h1").click()  # outside
    assert page.locator(".card-head details.kebab[open]").count() == 0


def test_a_deal_is_edited_with_a_french_date_in_an_english_browser(browser, live_server, demo_data):
    context = browser.new_context(locale="en-US", viewport=SIZES["laptop"], base_url=live_server.url)
    page = context.new_page()
    try:
        duband = ProspectContact.objects.get(last_name="DUBAND")
        login(page, "marine", DEMO_PASSWORD)
        page.goto(f"/prospects/{duband.pk}/")
        page.click("#opportunities a[title]")
        page.wait_for_url(re.compile(r"/opportunities/\d+/edit/$"))
        assert page.locator("#id_expected_close_on").get_attribute("placeholder") == "jj/mm/aaaa"
        page.fill("#id_expected_close_on", "31/03/2027")
        page.fill("#id_probability", "70")
        page.select_option("#id_stage", "gagnee")
        page.screenshot(path=str(ARTIFACTS / "card-deal-edit.png"), full_page=True)
        page.click("button[type=submit].primary")
        page.wait_for_url(re.compile(rf"/prospects/{duband.pk}/"))
        row = page.locator("#opportunities tbody tr").first.inner_text()
        assert "31/03/2027" in row and "70 %" in row
    finally:
        context.close()
