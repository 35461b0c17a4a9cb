import pytest
from guardian.shortcuts import assign_perm

from crm.selectors import companies_visible_to, diffusion_lists_visible_to
from prospects.selectors import (
    get_prospect_for,
    jobs_visible_to,
    notes_visible_to,
    opportunities_visible_to,
    prospects_visible_to,
)
from tasks.selectors import tasks_visible_to
from tests.factories import (
    CompanyFactory,
    DiffusionListFactory,
    NoteFactory,
    OpportunityFactory,
    ProspectFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paris_contact(paris):
    return ProspectFactory(last_name="ARMANON", entities=[paris])


@pytest.fixture
def lyon_contact(lyon):
    return ProspectFactory(last_name="RIVET", entities=[lyon])


def test_a_rep_sees_only_the_contacts_of_their_entities(sales_rep, paris_contact, lyon_contact):
    assert list(prospects_visible_to(sales_rep)) == [paris_contact]


def test_a_model_wide_right_through_a_group_does_not_lift_entity_scoping(manager, paris_contact, lyon_contact):
    assert manager.has_perm("prospects.edit_prospect")
    assert lyon_contact not in prospects_visible_to(manager)


def test_the_outsider_gets_404_exactly_like_a_missing_contact(outsider, paris_contact):
    from django.http import Http404

    with pytest.raises(Http404):
        get_prospect_for(outsider, paris_contact.pk)
    with pytest.raises(Http404):
        get_prospect_for(outsider, 999999)


def test_a_contact_shared_with_two_entities_appears_once(sales_rep, paris, lyon):
    contact = ProspectFactory(entities=[paris, lyon])
    assert list(prospects_visible_to(sales_rep)) == [contact]


def test_a_superuser_sees_everything(admin_user, paris_contact, lyon_contact):
    assert set(prospects_visible_to(admin_user)) == {paris_contact, lyon_contact}


def test_a_user_without_entity_sees_nothing(paris_contact):
    assert not prospects_visible_to(UserFactory()).exists()


def test_an_object_right_makes_one_contact_of_another_entity_visible(outsider, paris_contact, paris):
    other = ProspectFactory(entities=[paris])
    assign_perm("prospects.edit_prospect", outsider, paris_contact)
    visible = set(prospects_visible_to(outsider))
    assert paris_contact in visible and other not in visible


def test_an_object_right_given_to_a_group_counts_for_its_members(outsider, paris_contact):
    from django.contrib.auth.models import Group

    team = Group.objects.create(name="Equipe grands comptes")
    outsider.groups.add(team)
    assign_perm("prospects.edit_prospect", team, paris_contact)
    assert paris_contact in prospects_visible_to(outsider)


def test_companies_are_scoped_by_entity_and_object_right(sales_rep, outsider, paris, lyon):
    paris_company, lyon_company = CompanyFactory(entities=[paris]), CompanyFactory(entities=[lyon])
    assert list(companies_visible_to(sales_rep)) == [paris_company]
    assign_perm("crm.view_company", sales_rep, lyon_company)
    assert set(companies_visible_to(sales_rep)) == {paris_company, lyon_company}
    assert list(companies_visible_to(outsider)) == [lyon_company]


def test_tasks_follow_the_visibility_of_their_contact(sales_rep, outsider, paris_contact):
    task = TaskFactory(prospect=paris_contact)
    assert list(tasks_visible_to(sales_rep)) == [task]
    assert not tasks_visible_to(outsider).exists()


def test_opportunities_follow_their_contact_or_company(sales_rep, outsider, paris_contact, paris):
    on_contact = OpportunityFactory(prospect=paris_contact)
    on_company = OpportunityFactory(company=CompanyFactory(entities=[paris]))
    assert set(opportunities_visible_to(sales_rep)) == {on_contact, on_company}
    assert not opportunities_visible_to(outsider).exists()


def test_diffusion_lists_are_scoped_by_entity(sales_rep, outsider, paris, lyon):
    shared = DiffusionListFactory(entities=[paris])
    DiffusionListFactory(entities=[lyon])
    assert list(diffusion_lists_visible_to(sales_rep)) == [shared]


def test_notes_of_other_entities_need_the_see_all_right(sales_rep, manager, outsider, paris_contact, paris, lyon):
    own = NoteFactory(prospect=paris_contact, author=sales_rep, entity=paris)
    foreign = NoteFactory(prospect=paris_contact, author=outsider, entity=lyon)
    assert list(notes_visible_to(sales_rep, paris_contact)) == [own]
    assert set(notes_visible_to(manager, paris_contact)) == {own, foreign}


def test_a_user_sees_only_their_own_jobs(sales_rep, outsider, admin_user):
    from prospects.models import Job

    mine = Job.objects.create(kind="export_xlsx", created_by=sales_rep)
    Job.objects.create(kind="export_xlsx", created_by=outsider)
    assert list(jobs_visible_to(sales_rep)) == [mine]
    assert jobs_visible_to(admin_user).count() == 2
