"""C2: duplicate a contact: the form comes prefilled from it, names and personal details empty."""

import pytest
from guardian.shortcuts import assign_perm

from prospects.models import ProspectContact
from tests.factories import CompanyFactory, ProspectFactory, SectorFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture
def julie(paris, sales_rep):
    return ProspectFactory(
        last_name="ARMANON",
        first_name="Julie",
        email="julie@bsi.fr",
        phone="01 44 55 66 77",
        mobile="06 12 34 56 78",
        company=CompanyFactory(name="BSI CORP", entities=[paris]),
        address="12 rue de la Paix",
        postcode="75002",
        city="Paris",
        region="idf",
        assigned_to=sales_rep,
        sector=SectorFactory(name="Conseil"),
        origin="salon",
        entities=[paris],
    )


def test_the_duplicate_form_is_prefilled_except_names_and_personal_details(sales_rep, julie):
    response = logged(sales_rep).get(f"/prospects/{julie.pk}/duplicate/")
    body = response.content.decode()
    assert "Duplication du contact prospect ARMANON Julie" in body
    form = response.context["form"]
    for name in ("address", "postcode", "city", "region", "origin"):
        assert form[name].value() == getattr(julie, name)
    assert form["company"].value() == julie.company_id and form["assigned_to"].value() == sales_rep.pk
    assert form["sector"].value() == julie.sector_id and form["entities"].value() == [
        e.pk for e in julie.entities.all()
    ]
    for name in ("last_name", "first_name", "email", "phone", "mobile"):
        assert not form[name].value()
    assert f'<option value="{julie.company_id}" selected>BSI CORP</option>' in body


def test_saving_the_duplicate_creates_a_new_contact_and_leaves_the_source(sales_rep, julie, paris):
    data = {
        "company": julie.company_id,
        "last_name": "ARMANON",
        "first_name": "Paul",
        "status": "nouveau",
        "city": "Paris",
        "entities": [paris.pk],
    }
    response = logged(sales_rep).post(f"/prospects/{julie.pk}/duplicate/", data)
    copy = ProspectContact.objects.get(first_name="Paul")
    assert response.status_code == 302 and response["Location"] == f"/prospects/{copy.pk}/"
    assert copy.company_id == julie.company_id and copy.pk != julie.pk
    julie.refresh_from_db()
    assert julie.first_name == "Julie"


def test_the_card_menu_offers_duplicate_only_with_r1_held_globally(sales_rep, rep_without_rights, julie):
    assert f"/prospects/{julie.pk}/duplicate/" in logged(sales_rep).get(f"/prospects/{julie.pk}/").content.decode()
    assign_perm("prospects.edit_prospect", rep_without_rights, julie)
    body = logged(rep_without_rights).get(f"/prospects/{julie.pk}/").content.decode()
    assert "/edit/" in body and "/duplicate/" not in body


def test_a_user_without_the_right_cannot_duplicate(rep_without_rights, julie, paris):
    client = logged(rep_without_rights)
    assert client.get(f"/prospects/{julie.pk}/duplicate/").status_code == 403
    data = {"last_name": "X", "first_name": "Y", "status": "nouveau", "entities": [paris.pk]}
    assert client.post(f"/prospects/{julie.pk}/duplicate/", data).status_code == 403
    assert ProspectContact.objects.count() == 1


def test_the_outsider_gets_a_404(outsider, julie):
    assert logged(outsider).get(f"/prospects/{julie.pk}/duplicate/").status_code == 404
