"""O1 from the card: edit a deal (stage, amount, French date, probability), add a proposal."""

import datetime
from decimal import Decimal

import pytest

from crm.models import Proposal
from tests.factories import CompanyFactory, OpportunityFactory, ProspectFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def deal(paris, sales_rep):
    company = CompanyFactory(name="BSI CORP", entities=[paris])
    julie = ProspectFactory(last_name="ARMANON", company=company, entities=[paris], assigned_to=sales_rep)
    return OpportunityFactory(name="Refonte SI", company=company, prospect=julie)


def edit_url(deal) -> str:
    return f"/prospects/{deal.prospect_id}/opportunities/{deal.pk}/edit/"


def test_the_rep_edits_stage_amount_french_date_and_probability(sales_rep, deal):
    client = logged(sales_rep)
    page = client.get(edit_url(deal)).content.decode()
    assert 'placeholder="jj/mm/aaaa"' in page and 'type="date"' not in page
    data = {
        "name": "Refonte SI",
        "stage": "gagnee",
        "amount": "12000",
        "expected_close_on": "31/03/2027",
        "probability": "80",
    }
    response = client.post(edit_url(deal), data)
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.amount, deal.expected_close_on, deal.probability) == (
        "gagnee", Decimal("12000"), datetime.date(2027, 3, 31), 80
    )  # fmt: skip
    card = client.get(f"/prospects/{deal.prospect_id}/").content.decode()
    assert "31/03/2027" in card and "80 %" in card and edit_url(deal) in card


def test_a_bad_date_or_probability_is_refused_with_a_message(sales_rep, deal):
    data = {"name": "Refonte SI", "stage": "ouverte", "expected_close_on": "2027-31-03", "probability": "150"}
    response = logged(sales_rep).post(edit_url(deal), data)
    body = response.content.decode()
    assert response.status_code == 200 and "jj/mm/aaaa" in body and "100" in body
    deal.refresh_from_db()
    assert deal.probability is None


def test_a_proposal_is_added_from_the_card(sales_rep, deal):
    client = logged(sales_rep)
    url = f"/prospects/{deal.prospect_id}/proposals/new/"
    assert f'value="{deal.pk}" selected' in client.get(f"{url}?opportunity={deal.pk}").content.decode()
    data = {
        "opportunity": deal.pk,
        "name": "Proposition v1",
        "status": "envoyee",
        "amount": "9500",
        "sent_on": "02/12/2026",
    }
    assert client.post(url, data).status_code == 302
    proposal = Proposal.objects.get()
    assert (proposal.opportunity, proposal.prospect_id, proposal.sent_on) == (
        deal,
        deal.prospect_id,
        datetime.date(2026, 12, 2),
    )


def test_a_proposal_cannot_join_another_contacts_deal(sales_rep, deal, paris):
    other = OpportunityFactory(name="Autre", prospect=ProspectFactory(entities=[paris]))
    data = {"opportunity": other.pk, "name": "Proposition", "status": "brouillon"}
    response = logged(sales_rep).post(f"/prospects/{deal.prospect_id}/proposals/new/", data)
    assert response.status_code == 200 and not Proposal.objects.exists()


def test_the_user_without_the_right_and_the_outsider_cannot_edit_or_add(rep_without_rights, outsider, deal):
    data = {"name": "X", "stage": "perdue"}
    for client, status in ((logged(rep_without_rights), 403), (logged(outsider), 404)):
        assert client.get(edit_url(deal)).status_code == status
        assert client.post(edit_url(deal), data).status_code == status
        assert client.post(f"/prospects/{deal.prospect_id}/proposals/new/", {"name": "X"}).status_code == status
    deal.refresh_from_db()
    assert deal.stage == "ouverte" and not Proposal.objects.exists()
    assert edit_url(deal) not in logged(rep_without_rights).get(f"/prospects/{deal.prospect_id}/").content.decode()
