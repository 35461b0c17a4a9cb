"""The Content-Security-Policy refuses nothing the pages need: no inline script, handler or
style is left for Chromium to block, and the behaviours that used to be inline still work."""

import pytest
from playwright.sync_api import expect

from accounts.models import User
from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# Chromium reports a refused inline script, handler, style or source on the console, and
# fires securitypolicyviolation; an init script runs before the page and is not subject to CSP.
_LISTEN = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


def _watch(page) -> list[str]:
    messages = []
    page.on(
        "console",
        lambda message: (
            messages.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    page.add_init_script(_LISTEN)
    return messages


def _violations(page) -> list[str]:
    return page.evaluate("window.__violations || []")


def test_the_main_pages_load_without_a_policy_violation(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    console = _watch(page)
    login(page, "admin", DEMO_PASSWORD)
    pages = [
        "/prospects/",
        f"/prospects/{julie.pk}/",
        f"/prospects/{julie.pk}/edit/",
        "/prospects/new/",
        f"/prospects/{julie.pk}/skills/",
        "/prospects/import/",
        "/prospects/vcard/import/",
        "/tasks/",
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{User.objects.get(username='admin').pk}/change/",
        "/admin/axes/accessattempt/",
        "/nowhere/",
    ]
    for url in pages:
        response = page.goto(url)
        assert "script-src 'self'" in response.headers["content-security-policy"], url
        page.wait_for_load_state("networkidle")
        assert _violations(page) == [], url
    # htmx swaps (the list filtered as one types) load under the same policy.
    page.goto("/prospects/")
    page.fill("#id_q", "armanon")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert _violations(page) == []
    assert console == []


def test_the_language_menu_submits_itself_without_an_inline_handler(page, demo_data):
    console = _watch(page)
    login(page, "marine", DEMO_PASSWORD)
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "Prospect contacts" in page.locator("h1").inner_text()
    assert console == [] and _violations(page) == []


def test_deleting_asks_on_a_page_and_cancelling_keeps_the_contact(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    console = _watch(page)
    login(page, "marine", DEMO_PASSWORD)
    page.goto(f"/prospects/{julie.pk}/")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("summary[aria-label='Actions sur le contact']").click()
    page.get_by_role("menuitem", name="Supprimer le contact prospect").click()
    page.wait_for_url(f"**/prospects/{julie.pk}/delete/")
    assert asked == [] and "ARMANON Julie" in page.locator("h1").inner_text()  # a page, no script dialog
    page.click("text=Annuler")
    page.wait_for_url(f"**/prospects/{julie.pk}/")
    assert ProspectContact.objects.filter(pk=julie.pk).exists()
    assert console == [] and _violations(page) == []


def test_the_error_page_offers_to_go_back(page, demo_data):
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/nowhere/")
    assert "Page introuvable" in page.locator("h1").inner_text()
    back = page.locator("a[data-back]")
    assert back.is_visible()
    back.click()
    page.wait_for_url("**/prospects/")
