"""tasks.services: the writes the views, mass actions and any future import share."""

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from tasks.models import Task, TaskAttachment, TaskStatus
from tasks.services import (
    attachment_content_type,
    attachments_add,
    safe_file_name,
    task_create,
    task_delete,
    task_update,
    tasks_mass_update,
)

pytestmark = pytest.mark.django_db

WHEN = timezone.make_aware(datetime.datetime(2030, 1, 15, 9, 30))


def test_task_create_records_the_author_and_validates(julie, sales_rep):
    task = task_create(prospect=julie, by=sales_rep, name="Appeler", due_at=WHEN, followed_by=sales_rep)
    assert (task.created_by, task.prospect, task.status) == (sales_rep, julie, TaskStatus.PENDING)
    with pytest.raises(ValidationError):
        task_create(prospect=julie, by=sales_rep, name="Appeler", due_at=WHEN, status="inconnu")
    assert Task.objects.count() == 1


def test_task_update_saves_only_what_changed(julies_tasks):
    task = julies_tasks[0]
    before = task.updated_at
    task_update(task=task, name=task.name, status=task.status)
    task.refresh_from_db()
    assert task.updated_at == before, "nothing changed, nothing saved"
    task_update(task=task, status=TaskStatus.IN_PROGRESS)
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS


def test_a_rolled_back_delete_keeps_the_files(julies_tasks, sales_rep):
    task = julies_tasks[0]
    (attachment,) = attachments_add(task=task, files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4")], by=sales_rep)
    path = Path(attachment.file.path)
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        task_delete(task=task)
    assert len(callbacks) == 1 and path.exists(), "the file goes only once the delete is committed"
    callbacks[0]()
    assert not path.exists() and not TaskAttachment.objects.exists()


def test_mass_update_counts_changed_unchanged_ignored_and_refused(
    julie, julies_tasks, leos_task, rep_without_rights, sales_rep
):
    result = tasks_mass_update(ids=[julies_tasks[0].pk, leos_task.pk, 424242], by=sales_rep, status=TaskStatus.DONE)
    assert (result.changed, result.unchanged, result.ignored, result.refused) == (1, 0, 2, 0)
    result = tasks_mass_update(ids=[task.pk for task in julies_tasks], by=rep_without_rights, status=TaskStatus.DONE)
    assert (result.changed, result.refused) == (0, 2)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\windows\\y.pdf", "y.pdf"),
        ("/etc/passwd", "passwd"),
        ("ok\x00\r\n.pdf", "ok.pdf"),
        ("..", ""),
        ("a" * 300 + ".pdf", "a" * 187 + ".pdf"),
    ],
)
def test_safe_file_name_keeps_a_displayable_base_name(name, safe):
    assert safe_file_name(name) == safe


def test_download_types_come_from_the_extension_never_markup():
    assert attachment_content_type("a.pdf") == "application/pdf"
    assert attachment_content_type("a.html") == "application/octet-stream"
    assert attachment_content_type("a.svg") == "application/octet-stream"
    assert attachment_content_type("noextension") == "application/octet-stream"
