"""The list's URLs and counts in Chromium: only the set filters in the URL, counts as "1 001"."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect

from prospects.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def params(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def test_the_filter_form_puts_only_the_set_filters_in_the_url(page, demo_data):
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/")
    sent = []  # what the page itself requests: the form's fields, not the server's redirect
    page.on("request", lambda request: sent.append(request.url) if "/prospects/?" in request.url else None)
    page.click("summary:has-text('Statut')")
    page.check("label:has-text('Affecté') input[name=status]")
    page.wait_for_url(re.compile(r".*status=affecte.*"))
    assert params(page.url) == [("status", "affecte")]

    page.locator("#results th a.sort", has_text="Nom").first.click()
    page.wait_for_url(re.compile(r".*sort=last_name.*"))
    expect(page.locator("input[name=sort][form=filters]")).to_have_value("last_name")  # the table is swapped
    assert sorted(params(page.url)) == [("sort", "last_name"), ("status", "affecte")]

    page.fill("#id_q", "duband")
    page.wait_for_url(re.compile(r".*q=duband.*"))
    assert sorted(params(page.url)) == [("q", "duband"), ("sort", "last_name"), ("status", "affecte")]
    page.fill("#id_q", "")
    page.wait_for_url(lambda url: "q=" not in url)
    # Leaving the search box fires its "change" too: let that request end before the next step.
    page.locator("#id_q").blur()
    page.wait_for_load_state("networkidle")
    assert sorted(params(page.url)) == [("sort", "last_name"), ("status", "affecte")]

    page.select_option("select[name=company_type]", "client")
    page.wait_for_url(re.compile(r".*company_type=client.*"))
    assert sorted(params(page.url)) == [("company_type", "client"), ("sort", "last_name"), ("status", "affecte")]
    assert all(value for _name, value in params(page.url))
    assert len(sent) >= 4
    for url in sent:
        assert all(value for _name, value in params(url)), url


def test_a_typed_url_with_empty_filters_lands_on_the_url_of_the_set_ones(page, demo_data):
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?q=&status=affecte&company_type=&sort=company&per_page=200&page=1")
    assert params(page.url) == [("status", "affecte")]
    expect(page.locator("summary:has-text('Statut') .badge")).to_have_text("1")


def test_counts_use_the_french_grouping_in_the_list_and_the_selection_bar(page, demo_data):
    from accounts.models import Entity
    from prospects.models import ProspectContact

    paris = Entity.objects.get(code="paris")
    created = ProspectContact.objects.bulk_create(
        [ProspectContact(last_name=f"VOLUME{index:04d}", first_name="Léa") for index in range(1000)]
    )
    through = ProspectContact.entities.through
    through.objects.bulk_create([through(prospectcontact_id=p.pk, entity_id=paris.pk) for p in created])
    login(page, "marine", DEMO_PASSWORD)
    page.goto("/prospects/?per_page=25")
    total = ProspectContact.objects.filter(entities=paris).distinct().count()
    assert total > 1000
    grouped = f"{total // 1000}\u00a0{total % 1000:03d}"
    count = page.locator("#results .count").inner_text()
    assert count.startswith(f"{grouped} éléments - 1/"), count
    page.check("#check-page")
    expect(page.locator(".mass-bar .js-selected-count")).to_have_text("25")
    page.click(".js-select-matching")
    expect(page.locator(".mass-bar .js-selected-count")).to_have_text(grouped)
    expect(page.locator(".js-matching-selected")).to_contain_text(f"Les {grouped} contacts du filtre")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "list-count-grouped.png"))
