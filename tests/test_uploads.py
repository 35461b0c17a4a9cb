"""Upload ceilings: refused from Content-Length before the body is read, cut while streaming."""

import html
import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from crm.uploads import upload_limit
from prospects.imports import xlsx
from prospects.vcard import imports as vcard_imports
from prospects.vcard import reader as vcard_reader
from tests.helpers import logged

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024


class UnreadableBody(io.RawIOBase):
    """A wsgi.input that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = readinto = read


class CountingBody(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_the_ceilings_match_the_pages_published_limits():
    assert upload_limit("prospects:import_upload").file_bytes == xlsx.MAX_UPLOAD_BYTES
    for name in ("prospects:vcard_import", "prospects:vcard_quick_add"):
        limit = upload_limit(name)
        assert limit.file_bytes == vcard_reader.MAX_FILE_BYTES
        assert limit.body_bytes == vcard_imports.MAX_TOTAL_BYTES + settings.UPLOAD_MARGIN_BYTES
    attach = upload_limit("tasks:attach")
    assert attach.file_bytes == settings.TASK_ATTACHMENT_MAX_SIZE
    assert attach.body_bytes == settings.TASK_ATTACHMENT_MAX_SIZE * settings.TASK_ATTACHMENT_MAX_FILES + MIB
    assert upload_limit("prospects:list").file_bytes == 0


def _forged_post(client, url: str, length: int):
    return client.generic(
        "POST",
        url,
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": UnreadableBody()},
    )


@pytest.fixture
def task(paris):
    from tests.factories import ProspectFactory, TaskFactory

    return TaskFactory(prospect=ProspectFactory(entities=[paris]))


@pytest.mark.parametrize(
    ("url_name", "size"),
    [
        ("prospects:import_upload", 21 * MIB + 1),
        ("prospects:vcard_import", 51 * MIB + 1),
        ("prospects:vcard_quick_add", 10**12),
        ("tasks:attach", 101 * MIB + 1),
        ("prospects:mass_action", 6 * MIB + 1),
    ],
)
def test_a_forged_content_length_is_refused_with_413_before_the_body_is_read(sales_rep, task, url_name, size):
    args = {"tasks:attach": [task.pk], "prospects:mass_action": ["delete"]}.get(url_name, [])
    url = reverse(url_name, args=args)
    response = _forged_post(logged(sales_rep), url, size)
    body = html.unescape(response.content.decode())
    assert response.status_code == 413
    assert "Envoi trop volumineux" in body and "L'envoi est trop volumineux" in body
    assert "Mes tâches" in body, "the page is in the site's layout"


def test_the_outsider_and_the_user_without_the_right_are_refused_the_same_way(rep_without_rights, outsider, task):
    for user in (rep_without_rights, outsider):
        response = _forged_post(logged(user), reverse("prospects:import_upload"), 10**10)
        assert response.status_code == 413


def test_a_body_within_the_ceiling_is_read_normally(sales_rep):
    response = logged(sales_rep).post(reverse("prospects:import_upload"), {})
    assert response.status_code < 500 and response.status_code != 413


def _multipart(name: str, content: bytes, boundary: str = "xyz") -> bytes:
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'
    return head.encode() + content + f"\r\n--{boundary}--\r\n".encode()


def test_a_file_past_its_limit_stops_the_stream_and_gets_a_french_413(sales_rep, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "prospects:import_upload": (64 * 1024, 64 * 1024)}
    settings.UPLOAD_MARGIN_BYTES = 10 * MIB  # the Content-Length passes; the handler must stop it
    data = _multipart("gros.xlsx", b"PK\x03\x04" + b"0" * (4 * MIB))
    stream = CountingBody(data)
    response = logged(sales_rep).generic(
        "POST",
        reverse("prospects:import_upload"),
        b"",
        CONTENT_TYPE="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(len(data)),
        **{"wsgi.input": stream},
    )
    body = html.unescape(response.content.decode())
    assert response.status_code == 413
    assert "gros.xlsx : fichier trop volumineux (64,0\xa0Kio au maximum)." in body
    assert stream.bytes_read < MIB, "reading stopped soon after the limit"


def test_a_file_sent_to_a_page_that_takes_none_is_refused(sales_rep, settings):
    settings.UPLOAD_MARGIN_BYTES = 10 * MIB
    response = logged(sales_rep).post(
        reverse("prospects:mass_action", args=["delete"]), {"file": SimpleUploadedFile("x.pdf", b"%PDF-" * 10)}
    )
    assert response.status_code == 413
    assert "aucun fichier n'y est attendu" in html.unescape(response.content.decode())


def test_the_attachment_page_answers_413_on_its_form_when_the_stream_passes_the_ceiling(sales_rep, task, settings):
    settings.UPLOAD_LIMITS = {**settings.UPLOAD_LIMITS, "tasks:attach": (8 * 1024, 8 * 1024)}
    settings.UPLOAD_MARGIN_BYTES = 10 * MIB
    settings.TASK_ATTACHMENT_MAX_SIZE = 1 * MIB  # the page's own limit is higher: the ceiling acts
    response = logged(sales_rep).post(
        reverse("tasks:attach", args=[task.pk]), {"files": [SimpleUploadedFile("a.pdf", b"%PDF-" + b"0" * 20000)]}
    )
    assert response.status_code == 413
    assert "a.pdf : fichier trop volumineux (8,0\xa0Kio au maximum)." in response.content.decode()
