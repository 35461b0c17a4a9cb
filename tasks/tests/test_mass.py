"""T4: mass actions on selected tasks — one transaction, rights per task, forged ids reported."""

import pytest
from django.test import TestCase
from guardian.shortcuts import assign_perm

from tasks.models import Task, TaskAttachment, TaskPriority, TaskStatus
from tasks.services import tasks_mass_update
from tests.factories import ProspectFactory, TaskFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def mass(client, prospect, **data):
    return client.post(f"/tasks/prospects/{prospect.pk}/mass/", data, follow=True)


def texts(response) -> str:
    return " | ".join(str(message) for message in response.context["messages"])


def test_two_tasks_are_marked_done_and_the_change_is_reported(sales_rep, julie, julies_tasks):
    response = mass(logged(sales_rep), julie, action="status", status=TaskStatus.DONE,
                    tasks=[task.pk for task in julies_tasks])  # fmt: skip
    assert response.redirect_chain[-1][0] == f"/prospects/{julie.pk}/#tasks-tab"
    assert set(Task.objects.values_list("status", flat=True)) == {TaskStatus.DONE}
    assert "2 tâches ont changé de statut." in texts(response)


def test_a_task_already_in_the_state_is_counted_unchanged(sales_rep, julie, julies_tasks):
    julies_tasks[0].status = TaskStatus.DONE
    julies_tasks[0].save()
    response = mass(logged(sales_rep), julie, action="status", status=TaskStatus.DONE,
                    tasks=[task.pk for task in julies_tasks])  # fmt: skip
    assert texts(response) == "1 tâche a changé de statut. | 1 tâche était déjà dans cet état."


def test_priority_and_follower_change_in_mass(sales_rep, julie, julies_tasks, colleague):
    client = logged(sales_rep)
    ids = [task.pk for task in julies_tasks]
    mass(client, julie, action="priority", priority=TaskPriority.URGENT, tasks=ids)
    response = mass(client, julie, action="followed_by", followed_by=sales_rep.pk, tasks=ids)
    assert list(Task.objects.values_list("priority", "followed_by")) == [(TaskPriority.URGENT, sales_rep.pk)] * 2
    assert "2 tâches réaffectées." in texts(response)


def test_forged_ids_of_another_contact_and_another_entity_are_ignored_and_reported(
    sales_rep, julie, julies_tasks, leos_task, paris
):
    other_paris_task = TaskFactory(prospect=ProspectFactory(entities=[paris]), name="Autre contact parisien")
    ids = [julies_tasks[0].pk, leos_task.pk, other_paris_task.pk, 987654]
    response = mass(logged(sales_rep), julie, action="status", status=TaskStatus.CANCELLED, tasks=ids)
    assert Task.objects.get(pk=julies_tasks[0].pk).status == TaskStatus.CANCELLED
    assert Task.objects.get(pk=leos_task.pk).status == TaskStatus.PENDING
    assert Task.objects.get(pk=other_paris_task.pk).status == TaskStatus.PENDING
    assert "1 tâche a changé de statut." in texts(response)
    assert "3 tâches ignorées : introuvables ou d'un autre contact." in texts(response)


def test_forged_ids_are_not_deleted_either(sales_rep, julie, julies_tasks, leos_task):
    client = logged(sales_rep)
    response = mass(client, julie, action="delete", confirm="1", tasks=[julies_tasks[0].pk, leos_task.pk])
    assert set(Task.objects.values_list("pk", flat=True)) == {julies_tasks[1].pk, leos_task.pk}
    assert "1 tâche supprimée." in texts(response) and "1 tâche ignorée" in texts(response)


def test_mass_delete_first_warns_that_the_history_is_lost(sales_rep, julie, julies_tasks):
    client = logged(sales_rep)
    ids = [task.pk for task in julies_tasks]
    response = client.post(f"/tasks/prospects/{julie.pk}/mass/", {"action": "delete", "tasks": ids})
    body = response.content.decode()
    assert response.status_code == 200 and Task.objects.count() == 2
    assert "supprimera les 2 tâches sélectionnées et donc l&#x27;historique" in body or "historique" in body
    assert 'name="confirm" value="1"' in body
    for task in julies_tasks:
        assert f'name="tasks" value="{task.pk}"' in body


