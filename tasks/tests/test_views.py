"""T1/T3 and the card's tasks tab: every action with R3, without it (403) and by the outsider (404)."""

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from tasks.models import Task, TaskPriority, TaskStatus, TaskType
from tests.factories import ProspectFactory, TaskFactory
from tests.helpers import logged, row_menu

pytestmark = pytest.mark.django_db

NEW_TASK = {
    "priority": TaskPriority.HIGH,
    "due_date": "2030-01-15",
    "due_time": "09:30",
    "type": TaskType.MEETING,
    "name": "  Rendez-vous   de découverte ",
    "description": "Présenter l'offre",
    "status": TaskStatus.PENDING,
}


def test_the_card_shows_the_tasks_tab_with_the_guides_columns_newest_first(sales_rep, julie, julies_tasks):
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    for column in ("Priorité", "Date / Heure de la tâche", "Type", "Nom de la tâche", "Suivi par",
                   "Description / Compte-rendu", "Tél. mobile", "Tél. fixe", "Attachement(s)", "Statut"):  # fmt: skip
        assert column in body
    assert "28/12/2023 à 11:00" in body and "ALPES Lise" in body and "Aucun attachement" in body
    assert "06 11 22 33 44" in body
    assert body.index("Envoyer la plaquette") < body.index("Contacter le prospect début 2024")
    oldest_first = logged(sales_rep).get(f"/prospects/{julie.pk}/?tasks_order=asc").content.decode()
    assert oldest_first.index("Contacter le prospect début 2024") < oldest_first.index("Envoyer la plaquette")


def test_an_open_task_past_its_date_is_marked_overdue_a_done_one_is_not(sales_rep, julie, julies_tasks):
    done = TaskFactory(prospect=julie, name="Ancienne", status=TaskStatus.DONE, due_at=julies_tasks[0].due_at)
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert f'<tr id="task-{julies_tasks[0].pk}" class="overdue">' in body
    assert f'<tr id="task-{julies_tasks[1].pk}">' in body
    assert f'<tr id="task-{done.pk}">' in body
    assert body.count("En retard") == 1


def test_the_card_reads_its_tasks_in_a_constant_number_of_queries(sales_rep, julie, django_assert_max_num_queries):
    client = logged(sales_rep)
    client.get(f"/prospects/{julie.pk}/")
    for _ in range(5):
        TaskFactory(prospect=julie, followed_by=sales_rep)
    with django_assert_max_num_queries(40) as context:
        client.get(f"/prospects/{julie.pk}/")
    few = len(context.captured_queries)
    for _ in range(10):
        TaskFactory(prospect=julie, followed_by=sales_rep)
    with django_assert_max_num_queries(few):
        client.get(f"/prospects/{julie.pk}/")


def test_a_rep_adds_a_task_followed_by_a_colleague(sales_rep, julie, colleague):
    client = logged(sales_rep)
    form = client.get(f"/tasks/prospects/{julie.pk}/new/").content.decode()
    assert "ALPES Lise" in form and 'name="due_date"' in form and 'name="due_time"' in form
    response = client.post(f"/tasks/prospects/{julie.pk}/new/", {**NEW_TASK, "followed_by": colleague.pk})
    assert response.status_code == 302 and response["Location"] == f"/prospects/{julie.pk}/#tasks-tab"
    task = Task.objects.get()
    assert (task.name, task.prospect, task.followed_by, task.created_by) == (
        "Rendez-vous de découverte", julie, colleague, sales_rep,
    )  # fmt: skip
    assert task.due_at.astimezone(datetime.UTC) == datetime.datetime(2030, 1, 15, 8, 30, tzinfo=datetime.UTC)
    assert (task.priority, task.type) == (TaskPriority.HIGH, TaskType.MEETING)
    assert "La tâche « Rendez-vous de découverte » a été ajoutée." in client.get(response["Location"]).content.decode()


