"""Admins read the accountability log in the Django admin; nobody can edit it."""

import pytest

from prospects.models import PersonalDataLog
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def test_admins_see_the_log_read_only(admin_user, sales_rep):
    PersonalDataLog.objects.create(action="export_vcf", by=sales_rep, count=12, filters={"ids": [1, 2]})
    client = logged(admin_user)
    page = client.get("/admin/prospects/personaldatalog/")
    assert page.status_code == 200 and "Export VCF" in page.content.decode()
    assert client.get("/admin/prospects/personaldatalog/add/").status_code == 403
    log = PersonalDataLog.objects.get()
    assert client.post(f"/admin/prospects/personaldatalog/{log.pk}/delete/", {"post": "yes"}).status_code == 403
    assert PersonalDataLog.objects.exists()
    assert logged(sales_rep).get("/admin/prospects/personaldatalog/").status_code == 302  # not staff
