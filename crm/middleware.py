"""One guard for hostile requests, before any view or the CSRF check reads the body.

- a NUL byte, an integer past 64 bits or an overlong value in a parameter: 400
  (PostgreSQL refuses NUL in text, the drivers integers past bigint);
- a Content-Length past the page's upload ceiling (crm.uploads): 413, body left unread;
- a multipart body Django cannot parse (a 1,000-character file name overflows its part
  header limit) or that streams past the ceiling: a French page, not a bare 400.
"""

import re

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

from crm.uploads import UploadTooLarge, body_too_large_message, request_view_name, upload_limit

MAX_PARAMETER_LENGTH = 4096
API_PATH = "/api/"
BODY_METHODS = {"POST", "PUT", "PATCH"}


def refused_response(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    if request.path.startswith(API_PATH):
        return JsonResponse({"detail": message}, status=status)  # the API answers in JSON, like its views
    titles = {400: _("Requête refusée"), 413: _("Envoi trop volumineux")}
    context = {"title": titles.get(status, _("Requête refusée")), "message": message, "status": status}
    return render(request, "request_refused.html", context, status=status)


def unreadable_upload_message() -> str:
    return _(
        "L'envoi n'a pas pu être lu : un nom de fichier est sans doute trop long. "
        "Renommez le fichier (200 caractères au plus) puis réessayez."
    )


# An integer no id column can hold (PostgreSQL's bigint, SQLite's INTEGER): never a valid id,
# and a query built from it fails in the database driver.
_OVERSIZED_INTEGER = re.compile(r"\s*[-+]?\d{19,}\s*")
MAX_ID = 2**63 - 1


def hostile_value(value: str, *, max_length: int | None) -> bool:
    """NUL, an overlong value, or an integer past 64 bits (the API's parsers apply it too: crm.api)."""
    if "\x00" in value or (max_length is not None and len(value) > max_length):
        return True
    return bool(_OVERSIZED_INTEGER.fullmatch(value)) and abs(int(value)) > MAX_ID


def _hostile_parameter(params: QueryDict, *, max_length: int | None = MAX_PARAMETER_LENGTH) -> bool:
    """NUL anywhere, an integer past 64 bits, or (in the address) an overlong value."""
    for key, values in params.lists():
        if "\x00" in key or len(key) > MAX_PARAMETER_LENGTH:
            return True
        if any(hostile_value(value, max_length=max_length) for value in values):
            return True
    return False


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class RequestGuardMiddleware:
    """Listed before CsrfViewMiddleware, whose process_view is the first reader of the body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if _hostile_parameter(request.GET):
            return refused_response(request, _("Un paramètre de l'adresse est invalide."), status=400)
        if request.method not in BODY_METHODS:
            return None
        limit = upload_limit(request_view_name(request))
        if _content_length(request) > limit.body_bytes:
            return refused_response(request, body_too_large_message(limit), status=413)
        if getattr(view_func, "csrf_exempt", False):
            return None  # the view sets its own upload handlers first; process_exception answers
        try:
            post = request.POST
        except UploadTooLarge as refused:
            return refused_response(request, refused.message, status=413)
        except MultiPartParserError:
            return refused_response(request, unreadable_upload_message(), status=400)
        if _hostile_parameter(post, max_length=None):  # long texts (notes, descriptions) are fine
            return refused_response(request, _("Une valeur envoyée par le formulaire est invalide."), status=400)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, UploadTooLarge):
            return refused_response(request, exception.message, status=413)
        if isinstance(exception, MultiPartParserError):
            return refused_response(request, unreadable_upload_message(), status=400)
        return None
