"""The ⋮ menus by keyboard alone (issue 15), on the list's rows and on the card, at 1366×768 and
390×844: Tab reaches the ⋮, Enter opens its menu with the focus inside, the arrows move, Escape
closes it and gives the focus back to the ⋮; wherever the focus is, it shows."""

import pytest
from playwright.sync_api import expect

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

FOCUSED = """() => {
    const el = document.activeElement, style = getComputedStyle(el);
    return {
        html: el.outerHTML.slice(0, 120), role: el.getAttribute("role"),
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
        shadow: style.boxShadow !== "none",
    };
}"""


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_shows(page) -> dict:
    element = focused(page)
    assert element["outline"] or element["shadow"], f"no visible focus on {element['html']}"
    return element


def tab_to(page, selector: str, limit: int = 30) -> None:
    """Press Tab until the focus is on the selector's element, as a keyboard user would."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{limit} Tabs did not reach {selector}; the focus is on {focused(page)['html']}")


@pytest.mark.parametrize("size", SIZES)
def test_a_rows_menu_works_by_keyboard_alone(page, demo_data, size):
    page.set_viewport_size(SIZES[size])
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?view=0")
    duband = ProspectContact.objects.get(last_name="DUBAND")
    row = f"#prospect-table tbody tr[data-id='{duband.pk}']"
    page.focus(f"{row} input.row-check")
    tab_to(page, f"{row} a.more")
    assert_focus_shows(page)

    page.keyboard.press("Enter")
    menu = page.locator(f"{row} .row-menu")
    assert menu.is_visible()
    expect(page.locator(f"{row} a.more")).to_have_attribute("aria-expanded", "true")  # set by the script on toggle
    first = assert_focus_shows(page)
    assert first["role"] == "menuitem" and menu.evaluate("(m) => m.contains(document.activeElement)")
    page.keyboard.press("ArrowDown")
    second = assert_focus_shows(page)
    assert second["role"] == "menuitem" and second["html"] != first["html"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"keyboard-row-menu-{size}.png"))

    page.keyboard.press("Escape")
    assert page.locator(f"{row} .row-menu").count() == 0
    assert page.locator(f"{row} a.more").evaluate("el => el === document.activeElement")
    expect(page.locator(f"{row} a.more")).to_have_attribute("aria-expanded", "false")  # set by the script on toggle
    assert_focus_shows(page)


@pytest.mark.parametrize("size", SIZES)
def test_the_cards_menu_works_by_keyboard_alone(page, demo_data, size):
    page.set_viewport_size(SIZES[size])
    login(page, "marine", DEMO_PASSWORD)
    duband = ProspectContact.objects.get(last_name="DUBAND")
    page.goto(f"/prospects/{duband.pk}/")
    summary = ".card-head details.kebab > summary"
    page.focus(".breadcrumb a")
    tab_to(page, summary)
    assert_focus_shows(page)

    page.keyboard.press("Enter")
    expect(page.locator(summary)).to_have_attribute("aria-expanded", "true")  # set by the script on toggle
    first = assert_focus_shows(page)
    assert first["role"] == "menuitem"
    assert page.locator(".card-head .kebab-menu").evaluate("(m) => m.contains(document.activeElement)")
    page.keyboard.press("ArrowDown")
    second = assert_focus_shows(page)
    assert second["role"] == "menuitem" and second["html"] != first["html"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"keyboard-card-menu-{size}.png"))

    page.keyboard.press("Escape")
    assert page.locator(".card-head details.kebab[open]").count() == 0
    assert page.locator(summary).evaluate("el => el === document.activeElement")
    expect(page.locator(summary)).to_have_attribute("aria-expanded", "false")  # set by the script on toggle
    assert_focus_shows(page)
