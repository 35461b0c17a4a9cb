"""B4: changes of status, rep, company and conversion are recorded and shown on the card."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from crm.models import CompanyType
from prospects.models import ContactStatus, ProspectContact
from prospects.selectors import prospect_history
from prospects.services import prospect_assign, prospect_delete
from tests.factories import CompanyFactory, EntityFactory, ProspectFactory, UserFactory
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


def changes(prospect, viewer=None) -> list[tuple[str, str, str, str]]:
    viewer = (
        viewer
        or User.objects.filter(username="history-root").first()
        or UserFactory(username="history-root", is_superuser=True)
    )
    return [(change.user, change.field, change.old, change.new) for change in prospect_history(prospect, viewer=viewer)]


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
    assert len(changes(julie)) == 4
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


HIDDEN = "(hors de vos entités)"


@pytest.fixture
def crossed(julie, lyon, bsi, manager):
    """Julie once moved to a Lyon company and a Lyon rep, changed by a Lyon user, then came back."""
    lyon_company = CompanyFactory(name="LYON SECRET", type=CompanyType.PROSPECT, entities=[lyon])
    lyon_rep = UserFactory(username="lyonrep", last_name="Secret", first_name="Rep", entities=[lyon])
    lyon_author = UserFactory(username="lyonboss", last_name="Cache", first_name="Chef", entities=[lyon])
    for company, rep, by in ((lyon_company, lyon_rep, lyon_author), (bsi, julie.assigned_to, manager)):
        julie.company, julie.assigned_to, julie._history_user = company, rep, by
        julie.save()
    return julie


def test_the_history_hides_the_names_of_another_entitys_company_rep_and_author(sales_rep, crossed, manager):
    shown = changes(crossed, viewer=sales_rep)
    assert ("DIRON Marine" in str(shown)) and (str(manager) in str(shown))
    assert "LYON SECRET" not in str(shown) and "SECRET Rep" not in str(shown) and "CACHE Chef" not in str(shown)
    assert (HIDDEN, "Société", "BSI CORP", HIDDEN) in shown
    assert (HIDDEN, "Affecté à", "DIRON Marine", HIDDEN) in shown
    assert (str(manager), "Société", HIDDEN, "BSI CORP") in shown
    assert (str(manager), "Affecté à", HIDDEN, "DIRON Marine") in shown


def test_a_superuser_sees_every_name_in_the_history(admin_user, crossed):
    shown = changes(crossed, viewer=admin_user)
    assert ("CACHE Chef", "Société", "BSI CORP", "LYON SECRET") in shown
    assert ("CACHE Chef", "Affecté à", "DIRON Marine", "SECRET Rep") in shown
    assert HIDDEN not in str(shown)


def test_the_outsider_sees_their_own_entitys_names_but_not_the_viewers(outsider, crossed, lyon, manager):
    crossed.entities.add(lyon)
    shown = changes(crossed, viewer=outsider)
    assert ("CACHE Chef", "Société", HIDDEN, "LYON SECRET") in shown
    assert (HIDDEN, "Affecté à", "SECRET Rep", HIDDEN) in shown
    assert "BSI CORP" not in str(shown) and "DIRON Marine" not in str(shown)


def test_the_card_shows_the_placeholder_and_checks_names_in_bounded_queries(sales_rep, crossed):
    client = logged(sales_rep)
    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"/prospects/{crossed.pk}/").content.decode()
    assert "LYON SECRET" not in body and "SECRET Rep" not in body and "CACHE Chef" not in body
    assert HIDDEN in body
    before = len(queries)
    # More names from more entities: the count of queries does not grow with them.
    bsi = crossed.company
    for name in ("ZORGLUB", "QUUXCORP"):
        company = CompanyFactory(name=name, entities=[EntityFactory(name=name)])
        crossed.company, crossed._history_user = company, UserFactory(entities=list(company.entities.all()))
        crossed.save()
    crossed.company = bsi
    crossed.save()
    with CaptureQueriesContext(connection) as queries:
        body = client.get(f"/prospects/{crossed.pk}/").content.decode()
    assert "ZORGLUB" not in body and "QUUXCORP" not in body
    assert len(queries) == before


def test_the_user_without_the_right_sees_the_card_history_with_the_placeholder(rep_without_rights, crossed):
    response = logged(rep_without_rights).get(f"/prospects/{crossed.pk}/")
    if response.status_code == 200:
        body = response.content.decode()
        assert "LYON SECRET" not in body and HIDDEN in body
    else:
        assert response.status_code in (403, 404)
