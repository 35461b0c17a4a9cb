import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from prospects.models import Job, JobKind
from tests.factories import CompanyFactory, ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def test_the_home_page_redirects_to_the_prospect_list(sales_rep):
    response = logged(sales_rep).get("/")
    assert response.status_code == 302 and response["Location"] == "/prospects/"


def test_an_anonymous_visitor_is_sent_to_the_login_page():
    response = Client().get("/prospects/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_login_page_is_in_french_by_default():
    body = Client().get("/accounts/login/").content.decode()
    assert "Connexion" in body and "Mot de passe" in body


def test_the_list_shows_the_breadcrumb_and_the_reps_contacts_only(sales_rep, paris, lyon):
    ProspectFactory(last_name="ARMANON", first_name="Julie", entities=[paris], company=CompanyFactory(name="BSI CORP"))
    ProspectFactory(last_name="CACHE", entities=[lyon])
    body = logged(sales_rep).get("/prospects/").content.decode()
    assert "Commercial</span> › <span>Comptes &amp; Contacts</span> ›" in body and "Contacts prospects</a>" in body
    assert "ARMANON" in body and "BSI CORP" in body
    assert "CACHE" not in body
    assert "1 élément - 1/1" in body


def test_the_outsider_sees_none_of_another_entitys_contacts(outsider, paris):
    ProspectFactory(last_name="ARMANON", entities=[paris])
    body = logged(outsider).get("/prospects/").content.decode()
    assert "ARMANON" not in body and "0 élément" in body


def test_a_user_without_rights_still_sees_only_their_entity(rep_without_rights, paris, lyon):
    ProspectFactory(last_name="VISIBLE", entities=[paris])
    ProspectFactory(last_name="CACHE", entities=[lyon])
    body = logged(rep_without_rights).get("/prospects/").content.decode()
    assert "VISIBLE" in body and "CACHE" not in body


def _list_queries(client, count_params="") -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(f"/prospects/?{count_params}").status_code == 200
    return len(ctx.captured_queries)


def test_the_list_runs_the_same_number_of_queries_for_10_and_200_rows(sales_rep, paris):
    rep = UserFactory(entities=[paris])
    client = logged(sales_rep)
    for _index in range(10):
        ProspectFactory(entities=[paris], company=CompanyFactory(assigned_to=rep), assigned_to=rep)
    _list_queries(client)  # the user's saved views and list preferences are then cached
    with_ten = _list_queries(client)
    for _index in range(190):
        ProspectFactory(entities=[paris], company=CompanyFactory(assigned_to=rep), assigned_to=rep)
    assert _list_queries(client) == with_ten


def test_the_english_interface_is_available(sales_rep):
    client = logged(sales_rep)
    client.post("/i18n/setlang/", {"language": "en", "next": "/prospects/"})
    body = client.get("/prospects/").content.decode()
    assert "Prospect contacts" in body


def test_export_is_post_only_and_csrf_protected(sales_rep):
    assert logged(sales_rep).get("/prospects/export.xlsx").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(sales_rep)
    assert strict.post("/prospects/export.xlsx").status_code == 403
    assert not Job.objects.exists()


def test_export_creates_a_job_and_its_owner_downloads_the_file(sales_rep, paris, django_capture_on_commit_callbacks):
    ProspectFactory(entities=[paris])
    client = logged(sales_rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/prospects/export.xlsx")
    job = Job.objects.get()
    assert response["Location"] == f"/prospects/jobs/{job.pk}/"
    page = client.get(f"/prospects/jobs/{job.pk}/").content.decode()
    assert "Terminé" in page and "100" in page
    download = client.get(f"/prospects/jobs/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_another_users_job_answers_404(sales_rep, outsider, rep_without_rights):
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep, status="failed")
    for intruder in (outsider, rep_without_rights):
        client = logged(intruder)
        for url in (
            f"/prospects/jobs/{job.pk}/",
            f"/prospects/jobs/{job.pk}/progress/",
            f"/prospects/jobs/{job.pk}/download/",
        ):
            assert client.get(url).status_code == 404
        assert client.post(f"/prospects/jobs/{job.pk}/retry/").status_code == 404
    job.refresh_from_db()
    assert job.status == "failed"


def test_the_progress_partial_polls_while_running_and_stops_when_finished(sales_rep):
    running = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep, status="running")
    done = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep, status="done")
    client = logged(sales_rep)
    assert 'hx-trigger="every 1s"' in client.get(f"/prospects/jobs/{running.pk}/progress/").content.decode()
    assert "hx-trigger" not in client.get(f"/prospects/jobs/{done.pk}/progress/").content.decode()
