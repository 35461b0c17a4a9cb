"""S1 skills environment (R5) and M1 diffusion-list subscriptions (R10) from the card."""

import pytest
from guardian.shortcuts import assign_perm

from crm.models import Skill, SkillCategory
from tests.factories import DiffusionListFactory, ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def julie(paris):
    return ProspectFactory(last_name="ARMANON", first_name="Julie", entities=[paris])


@pytest.fixture
def skills(db):
    languages = SkillCategory.objects.create(name="Langages")
    cloud = SkillCategory.objects.create(name="Cloud")
    return {
        "Java": Skill.objects.create(category=languages, name="Java"),
        "Python": Skill.objects.create(category=languages, name="Python"),
        "AWS": Skill.objects.create(category=cloud, name="AWS"),
    }


def test_the_skills_page_groups_skills_by_category_and_saves_the_choice(sales_rep, julie, skills):
    julie.skills.set([skills["Python"]])
    client = logged(sales_rep)
    body = client.get(f"/prospects/{julie.pk}/skills/").content.decode()
    assert "<legend>Cloud</legend>" in body and "<legend>Langages</legend>" in body
    assert body.index("AWS") < body.index("Java")
    assert f'value="{skills["Python"].pk}" id="id_skills_' in body and "checked" in body
    response = client.post(f"/prospects/{julie.pk}/skills/", {"skills": [skills["Java"].pk, skills["AWS"].pk]})
    assert response.status_code == 302 and response["Location"] == f"/prospects/{julie.pk}/"
    assert set(julie.skills.values_list("name", flat=True)) == {"Java", "AWS"}
    card = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert 'title="Cloud">AWS</span>' in card and "Environnement/Compétences" in card


def test_without_r5_the_skills_action_is_hidden_and_refused(rep_without_rights, julie, skills):
    client = logged(rep_without_rights)
    assert f"/prospects/{julie.pk}/skills/" not in client.get(f"/prospects/{julie.pk}/").content.decode()
    assert client.get(f"/prospects/{julie.pk}/skills/").status_code == 403
    assert client.post(f"/prospects/{julie.pk}/skills/", {"skills": [skills["Java"].pk]}).status_code == 403
    assert not julie.skills.exists()


def test_r5_on_this_contact_is_enough_for_its_skills(rep_without_rights, julie):
    assign_perm("prospects.manage_prospect_skills", rep_without_rights, julie)
    assert logged(rep_without_rights).get(f"/prospects/{julie.pk}/skills/").status_code == 200


def test_the_outsider_gets_a_404_on_skills_and_subscriptions(outsider, julie):
    client = logged(outsider)
    assert client.get(f"/prospects/{julie.pk}/skills/").status_code == 404
    assert client.post(f"/prospects/{julie.pk}/subscriptions/", {}).status_code == 404


def test_subscriptions_change_only_the_lists_the_user_sees(sales_rep, julie, paris, lyon):
    newsletter = DiffusionListFactory(name="Newsletter", entities=[paris])
    events = DiffusionListFactory(name="Événements", entities=[paris])
    lyon_only = DiffusionListFactory(name="Lyon seulement", entities=[lyon])
    julie.diffusion_lists.set([newsletter, lyon_only])
    client = logged(sales_rep)
    body = client.get(f"/prospects/{julie.pk}/subscriptions/").content.decode()
    assert "Newsletter" in body and "Événements" in body and "Lyon seulement" not in body
    response = client.post(f"/prospects/{julie.pk}/subscriptions/", {"lists": [events.pk]})
    assert response.status_code == 302
    assert set(julie.diffusion_lists.all()) == {events, lyon_only}
    card = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert "Événements" in card and "Lyon seulement" not in card


def test_a_list_the_user_cannot_see_cannot_be_subscribed_to(sales_rep, julie, lyon):
    lyon_only = DiffusionListFactory(name="Lyon seulement", entities=[lyon])
    response = logged(sales_rep).post(f"/prospects/{julie.pk}/subscriptions/", {"lists": [lyon_only.pk]})
    assert response.status_code == 200 and "lists" in response.context["form"].errors
    assert not julie.diffusion_lists.exists()


def test_without_r10_the_lists_action_is_hidden_and_refused(rep_without_rights, julie, paris):
    newsletter = DiffusionListFactory(name="Newsletter", entities=[paris])
    client = logged(rep_without_rights)
    assert f"/prospects/{julie.pk}/subscriptions/" not in client.get(f"/prospects/{julie.pk}/").content.decode()
    assert client.get(f"/prospects/{julie.pk}/subscriptions/").status_code == 403
    assert client.post(f"/prospects/{julie.pk}/subscriptions/", {"lists": [newsletter.pk]}).status_code == 403
    assert not julie.diffusion_lists.exists()
