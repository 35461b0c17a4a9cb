"""E1–E3: export one contact, a selection as one .vcf or a .zip, big selections as a job; rights and scoping."""

import io
import zipfile

import pytest
import vobject
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from guardian.shortcuts import assign_perm

from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.services import prospects_reindex
from prospects.vcard.writer import prospect_uid
from tests.factories import CompanyFactory, ProspectFactory
from tests.helpers import logged, row_menu

pytestmark = pytest.mark.django_db

EXPORT = reverse("prospects:vcard_export")


def one_url(prospect) -> str:
    return reverse("prospects:vcard_export_one", args=[prospect.pk])


def cards(content: bytes) -> list:
    return list(vobject.readComponents(content.decode("utf-8")))


def zip_cards(content: bytes) -> dict[str, object]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: cards(archive.read(name))[0] for name in archive.namelist()}


@pytest.fixture
def contact(paris):
    company = CompanyFactory(name="ACME; Groupe, Sud", entities=[paris])
    return ProspectFactory(
        last_name="Dupont",
        first_name="Hélène",
        company=company,
        department="Achats",
        job_title="Acheteuse",
        email="helene@acme.fr",
        phone="01 44 55 66 77",
        mobile="06 12 34 56 78",
        fax="01 44 55 66 78",
        address="12 rue de la Paix\nBâtiment B",
        postcode="75002",
        city="Paris",
        description="Vue au salon; à rappeler, \\ urgent",
        entities=[paris],
    )


# E1 -------------------------------------------------------------------------------------


def test_one_contact_downloads_as_a_vcard_that_reparses_to_its_fields(sales_rep, contact):
    response = logged(sales_rep).get(one_url(contact))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''Dupont%20H%C3%A9l%C3%A8ne.vcf"
    assert response["X-Content-Type-Options"] == "nosniff"
    [card] = cards(response.content)
    assert card.version.value == "3.0"
    assert (card.n.value.family, card.n.value.given) == ("Dupont", "Hélène")
    assert card.org.value == ["ACME; Groupe, Sud", "Achats"]
    assert card.title.value == "Acheteuse"
    assert card.email.value == "helene@acme.fr"
    assert {tel.value for tel in card.tel_list} == {"01 44 55 66 77", "06 12 34 56 78", "01 44 55 66 78"}
    assert card.adr.value.street == "12 rue de la Paix\nBâtiment B" and card.adr.value.code == "75002"
    assert card.note.value == "Vue au salon; à rappeler, \\ urgent"
    assert card.uid.value == prospect_uid(contact.pk)


def test_version_4_is_available_on_request(sales_rep, contact):
    response = logged(sales_rep).get(one_url(contact), {"version": "4.0"})
    assert cards(response.content)[0].version.value == "4.0"


def test_the_outsider_gets_404_like_a_missing_contact(outsider, contact):
    assert logged(outsider).get(one_url(contact)).status_code == 404
    assert logged(outsider).get(reverse("prospects:vcard_export_one", args=[999999])).status_code == 404


def test_a_user_without_r8_gets_403(rep_without_rights, contact):
    assert logged(rep_without_rights).get(one_url(contact)).status_code == 403


def test_r8_granted_on_the_contact_alone_is_enough(rep_without_rights, contact):
    assign_perm("prospects.export_prospects_vcf", rep_without_rights, contact)
    assert logged(rep_without_rights).get(one_url(contact)).status_code == 200


def test_the_single_export_is_get_only(sales_rep, contact):
    assert logged(sales_rep).post(one_url(contact)).status_code == 405


def test_the_row_menu_entry_leads_to_the_download(sales_rep, contact):
    client = logged(sales_rep)
    assert row_menu(client.get("/prospects/").content.decode(), contact.pk)["vcf"] == one_url(contact)
    response = client.get(one_url(contact))
    assert response.status_code == 200 and response["Content-Type"] == "text/vcard; charset=utf-8"
    assert cards(response.content)[0].uid.value == prospect_uid(contact.pk)


