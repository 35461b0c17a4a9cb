import re

import pytest

from prospects.demo import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser

GUIDE_CONTACTS = [
    ("AXA ASSURANCES", "PROSPERE", "Louis"),
    ("BSI CORP", "ARMANON", "Julie"),
    ("CONSEIL&M", "TROUVA", "Jacques"),
    ("HERMES", "PLUMAN", "Martine"),
    ("IT CONNECT", "BLOUJ", "Lena"),
    ("IT CONNECT", "JEANOT", "Emilien"),
    ("IT CONNECT", "LUJIS", "Antoine"),
    ("LABOUSSE", "PAUL", "Louise"),
    ("PM Conseil", "DUBAND", "Pierre"),
    ("IEI", "BITON", "Maryline"),
]


def test_a_demo_rep_logs_in_and_sees_the_ten_guide_contacts(page, demo_data):
    login(page, "marine", DEMO_PASSWORD)

    assert page.url.endswith("/prospects/")
    assert "10 éléments - 1/1" in page.locator("body").inner_text()
    rows = page.locator("table tbody tr")
    assert rows.count() == 10
    table = page.locator("table").inner_text()
    for company, last_name, first_name in GUIDE_CONTACTS:
        assert re.search(rf"{re.escape(company)}.*\t{last_name}\t{first_name}", table), (company, last_name)
    assert "1 opportunité" in table and "1 proposition" in table
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "smoke-prospect-list.png"), full_page=True)


def test_a_wrong_password_keeps_the_visitor_out(page, demo_data):
    page.goto("/accounts/login/")
    page.fill("#id_username", "marine")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    page.goto("/prospects/")
    assert "/accounts/login/" in page.url