def test_the_add_form_is_an_htmx_partial_for_the_dialog(sales_rep, julie):
    body = logged(sales_rep).get(f"/tasks/prospects/{julie.pk}/new/", HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith("<form") and "<html" not in body


def test_the_dialog_posts_back_into_itself_and_reloads_the_card_once_saved(
    sales_rep, rep_without_rights, outsider, julie
):
    client = logged(sales_rep)
    url = f"/tasks/prospects/{julie.pk}/new/"
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert f'hx-post="{url}" hx-target="#task-dialog-body"' in form
    invalid = client.post(url, {**NEW_TASK, "name": ""}, HTTP_HX_REQUEST="true")
    body = invalid.content.decode()
    assert invalid.status_code == 200 and body.lstrip().startswith("<form") and 'class="error"' in body
    assert not Task.objects.exists()
    saved = client.post(url, NEW_TASK, HTTP_HX_REQUEST="true")
    assert saved.status_code == 204 and Task.objects.count() == 1
    assert json.loads(saved["HX-Trigger"]) == {"taskSaved": {"url": f"/prospects/{julie.pk}/#tasks-tab"}}
    assert logged(rep_without_rights).post(url, NEW_TASK, HTTP_HX_REQUEST="true").status_code == 403
    assert logged(outsider).post(url, NEW_TASK, HTTP_HX_REQUEST="true").status_code == 404
    assert Task.objects.count() == 1


def test_followed_by_must_be_a_user_of_the_contacts_entities(sales_rep, julie, outsider):
    client = logged(sales_rep)
    form = client.get(f"/tasks/prospects/{julie.pk}/new/").content.decode()
    assert "RIVET Hugo" not in form
    response = client.post(f"/tasks/prospects/{julie.pk}/new/", {**NEW_TASK, "followed_by": outsider.pk})
    assert response.status_code == 200 and not Task.objects.exists()
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_a_task_needs_a_name_a_date_and_a_time(sales_rep, julie):
    response = logged(sales_rep).post(
        f"/tasks/prospects/{julie.pk}/new/", {**NEW_TASK, "name": "  ", "due_date": "31/02/2030", "due_time": ""}
    )
    assert response.status_code == 200 and not Task.objects.exists()
    assert response.content.decode().count("Ce champ est obligatoire.") >= 2


def test_a_rep_edits_a_task(sales_rep, julie, julies_tasks):
    task = julies_tasks[0]
    client = logged(sales_rep)
    form = client.get(f"/tasks/{task.pk}/edit/").content.decode()
    assert 'value="28/12/2023"' in form and 'value="11:00"' in form and "Contacter le prospect début 2024" in form
    response = client.post(
        f"/tasks/{task.pk}/edit/",
        {**NEW_TASK, "name": "Contacté", "status": TaskStatus.DONE, "description": "Rappeler en mars"},
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.name, task.status, task.description, task.followed_by) == (
        "Contacté", TaskStatus.DONE, "Rappeler en mars", None,
    )  # fmt: skip


def test_a_rep_deletes_a_task_after_confirmation(sales_rep, julie, julies_tasks):
    task = julies_tasks[0]
    client = logged(sales_rep)
    confirmation = client.get(f"/tasks/{task.pk}/delete/").content.decode()
    assert "Supprimer la tâche" in confirmation and "historique" in confirmation
    assert Task.objects.filter(pk=task.pk).exists()
    response = client.post(f"/tasks/{task.pk}/delete/")
    assert response.status_code == 302 and not Task.objects.filter(pk=task.pk).exists()


def test_delete_refuses_other_methods(sales_rep, julies_tasks):
    assert logged(sales_rep).put(f"/tasks/{julies_tasks[0].pk}/delete/").status_code == 405


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/tasks/prospects/{prospect}/new/"),
        ("post", "/tasks/prospects/{prospect}/new/"),
        ("get", "/tasks/{task}/edit/"),
        ("post", "/tasks/{task}/edit/"),
        ("get", "/tasks/{task}/delete/"),
        ("post", "/tasks/{task}/delete/"),
        ("get", "/tasks/{task}/attachments/"),
        ("post", "/tasks/{task}/attachments/"),
        ("post", "/tasks/prospects/{prospect}/mass/"),
    ],
)
def test_without_r3_actions_answer_403_and_another_entitys_answer_404(
    method, url, rep_without_rights, outsider, julie, julies_tasks
):
    task = julies_tasks[0]
    target = url.format(prospect=julie.pk, task=task.pk)
    data = {**NEW_TASK, "action": "status", "status": TaskStatus.DONE, "tasks": [task.pk]}
    assert getattr(logged(rep_without_rights), method)(target, data).status_code == 403
    assert getattr(logged(outsider), method)(target, data).status_code == 404
    assert Task.objects.get(pk=task.pk).status == TaskStatus.PENDING
    assert Task.objects.count() == 2


