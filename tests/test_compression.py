"""Pages are gzipped on the wire; production static files are fingerprinted, precompressed and cached for a year."""

import gzip

import pytest
from django.conf import settings
from django.test import override_settings

from tests.helpers import logged

pytestmark = pytest.mark.django_db


def test_the_list_is_gzipped_with_djangos_breach_mitigation(sales_rep, rep_without_rights, outsider, paris):
    from django.middleware.gzip import GZipMiddleware

    assert GZipMiddleware.max_random_bytes > 0  # random-length gzip header: BREACH mitigation
    middleware = settings.MIDDLEWARE
    assert (
        middleware.index("whitenoise.middleware.WhiteNoiseMiddleware")
        < middleware.index("django.middleware.gzip.GZipMiddleware")
        < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    )
    for user in (sales_rep, rep_without_rights, outsider):
        response = logged(user).get("/prospects/", HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response["Vary"]
        assert "Contacts prospects" in gzip.decompress(response.content).decode()
    plain = logged(sales_rep).get("/prospects/")
    assert not plain.has_header("Content-Encoding") and b"Contacts prospects" in plain.content


def test_production_serves_fingerprinted_static_files_for_a_year(tmp_path, client):
    """collectstatic with the production storage, then WhiteNoise as the production stack runs it."""
    from django.core.management import call_command
    from django.test import RequestFactory
    from whitenoise.middleware import WhiteNoiseMiddleware

    from config.settings import production_static

    storages = {**settings.STORAGES, "staticfiles": production_static.STATIC_FILES_BACKEND}
    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.contrib.staticfiles.storage import staticfiles_storage

        hashed = staticfiles_storage.stored_name("js/prospect_list.js")
        assert hashed != "js/prospect_list.js" and (tmp_path / f"{hashed}.gz").exists()
        serve = WhiteNoiseMiddleware(lambda request: None)
        request = RequestFactory().get(f"/static/{hashed}", HTTP_ACCEPT_ENCODING="gzip")
        response = serve(request)
        assert response.status_code == 200 and response["Content-Encoding"] == "gzip"
        max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
        assert max_age >= 31536000 and "immutable" in response["Cache-Control"]
        unhashed = serve(RequestFactory().get("/static/js/prospect_list.js"))
        assert "immutable" not in unhashed.get("Cache-Control", "")