def test_a_hostile_name_makes_a_safe_download_name(sales_rep, paris):
    prospect = ProspectFactory(last_name="../../etc/passwd", first_name="\r\nX", entities=[paris])
    response = logged(sales_rep).get(one_url(prospect))
    disposition = response["Content-Disposition"]
    assert "/" not in disposition.split("filename=")[1] and "\n" not in disposition


# E2 / E3 -----------------------------------------------------------------------------------


def test_selected_contacts_come_as_one_multi_contact_vcf(sales_rep, paris, contact):
    other = ProspectFactory(last_name="Martin", first_name="Paul", entities=[paris])
    response = logged(sales_rep).post(EXPORT, {"ids": [contact.pk, other.pk]})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vcard; charset=utf-8"
    assert response["Content-Disposition"].endswith('.vcf"')
    assert [card.n.value.family for card in cards(response.content)] == ["Dupont", "Martin"]


def test_the_zip_choice_gives_one_vcf_per_contact_under_safe_unique_names(sales_rep, paris):
    hostile = ["../../evil", "/etc/passwd", "CON", "Dupont", "Dupont", "x" * 100, "=cmd|calc", "a\\b:c"]
    prospects = [ProspectFactory(last_name=name, first_name="Jo", entities=[paris]) for name in hostile]
    response = logged(sales_rep).post(EXPORT, {"ids": [p.pk for p in prospects], "zip": "on"})
    assert response["Content-Type"] == "application/zip"
    found = zip_cards(response.content)
    assert len(found) == len(hostile)
    for name in found:
        assert "/" not in name and "\\" not in name and ":" not in name and ".." not in name
        assert not name.startswith(".") and len(name) <= 84
    assert "Dupont Jo.vcf" in found and "Dupont Jo-2.vcf" in found
    assert sorted(card.uid.value for card in found.values()) == sorted(prospect_uid(p.pk) for p in prospects)
    assert {card.n.value.family for card in found.values()} == set(hostile)


def test_another_entitys_ids_in_the_selection_are_ignored(sales_rep, contact, lyon):
    secret = ProspectFactory(last_name="SECRET", entities=[lyon])
    response = logged(sales_rep).post(EXPORT, {"ids": [contact.pk, secret.pk]})
    assert [card.n.value.family for card in cards(response.content)] == ["Dupont"]


def test_only_another_entitys_ids_gives_an_error_and_no_file(sales_rep, lyon):
    secret = ProspectFactory(last_name="SECRET", entities=[lyon])
    response = logged(sales_rep).post(EXPORT, {"ids": [secret.pk]})
    assert response.status_code == 302
    assert b"SECRET" not in response.content


def test_object_level_r8_exports_only_the_granted_contacts(rep_without_rights, paris, contact):
    other = ProspectFactory(last_name="Martin", entities=[paris])
    assign_perm("prospects.export_prospects_vcf", rep_without_rights, other)
    response = logged(rep_without_rights).post(EXPORT, {"ids": [contact.pk, other.pk]})
    assert [card.n.value.family for card in cards(response.content)] == ["Martin"]


def test_mass_export_refuses_users_without_r8(rep_without_rights, contact):
    assert logged(rep_without_rights).post(EXPORT, {"ids": [contact.pk]}).status_code == 403


def test_mass_export_is_post_only_and_csrf_protected(sales_rep, contact):
    assert logged(sales_rep).get(EXPORT).status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(sales_rep)
    assert client.post(EXPORT, {"ids": [contact.pk]}).status_code == 403


def test_select_all_exports_the_whole_filter(sales_rep, paris, lyon, contact):
    ProspectFactory(last_name="Martin", entities=[paris])
    ProspectFactory(last_name="Dupuis", entities=[lyon])
    prospects_reindex(prospects=ProspectContact.objects.all())
    response = logged(sales_rep).post(EXPORT, {"select_all": "1", "query": "q=dup"})
    assert [card.n.value.family for card in cards(response.content)] == ["Dupont"]