def test_a_missing_task_answers_404_like_another_entitys(sales_rep):
    assert logged(sales_rep).get("/tasks/999999/edit/").status_code == 404
    assert logged(sales_rep).get("/tasks/prospects/999999/new/").status_code == 404


def test_without_r3_the_card_hides_every_task_action(rep_without_rights, julie, julies_tasks):
    body = logged(rep_without_rights).get(f"/prospects/{julie.pk}/").content.decode()
    assert "Contacter le prospect début 2024" in body
    hidden_texts = ("Ajouter une tâche", "/tasks/prospects/", f"/tasks/{julies_tasks[0].pk}/", "Modifier l'affectation",
                    'name="tasks"', "Attacher un document")  # fmt: skip
    for hidden in hidden_texts:
        assert hidden not in body


def test_with_r3_the_card_offers_every_task_action(sales_rep, julie, julies_tasks):
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    task = julies_tasks[0]
    for shown in ("Ajouter une tâche", f"/tasks/{task.pk}/edit/", f"/tasks/{task.pk}/attachments/",
                  f"/tasks/{task.pk}/delete/", "Modifier l'affectation", "Supprimer les tâches"):  # fmt: skip
        assert shown in body


def test_r3_granted_on_one_contact_allows_tasks_on_that_contact_only(rep_without_rights, julie, paris):
    other = ProspectFactory(entities=[paris])
    assign_perm("prospects.manage_prospect_tasks", rep_without_rights, julie)
    client = logged(rep_without_rights)
    assert client.post(f"/tasks/prospects/{julie.pk}/new/", NEW_TASK).status_code == 302
    assert client.post(f"/tasks/prospects/{other.pk}/new/", NEW_TASK).status_code == 403
    assert "Ajouter une tâche" in client.get(f"/prospects/{julie.pk}/").content.decode()


def test_a_global_r3_does_not_reach_another_entitys_contact(rep_without_rights, leo, leos_task):
    rep_without_rights.user_permissions.add(Permission.objects.get(codename="manage_prospect_tasks"))
    client = logged(rep_without_rights)
    assert client.post(f"/tasks/prospects/{leo.pk}/new/", NEW_TASK).status_code == 404
    assert client.post(f"/tasks/{leos_task.pk}/delete/").status_code == 404


def test_the_list_row_action_opens_the_add_form(sales_rep, rep_without_rights, outsider, julie):
    url = f"/tasks/prospects/{julie.pk}/new/"
    assert row_menu(logged(sales_rep).get("/prospects/").content.decode(), julie.pk)["task"] == url
    assert logged(sales_rep).get(url).status_code == 200
    assert logged(rep_without_rights).get(url).status_code == 403
    assert logged(outsider).get(url).status_code == 404


def test_a_contact_with_tasks_cannot_be_deleted(sales_rep, julie, julies_tasks):
    response = logged(sales_rep).post(f"/prospects/{julie.pk}/delete/", follow=True)
    assert "2 tâches" in response.content.decode()
    assert type(julie).objects.filter(pk=julie.pk).exists()


def test_the_top_navigation_links_to_my_tasks(sales_rep, julie):
    body = logged(sales_rep).get("/prospects/").content.decode()
    assert 'href="/tasks/"' in body and "Mes tâches" in body


def test_editing_keeps_a_follower_who_left_the_contacts_entities(sales_rep, julie, julies_tasks, colleague, lyon):
    colleague.entities.set([lyon])
    task = julies_tasks[0]
    response = logged(sales_rep).post(
        f"/tasks/{task.pk}/edit/", {**NEW_TASK, "name": "Contacté", "followed_by": colleague.pk}
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.name, task.followed_by) == ("Contacté", colleague)
