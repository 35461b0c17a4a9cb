"""accounts.backends: a user's permissions (their own and their groups') read in one query."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _perm(codename: str) -> Permission:
    return Permission.objects.get(codename=codename)


def test_own_and_group_permissions_are_read_in_one_query(paris):
    group = Group.objects.create(name="Lecteurs")
    group.permissions.add(_perm("convert_prospect"))
    user = UserFactory(entities=[paris], groups=[group])
    user.user_permissions.add(_perm("edit_prospect"))
    user = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("prospects.edit_prospect") and user.has_perm("prospects.convert_prospect")
        assert not user.has_perm("prospects.export_prospects_vcf")
        assert user.get_all_permissions() >= {"prospects.edit_prospect", "prospects.convert_prospect"}
    assert len(queries) == 1


def test_an_inactive_user_holds_nothing_and_a_superuser_everything(paris):
    inactive = UserFactory(entities=[paris], is_active=False)
    inactive.user_permissions.add(_perm("edit_prospect"))
    assert not User.objects.get(pk=inactive.pk).has_perm("prospects.edit_prospect")
    boss = UserFactory(entities=[paris], is_superuser=True)
    assert User.objects.get(pk=boss.pk).has_perm("prospects.export_prospects_vcf")


def test_rights_come_from_the_groups_whatever_the_entity(rep_without_rights, outsider):
    # The outsider (a Commercial of another entity) holds the role's rights; what they apply to
    # is the visibility selectors' business, not the backend's.
    assert not User.objects.get(pk=rep_without_rights.pk).has_perm("prospects.edit_prospect")
    assert User.objects.get(pk=outsider.pk).has_perm("prospects.edit_prospect")
