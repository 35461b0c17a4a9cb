"""The tasks' cast: Julie (Paris) with two tasks, Léo (Lyon) with one; Lise, a Paris colleague."""

import datetime

import pytest
from django.utils import timezone

from tests.factories import ProspectFactory, TaskFactory, UserFactory


@pytest.fixture
def julie(paris):
    return ProspectFactory(last_name="ARMANON", first_name="Julie", mobile="06 11 22 33 44", entities=[paris])


@pytest.fixture
def leo(lyon):
    return ProspectFactory(last_name="BRUN", first_name="Léo", entities=[lyon])


@pytest.fixture
def colleague(paris, groups):
    return UserFactory(last_name="Alpes", first_name="Lise", entities=[paris], groups=[groups["Commercial"]])


@pytest.fixture
def julies_tasks(julie, colleague):
    when = timezone.make_aware(datetime.datetime(2023, 12, 28, 11, 0))
    return [
        TaskFactory(prospect=julie, name="Contacter le prospect début 2024", due_at=when, followed_by=colleague),
        TaskFactory(prospect=julie, name="Envoyer la plaquette", due_at=timezone.now() + datetime.timedelta(days=30)),
    ]


@pytest.fixture
def leos_task(leo):
    return TaskFactory(prospect=leo, name="Tâche lyonnaise")
