"""The Excel export of the list needs its own right (R14, issue 14), given to the roles holding R8."""

import importlib
from io import BytesIO

import pytest
from django.apps import apps as live_apps
from django.contrib.auth.models import Group, Permission
from openpyxl import load_workbook

from prospects.jobs.runner import job_run
from prospects.models import Job, JobKind, JobStatus
from prospects.rights import R8, R14, ROLES
from tests.factories import ProspectFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db
EXPORT_URL = "/prospects/export.xlsx"


def _export_controls(body: str) -> int:
    return body.count('action="/prospects/export.xlsx"') + body.count('form="export-form"')


def test_every_role_holding_the_vcf_export_holds_the_excel_export():
    assert all((R8 in rights) == (R14 in rights) for rights in ROLES.values())
    assert R14.codename == "export_prospects_xlsx"


def test_a_rep_with_the_right_sees_and_runs_the_export(sales_rep, paris, django_capture_on_commit_callbacks):
    ProspectFactory(entities=[paris])
    client = logged(sales_rep)
    assert _export_controls(client.get("/prospects/").content.decode()) == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORT_URL)
    assert response.status_code == 302 and Job.objects.get().status == JobStatus.DONE


def test_without_the_right_the_export_is_hidden_and_refused(paris, groups):
    ProspectFactory(entities=[paris])
    # Everything a Commercial holds but R14: the vCard export stays, the Excel one goes.
    user = UserFactory(username="no-xlsx", entities=[paris])
    user.user_permissions.set(groups["Commercial"].permissions.exclude(codename=R14.codename))
    client = logged(user)
    body = client.get("/prospects/").content.decode()
    assert _export_controls(body) == 0 and 'data-dialog="dlg-vcf"' in body
    assert client.post(EXPORT_URL).status_code == 403
    assert client.post(EXPORT_URL, {"ids": [1]}).status_code == 403
    assert not Job.objects.exists()


def test_a_user_without_any_right_is_refused(rep_without_rights, paris):
    ProspectFactory(entities=[paris])
    client = logged(rep_without_rights)
    assert _export_controls(client.get("/prospects/").content.decode()) == 0
    assert client.post(EXPORT_URL).status_code == 403
    assert not Job.objects.exists()


def test_the_outsider_exports_only_their_own_entitys_contacts(
    outsider, paris, lyon, django_capture_on_commit_callbacks
):
    ProspectFactory(entities=[paris], last_name="PARIS")
    ProspectFactory(entities=[lyon], last_name="LYON")
    with django_capture_on_commit_callbacks(execute=True):
        logged(outsider).post(EXPORT_URL, {"select_all": "1"})
    job = Job.objects.get()
    job.result_file.open("rb")
    sheet = load_workbook(BytesIO(job.result_file.read())).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["LYON"]


def test_a_queued_export_fails_once_the_right_is_withdrawn(sales_rep, paris, groups):
    ProspectFactory(entities=[paris])
    job = Job.objects.create(kind=JobKind.EXPORT_XLSX, created_by=sales_rep)
    groups["Commercial"].permissions.remove(Permission.objects.get(codename=R14.codename))
    assert job_run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert "plus le droit" in job.error_message and not job.result_file


def test_the_migration_gives_the_right_to_the_groups_exporting_vcf(groups):
    exporters, others = Group.objects.create(name="Exporters"), Group.objects.create(name="Others")
    exporters.permissions.add(Permission.objects.get(codename=R8.codename))
    others.permissions.add(Permission.objects.get(codename="view_prospectcontact"))
    migration = importlib.import_module("prospects.migrations.0005_export_xlsx_right")
    migration.give_export_xlsx_to_vcf_exporters(live_apps, None)
    assert exporters.permissions.filter(codename=R14.codename).exists()
    assert not others.permissions.filter(codename=R14.codename).exists()
