"""Merging contacts: the service (prospects.duplicates.merge) and the merge screen."""

import pytest
from guardian.shortcuts import assign_perm

from crm.models import ClientContact, Opportunity, Proposal
from prospects.duplicates.merge import MergeRefused, prospects_merge
from prospects.models import (
    PersonalDataLog,
    ProspectContact,
    ProspectContactUserObjectPermission,
    ProspectMerge,
    ProspectNote,
)
from prospects.rights import R1, R15
from tasks.models import Task
from tests.factories import (
    CompanyFactory,
    DiffusionListFactory,
    NoteFactory,
    OpportunityFactory,
    ProposalFactory,
    ProspectFactory,
    TaskFactory,
)
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def twins(paris, manager):
    company = CompanyFactory(name="Acme", entities=[paris])
    first = ProspectFactory(
        last_name="Dupont", first_name="Jean", company=company, email="j@acme.fr", phone="01 44 55 66 77",
        entities=[paris],
    )  # fmt: skip
    second = ProspectFactory(
        last_name="DUPONT", first_name="jean", company=company, email="jean.dupont@acme.fr", mobile="06 12 34 56 78",
        job_title="Acheteur", entities=[paris],
    )  # fmt: skip
    return first, second


def test_the_survivor_takes_everything_linked_to_the_others(twins, manager, paris, sales_rep):
    first, second = twins
    note = NoteFactory(prospect=second, author=manager, entity=paris)
    task = TaskFactory(prospect=second)
    opportunity = OpportunityFactory(prospect=second)
    proposal = ProposalFactory(prospect=second, opportunity=opportunity)
    diffusion_list = DiffusionListFactory(entities=[paris])
    second.diffusion_lists.add(diffusion_list)
    assign_perm(R1.perm, sales_rep, second)
    assign_perm(R1.perm, sales_rep, first)  # the same grant on both: kept once
    second.status = "en_cours"
    second.save()  # a history row for the second contact

    record = prospects_merge(
        survivor=first, others=[second], picks={"email": second.pk, "job_title": second.pk}, by=manager
    )

    assert list(ProspectContact.objects.all()) == [first]
    first.refresh_from_db()
    assert first.email == "jean.dupont@acme.fr" and first.job_title == "Acheteur"
    assert first.phone == "01 44 55 66 77"  # the survivor's value where nothing was picked
    for row in (note, task, opportunity, proposal):
        row.refresh_from_db()
        assert row.prospect_id == first.pk
    assert list(first.diffusion_lists.all()) == [diffusion_list]
    assert ProspectContactUserObjectPermission.objects.filter(content_object=first, user=sales_rep).count() == 1
    assert ProspectContact.history.filter(id=first.pk, status="en_cours").exists()
    assert record.merged_by == manager
    assert record.merged_contacts == [{"id": second.pk, "label": str(second)}]
    dropped = {(item["field"], item["value"]) for item in record.dropped_values}
    assert ("email", "j@acme.fr") in dropped and ("last_name", "DUPONT") in dropped
    assert ("mobile", "06 12 34 56 78") in dropped
    log = PersonalDataLog.objects.get()
    assert (log.action, log.by, log.count) == ("merge", manager, 2)


def test_two_converted_contacts_cannot_be_merged(twins, manager):
    first, second = twins
    for contact in twins:
        contact.client_contact = ClientContact.objects.create(company=contact.company, last_name="C", first_name="C")
        contact.save()
    with pytest.raises(MergeRefused):
        prospects_merge(survivor=first, others=[second], picks={}, by=manager)
    assert ProspectContact.objects.count() == 2


def test_the_conversion_link_and_the_opposition_follow_to_the_survivor(twins, manager):
    from django.utils import timezone

    first, second = twins
    client = ClientContact.objects.create(company=second.company, last_name="C", first_name="C")
    second.client_contact = client
    second.opposed_at = timezone.now()
    second.save()
    prospects_merge(survivor=first, others=[second], picks={}, by=manager)
    first.refresh_from_db()
    assert first.client_contact == client and first.opposed_at is not None


