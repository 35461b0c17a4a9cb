"""Notes (R11–R13), opportunities (O1), subscriptions (R10), companies and jobs over the API."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.models import Opportunity
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.api.conftest import api_client
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from tests.factories import (
    CompanyFactory,
    DiffusionListFactory,
    NoteFactory,
    ProspectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(paris):
    return ProspectFactory(entities=[paris], company=CompanyFactory(entities=[paris]))


def test_notes_follow_their_scopes(sales_rep, rep_without_rights, outsider, manager, contact, paris, lyon):
    mine = NoteFactory(prospect=contact, author=sales_rep, entity=paris, text="de Paris")
    NoteFactory(prospect=contact, author=outsider, entity=lyon, text="de Lyon")
    url = f"/api/contacts/{contact.pk}/notes/"
    assert [note["text"] for note in api_client(sales_rep).get(url).json()] == ["de Paris"]
    assert sorted(note["text"] for note in api_client(manager).get(url).json()) == ["de Lyon", "de Paris"]  # R12
    assert api_client(outsider).get(url).status_code == 404
    assert api_client(rep_without_rights).post(url, {"text": "x"}, format="json").status_code == 403  # no R11
    assert api_client(outsider).post(url, {"text": "x"}, format="json").status_code == 404
    response = api_client(sales_rep).post(url, {"text": "  Rappeler  "}, format="json")
    assert response.status_code == 201 and response.json()["text"] == "Rappeler"
    assert api_client(sales_rep).post(url, {"text": ""}, format="json").json().keys() == {"text"}
    # R11 manages one's own notes; R13 everyone's.
    colleague_note = NoteFactory(prospect=contact, author=manager, entity=paris)
    assert api_client(sales_rep).delete(f"{url}{colleague_note.pk}/").status_code == 403
    assert api_client(sales_rep).patch(f"{url}{mine.pk}/", {"text": "modifiée"}, format="json").status_code == 200
    assert api_client(manager).delete(f"{url}{mine.pk}/").status_code == 204


def test_opportunities_need_r1_or_r4_on_a_free_contact(
    sales_rep, rep_without_rights, outsider, manager, contact, paris
):
    url = f"/api/contacts/{contact.pk}/opportunities/"
    data = {"name": "Licences 2027", "stage": "ouverte", "amount": "1200.50"}
    assert api_client(rep_without_rights).post(url, data, format="json").status_code == 403
    assert api_client(outsider).post(url, data, format="json").status_code == 404
    response = api_client(sales_rep).post(url, data, format="json")
    assert response.status_code == 201, response.json()
    assert Opportunity.objects.get().company_id == contact.company_id
    assert [row["name"] for row in api_client(sales_rep).get("/api/opportunities/").json()["results"]] == [
        "Licences 2027"
    ]
    assert api_client(outsider).get("/api/opportunities/").json()["results"] == []
    free = ProspectFactory(entities=[paris])  # a free contact needs R4, which the manager's role holds
    assert api_client(manager).post(f"/api/contacts/{free.pk}/opportunities/", data, format="json").status_code == 201


def test_subscriptions_need_r10_and_keep_the_lists_the_user_cannot_see(
    sales_rep, rep_without_rights, outsider, contact, paris, lyon
):
    ours, theirs = DiffusionListFactory(entities=[paris]), DiffusionListFactory(entities=[lyon])
    contact.diffusion_lists.set([theirs])
    url = f"/api/contacts/{contact.pk}/subscriptions/"
    assert api_client(rep_without_rights).put(url, {"lists": [ours.pk]}, format="json").status_code == 403
    assert api_client(outsider).put(url, {"lists": [ours.pk]}, format="json").status_code == 404
    response = api_client(sales_rep).put(url, {"lists": [ours.pk]}, format="json")
    assert response.status_code == 200 and [row["id"] for row in response.json()] == [ours.pk]
    assert set(contact.diffusion_lists.values_list("pk", flat=True)) == {ours.pk, theirs.pk}
    assert api_client(sales_rep).put(url, {"lists": [theirs.pk]}, format="json").status_code == 400


def test_companies_are_scoped_and_read_only(sales_rep, outsider, rep_without_rights, contact):
    url = f"/api/companies/{contact.company_id}/"
    assert api_client(sales_rep).get(url).status_code == 200
    assert api_client(rep_without_rights).get(url).status_code == 200
    assert api_client(outsider).get(url).status_code == 404
    assert api_client(sales_rep).delete(url).status_code == 405
    assert api_client(outsider).get("/api/companies/").json()["results"] == []
    assert api_client(sales_rep).get("/api/companies/", {"after": "abc"}).status_code == 400


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def _xlsx(tmp_path, rows):
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)
    return SimpleUploadedFile("contacts.xlsx", path.read_bytes())


def test_an_excel_import_previews_then_runs_once_confirmed(
    importer, sales_rep, outsider, tmp_path, django_capture_on_commit_callbacks
):
    rows = [contact_row(last_name="Neuf", first_name="Anne", email="anne@example.fr")]
    assert api_client(sales_rep).post("/api/imports/xlsx/", {"file": _xlsx(tmp_path, rows)}).status_code == 403
    client = api_client(importer)
    response = client.post("/api/imports/xlsx/", {"file": _xlsx(tmp_path, rows)})
    assert response.status_code == 201, response.json()
    job = response.json()
    assert job["awaiting_confirmation"] and job["counts"]["created"] == 1
    assert not ProspectContact.objects.exists()
    assert api_client(outsider).get(f"/api/jobs/{job['id']}/").status_code == 404
    assert api_client(outsider).post(f"/api/jobs/{job['id']}/confirm/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/jobs/{job['id']}/confirm/", {}, format="json")
    assert response.status_code == 202
    assert client.get(f"/api/jobs/{job['id']}/").json()["status"] == JobStatus.DONE
    assert ProspectContact.objects.get().last_name == "Neuf"
    assert client.post(f"/api/jobs/{job['id']}/confirm/", {}, format="json").status_code == 200  # once


def test_an_import_can_start_at_once_and_a_bad_file_is_a_400(importer, tmp_path, django_capture_on_commit_callbacks):
    client = api_client(importer)
    rows = [contact_row(last_name="Direct", first_name="Léa")]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports/xlsx/", {"file": _xlsx(tmp_path, rows), "start": "true"})
    assert response.status_code == 202, response.json()
    assert ProspectContact.objects.filter(last_name="Direct").exists()
    bad = SimpleUploadedFile("contacts.xlsx", b"pas un classeur")
    response = client.post("/api/imports/xlsx/", {"file": bad})
    assert response.status_code == 400 and "file" in response.json()


def test_a_vcard_import_needs_r9(importer, sales_rep, django_capture_on_commit_callbacks):
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Carte;Jean;;;\r\nFN:Jean Carte\r\nEND:VCARD\r\n"
    upload = SimpleUploadedFile("jean.vcf", card, "text/vcard")
    assert api_client(sales_rep).post("/api/imports/vcard/", {"files": [upload]}).status_code == 403
    upload.seek(0)
    response = api_client(importer).post("/api/imports/vcard/", {"files": [upload]})
    assert response.status_code == 201, response.json()
    assert response.json()["kind"] == JobKind.IMPORT_VCF and response.json()["awaiting_confirmation"]


def test_exports_run_as_jobs_and_their_file_downloads(
    sales_rep, rep_without_rights, outsider, contact, django_capture_on_commit_callbacks
):
    assert api_client(rep_without_rights).post("/api/exports/xlsx/", {}, format="json").status_code == 403
    assert api_client(rep_without_rights).post("/api/exports/vcard/", {}, format="json").status_code == 403
    client = api_client(sales_rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/exports/vcard/", {"ids": [contact.pk]}, format="json")
    assert response.status_code == 202, response.json()
    job = client.get(f"/api/jobs/{response.json()['id']}/").json()
    assert job["status"] == JobStatus.DONE and job["result_url"]
    download = client.get(f"/api/jobs/{job['id']}/result/")
    assert download.status_code == 200 and b"BEGIN:VCARD" in b"".join(download.streaming_content)
    assert api_client(outsider).get(f"/api/jobs/{job['id']}/result/").status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/exports/xlsx/", {"query": "sort=last_name"}, format="json")
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["id"]).status == JobStatus.DONE
