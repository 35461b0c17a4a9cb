"""Fixtures of the job tests."""

import pytest

from prospects.jobs.runner import JOB_HANDLERS


@pytest.fixture
def replace_handler():
    """Swap the handler of one kind for the duration of a test."""
    saved = dict(JOB_HANDLERS)

    def install(kind, func):
        JOB_HANDLERS[kind] = func

    yield install
    JOB_HANDLERS.clear()
    JOB_HANDLERS.update(saved)
