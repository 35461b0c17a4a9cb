"""Upload ceilings per page, enforced before and while a request body is read.

The limits themselves live in settings (UPLOAD_LIMITS): the largest file and the largest
body each upload page accepts. `RequestGuardMiddleware` refuses a larger Content-Length
before the body is read; `UploadLimitHandler` stops a body that streams past them. Each
page still checks its own published limits on what it receives.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http.multipartparser import MultiPartParserError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class UploadLimit:
    file_bytes: int
    body_bytes: int


class UploadTooLarge(MultiPartParserError):
    """A body or a file past the page's ceiling; the middleware answers 413 with `message`."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def upload_limit(view_name: str | None) -> UploadLimit:
    """The ceiling of the page `view_name` (a URL name such as "tasks:attach")."""
    file_bytes, files_bytes = settings.UPLOAD_LIMITS.get(view_name or "", (0, settings.DATA_UPLOAD_MAX_MEMORY_SIZE))
    return UploadLimit(file_bytes=file_bytes, body_bytes=files_bytes + settings.UPLOAD_MARGIN_BYTES)


def body_too_large_message(limit: UploadLimit) -> str:
    if limit.file_bytes:
        return _("L'envoi est trop volumineux : %(size)s au maximum par fichier.") % {
            "size": filesizeformat(limit.file_bytes)
        }
    return _("L'envoi est trop volumineux pour cette page (aucun fichier n'y est attendu).")


def file_too_large_message(name: str, limit: UploadLimit) -> str:
    return _("%(file)s : fichier trop volumineux (%(size)s au maximum).") % {
        "file": name or _("(sans nom)"),
        "size": filesizeformat(limit.file_bytes),
    }


def request_view_name(request) -> str | None:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else None


class UploadLimitHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: stops reading as soon as a file or the body passes the ceiling."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.limit = upload_limit(request_view_name(self.request))
        self.body_received = 0
        if content_length > self.limit.body_bytes:
            raise UploadTooLarge(body_too_large_message(self.limit))

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.file_received = 0

    def receive_data_chunk(self, raw_data, start):
        self.file_received += len(raw_data)
        self.body_received += len(raw_data)
        if not self.limit.file_bytes:
            raise UploadTooLarge(body_too_large_message(self.limit))
        if self.file_received > self.limit.file_bytes:
            raise UploadTooLarge(file_too_large_message(self.file_name, self.limit))
        if self.body_received > self.limit.body_bytes:
            raise UploadTooLarge(body_too_large_message(self.limit))
        return raw_data

    def file_complete(self, file_size):
        return None
