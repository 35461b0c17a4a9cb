"""The API's documentation page (Swagger UI, vendored) and the tokens page run under the site's CSP."""

import pytest
from playwright.sync_api import expect

from prospects.demo import DEMO_PASSWORD
from tests.browser.conftest import login
from tests.browser.test_csp import _violations, _watch

pytestmark = pytest.mark.browser


def test_the_docs_page_renders_the_schema_without_a_policy_violation(page, demo_data):
    console = _watch(page)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, "marine", DEMO_PASSWORD)
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible(timeout=15_000)
    expect(page.get_by_text("/api/contacts/", exact=True).first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert _violations(page) == []
    assert [line for line in console if "script" in line.lower()] == []
    outside = [url for url in requested if not url.startswith(page.url.split("/api/")[0])]
    assert outside == []  # no CDN: every asset comes from our own static files


def test_a_token_made_on_its_page_is_shown_once(page, demo_data):
    console = _watch(page)
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/accounts/api-tokens/")
    page.fill("#id_name", "Formulaire du site")
    page.click("form.token-form button[type=submit]")
    key = page.locator("#new-api-key").inner_text()
    assert key.startswith("crm_")
    page.goto("/accounts/api-tokens/")
    expect(page.locator("body")).not_to_contain_text(key)
    expect(page.locator("table")).to_contain_text("Formulaire du site")
    assert _violations(page) == [] and console == []