def _merge_url(*contacts) -> str:
    return "/prospects/duplicates/merge/?" + "&".join(f"ids={contact.pk}" for contact in contacts)


def test_the_merge_screen_shows_the_values_side_by_side_and_merges(twins, manager):
    first, second = twins
    client = logged(manager)
    page = client.get(_merge_url(first, second)).content.decode()
    assert "j@acme.fr" in page and "jean.dupont@acme.fr" in page and 'name="pick_email"' in page
    assert "même e-mail" not in page and "même nom à la même société" in page
    data = {"ids": [first.pk, second.pk], "survivor": second.pk, "pick_email": first.pk, "pick_last_name": first.pk}
    response = client.post("/prospects/duplicates/merge/", data)
    assert response.status_code == 302 and response["Location"] == f"/prospects/{second.pk}/#history"
    survivor = ProspectContact.objects.get()
    assert survivor.pk == second.pk and survivor.email == "j@acme.fr" and survivor.last_name == "Dupont"
    card = client.get(f"/prospects/{second.pk}/").content.decode()
    assert 'id="merges"' in card and f"#{first.pk}" in card


def test_the_merge_needs_the_right_on_every_contact(twins, sales_rep, rep_without_rights, outsider, paris):
    first, second = twins
    for user in (sales_rep, rep_without_rights):  # no merge right
        assert logged(user).get(_merge_url(first, second)).status_code == 403
        assert logged(user).post("/prospects/duplicates/merge/", {"ids": [first.pk, second.pk]}).status_code == 403
    assert logged(outsider).get(_merge_url(first, second)).status_code == 404  # cannot see them
    assign_perm(R15.perm, rep_without_rights, first)  # on one contact only
    assert logged(rep_without_rights).get(_merge_url(first, second)).status_code == 403
    assign_perm(R15.perm, rep_without_rights, second)
    assert logged(rep_without_rights).get(_merge_url(first, second)).status_code == 200
    assert ProspectContact.objects.count() == 2


def test_the_merge_refuses_a_single_contact_or_bad_ids(twins, manager):
    first, _second = twins
    client = logged(manager)
    assert client.get(_merge_url(first)).status_code == 404
    assert client.get("/prospects/duplicates/merge/?ids=x&ids=1").status_code == 404


def test_the_card_menu_offers_fusionner_avec_to_right_holders_only(twins, manager, sales_rep):
    first, second = twins
    assert "Fusionner avec…" in logged(manager).get(f"/prospects/{first.pk}/").content.decode()
    assert "Fusionner avec…" not in logged(sales_rep).get(f"/prospects/{first.pk}/").content.decode()
    picker = logged(manager).get(f"/prospects/{first.pk}/merge/")
    assert picker.status_code == 200 and f'value="{second.pk}" checked' in picker.content.decode()
    assert logged(sales_rep).get(f"/prospects/{first.pk}/merge/").status_code == 403


def test_merge_pick_search_and_outsider(twins, manager, outsider, paris):
    first, _second = twins
    other = ProspectFactory(last_name="Zébulon", first_name="Ann", entities=[paris])
    page = logged(manager).get(f"/prospects/{first.pk}/merge/?q=zebulon").content.decode()
    assert f'value="{other.pk}"' in page
    assert logged(outsider).get(f"/prospects/{first.pk}/merge/").status_code == 404


def test_nothing_remains_linked_to_a_deleted_contact(twins, manager, paris):
    first, second = twins
    TaskFactory(prospect=second)
    NoteFactory(prospect=second, author=manager, entity=paris)
    prospects_merge(survivor=first, others=[second], picks={}, by=manager)
    assert not Task.objects.exclude(prospect=first).exists()
    assert not ProspectNote.objects.exclude(prospect=first).exists()
    assert not Opportunity.objects.exists() and not Proposal.objects.exists()
    assert ProspectMerge.objects.get().survivor == first
