"""T2 hardening: attachments checked by content, served as downloads, long names refused cleanly."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tasks.models import TaskAttachment
from tests.helpers import logged

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
BOM = b"\xef\xbb\xbf"


@pytest.fixture
def task(julies_tasks):
    return julies_tasks[0]


def attach(client, task, name, content):
    return client.post(f"/tasks/{task.pk}/attachments/", {"files": [SimpleUploadedFile(name, content)]})


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bom.txt", BOM + b"<html><script>alert(1)</script></html>"),
        ("img.txt", b"<img src=x onerror=alert(1)>"),
        ("img.csv", b"Nom;Note\nA;<IMG SRC=x onerror=alert(1)>\n"),
        ("spaces.txt", b"\r\n\t   <ScRiPt>alert(1)</script>"),
        ("utf16.txt", b"\xff\xfe" + "<svg onload=alert(1)>".encode("utf-16-le")),
        ("utf16-nobom.txt", "<html><body>x</body></html>".encode("utf-16-le")),
        ("bom-svg.pdf", BOM + b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("xml.docx", b'<?xml version="1.0"?><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script>'),
        ("image.png", BOM + b"<img src=x onerror=alert(1)>"),
        ("comment.txt", b"<!-- --><script>alert(1)</script>"),
    ],
)
def test_markup_is_refused_whatever_the_bom_case_whitespace_or_extension(sales_rep, task, name, content):
    response = attach(logged(sales_rep), task, name, content)
    assert response.status_code == 400
    assert "pages HTML et images SVG ne sont pas acceptées" in response.content.decode()
    assert not TaskAttachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("devis.pdf", b"MZ\x90\x00 not a pdf"), ("photo.png", b"GIF89a...."), ("classeur.xlsx", PDF), ("note.doc", b"x")],
)
def test_a_binary_format_must_start_as_that_format_does(sales_rep, task, name, content):
    response = attach(logged(sales_rep), task, name, content)
    assert response.status_code == 400
    assert "le contenu ne correspond pas à un fichier" in response.content.decode()
    assert not TaskAttachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("devis.pdf", PDF),
        ("logo.png", PNG),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 32),
        ("contrat.docx", b"PK\x03\x04" + b"\0" * 32),
        ("notes.txt", BOM + b"Rappeler Julie : 3 < 5 et a<b."),
        ("mail.eml", b"From: a@example.com\r\nSubject: x\r\n\r\n<html><body>Bonjour</body></html>"),
        ("table.csv", b"Nom;Chiffre\nDUPONT;<100\n"),
    ],
)
def test_ordinary_files_pass_the_content_check(sales_rep, task, name, content):
    response = attach(logged(sales_rep), task, name, content)
    assert response.status_code == 302
    assert TaskAttachment.objects.get().original_name == name


def test_every_download_is_an_attachment_with_nosniff_sandbox_and_a_safe_file_name(sales_rep, task):
    client = logged(sales_rep)
    assert attach(client, task, 'Devis "final"; x=1 été.pdf', PDF).status_code == 302
    attachment = TaskAttachment.objects.get()
    response = client.get(f"/tasks/attachments/{attachment.pk}/")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition and "\r" not in disposition
    assert "filename*=utf-8''Devis%20%22final%22%3B%20x%3D1%20%C3%A9t%C3%A9.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"].split(";")[-1]


def _raw_multipart(client, task, file_name: str):
    boundary = "XyZbOuNdArY"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{file_name}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.generic(
        "POST", f"/tasks/{task.pk}/attachments/", body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize("file_name", ["a" * 1000 + ".pdf", "é" * 1000 + ".pdf"])
def test_a_1000_character_file_name_gets_a_clear_error_on_the_form(sales_rep, task, file_name):
    response = _raw_multipart(logged(sales_rep), task, file_name)
    body = response.content.decode()
    assert response.status_code == 400
    assert "un nom de fichier est sans doute trop long" in body
    assert 'type="file"' in body, "the form is shown again"
    assert not TaskAttachment.objects.exists()


def test_a_long_name_that_django_can_read_is_shortened(sales_rep, task):
    response = _raw_multipart(logged(sales_rep), task, "b" * 700 + ".pdf")
    assert response.status_code == 302
    assert TaskAttachment.objects.get().original_name == "b" * 187 + ".pdf"


def test_a_long_name_from_the_outsider_or_without_the_right_is_refused_first(rep_without_rights, outsider, task):
    assert _raw_multipart(logged(outsider), task, "a" * 1000 + ".pdf").status_code == 404
    assert _raw_multipart(logged(rep_without_rights), task, "a" * 1000 + ".pdf").status_code == 403
    assert not TaskAttachment.objects.exists()


def test_the_long_name_message_is_translated(sales_rep, task):
    client = logged(sales_rep, HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["django_language"] = "en"
    body = _raw_multipart(client, task, "a" * 1000 + ".pdf").content.decode()
    assert "a file name is probably too long" in body
