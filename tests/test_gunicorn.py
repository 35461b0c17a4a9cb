"""The production web server's limits (config/gunicorn.py): a bounded request time, enough workers."""

import importlib.util
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load(monkeypatch, **environ):
    for name in ("GUNICORN_WORKERS", "GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_config", ROOT / "config" / "gunicorn.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_defaults_bound_every_request_and_use_the_cores(monkeypatch):
    config = load(monkeypatch)
    assert config.timeout == 60 and config.graceful_timeout == 30
    assert config.workers == 2 * len(os.sched_getaffinity(0)) and config.threads == 4
    assert config.max_requests > 0 and config.bind == "0.0.0.0:8000"


def test_the_environment_overrides_and_a_bad_value_is_refused(monkeypatch):
    assert load(monkeypatch, GUNICORN_WORKERS="4", GUNICORN_TIMEOUT="45").timeout == 45
    with pytest.raises(SystemExit):
        load(monkeypatch, GUNICORN_TIMEOUT="soixante")


def test_gunicorn_reads_the_file_and_the_readme_runs_it():
    from gunicorn.config import Config

    config = Config()
    for name, value in vars(load(pytest.MonkeyPatch())).items():
        if name in config.settings:
            config.set(name, value)  # an unknown or badly typed setting raises here
    assert config.timeout == 60
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"gunicorn config\.wsgi -c config/gunicorn\.py", readme)
