"""L1 columns a user hides: remembered per user, and never rendered (header or rows)."""

import re

import pytest

from prospects.list.columns import COLUMN_KEYS
from prospects.models import ProspectListPreference
from tests.factories import ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def header_cells(body: str) -> int:
    table = body[body.index('id="prospect-table"') :]
    return len(re.findall(r"<th[ >]", table[: table.index("</thead>")]))


def test_the_list_shows_the_fifteen_columns_and_the_name_opens_the_card(sales_rep, paris):
    julie = ProspectFactory(
        last_name="ARMANON", first_name="Julie", job_title="Directrice des achats", entities=[paris]
    )
    body = logged(sales_rep).get("/prospects/?view=0").content.decode()
    assert len(COLUMN_KEYS) == 15 and header_cells(body) == 17  # + the checkbox and the actions
    assert f'<td class="name"><a href="/prospects/{julie.pk}/">ARMANON</a></td>' in body
    assert '<td class="cut">Directrice des achats</td>' in body  # cut by CSS, its title set on hover
    assert 'class="deals"' not in body  # the card's .deals grid rule must not reach the list


def test_hidden_columns_are_remembered_and_not_rendered(sales_rep, rep_without_rights, paris):
    ProspectFactory(last_name="ARMANON", job_title="Directrice des achats", fax="0102030405", entities=[paris])
    client = logged(sales_rep)
    shown = [key for key in COLUMN_KEYS if key not in {"job_title", "fax"}]
    response = client.post("/prospects/columns/", {"shown": shown, "query": "status=nouveau&page=2"})
    assert response.status_code == 302 and response.url == "/prospects/?status=nouveau"
    assert ProspectListPreference.objects.get(user=sales_rep).hidden_columns == ["job_title", "fax"]
    body = client.get("/prospects/?view=0").content.decode()
    assert "Directrice des achats" not in body and "0102030405" not in body and ">Fonction<" not in body
    assert header_cells(body) == 15
    partial = client.get("/prospects/?view=0", HTTP_HX_REQUEST="true").content.decode()
    assert "Directrice des achats" not in partial
    # Another user's list is not affected.
    assert "Directrice des achats" in logged(rep_without_rights).get("/prospects/?view=0").content.decode()


def test_the_name_cannot_be_hidden_and_unknown_keys_are_ignored(sales_rep):
    logged(sales_rep).post("/prospects/columns/", {"shown": ["evil", "<script>"]})
    hidden = ProspectListPreference.objects.get(user=sales_rep).hidden_columns
    assert "last_name" not in hidden and "evil" not in hidden and len(hidden) == 14


def test_the_columns_form_needs_a_login_and_a_post(client, sales_rep):
    assert client.post("/prospects/columns/", {"shown": []}).status_code == 302
    assert not ProspectListPreference.objects.exists()
    assert logged(sales_rep).get("/prospects/columns/").status_code == 405
