""" "Mes tâches": the tasks a user follows across contacts, filtered by status and date."""

import datetime

import pytest
from django.utils import timezone

from tasks.models import TaskStatus
from tests.factories import ProspectFactory, TaskFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T10:00"))


@pytest.fixture
def marines_tasks(sales_rep, julie, paris, colleague):
    other = ProspectFactory(last_name="CORTEZ", first_name="Ana", entities=[paris])
    return {
        "late": TaskFactory(prospect=julie, followed_by=sales_rep, name="Relancer Julie", due_at=at("2024-01-05")),
        "soon": TaskFactory(
            prospect=other,
            followed_by=sales_rep,
            name="Appeler Ana",
            due_at=at("2099-03-01"),
            status=TaskStatus.IN_PROGRESS,
        ),  # fmt: skip
        "done": TaskFactory(
            prospect=other, followed_by=sales_rep, name="Devis envoyé", due_at=at("2024-02-01"), status=TaskStatus.DONE
        ),  # fmt: skip
        "lise": TaskFactory(prospect=julie, followed_by=colleague, name="Tâche de Lise", due_at=at("2024-01-06")),
    }


def names(response) -> list[str]:
    return [task.name for task in response.context["tasks"]]


def test_by_default_my_open_tasks_across_contacts_oldest_first(sales_rep, marines_tasks):
    response = logged(sales_rep).get("/tasks/")
    assert names(response) == ["Relancer Julie", "Appeler Ana"]
    body = response.content.decode()
    assert "ARMANON Julie" in body and "CORTEZ Ana" in body and "En retard" in body
    assert body.count('class="overdue"') == 1
    assert '<strong class="overdue-summary" id="overdue-count">1 en retard</strong>' in body


def test_filter_by_status_and_date_range(sales_rep, marines_tasks):
    client = logged(sales_rep)
    assert names(client.get("/tasks/?status=toutes")) == ["Relancer Julie", "Devis envoyé", "Appeler Ana"]
    assert names(client.get("/tasks/?status=terminee")) == ["Devis envoyé"]
    assert names(client.get("/tasks/?status=toutes&start=2024-01-10&end=2024-12-31")) == ["Devis envoyé"]
    assert names(client.get("/tasks/?status=ouvertes&end=2024-01-05")) == ["Relancer Julie"]


def test_a_bad_filter_shows_an_error_and_no_task(sales_rep, marines_tasks):
    response = logged(sales_rep).get("/tasks/?start=2024-05-01&end=2024-01-01")
    assert names(response) == [] and "La date de fin précède la date de début." in response.content.decode()
    assert names(logged(sales_rep).get("/tasks/?status=inconnu")) == []


def test_tasks_of_a_contact_i_no_longer_see_are_not_listed(outsider, marines_tasks, sales_rep, julie):
    marines_tasks["late"].followed_by = outsider
    marines_tasks["late"].save()
    assert names(logged(outsider).get("/tasks/")) == []


def test_without_r3_the_list_shows_no_mass_action(rep_without_rights, julie):
    TaskFactory(prospect=julie, followed_by=rep_without_rights, name="À faire")
    body = logged(rep_without_rights).get("/tasks/").content.decode()
    assert "À faire" in body and "Modifier le statut" not in body and 'name="tasks"' not in body


def test_my_tasks_reads_in_a_constant_number_of_queries(sales_rep, julie, django_assert_max_num_queries):
    client = logged(sales_rep)
    TaskFactory(prospect=julie, followed_by=sales_rep)
    with django_assert_max_num_queries(30) as context:
        client.get("/tasks/")
    for _ in range(10):
        TaskFactory(prospect=ProspectFactory(entities=list(julie.entities.all())), followed_by=sales_rep)
    with django_assert_max_num_queries(len(context.captured_queries)):
        client.get("/tasks/")


def test_my_tasks_needs_a_login(client):
    assert client.get("/tasks/").status_code == 302
