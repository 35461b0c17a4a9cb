"""O1: open an opportunity from the contact; on a free contact only with R4."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from guardian.shortcuts import assign_perm

from crm.models import Opportunity
from tests.factories import CompanyFactory, ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def julie(paris, sales_rep):
    company = CompanyFactory(name="BSI CORP", entities=[paris])
    return ProspectFactory(
        last_name="ARMANON", first_name="Julie", company=company, assigned_to=sales_rep, entities=[paris]
    )


@pytest.fixture
def free_contact(paris):
    return ProspectFactory(last_name="LIBRE", entities=[paris])


def test_a_rep_opens_an_opportunity_on_the_contact_and_its_company(sales_rep, julie):
    client = logged(sales_rep)
    form = client.get(f"/prospects/{julie.pk}/opportunities/new/").context["form"]
    assert form["assigned_to"].value() == sales_rep.pk
    data = {"name": "Refonte SI", "stage": "ouverte", "amount": "12500.50", "expected_close_on": "2027-03-31"}
    response = client.post(f"/prospects/{julie.pk}/opportunities/new/", {**data, "assigned_to": sales_rep.pk})
    assert response.status_code == 302 and response["Location"] == f"/prospects/{julie.pk}/"
    opportunity = Opportunity.objects.get()
    assert (opportunity.prospect, opportunity.company, opportunity.created_by) == (julie, julie.company, sales_rep)
    assert opportunity.amount == Decimal("12500.50") and opportunity.expected_close_on == date(2027, 3, 31)
    card = client.get(f"/prospects/{julie.pk}/").content.decode()
    assert "Refonte SI" in card and "31/03/2027" in card and "L&#x27;opportunité Refonte SI a été créée." in card


def test_the_name_is_required(sales_rep, julie):
    response = logged(sales_rep).post(f"/prospects/{julie.pk}/opportunities/new/", {"stage": "ouverte"})
    assert response.status_code == 200 and "Ce champ est obligatoire." in response.content.decode()
    assert not Opportunity.objects.exists()


def test_a_free_contact_needs_r4(paris, free_contact):
    r1_only = UserFactory(entities=[paris])
    r1_only.user_permissions.add(Permission.objects.get(codename="edit_prospect"))
    client = logged(r1_only)
    assert "/opportunities/new/" not in client.get(f"/prospects/{free_contact.pk}/").content.decode()
    assert (
        client.post(f"/prospects/{free_contact.pk}/opportunities/new/", {"name": "x", "stage": "ouverte"}).status_code
        == 403
    )
    assign_perm("prospects.manage_free_prospect_opportunities", r1_only, free_contact)
    response = client.post(f"/prospects/{free_contact.pk}/opportunities/new/", {"name": "Audit", "stage": "ouverte"})
    assert response.status_code == 302
    assert Opportunity.objects.get().company is None


def test_a_commercial_with_r4_opens_one_on_a_free_contact(sales_rep, free_contact):
    assert (
        f"/prospects/{free_contact.pk}/opportunities/new/"
        in logged(sales_rep).get(f"/prospects/{free_contact.pk}/").content.decode()
    )


def test_without_the_right_the_action_is_hidden_and_refused(rep_without_rights, julie):
    client = logged(rep_without_rights)
    assert "/opportunities/new/" not in client.get(f"/prospects/{julie.pk}/").content.decode()
    assert client.get(f"/prospects/{julie.pk}/opportunities/new/").status_code == 403
    assert (
        client.post(f"/prospects/{julie.pk}/opportunities/new/", {"name": "x", "stage": "ouverte"}).status_code == 403
    )
    assert not Opportunity.objects.exists()


def test_the_outsider_gets_a_404(outsider, julie):
    assert logged(outsider).get(f"/prospects/{julie.pk}/opportunities/new/").status_code == 404
    assert logged(outsider).post(f"/prospects/{julie.pk}/opportunities/new/", {"name": "x"}).status_code == 404
