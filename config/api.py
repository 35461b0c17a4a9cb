"""The /api/ URLs (namespace "api"): each app's routes, the OpenAPI schema and its documentation page.

The documentation page is Swagger UI from drf-spectacular-sidecar's static files, its start-up
script served as a file of its own (SpectacularSwaggerSplitView): the CSP allows no inline script.
"""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from prospects.api.urls import urlpatterns as prospect_patterns
from tasks.api import urlpatterns as task_patterns

urlpatterns = [
    *prospect_patterns,
    *task_patterns,
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
]
