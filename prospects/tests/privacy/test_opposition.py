"""Opposition to prospecting: the register, subscriptions, exports, the form and the imports."""

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from prospects.models import Job, JobKind, OppositionEntry, PersonalDataLog, ProspectContact
from prospects.privacy.register import opposition_digests, opposition_known
from prospects.privacy.services import prospect_erase, prospect_opposition_record
from prospects.services import ProspectOpposed, prospect_subscriptions_set
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from tests.factories import DiffusionListFactory, ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def objector(paris):
    return ProspectFactory(
        last_name="Refus", first_name="Anne", email="anne@refus.fr", phone="01 44 55 66 77", entities=[paris]
    )


def test_the_register_keeps_keyed_hashes_of_normalised_values_only():
    assert opposition_digests(email=" Anne@Refus.FR") == opposition_digests(email="anne@refus.fr")
    assert opposition_digests(phones=["+33 1 44 55 66 77"]) == opposition_digests(phones=["01.44.55.66.77"])
    with override_settings(OPPOSITION_REGISTER_KEY="another key"):
        assert opposition_digests(email="anne@refus.fr") != []
        other = opposition_digests(email="anne@refus.fr")
    assert other != opposition_digests(email="anne@refus.fr")


def test_recording_an_opposition_unsubscribes_registers_and_logs(objector, sales_rep, paris):
    objector.diffusion_lists.add(DiffusionListFactory(entities=[paris]))
    prospect_opposition_record(prospect=objector, channel="email", by=sales_rep)
    objector.refresh_from_db()
    assert objector.opposed_at is not None and objector.opposition_channel == "email"
    assert not objector.diffusion_lists.exists()
    assert OppositionEntry.objects.count() == 2  # e-mail and phone
    assert not OppositionEntry.objects.filter(digest__contains="anne").exists()
    assert PersonalDataLog.objects.get().action == "opposition"


def test_an_opposed_contact_cannot_be_resubscribed_one_by_one_or_in_mass(objector, sales_rep, paris):
    newsletter = DiffusionListFactory(entities=[paris])
    prospect_opposition_record(prospect=objector, channel="telephone", by=sales_rep)
    with pytest.raises(ProspectOpposed):
        prospect_subscriptions_set(prospect=objector, lists=[newsletter], visible_lists=[newsletter], by=sales_rep)
    page = logged(sales_rep).post(f"/prospects/{objector.pk}/subscriptions/", {"lists": [newsletter.pk]})
    assert page.status_code == 200 and "ne peut pas être réabonné" in page.content.decode()
    other = ProspectFactory(entities=[paris])
    data = {"ids": [objector.pk, other.pk], "lists": [newsletter.pk], "operation": "abonner"}
    response = logged(sales_rep).post("/prospects/mass/subscriptions/", data)
    assert list(newsletter.prospects.all()) == [other]
    posted = [str(message) for message in get_messages(response.wsgi_request)]
    assert "1 contact ignoré : il s'est opposé à la prospection." in posted


def test_the_card_the_list_and_the_privacy_page(objector, sales_rep, rep_without_rights, outsider):
    client = logged(sales_rep)
    response = client.post(f"/prospects/{objector.pk}/privacy/", {"action": "opposition", "channel": "courrier"})
    assert response.status_code == 302
    assert "Opposé à la prospection" in client.get(f"/prospects/{objector.pk}/").content.decode()
    assert 'class="badge opposed"' in client.get("/prospects/").content.decode()
    assert "Opposé" in client.get("/prospects/?opposition=opposes").content.decode()
    assert objector.last_name.upper() not in client.get("/prospects/?opposition=sans").content.decode()
    assert logged(rep_without_rights).get(f"/prospects/{objector.pk}/privacy/").status_code == 403
    assert logged(outsider).get(f"/prospects/{objector.pk}/privacy/").status_code == 404
    assert (
        logged(rep_without_rights)
        .post(f"/prospects/{objector.pk}/privacy/", {"action": "opposition", "channel": "email"})
        .status_code
        == 403
    )


def test_exports_leave_opposed_contacts_out_and_are_logged(objector, sales_rep, paris):
    other = ProspectFactory(last_name="Libre", first_name="Paul", entities=[paris])
    prospect_opposition_record(prospect=objector, channel="email", by=sales_rep)
    response = logged(sales_rep).post(reverse("prospects:vcard_export"), {"ids": [objector.pk, other.pk]})
    body = response.content.decode()
    assert response.status_code == 200 and "Libre" in body and "Refus" not in body
    log = PersonalDataLog.objects.filter(action="export_vcf").get()
    assert log.by == sales_rep and log.count == 1 and log.filters == {"ids": [objector.pk, other.pk]}


def test_after_erasure_the_form_refuses_to_recreate_the_person_unless_confirmed(objector, sales_rep, manager, paris):
    prospect_opposition_record(prospect=objector, channel="email", by=sales_rep)
    prospect_erase(prospect=objector, by=manager, anonymise=False)
    assert not ProspectContact.objects.exists() and opposition_known(email="anne@refus.fr")
    data = {"last_name": "Refus", "first_name": "Anne", "email": "ANNE@refus.fr", "entities": [paris.pk],
            "status": "nouveau", "country": "France"}  # fmt: skip
    client = logged(sales_rep)
    page = client.post("/prospects/new/", data)
    assert page.status_code == 200 and "registre des oppositions" in page.content.decode()
    assert not ProspectContact.objects.exists()
    response = client.post("/prospects/new/", {**data, "confirm_opposition": "on"})
    assert response.status_code == 302 and ProspectContact.objects.count() == 1


def test_the_excel_import_refuses_a_person_of_the_register(objector, sales_rep, manager, paris, tmp_path):
    prospect_opposition_record(prospect=objector, channel="email", by=sales_rep)
    prospect_erase(prospect=objector, by=manager, anonymise=False)
    rows = [
        contact_row(last_name="Refus", first_name="A.", phone="+33144556677", entities="paris"),
        contact_row(last_name="Neuf", first_name="Bob", entities="paris"),
    ]
    path = write_xlsx(tmp_path / "c.xlsx", rows)
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile("c.xlsx", handle.read())
    response = logged(manager).post(reverse("prospects:import_upload"), {"file": upload, "existing": "skip"})
    assert response.status_code == 302
    job = Job.objects.get(kind=JobKind.IMPORT_XLSX)
    assert job.counts["created"] == 1 and job.counts["errors"] == 1
    assert "opposée à la prospection" in job.errors[0]["message"]


def test_an_import_hashes_nothing_while_the_register_is_empty(manager, tmp_path, monkeypatch):
    from prospects.privacy import register

    hashed = []
    monkeypatch.setattr(register, "opposition_digests", lambda **kw: hashed.append(kw) or [])
    path = write_xlsx(tmp_path / "c.xlsx", [contact_row(last_name="Neuf", first_name="Bob", phone="0144556677")])
    with open(path, "rb") as handle:
        upload = SimpleUploadedFile("c.xlsx", handle.read())
    response = logged(manager).post(reverse("prospects:import_upload"), {"file": upload, "existing": "skip"})

    assert response.status_code == 302 and not OppositionEntry.objects.exists()
    assert Job.objects.get(kind=JobKind.IMPORT_XLSX).counts["created"] == 1
    assert hashed == []  # the empty register was seen in one query
