import pytest
from django.db import IntegrityError, transaction

from crm.models import Company, Opportunity
from prospects.models import ProspectContact
from tests.factories import CompanyFactory, ProspectFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "field, value",
    [
        ("last_name", ""),
        ("first_name", ""),
        ("email", "Julie.Armanon@Example.fr"),
        ("status", "inconnu"),
        ("gender", "x"),
        ("region", "zz"),
        ("origin", "pigeon"),
    ],
)
def test_the_database_refuses_invalid_contact_values(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        ProspectFactory(**{field: value})


def test_a_valid_contact_is_stored_with_its_defaults():
    contact = ProspectFactory(last_name="ARMANON", first_name="Julie", email="julie@example.fr")
    contact.refresh_from_db()
    assert contact.status == "nouveau"
    assert contact.country == "France"
    assert contact.is_free


@pytest.mark.parametrize("field, value", [("name", ""), ("type", "autre"), ("status", "?"), ("revenue_band", "x")])
def test_the_database_refuses_invalid_company_values(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        CompanyFactory(**{field: value})


def test_an_opportunity_needs_a_company_or_a_contact():
    with pytest.raises(IntegrityError), transaction.atomic():
        Opportunity.objects.create(name="Orpheline")


def test_a_company_with_contacts_cannot_be_deleted():
    from django.db.models import ProtectedError

    company = CompanyFactory()
    ProspectFactory(company=company)
    with pytest.raises(ProtectedError):
        company.delete()
    assert Company.objects.filter(pk=company.pk).exists()


def test_deleting_a_contact_takes_its_object_permissions_along(sales_rep, paris):
    from guardian.shortcuts import assign_perm

    from prospects.models import ProspectContactUserObjectPermission

    contact = ProspectFactory(entities=[paris])
    assign_perm("prospects.edit_prospect", sales_rep, contact)
    contact.delete()
    assert not ProspectContactUserObjectPermission.objects.exists()
    assert not ProspectContact.objects.exists()
