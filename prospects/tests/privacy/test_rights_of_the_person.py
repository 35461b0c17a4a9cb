"""The person's rights (access export, erasure), the last contact from the prospect, retention, the log."""

import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from prospects.models import JobKind, PersonalDataLog, ProspectContact, ProspectNote
from prospects.privacy.retention import retention_expired, retention_review
from prospects.services import note_create, opportunity_create
from tasks.models import TaskStatus
from tasks.services import task_create, task_update
from tests.factories import NoteFactory, ProspectFactory, TaskFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(paris, sales_rep):
    prospect = ProspectFactory(
        last_name="Durand", first_name="Léa", email="lea@durand.fr", phone="01 02 03 04 05", entities=[paris]
    )
    NoteFactory(prospect=prospect, author=sales_rep, entity=paris, text="Rappeler en mars")
    return prospect


# Last contact from the prospect ------------------------------------------------------------


def test_a_note_a_deal_a_task_done_and_a_logged_reply_set_the_last_contact(person, sales_rep):
    today = timezone.localdate()
    ProspectContact.objects.filter(pk=person.pk).update(last_inbound_at=None)
    note_create(prospect=person, author=sales_rep, text="Il a rappelé")
    assert ProspectContact.objects.get(pk=person.pk).last_inbound_at == today
    ProspectContact.objects.filter(pk=person.pk).update(last_inbound_at=None)
    opportunity_create(prospect=person, by=sales_rep, name="Affaire")
    assert ProspectContact.objects.get(pk=person.pk).last_inbound_at == today
    ProspectContact.objects.filter(pk=person.pk).update(last_inbound_at=None)
    task = task_create(prospect=person, by=sales_rep, name="Appel", due_at=timezone.now())
    assert ProspectContact.objects.get(pk=person.pk).last_inbound_at is None  # not done yet
    task_update(task=task, status=TaskStatus.DONE)
    assert ProspectContact.objects.get(pk=person.pk).last_inbound_at == today
    # A reply logged by hand, dated in the past, never moves the date back.
    response = logged(sales_rep).post(
        f"/prospects/{person.pk}/privacy/", {"action": "reply", "on": (today - timedelta(days=9)).isoformat()}
    )
    assert response.status_code == 302
    assert ProspectContact.objects.get(pk=person.pk).last_inbound_at == today


def test_the_card_shows_the_legal_basis_and_the_last_contact(person, sales_rep):
    client = logged(sales_rep)
    response = client.post(
        f"/prospects/{person.pk}/privacy/",
        {"action": "basis", "legal_basis": "consentement", "consent_date": "2026-03-01", "consent_source": "Salon"},
    )
    assert response.status_code == 302
    card = client.get(f"/prospects/{person.pk}/").content.decode()
    assert "Consentement" in card and "01/03/2026" in card and "Salon" in card
    refused = client.post(f"/prospects/{person.pk}/privacy/", {"action": "basis", "legal_basis": "consentement"})
    assert refused.status_code == 200 and "Indiquez la date" in refused.content.decode()


def test_the_list_filters_on_the_last_contact(person, sales_rep, paris):
    old = ProspectFactory(last_name="Ancien", entities=[paris])
    ProspectContact.objects.filter(pk=old.pk).update(last_inbound_at=date(2019, 1, 1))
    ProspectContact.objects.filter(pk=person.pk).update(last_inbound_at=timezone.localdate())
    page = logged(sales_rep).get("/prospects/?last_inbound=expired").content.decode()
    assert "ANCIEN" in page.upper() and "DURAND" not in page.upper()


# Access export and erasure ---------------------------------------------------------------


def test_the_access_export_holds_everything_and_is_logged(person, manager, sales_rep):
    TaskFactory(prospect=person, name="Relance")
    client = logged(manager)
    response = client.get(f"/prospects/{person.pk}/privacy/access/?format=json")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    text = json.dumps(data, ensure_ascii=False)
    assert "lea@durand.fr" in text and "Rappeler en mars" in text and "Relance" in text
    assert "search_text" not in text and "texte de recherche" not in text
    page = client.get(f"/prospects/{person.pk}/privacy/access/").content.decode()
    assert "Rappeler en mars" in page
    assert list(PersonalDataLog.objects.values_list("action", "count", "by")) == [
        ("access_export", 1, manager.pk),
        ("access_export", 1, manager.pk),
    ]


