import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env

ROOT = Path(__file__).resolve().parent.parent


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


@pytest.mark.parametrize("raw, expected", [("1", True), ("yes", True), ("off", False), ("", False)])
def test_booleans_are_read_strictly(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env.env_bool("SOME_FLAG") is expected


def test_a_bad_boolean_or_integer_is_refused(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "peut-être")
    with pytest.raises(ImproperlyConfigured):
        env.env_bool("SOME_FLAG")
    monkeypatch.setenv("SOME_INT", "dix")
    with pytest.raises(ImproperlyConfigured):
        env.env_int("SOME_INT", 1)


def _manage(*args, **extra_env):
    # The browser harness sets DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deploy check must not inherit it.
    unset = {"SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-production-secret-" + "x" * 40 + "-with-enough-entropy-9f8e7d",
        ALLOWED_HOSTS="crm.example.fr",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", ALLOWED_HOSTS="crm.example.fr")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_a_broken_database_url_is_refused():
    result = _manage("check", DJANGO_SETTINGS_MODULE="config.settings.local", DATABASE_URL="nosuchdb://what")
    assert result.returncode != 0 and "DATABASE_URL" in result.stderr


def test_without_a_broker_tasks_run_in_process():
    result = subprocess.run(
        [sys.executable, "-c", "import django,os;django.setup();from django.conf import settings;"
         "print(settings.CELERY_TASK_ALWAYS_EAGER)"],
        cwd=ROOT,
        env={**{k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"},
             "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.stdout.strip() == "True", result.stderr


def test_the_wsgi_application_tunes_the_garbage_collector():
    result = subprocess.run(
        [sys.executable, "-c", "import gc, config.wsgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["100000", "True"], result.stderr


_LOCAL_PAGES = """
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client()
static = [client.get(f'/static/{name}').status_code for name in ('js/behaviours.js', 'vendor/htmx.min.js')]
print(settings.DEBUG, *static)
missing = client.get('/nowhere/')
print(missing.status_code, 'Page introuvable' in missing.content.decode(), 'Content-Security-Policy' in missing)
"""


def _local(**extra_env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.local", **extra_env)
    result = subprocess.run(
        [sys.executable, "-c", _LOCAL_PAGES], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    return result.stdout.split(), result.stderr


def test_make_run_shows_the_site_error_pages_and_still_serves_static_files():
    output, errors = _local()
    assert output == ["False", "200", "200", "404", "True", "True"], errors


def test_debug_is_one_environment_variable_away():
    output, errors = _local(DJANGO_DEBUG="1")
    assert output[:3] == ["True", "200", "200"], errors
    assert output[3:5] == ["404", "False"], errors  # Django's technical 404 page
