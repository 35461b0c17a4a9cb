"""The list's cached counts (prospects.list.paging.prospect_count): exact after a write, and no stampede."""

import pytest
from django.core.cache import cache
from django.db import connection

from prospects import tasks
from prospects.list import paging
from prospects.list.paging import prospect_count
from prospects.selectors import prospects_visible_to
from prospects.services import prospects_data_changed
from tests.factories import ProspectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def every_count_cached(monkeypatch):
    cache.clear()
    monkeypatch.setattr(paging, "COUNT_CACHE_MIN_SECONDS", 0)  # as if each count took long
    yield
    cache.clear()


def _lock_key(queryset) -> str:
    query = queryset.order_by().values("pk")
    sql, params = query.query.sql_with_params()
    import hashlib

    digest = hashlib.sha256(f"{connection.alias}|{sql}|{params!r}".encode()).hexdigest()
    return f"prospect-count-lock:{digest}"


def test_a_count_is_cached_until_a_service_write(sales_rep, paris, django_capture_on_commit_callbacks):
    ProspectFactory.create_batch(3, entities=[paris])
    visible = prospects_visible_to(sales_rep)
    assert prospect_count(visible) == 3
    ProspectFactory(entities=[paris])  # written around the services: the cached count stays
    assert prospect_count(visible) == 3
    with django_capture_on_commit_callbacks(execute=True):
        prospects_data_changed()
    assert prospect_count(visible) == 4


def test_while_another_request_recounts_the_previous_count_is_shown(
    sales_rep, paris, django_capture_on_commit_callbacks
):
    ProspectFactory.create_batch(3, entities=[paris])
    visible = prospects_visible_to(sales_rep)
    assert prospect_count(visible) == 3
    ProspectFactory.create_batch(2, entities=[paris])
    with django_capture_on_commit_callbacks(execute=True):
        prospects_data_changed()  # an import committed
    cache.add(_lock_key(visible), 1, 30)  # another request is counting this list
    assert prospect_count(visible) == 3  # the previous count, for the seconds the recount takes
    cache.delete(_lock_key(visible))
    assert prospect_count(visible) == 5


def test_with_no_previous_count_a_request_counts_even_when_another_does(sales_rep, outsider, paris):
    ProspectFactory.create_batch(2, entities=[paris])
    visible = prospects_visible_to(sales_rep)
    cache.add(_lock_key(visible), 1, 30)
    assert prospect_count(visible) == 2
    assert prospect_count(prospects_visible_to(outsider)) == 0  # another scope, another count


def test_a_write_outside_the_services_makes_the_count_stale_too(
    sales_rep, outsider, paris, lyon, django_capture_on_commit_callbacks
):
    """The admin edits a contact's entities: the list's count follows (prospects.list.signals)."""
    contacts = ProspectFactory.create_batch(3, entities=[paris])
    visible = prospects_visible_to(sales_rep)
    assert prospect_count(visible) == 3
    with django_capture_on_commit_callbacks(execute=True):
        contacts[0].entities.set([lyon])
    assert prospect_count(visible) == 2
    assert prospect_count(prospects_visible_to(outsider)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        contacts[1].delete()
    assert prospect_count(visible) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker's recount runs the SQL psycopg quoted")
def test_a_stale_count_is_recounted_by_a_worker_while_the_previous_one_is_shown(
    settings, monkeypatch, sales_rep, outsider, paris, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # a worker is there
    queued = []
    monkeypatch.setattr(tasks.recount_list, "delay", lambda *args: queued.append(args))
    ProspectFactory.create_batch(3, entities=[paris])
    visible = prospects_visible_to(sales_rep).filter(last_name__startswith="NOM")  # a filter, quoted by psycopg
    assert prospect_count(visible) == 3 and not queued  # never counted: counted by the request
    ProspectFactory.create_batch(2, entities=[paris])
    with django_capture_on_commit_callbacks(execute=True):
        prospects_data_changed()  # an import committed
    assert prospect_count(visible) == 3 and len(queued) == 1  # the previous count; one recount queued
    assert prospect_count(visible) == 3 and len(queued) == 1  # the next request does not queue another
    tasks.recount_list(*queued[0])  # the worker runs it
    assert prospect_count(visible) == 5
    assert prospect_count(prospects_visible_to(outsider)) == 0


def test_a_recount_order_not_signed_by_the_application_runs_nothing(sales_rep):
    from django.core import signing

    forged = signing.dumps({"alias": "default", "sql": "SELECT 1", "exact": "a", "latest": "b", "lock": "c"}, key="x")
    with pytest.raises(signing.BadSignature):
        tasks.recount_list(forged)
    with pytest.raises(signing.BadSignature):
        tasks.recount_list("DELETE FROM prospects_prospectcontact")
    assert cache.get("a") is None
