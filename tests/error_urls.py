"""The project's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from config.urls import handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns


def _bad_request(request):
    raise SuspiciousOperation("a test")


def _denied(request):
    raise PermissionDenied


def _crash(request):
    raise RuntimeError("a test")


urlpatterns = [
    path("boom/400/", _bad_request),
    path("boom/403/", _denied),
    path("boom/500/", _crash),
    *project_urlpatterns,
]
