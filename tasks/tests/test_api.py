"""The tasks API: tasks and attachments against the rights matrix (R3), the upload limits, constant queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prospects.tests.api.conftest import api_client
from tasks.models import Task, TaskAttachment
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name="devis.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


@pytest.fixture
def task(julies_tasks):
    return julies_tasks[0]


def test_tasks_of_a_contact_are_listed_for_who_sees_it(sales_rep, rep_without_rights, outsider, julie, julies_tasks):
    url = f"/api/contacts/{julie.pk}/tasks/"
    assert len(api_client(sales_rep).get(url).json()) == 2
    assert len(api_client(rep_without_rights).get(url).json()) == 2
    assert api_client(outsider).get(url).status_code == 404


def test_creating_a_task_needs_r3(sales_rep, rep_without_rights, outsider, julie):
    data = {"name": "  Rappeler   demain ", "due_date": "2030-01-02", "due_time": "10:30", "priority": "normale",
            "type": "appel", "status": "en_attente"}  # fmt: skip
    url = f"/api/contacts/{julie.pk}/tasks/"
    assert api_client(rep_without_rights).post(url, data, format="json").status_code == 403
    assert api_client(outsider).post(url, data, format="json").status_code == 404
    response = api_client(sales_rep).post(url, data, format="json")
    assert response.status_code == 201, response.json()
    assert Task.objects.get(pk=response.json()["id"]).name == "Rappeler demain"  # the form's normalisation
    response = api_client(sales_rep).post(url, {**data, "due_date": "pas une date"}, format="json")
    assert response.status_code == 400
    assert "due_date" in response.json()


def test_updating_and_deleting_a_task_need_r3(sales_rep, rep_without_rights, outsider, task):
    url = f"/api/tasks/{task.pk}/"
    assert api_client(rep_without_rights).patch(url, {"status": "terminee"}, format="json").status_code == 403
    assert api_client(outsider).patch(url, {"status": "terminee"}, format="json").status_code == 404
    response = api_client(sales_rep).patch(url, {"status": "en_cours"}, format="json")
    assert response.status_code == 200, response.json()
    task.refresh_from_db()
    assert task.status == "en_cours" and task.name == "Contacter le prospect début 2024"
    assert api_client(rep_without_rights).delete(url).status_code == 403
    assert api_client(outsider).delete(url).status_code == 404
    assert api_client(sales_rep).delete(url).status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()


def test_attachments_follow_the_rights_and_the_content_checks(sales_rep, rep_without_rights, outsider, task):
    url = f"/api/tasks/{task.pk}/attachments/"
    assert api_client(rep_without_rights).post(url, {"files": [pdf()]}, format="multipart").status_code == 403
    assert api_client(outsider).post(url, {"files": [pdf()]}, format="multipart").status_code == 404
    response = api_client(sales_rep).post(url, {"files": [pdf(), pdf("b.pdf")]}, format="multipart")
    assert response.status_code == 201, response.json()
    assert [row["original_name"] for row in response.json()] == ["devis.pdf", "b.pdf"]
    html = SimpleUploadedFile("page.pdf", b"<html><script>alert(1)</script>", "application/pdf")
    response = api_client(sales_rep).post(url, {"files": [html]}, format="multipart")
    assert response.status_code == 400
    attachment = TaskAttachment.objects.filter(task=task).first()
    download = api_client(sales_rep).get(f"/api/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert api_client(outsider).get(f"/api/attachments/{attachment.pk}/").status_code == 404
    assert api_client(rep_without_rights).delete(f"/api/attachments/{attachment.pk}/").status_code == 403
    assert api_client(sales_rep).delete(f"/api/attachments/{attachment.pk}/").status_code == 204


def test_an_attachment_past_the_published_size_is_refused(sales_rep, task, settings):
    settings.TASK_ATTACHMENT_MAX_SIZE = 1024
    url = f"/api/tasks/{task.pk}/attachments/"
    response = api_client(sales_rep).post(url, {"files": [pdf(content=PDF + b"0" * 2048)]}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()
    assert not TaskAttachment.objects.exists()


def test_an_upload_past_the_ceiling_gets_a_json_413(sales_rep, task, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "api:task-attachments": (8 * 1024, 8 * 1024)}
    url = f"/api/tasks/{task.pk}/attachments/"
    response = api_client(sales_rep).post(url, {"files": [pdf(content=PDF + b"0" * 10_000)]}, format="multipart")
    assert response.status_code == 413
    assert response.json()["detail"]
    assert not TaskAttachment.objects.exists()


def test_a_forged_content_length_is_refused_before_the_body_is_read(sales_rep, task):
    client = api_client(sales_rep)
    response = client.generic(
        "POST", f"/api/tasks/{task.pk}/attachments/", b"", CONTENT_TYPE="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(10**12),
    )  # fmt: skip
    assert response.status_code == 413
    assert response.json()["detail"]


def test_the_task_list_runs_a_constant_number_of_queries(sales_rep, julie):
    client = api_client(sales_rep)
    client.get("/api/tasks/")
    for _ in range(5):
        TaskFactory(prospect=julie)
    with CaptureQueriesContext(connection) as five:
        assert len(client.get("/api/tasks/").json()["results"]) == 5
    for _ in range(20):
        TaskFactory(prospect=julie)
    with CaptureQueriesContext(connection) as twenty_five:
        assert len(client.get("/api/tasks/").json()["results"]) == 25
    assert len(five) == len(twenty_five)
