"""The duplicates page: pairs among the visible contacts, why they match, and the job when large."""

import pytest
from django.test import override_settings

from prospects.models import JobKind
from tests.factories import CompanyFactory, ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def pairs(paris, lyon):
    company = CompanyFactory(name="Acme", entities=[paris])
    a = ProspectFactory(last_name="Dupont", first_name="Jean", company=company, email="", entities=[paris])
    b = ProspectFactory(last_name="DUPONT", first_name="Jean", company=company, email="", entities=[paris])
    c = ProspectFactory(last_name="Tel", first_name="Un", phone="01 02 03 04 05", email="", entities=[paris])
    d = ProspectFactory(last_name="Tel", first_name="Deux", mobile="01 02 03 04 05", email="", entities=[paris])
    e = ProspectFactory(last_name="Lyon", first_name="Caché", mobile="01 02 03 04 05", email="", entities=[lyon])
    return a, b, c, d, e


def test_the_page_lists_the_pairs_and_why(pairs, sales_rep, manager):
    a, b, c, d, e = pairs
    page = logged(sales_rep).get("/prospects/duplicates/").content.decode()
    assert "2 paires probables" in page
    assert "même nom à la même société" in page and "même téléphone" in page
    assert f'href="/prospects/{a.pk}/"' in page and f'href="/prospects/{d.pk}/"' in page
    assert f'href="/prospects/{e.pk}/"' not in page  # another entity's contact
    assert "Fusionner…" not in page  # the sales rep lacks R15
    assert f"ids={a.pk}&amp;ids={b.pk}" in logged(manager).get("/prospects/duplicates/").content.decode()


def test_the_page_needs_r1_and_the_outsider_sees_no_pair(pairs, rep_without_rights, outsider):
    assert logged(rep_without_rights).get("/prospects/duplicates/").status_code == 403
    assert logged(rep_without_rights).post("/prospects/duplicates/search/").status_code == 403
    page = logged(outsider).get("/prospects/duplicates/").content.decode()
    assert "0 paire probable" in page and "Caché" not in page


@override_settings(DUPLICATES_SYNC_MAX=2)
def test_above_the_limit_the_search_runs_as_a_job_and_the_page_shows_its_result(
    pairs, manager, django_capture_on_commit_callbacks
):
    client = logged(manager)
    page = client.get("/prospects/duplicates/").content.decode()
    assert "Lancer la recherche" in page and "0 paire probable" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/prospects/duplicates/search/")
    job = manager.jobs.get(kind=JobKind.DUPLICATES_FIND)
    assert response.status_code == 302 and job.status == "done" and job.counts == {"pairs": 2}
    assert "2 paires de doublons probables" in client.get(f"/prospects/jobs/{job.pk}/").content.decode()
    page = client.get("/prospects/duplicates/").content.decode()
    assert "2 paires probables" in page and "Relancer la recherche" in page
    a, b, *_rest = pairs
    b.delete()  # gone since the job ran: the pair is not shown
    assert f'href="/prospects/{b.pk}/"' not in client.get("/prospects/duplicates/").content.decode()


def test_the_search_start_refuses_get(manager):
    assert logged(manager).get("/prospects/duplicates/search/").status_code == 405
