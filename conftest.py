"""Fixtures shared by every app: the cast of users and the services switch.

The cast: `sales_rep` (group Commercial, entity Paris), `rep_without_rights` (Paris, no
group), `outsider` (group Commercial, entity Lyon), `manager` (Responsable commercial,
Paris), `admin_user` (superuser).
"""

import os

import pytest

from prospects.rights import roles_setup
from tests.factories import EntityFactory, UserFactory

# In CI a missing service (PostgreSQL, Redis, a Celery worker, Chromium) is a failure, not a skip.
REQUIRE_SERVICES = os.environ.get("CRM_REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def skip_or_fail(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (CRM_REQUIRE_SERVICES is set: the real stack is required)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached list counts are keyed by ids a rolled-back
    test may reuse."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def groups(db):
    from django.contrib.auth.models import Group

    roles_setup()
    return {group.name: group for group in Group.objects.all()}


@pytest.fixture
def paris(db):
    return EntityFactory(name="Paris", code="paris")


@pytest.fixture
def lyon(db):
    return EntityFactory(name="Lyon", code="lyon")


@pytest.fixture
def sales_rep(groups, paris):
    return UserFactory(
        username="marine", last_name="Diron", first_name="Marine", entities=[paris], groups=[groups["Commercial"]]
    )


@pytest.fixture
def rep_without_rights(paris):
    return UserFactory(username="stagiaire", entities=[paris])


@pytest.fixture
def outsider(groups, lyon):
    return UserFactory(
        username="hugo", last_name="Rivet", first_name="Hugo", entities=[lyon], groups=[groups["Commercial"]]
    )


@pytest.fixture
def manager(groups, paris):
    return UserFactory(username="chef", entities=[paris], groups=[groups["Responsable commercial"]])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)