def test_the_persons_rights_need_r16_and_visibility(person, sales_rep, rep_without_rights, outsider):
    for user in (sales_rep, rep_without_rights):
        assert logged(user).get(f"/prospects/{person.pk}/privacy/access/").status_code == 403
        assert logged(user).post(f"/prospects/{person.pk}/privacy/erase/").status_code == 403
    assert logged(outsider).get(f"/prospects/{person.pk}/privacy/access/").status_code == 404
    assert logged(outsider).post(f"/prospects/{person.pk}/privacy/erase/").status_code == 404
    assert ProspectContact.objects.filter(pk=person.pk).exists() and not PersonalDataLog.objects.exists()


def test_erasure_deletes_the_contact_and_its_notes(person, manager):
    response = logged(manager).post(f"/prospects/{person.pk}/privacy/erase/")
    assert response.status_code == 302
    assert not ProspectContact.objects.exists() and not ProspectNote.objects.exists()
    assert not ProspectContact.history.filter(id=person.pk).exists()
    assert PersonalDataLog.objects.get().action == "erasure"


def test_erasure_anonymises_a_contact_that_tasks_link_to(person, manager):
    TaskFactory(prospect=person)
    logged(manager).post(f"/prospects/{person.pk}/privacy/erase/")
    person.refresh_from_db()
    assert person.last_name == "Anonyme" and person.email == "" and person.phone == ""
    assert "durand" not in person.search_text and not ProspectNote.objects.exists()
    assert not ProspectContact.history.filter(id=person.pk, last_name="Durand").exists()
    assert PersonalDataLog.objects.get().action == "anonymisation"


# Retention ---------------------------------------------------------------------------------


def test_retention_finds_the_contacts_without_contact_for_the_period(person, paris):
    old = ProspectFactory(entities=[paris])
    never = ProspectFactory(entities=[paris])
    ProspectContact.objects.filter(pk=old.pk).update(last_inbound_at=date(2020, 1, 1))
    ProspectContact.objects.filter(pk=never.pk).update(created_at=timezone.now() - timedelta(days=4 * 365))
    ProspectContact.objects.filter(pk=person.pk).update(last_inbound_at=timezone.localdate())
    assert set(retention_expired(ProspectContact.objects.all())) == {old, never}
    assert retention_review() == 2
    assert settings.CELERY_BEAT_SCHEDULE["retention-review"]["task"] == "prospects.tasks.retention_review"


def test_the_review_page_and_the_purge_job(person, manager, sales_rep, rep_without_rights, paris, lyon,
                                           django_capture_on_commit_callbacks):  # fmt: skip
    old = ProspectFactory(last_name="Vieux", entities=[paris])
    linked = ProspectFactory(last_name="Lié", entities=[paris])
    hidden = ProspectFactory(last_name="Lyonnais", entities=[lyon])
    TaskFactory(prospect=linked)
    ProspectContact.objects.filter(pk__in=[old.pk, linked.pk, hidden.pk]).update(last_inbound_at=date(2020, 1, 1))
    for user in (sales_rep, rep_without_rights):
        assert logged(user).get("/prospects/privacy/retention/").status_code == 403
        assert logged(user).post("/prospects/privacy/retention/", {"ids": [old.pk]}).status_code == 403
    client = logged(manager)
    page = client.get("/prospects/privacy/retention/").content.decode()
    assert f'href="/prospects/{old.pk}/"' in page and f'href="/prospects/{linked.pk}/"' in page
    assert f'href="/prospects/{hidden.pk}/"' not in page and f'href="/prospects/{person.pk}/"' not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/prospects/privacy/retention/", {"ids": [old.pk, linked.pk, hidden.pk]})
    assert response.status_code == 200  # an id not offered: the form refuses the whole post
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/prospects/privacy/retention/", {"ids": [old.pk, linked.pk]})
    assert response.status_code == 302
    job = manager.jobs.get(kind=JobKind.RETENTION_PURGE)
    assert job.status == "done" and job.counts == {"deleted": 1, "anonymised": 1, "skipped": 0}
    report = client.get(f"/prospects/jobs/{job.pk}/").content.decode()
    assert "1 supprimé" in report and "1 anonymisé" in report
    assert not ProspectContact.objects.filter(pk=old.pk).exists()
    assert ProspectContact.objects.get(pk=linked.pk).last_name == "Anonyme"  # D1: tasks link to it
    assert ProspectContact.objects.filter(pk=hidden.pk).exists()
    assert set(PersonalDataLog.objects.values_list("action", "count")) == {("erasure", 1), ("anonymisation", 1)}
