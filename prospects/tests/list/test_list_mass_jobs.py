"""Mass actions past MASS_ACTION_SYNC_LIMIT run as a background job that reports exactly what it did."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from prospects.jobs.options import MassActionOptions
from prospects.jobs.runner import job_run
from prospects.models import ContactStatus, Job, JobKind, JobStatus, ProspectContact
from prospects.tests.list.test_list_mass import contact
from tests.factories import DiffusionListFactory, TaskFactory, UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def low_threshold(settings):
    settings.MASS_ACTION_SYNC_LIMIT = 2


@pytest.fixture
def five(paris):
    return [contact(paris, last_name=name) for name in ("ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO")]


def post(user, action, data, captured, *, execute=True):
    with captured(execute=execute):
        return logged(user).post(f"/prospects/mass/{action}/", data)


def mass_job() -> Job:
    return Job.objects.get(kind=JobKind.MASS_ACTION)


def test_a_mass_status_past_the_threshold_becomes_a_job_and_reports_exactly(
    sales_rep, five, django_capture_on_commit_callbacks
):
    five[0].status = ContactStatus.CONVERTED
    five[0].save()

    response = post(
        sales_rep, "status", {"ids": [p.pk for p in five], "status": "converti"}, django_capture_on_commit_callbacks
    )

    job = mass_job()
    assert response["Location"] == reverse("prospects:job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.created_by == sales_rep
    assert job.counts == {"selected": 5, "changed": 4, "unchanged": 1, "refused": 0}
    assert ProspectContact.objects.filter(status=ContactStatus.CONVERTED).count() == 5
    page = logged(sales_rep).get(response["Location"]).content.decode()
    assert "4 contacts passés au statut « Converti »." in page
    assert "4 modifiés" in page and "1 déjà dans cet état" in page


def test_a_selection_at_the_threshold_stays_synchronous(sales_rep, five, django_capture_on_commit_callbacks):
    response = post(
        sales_rep, "status", {"ids": [five[0].pk, five[1].pk], "status": "converti"}, django_capture_on_commit_callbacks
    )
    assert response["Location"] == "/prospects/" and not Job.objects.exists()
    assert ProspectContact.objects.filter(status=ContactStatus.CONVERTED).count() == 2


def test_the_mass_job_counts_the_contacts_the_user_may_not_change_as_refused(
    rep_without_rights, five, django_capture_on_commit_callbacks
):
    for prospect in five[:3]:
        assign_perm("prospects.edit_prospect", rep_without_rights, prospect)

    post(
        rep_without_rights,
        "status",
        {"ids": [p.pk for p in five], "status": "abandonne"},
        django_capture_on_commit_callbacks,
    )

    job = mass_job()
    assert job.counts == {"selected": 5, "changed": 3, "unchanged": 0, "refused": 2}
    assert set(ProspectContact.objects.filter(status=ContactStatus.ABANDONED)) == set(five[:3])


def test_a_mass_delete_job_names_the_contacts_it_kept_and_why(sales_rep, five, django_capture_on_commit_callbacks):
    TaskFactory(prospect=five[1])

    post(sales_rep, "delete", {"ids": [p.pk for p in five]}, django_capture_on_commit_callbacks)

    job = mass_job()
    assert job.counts == {"selected": 5, "deleted": 4, "unchanged": 0, "refused": 0, "skipped": 1}
    assert job.errors[0] == {"contact": "BRAVO Julie", "reason": "1 tâche commerciale"}
    assert list(ProspectContact.objects.values_list("last_name", flat=True)) == ["BRAVO"]
    page = logged(sales_rep).get(reverse("prospects:job_detail", args=[job.pk])).content.decode()
    assert "4 contacts supprimés : ALPHA Julie, CHARLIE Julie, DELTA Julie, ECHO Julie." in page
    assert "BRAVO Julie — 1 tâche commerciale" in page and "ALPHA Julie —" not in page


def test_a_mass_assign_job_and_a_subscriptions_job(sales_rep, five, paris, django_capture_on_commit_callbacks):
    rep = UserFactory(last_name="Alpes", first_name="Lise", entities=[paris])
    newsletter = DiffusionListFactory(name="Newsletter", entities=[paris])
    ids = [p.pk for p in five]

    post(sales_rep, "assign", {"ids": ids, "assigned_to": rep.pk}, django_capture_on_commit_callbacks)
    post(
        sales_rep,
        "subscriptions",
        {"ids": ids, "lists": [newsletter.pk], "operation": "abonner"},
        django_capture_on_commit_callbacks,
    )

    assign, subscribe = Job.objects.filter(kind=JobKind.MASS_ACTION).order_by("pk")
    assert MassActionOptions.of(assign).assigned_to == rep.pk and assign.counts["changed"] == 5
    assert ProspectContact.objects.filter(assigned_to=rep).count() == 5
    assert subscribe.counts["changed"] == 5 and newsletter.prospects.count() == 5
    page = logged(sales_rep).get(reverse("prospects:job_detail", args=[assign.pk])).content.decode()
    assert "5 contacts réaffectés à ALPES Lise." in page


def test_select_all_matching_is_stored_as_the_filter_and_resolved_when_the_job_runs(
    sales_rep, five, paris, django_capture_on_commit_callbacks
):
    post(
        sales_rep,
        "status",
        {"select_all": "1", "query": "q=alpha", "status": "converti"},
        django_capture_on_commit_callbacks,
        execute=False,
    )
    assert not Job.objects.exists()  # one contact matches: below the threshold, done in the request
    assert list(ProspectContact.objects.filter(status=ContactStatus.CONVERTED)) == [five[0]]

    post(
        sales_rep, "status", {"select_all": "1", "query": "", "status": "en_cours"}, django_capture_on_commit_callbacks
    )
    job = mass_job()
    assert MassActionOptions.of(job).ids is None and MassActionOptions.of(job).filters == {}
    assert job.counts["changed"] == 5


def test_the_mass_job_rechecks_the_right_when_it_runs(sales_rep, five, django_capture_on_commit_callbacks):
    post(
        sales_rep,
        "status",
        {"ids": [p.pk for p in five], "status": "converti"},
        django_capture_on_commit_callbacks,
        execute=False,
    )
    job = mass_job()
    sales_rep.groups.clear()  # R1 withdrawn before the worker runs it

    assert job_run(job.pk) == JobStatus.FAILED

    job.refresh_from_db()
    assert "plus le droit" in job.error_message
    assert not ProspectContact.objects.filter(status=ContactStatus.CONVERTED).exists()


def test_the_user_without_the_right_and_the_outsider_change_nothing(
    rep_without_rights, outsider, five, lyon, django_capture_on_commit_callbacks
):
    ids = [p.pk for p in five]
    response = post(
        rep_without_rights, "status", {"ids": ids, "status": "converti"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 403 and not Job.objects.exists()

    own = [contact(lyon, last_name=f"LYON{index}") for index in range(3)]
    post(
        outsider, "status", {"ids": ids + [p.pk for p in own], "status": "converti"}, django_capture_on_commit_callbacks
    )
    job = mass_job()
    assert job.counts == {"selected": 3, "changed": 3, "unchanged": 0, "refused": 0}  # Paris ids: not even seen
    assert set(ProspectContact.objects.filter(status=ContactStatus.CONVERTED)) == set(own)
    post(outsider, "delete", {"ids": ids}, django_capture_on_commit_callbacks)
    assert ProspectContact.objects.count() == 8
    assert logged(outsider).get(reverse("prospects:job_detail", args=[job.pk])).status_code == 200
    assert logged(rep_without_rights).get(reverse("prospects:job_detail", args=[job.pk])).status_code == 404
