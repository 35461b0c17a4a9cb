"""The 500 handler: the site's page, which must render even when what failed is the database.

Django renders 500.html without the request (no menu, no user); ours tries with it first, so
a signed-in user keeps the menu, and falls back to the bare template when that fails: the
session, the user and the context processors all need the database.
"""

import logging

from django.http import HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)


def _render_safely(template_name: str, request) -> str:
    try:
        return render_to_string(template_name, request=request)
    except Exception:
        logger.warning("The %s page is rendered without the request", template_name, exc_info=True)
        return render_to_string(template_name)


@requires_csrf_token
def server_error(request):
    return HttpResponseServerError(_render_safely("500.html", request))