def test_mass_delete_removes_tasks_and_their_files(sales_rep, julie, julies_tasks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    attachment = TaskAttachment.objects.create(
        task=julies_tasks[0], original_name="a.pdf", size=3, file=SimpleUploadedFile("a.pdf", b"%PD")
    )
    path = attachment.file.path
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = mass(logged(sales_rep), julie, action="delete", confirm="1",
                        tasks=[task.pk for task in julies_tasks])  # fmt: skip
    assert not Task.objects.exists() and not TaskAttachment.objects.exists()
    assert "2 tâches supprimées." in texts(response)
    import os

    assert not os.path.exists(path)


def test_a_follower_outside_the_contacts_entities_is_refused(sales_rep, julie, julies_tasks, outsider):
    response = mass(logged(sales_rep), julie, action="followed_by", followed_by=outsider.pk,
                    tasks=[julies_tasks[0].pk])  # fmt: skip
    assert Task.objects.get(pk=julies_tasks[0].pk).followed_by != outsider
    assert "Sélectionnez un choix valide" in texts(response)


def test_the_service_skips_a_follower_of_another_entity_per_task(sales_rep, julie, julies_tasks, outsider):
    result = tasks_mass_update(ids=[julies_tasks[0].pk], by=sales_rep, followed_by=outsider)
    assert (result.changed, len(result.skipped)) == (0, 1)
    assert "n'appartient à aucune entité du contact" in result.skipped[0][1]


def test_nothing_selected_or_no_value_is_reported(sales_rep, julie, julies_tasks):
    client = logged(sales_rep)
    assert "Sélectionnez au moins une tâche." in texts(mass(client, julie, action="status", status=TaskStatus.DONE))
    response = mass(client, julie, action="status", status="", tasks=[julies_tasks[0].pk])
    assert "Ce champ est obligatoire." in texts(response)
    assert Task.objects.get(pk=julies_tasks[0].pk).status == TaskStatus.PENDING


def test_mass_actions_refuse_get(sales_rep, julie):
    assert logged(sales_rep).get(f"/tasks/prospects/{julie.pk}/mass/").status_code == 405


def test_mass_is_one_transaction(sales_rep, julie, julies_tasks, monkeypatch):
    calls = []
    original = Task.save

    def failing_save(self, *args, **kwargs):
        calls.append(self.pk)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Task, "save", failing_save)
    with pytest.raises(RuntimeError):
        tasks_mass_update(ids=[task.pk for task in julies_tasks], by=sales_rep, status=TaskStatus.DONE)
    assert set(Task.objects.values_list("status", flat=True)) == {TaskStatus.PENDING}


def test_on_my_tasks_rights_are_checked_task_by_task(rep_without_rights, julie, paris):
    mine = TaskFactory(prospect=julie, followed_by=rep_without_rights)
    other = ProspectFactory(entities=[paris])
    allowed = TaskFactory(prospect=other, followed_by=rep_without_rights)
    client = logged(rep_without_rights)
    refused = client.post("/tasks/mass/", {"action": "status", "status": "terminee", "tasks": [mine.pk]})
    assert refused.status_code == 403
    assign_perm("prospects.manage_prospect_tasks", rep_without_rights, other)
    response = client.post(
        "/tasks/mass/", {"action": "status", "status": "terminee", "tasks": [mine.pk, allowed.pk]}, follow=True
    )
    assert Task.objects.get(pk=allowed.pk).status == TaskStatus.DONE
    assert Task.objects.get(pk=mine.pk).status == TaskStatus.PENDING
    assert "1 tâche non modifiable : droit insuffisant." in texts(response)


def test_on_my_tasks_an_outsiders_forged_ids_are_ignored(outsider, julies_tasks):
    response = logged(outsider).post(
        "/tasks/mass/", {"action": "delete", "confirm": "1", "tasks": [julies_tasks[0].pk]}, follow=True
    )
    assert Task.objects.count() == 2
    assert "1 tâche ignorée" in texts(response)
