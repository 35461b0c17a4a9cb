"""T2: attachments — limits, hostile files, generated storage names, guarded downloads."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from tasks.models import TaskAttachment
from tests.helpers import logged

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, content: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def task(julies_tasks):
    return julies_tasks[0]


def attach(client, task, *files):
    return client.post(f"/tasks/{task.pk}/attachments/", {"files": list(files)})


def test_a_rep_attaches_two_documents_stored_under_generated_names(sales_rep, julie, task):
    client = logged(sales_rep)
    page = client.get(f"/tasks/{task.pk}/attachments/").content.decode()
    assert "10,0\xa0Mio" in page and "pdf" in page and "multiple" in page
    response = attach(client, task, upload("Devis 2024.pdf"), upload("notes.txt", b"Bonjour", "text/plain"))
    assert response.status_code == 302 and response["Location"] == f"/prospects/{julie.pk}/#tasks-tab"
    first, second = TaskAttachment.objects.order_by("pk")
    assert (first.original_name, first.size, first.content_type, first.uploaded_by) == (
        "Devis 2024.pdf", len(PDF), "application/pdf", sales_rep,
    )  # fmt: skip
    assert (second.original_name, second.content_type) == ("notes.txt", "text/plain")
    for attachment in (first, second):
        assert attachment.file.name.startswith("attachments/") and attachment.original_name not in attachment.file.name
        assert Path(attachment.file.path).is_file()
    body = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert f'href="/tasks/attachments/{first.pk}/"' in body and "Devis 2024.pdf" in body


def test_a_download_is_always_an_attachment_with_nosniff(sales_rep, task):
    client = logged(sales_rep)
    attach(client, task, upload("Devis été.pdf"))
    attachment = TaskAttachment.objects.get()
    response = client.get(f"/tasks/attachments/{attachment.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''Devis%20%C3%A9t%C3%A9.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_colleague_without_r3_downloads_but_the_outsider_gets_404(sales_rep, rep_without_rights, outsider, task):
    attach(logged(sales_rep), task, upload("Devis.pdf"))
    attachment = TaskAttachment.objects.get()
    assert logged(rep_without_rights).get(f"/tasks/attachments/{attachment.pk}/").status_code == 200
    assert logged(outsider).get(f"/tasks/attachments/{attachment.pk}/").status_code == 404
    assert logged(outsider).get("/tasks/attachments/999999/").status_code == 404


def test_removing_an_attachment_needs_r3_and_deletes_the_file(sales_rep, rep_without_rights, outsider, task):
    attach(logged(sales_rep), task, upload("Devis.pdf"))
    attachment = TaskAttachment.objects.get()
    path = Path(attachment.file.path)
    url = f"/tasks/attachments/{attachment.pk}/delete/"
    assert logged(outsider).post(url).status_code == 404
    assert logged(rep_without_rights).post(url).status_code == 403
    assert logged(sales_rep).get(url).status_code == 405
    assert path.is_file()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert logged(sales_rep).post(url).status_code == 302
    assert not TaskAttachment.objects.exists() and not path.exists()


def test_deleting_a_task_deletes_its_files(sales_rep, task):
    attach(logged(sales_rep), task, upload("Devis.pdf"))
    path = Path(TaskAttachment.objects.get().file.path)
    with TestCase.captureOnCommitCallbacks(execute=True):
        logged(sales_rep).post(f"/tasks/{task.pk}/delete/")
    assert not path.exists()


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("page.html", b"<html><script>alert(1)</script></html>", "type de fichier non autorisé"),
        ("page.HTM", b"<p>x</p>", "type de fichier non autorisé"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "non autorisé"),
        ("page.xhtml", b"<html/>", "non autorisé"),
        ("script.js", b"alert(1)", "non autorisé"),
        ("../../x", b"hello", "non autorisé"),
        ("devis.pdf.exe", b"MZ", "non autorisé"),
        ("deguise.pdf", b"  <!DOCTYPE html><html><script>alert(1)</script>", "pages HTML et images SVG"),
        ("image.png", b"<svg onload=alert(1)>", "pages HTML et images SVG"),
        ("vide.pdf", b"", "vide"),
    ],
)
def test_hostile_or_unlisted_files_are_refused_and_nothing_is_stored(sales_rep, task, name, content, reason):
    response = attach(logged(sales_rep), task, upload(name, content, "text/html"))
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert not TaskAttachment.objects.exists()


def test_a_path_in_the_file_name_is_dropped_and_never_reaches_storage(sales_rep, task):
    response = attach(logged(sales_rep), task, upload("../../x.pdf"), upload("..\\..\\evil\\y.pdf"))
    assert response.status_code == 302
    names = sorted(TaskAttachment.objects.values_list("original_name", flat=True))
    assert names == ["x.pdf", "y.pdf"]
    media = Path(settings.MEDIA_ROOT).resolve()
    for attachment in TaskAttachment.objects.all():
        stored = Path(attachment.file.path).resolve()
        assert stored.parent == media / "attachments" and stored.name != "x.pdf"


def test_an_oversized_file_is_refused_with_the_published_limit(sales_rep, task, settings):
    settings.TASK_ATTACHMENT_MAX_SIZE = 1024
    response = attach(logged(sales_rep), task, upload("petit.pdf"), upload("gros.pdf", PDF + b"0" * 2048))
    assert response.status_code == 400
    assert "gros.pdf : fichier trop volumineux" in response.content.decode()
    assert not TaskAttachment.objects.exists(), "all or nothing: the small file is not kept either"


def test_too_many_files_in_one_upload_are_refused(sales_rep, task, settings):
    settings.TASK_ATTACHMENT_MAX_FILES = 3
    response = attach(logged(sales_rep), task, *[upload(f"f{n}.pdf") for n in range(4)])
    assert response.status_code == 400
    assert "Trop de fichiers : 3 au maximum par envoi." in response.content.decode()
    assert not TaskAttachment.objects.exists()


def test_an_upload_without_a_file_is_refused(sales_rep, task):
    response = logged(sales_rep).post(f"/tasks/{task.pk}/attachments/", {})
    assert response.status_code == 400 and not TaskAttachment.objects.exists()


def test_a_legacy_html_attachment_is_served_as_octet_stream(sales_rep, task):
    attachment = TaskAttachment.objects.create(
        task=task, original_name="old.html", content_type="text/html", size=5,
        file=SimpleUploadedFile("old.html", b"<b>x</b>"),
    )  # fmt: skip
    response = logged(sales_rep).get(f"/tasks/attachments/{attachment.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_missing_stored_file_answers_404(sales_rep, task):
    attach(logged(sales_rep), task, upload("Devis.pdf"))
    attachment = TaskAttachment.objects.get()
    Path(attachment.file.path).unlink()
    assert logged(sales_rep).get(f"/tasks/attachments/{attachment.pk}/").status_code == 404


def test_settings_refuse_an_allow_list_with_html_or_svg(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import config.settings.base as base

    monkeypatch.setenv("TASK_ATTACHMENT_EXTENSIONS", "pdf,svg")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(base)
    monkeypatch.delenv("TASK_ATTACHMENT_EXTENSIONS")
    importlib.reload(base)


def test_a_huge_file_is_cut_short_while_uploading_and_refused(sales_rep, task, settings):
    settings.TASK_ATTACHMENT_MAX_SIZE = 100 * 1024
    huge = upload("enorme.pdf", PDF + b"0" * (3 * 1024 * 1024))
    response = attach(logged(sales_rep), task, huge)
    body = response.content.decode()
    assert response.status_code == 400
    assert "enorme.pdf : fichier trop volumineux (100,0\xa0Kio au maximum)." in body
    assert "vide" not in body
    assert not TaskAttachment.objects.exists()


def test_the_service_checks_the_limits_too(sales_rep, task, settings):
    from django.core.exceptions import ValidationError

    from tasks.services import attachments_add

    settings.TASK_ATTACHMENT_MAX_FILES = 1
    with pytest.raises(ValidationError, match="Trop de fichiers"):
        attachments_add(task=task, files=[upload("a.pdf"), upload("b.pdf")], by=sales_rep)
    settings.TASK_ATTACHMENT_MAX_SIZE = 10
    with pytest.raises(ValidationError, match="trop volumineux"):
        attachments_add(task=task, files=[upload("a.pdf")], by=sales_rep)
    with pytest.raises(ValidationError, match="au moins un fichier"):
        attachments_add(task=task, files=[], by=sales_rep)


def test_the_upload_still_requires_the_csrf_token(sales_rep, task):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    assert client.post(f"/tasks/{task.pk}/attachments/", {"files": [upload("a.pdf")]}).status_code == 403
    assert not TaskAttachment.objects.exists()