def test_big_selections_run_as_a_job_with_a_download(
    sales_rep, paris, lyon, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr("prospects.vcard.views.SYNC_EXPORT_LIMIT", 2)
    mine = [ProspectFactory(last_name=f"Nom{i}", entities=[paris]) for i in range(4)]
    secret = ProspectFactory(last_name="SECRET", entities=[lyon])
    client = logged(sales_rep)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT, {"ids": [p.pk for p in mine] + [secret.pk], "zip": "1", "version": "4.0"})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("prospects:job_detail", args=[job.pk])
    assert job.kind == JobKind.EXPORT_VCF and job.status == JobStatus.DONE
    assert job.counts == {"exported": 4} and job.result_name.endswith(".zip")
    page = client.get(reverse("prospects:job_detail", args=[job.pk]))
    assert reverse("prospects:job_download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("prospects:job_download", args=[job.pk]))
    found = zip_cards(b"".join(download.streaming_content))
    assert sorted(card.n.value.family for card in found.values()) == [f"Nom{i}" for i in range(4)]
    assert {card.version.value for card in found.values()} == {"4.0"}


def test_the_job_applies_the_rights_again_when_it_runs(sales_rep, outsider, paris, django_capture_on_commit_callbacks):
    from prospects.jobs.runner import job_create
    from prospects.list.selection import Selection
    from prospects.vcard.exports import export_options

    mine = ProspectFactory(last_name="Visible", entities=[paris])
    with django_capture_on_commit_callbacks(execute=True):
        job = job_create(
            kind=JobKind.EXPORT_VCF,
            by=outsider,
            options=export_options(selection=Selection(ids=[mine.pk]), as_zip=False, version="3.0"),
        )
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.counts == {"exported": 0}


def test_the_list_offers_the_vcf_mass_action_only_with_r8(sales_rep, rep_without_rights, contact):
    assert "dlg-vcf" in logged(sales_rep).get(reverse("prospects:list")).content.decode()
    assert "dlg-vcf" not in logged(rep_without_rights).get(reverse("prospects:list")).content.decode()


# Command line -----------------------------------------------------------------------------


def test_the_export_command_writes_a_vcf_or_a_zip(sales_rep, lyon, contact, tmp_path):
    ProspectFactory(last_name="SECRET", entities=[lyon])
    target = tmp_path / "out.vcf"
    call_command("export_vcf", "--user", sales_rep.username, "--output", str(target), stdout=io.StringIO())
    assert [card.n.value.family for card in cards(target.read_bytes())] == ["Dupont"]
    archive = tmp_path / "out.zip"
    call_command("export_vcf", "--user", sales_rep.username, "--zip", "--output", str(archive), stdout=io.StringIO())
    assert list(zip_cards(archive.read_bytes())) == ["Dupont Hélène.vcf"]
    filtered = tmp_path / "none.vcf"
    call_command(
        "export_vcf", "--user", sales_rep.username, "--filter", "q=zzz", "--output", str(filtered), stdout=io.StringIO()
    )
    assert filtered.read_bytes() == b""


def test_the_export_command_refuses_unknown_users_and_missing_rights(rep_without_rights, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_vcf", "--user", "nobody", "--output", str(tmp_path / "x.vcf"))
    with pytest.raises(CommandError):
        call_command("export_vcf", "--user", rep_without_rights.username, "--output", str(tmp_path / "x.vcf"))


def test_the_contact_card_menu_offers_the_export_only_with_r8(sales_rep, rep_without_rights, contact):
    card_url = reverse("prospects:detail", args=[contact.pk])
    assert one_url(contact) in logged(sales_rep).get(card_url).content.decode()
    assert one_url(contact) not in logged(rep_without_rights).get(card_url).content.decode()
