"""B4: changes of status, rep, company and conversion are recorded and shown on the card."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import CompanyType
from prospects.models import ContactStatus, ProspectContact
from prospects.selectors import prospect_history
from prospects.services import prospect_assign, prospect_delete
from tests.factories import CompanyFactory, ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def bsi(paris):
    return CompanyFactory(name="BSI CORP", type=CompanyType.PROSPECT, entities=[paris])


@pytest.fixture
def julie(paris, bsi, sales_rep):
    return ProspectFactory(
        last_name="ARMANON", first_name="Julie", company=bsi, status="nouveau", assigned_to=sales_rep, entities=[paris]
    )


def changes(prospect) -> list[tuple[str, str, str, str]]:
    return [(change.user, change.field, change.old, change.new) for change in prospect_history(prospect)]


def test_a_status_change_through_the_edit_form_is_recorded_with_its_author(sales_rep, julie, paris, bsi):
    data = {
        "last_name": "ARMANON",
        "first_name": "Julie",
        "status": "en_cours",
        "country": "France",
        "company": bsi.pk,
        "assigned_to": sales_rep.pk,
        "entities": [paris.pk],
    }
    response = logged(sales_rep).post(f"/prospects/{julie.pk}/edit/", data)
    assert response.status_code == 302
    assert changes(julie) == [("DIRON Marine", "Statut", "Nouveau", "En cours")]


def test_an_edit_that_changes_neither_status_rep_nor_company_adds_no_history_line(sales_rep, julie, paris, bsi):
    data = {"last_name": "ARMANON", "first_name": "Juliette", "status": "nouveau", "country": "France"}
    data |= {"company": bsi.pk, "assigned_to": sales_rep.pk, "entities": [paris.pk]}
    assert logged(sales_rep).post(f"/prospects/{julie.pk}/edit/", data).status_code == 302
    assert changes(julie) == []


def test_a_company_change_through_the_edit_form_shows_the_company_names(sales_rep, julie, paris, bsi):
    acme = CompanyFactory(name="ACME", type=CompanyType.PROSPECT, entities=[paris])
    data = {"last_name": "ARMANON", "first_name": "Julie", "status": "nouveau", "country": "France"}
    data |= {"company": acme.pk, "assigned_to": sales_rep.pk, "entities": [paris.pk]}
    assert logged(sales_rep).post(f"/prospects/{julie.pk}/edit/", data).status_code == 302
    assert changes(julie) == [("DIRON Marine", "Société", "BSI CORP", "ACME")]


def test_a_mass_status_change_leaves_a_line_on_each_changed_contact(sales_rep, julie, paris):
    other = ProspectFactory(last_name="BLANC", first_name="Léa", status="affecte", entities=[paris])
    already = ProspectFactory(last_name="CLAIR", first_name="Paul", status="en_cours", entities=[paris])
    response = logged(sales_rep).post(
        "/prospects/mass/status/", {"ids": [julie.pk, other.pk, already.pk], "status": "en_cours"}
    )
    assert response.status_code == 302
    assert changes(julie) == [("DIRON Marine", "Statut", "Nouveau", "En cours")]
    assert changes(other) == [("DIRON Marine", "Statut", "Affecté", "En cours")]
    assert changes(already) == []


def test_a_mass_assignment_leaves_a_line_with_the_rep_names(sales_rep, julie, paris):
    lise = UserFactory(last_name="Alpes", first_name="Lise", entities=[paris])
    free = ProspectFactory(last_name="BLANC", first_name="Léa", assigned_to=None, entities=[paris])
    response = logged(sales_rep).post("/prospects/mass/assign/", {"ids": [julie.pk, free.pk], "assigned_to": lise.pk})
    assert response.status_code == 302
    assert changes(julie) == [("DIRON Marine", "Affecté à", "DIRON Marine", "ALPES Lise")]
    assert changes(free) == [("DIRON Marine", "Affecté à", "", "ALPES Lise")]


def test_a_single_assignment_is_recorded_by_the_service(manager, julie, paris):
    lise = UserFactory(last_name="Alpes", first_name="Lise", entities=[paris])
    assert prospect_assign(prospect=julie, to=lise, by=manager)
    assert prospect_assign(prospect=julie, to=None, by=manager)
    assert changes(julie) == [
        (str(manager), "Affecté à", "ALPES Lise", ""),
        (str(manager), "Affecté à", "DIRON Marine", "ALPES Lise"),
    ]


def test_the_conversion_records_the_status_and_the_client_contact(sales_rep, julie, bsi):
    response = logged(sales_rep).post(f"/prospects/{julie.pk}/convert/", {"target": "convertir_societe"})
    assert response.status_code == 302
    assert sorted(changes(julie)) == [
        ("DIRON Marine", "Conversion en contact client", "", "ARMANON Julie"),
        ("DIRON Marine", "Statut", "Nouveau", "Converti"),
    ]


def test_a_contact_written_without_history_gets_its_old_value_on_the_first_change(sales_rep, paris):
    # The Excel/vCard import and the demo generator write in bulk, without historical rows.
    (imported,) = ProspectContact.objects.bulk_create(
        [ProspectContact(last_name="BULK", first_name="Léa", status=ContactStatus.ASSIGNED)]
    )
    imported.entities.set([paris])
    logged(sales_rep).post("/prospects/mass/status/", {"ids": [imported.pk], "status": "abandonne"})
    assert changes(imported) == [("DIRON Marine", "Statut", "Affecté", "Abandonné")]


def test_the_card_shows_the_history_with_date_user_field_and_values(sales_rep, julie):
    logged(sales_rep).post("/prospects/mass/status/", {"ids": [julie.pk], "status": "abandonne"})
    when = datetime(2026, 3, 14, 9, 5, tzinfo=ZoneInfo("UTC"))
    ProspectContact.history.filter(id=julie.pk, history_type="+").update(history_date=when - timedelta(days=1))
    ProspectContact.history.filter(id=julie.pk, history_type="~").update(history_date=when)
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert "Historique" in body
    local = when.astimezone(ZoneInfo("Europe/Paris")).strftime("%d/%m/%Y %H:%M")
    assert f"<td>{local}</td><td>DIRON Marine</td><td>Statut</td><td>Nouveau</td><td>→ Abandonné</td>" in body


def test_the_card_reads_the_history_in_one_query_whatever_its_length(sales_rep, julie, paris):
    client = logged(sales_rep)

    def history_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/prospects/{julie.pk}/")
        return sum("historicalprospectcontact" in query["sql"].lower() for query in queries)

    assert history_queries() == 1
    for status in ("affecte", "en_cours", "abandonne", "nouveau"):
        client.post("/prospects/mass/status/", {"ids": [julie.pk], "status": status})
    assert len(prospect_history(julie)) == 4
    assert history_queries() == 1


def test_the_outsider_cannot_see_the_card_nor_its_history(outsider, julie):
    assert logged(outsider).get(f"/prospects/{julie.pk}/").status_code == 404


def test_deleting_a_contact_works_and_keeps_its_history(sales_rep, julie):
    julie.company = None
    prospect_assign(prospect=julie, to=None, by=sales_rep)
    pk = julie.pk
    prospect_delete(prospect=julie, by=sales_rep)
    assert not ProspectContact.objects.filter(pk=pk).exists()
    # No deletion row (see prospects.models.ChangeHistory); the earlier rows stay.
    assert set(ProspectContact.history.filter(id=pk).values_list("history_type", flat=True)) == {"+", "~"}
