"""The demo's companies have files every filter can find; the companies' right and its migration."""

import importlib
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.http import QueryDict

from accounts.models import User
from crm.choices import HeadcountBand, Region, RevenueBand
from crm.models import Sector
from prospects.companies.selectors import company_list_page
from prospects.list.filters import prospects_matching
from prospects.rights import R1, R17, ROLES, has_right

pytestmark = pytest.mark.django_db


def matching_values(count_for, values) -> list[str]:
    return [value for value in values if count_for(value)]


def test_every_company_filter_of_both_lists_finds_the_demo_reps_companies():
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())
    marine = User.objects.get(username="marine")

    def companies(name, value):
        return company_list_page(marine, QueryDict(f"{name}={value}")).page.paginator.count

    def contacts(name, value):
        return prospects_matching(marine, QueryDict(f"{name}={value}"))[1].count()

    sectors = [str(pk) for pk in Sector.objects.values_list("pk", flat=True)]
    for name, values in (
        ("headcount", HeadcountBand.values),
        ("revenue", RevenueBand.values),
        ("sector", sectors),
        ("region", Region.values),
    ):
        found = matching_values(lambda value, name=name: companies(name, value), values)
        assert len(found) >= 2, f"companies list: {name} finds nothing"
    for name, values in (("headcount", HeadcountBand.values), ("revenue", RevenueBand.values)):
        found = matching_values(lambda value, name=name: contacts(name, value), values)
        assert len(found) >= 2, f"contacts list: {name} finds nothing"
    call_command("seed_demo", stdout=StringIO(), stderr=StringIO())  # idempotent


def test_every_role_holds_the_companies_right_and_a_user_without_a_role_does_not(sales_rep, rep_without_rights):
    assert all(R17 in rights for rights in ROLES.values())
    assert has_right(sales_rep, R17) and not has_right(rep_without_rights, R17)


def test_the_migration_gives_the_right_to_the_groups_that_edit_contacts(groups):
    migration = importlib.import_module("prospects.migrations.0010_manage_companies_right")
    editors = Group.objects.create(name="Saisie")
    editors.permissions.add(Permission.objects.get(content_type__app_label="prospects", codename=R1.codename))
    readers = Group.objects.create(name="Lecture")
    migration.give_manage_companies_to_contact_editors(apps, None)
    assert editors.permissions.filter(codename=R17.codename).exists()
    assert not readers.permissions.exists()
