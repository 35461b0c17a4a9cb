"""The contact card (F1, F2, tasks and deals): who sees it and what it shows."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import assign_perm

from crm.models import CompanyType
from prospects.models import Origin
from tasks.models import TaskAttachment, TaskType
from tests.factories import (
    CompanyFactory,
    OpportunityFactory,
    ProposalFactory,
    ProspectFactory,
    TaskFactory,
    UserFactory,
)
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def julie(paris, sales_rep):
    company = CompanyFactory(name="BSI CORP", type=CompanyType.PROSPECT, entities=[paris])
    return ProspectFactory(
        last_name="ARMANON",
        first_name="Julie",
        company=company,
        country="France",
        status="affecte",
        origin=Origin.MARKETING,
        assigned_to=sales_rep,
        entities=[paris],
    )


def test_the_card_shows_the_key_information_and_the_commercial_follow_up(sales_rep, julie):
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert "Fiche contact prospect" in body
    assert "BSI CORP" in body and "Julie" in body and "ARMANON" in body and "France" in body
    assert "Suivi commercial" in body and "Affecté" in body and "Campagne marketing" in body
    assert "DIRON Marine" in body and 'href="mailto:marine@example.fr"' in body


def test_the_card_lists_the_contacts_tasks_with_the_guides_columns(sales_rep, julie, groups):
    lise = UserFactory(last_name="Alpes", first_name="Lise")
    task = TaskFactory(
        prospect=julie,
        name="Contacter le prospect début 2024",
        type=TaskType.NOTE,
        followed_by=lise,
        due_at=datetime(2023, 12, 28, 11, 0, tzinfo=ZoneInfo("Europe/Paris")),
    )
    TaskFactory(prospect=ProspectFactory(entities=julie.entities.all()), name="Tâche d'un autre contact")
    TaskAttachment.objects.create(task=task, file=ContentFile(b"x", name="cr.pdf"), original_name="compte-rendu.pdf")
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    for column in (
        "Priorité",
        "Date / Heure de la tâche",
        "Nom de la tâche",
        "Suivi par",
        "Description / Compte-rendu",
    ):
        assert column in body
    for column in ("Tél. mobile", "Tél. fixe", "Attachement(s)", "Statut"):
        assert column in body
    assert "28/12/2023 à 11:00" in body and "Contacter le prospect début 2024" in body
    assert "ALPES Lise" in body and "En attente" in body and "compte-rendu.pdf" in body
    assert "Tâche d'un autre contact" not in body


def test_a_card_without_tasks_or_deals_says_so(sales_rep, julie):
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert "Aucune tâche commerciale." in body
    assert "Aucune opportunité." in body and "Aucune proposition commerciale." in body


def test_the_card_shows_the_contacts_opportunities_and_proposals(sales_rep, julie):
    opportunity = OpportunityFactory(name="Accompagnement 2024", prospect=julie, company=julie.company, amount=12500)
    ProposalFactory(name="Proposition BSI", opportunity=opportunity, prospect=julie)
    OpportunityFactory(name="Affaire de la société seule", company=julie.company)
    body = logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert "Accompagnement 2024" in body and "Proposition BSI" in body
    assert "Affaire de la société seule" not in body


def test_the_card_reads_a_constant_number_of_queries(sales_rep, julie):
    def queries() -> int:
        client = logged(sales_rep)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/prospects/{julie.pk}/").status_code == 200
        return len(ctx.captured_queries)

    TaskFactory(prospect=julie, followed_by=sales_rep)
    few = queries()
    for _ in range(5):
        task = TaskFactory(prospect=julie, followed_by=UserFactory())
        TaskAttachment.objects.create(task=task, file=ContentFile(b"x", name="a.txt"), original_name="a.txt")
        opportunity = OpportunityFactory(prospect=julie, assigned_to=UserFactory())
        ProposalFactory(opportunity=opportunity, prospect=julie)
    assert queries() == few


def test_the_outsider_gets_a_404_like_a_missing_contact(outsider, julie):
    assert logged(outsider).get(f"/prospects/{julie.pk}/").status_code == 404
    assert logged(outsider).get("/prospects/999999/").status_code == 404


def test_an_anonymous_visitor_is_sent_to_the_login_page(julie):
    response = Client().get(f"/prospects/{julie.pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_card_rejects_post(sales_rep, julie):
    assert logged(sales_rep).post(f"/prospects/{julie.pk}/").status_code == 405


def test_a_user_without_rights_sees_the_card_with_only_the_company_file_in_the_menu(rep_without_rights, julie):
    response = logged(rep_without_rights).get(f"/prospects/{julie.pk}/")
    assert "ARMANON" in response.content.decode()
    assert [item["label"] for item in response.context["menu"]] == ["Dossier du compte"]


def test_a_free_contact_without_rights_has_no_actions_menu(rep_without_rights, paris):
    free = ProspectFactory(entities=[paris])
    assert "Actions sur le contact" not in logged(rep_without_rights).get(f"/prospects/{free.pk}/").content.decode()


def test_an_object_permission_on_another_entitys_contact_opens_its_card(outsider, julie):
    assign_perm("prospects.edit_prospect", outsider, julie)
    assert logged(outsider).get(f"/prospects/{julie.pk}/").status_code == 200


def test_the_card_menu_offers_a_task_only_with_r3(sales_rep, rep_without_rights, julie):
    link = f'<a role="menuitem" href="/tasks/prospects/{julie.pk}/new/">Ajouter une tâche</a>'
    assert link in logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assert link not in logged(rep_without_rights).get(f"/prospects/{julie.pk}/").content.decode()
