"""Mass actions of the list page (L6, B5) and the export of the filtered list (B6)."""

import io
from urllib.parse import urlencode

import pytest
from django.contrib.messages import get_messages
from django.utils import translation
from guardian.shortcuts import assign_perm, get_perms
from openpyxl import load_workbook

from prospects.models import ContactStatus, Job, JobStatus, ProspectContact
from prospects.rights import R1, has_right
from prospects.services import prospect_create
from tests.factories import (
    CompanyFactory,
    DiffusionListFactory,
    NoteFactory,
    OpportunityFactory,
    ProposalFactory,
    TaskFactory,
    UserFactory,
)
from tests.helpers import logged

pytestmark = pytest.mark.django_db


def contact(entity, **fields):
    fields.setdefault("first_name", "Julie")
    return prospect_create(by=None, entities=[entity], **fields)


def posted_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def three(paris):
    return [contact(paris, last_name=name) for name in ("ALPHA", "BRAVO", "CHARLIE")]


# --- Protocol: POST only, CSRF, rights ------------------------------------------------------


@pytest.mark.parametrize("action", ["assign", "status", "subscriptions", "delete"])
def test_mass_actions_refuse_get(sales_rep, action):
    assert logged(sales_rep).get(f"/prospects/mass/{action}/").status_code == 405


@pytest.mark.parametrize("action", ["assign", "status", "subscriptions", "delete"])
def test_mass_actions_enforce_csrf(sales_rep, three, action):
    client = logged(sales_rep, enforce_csrf_checks=True)
    response = client.post(f"/prospects/mass/{action}/", {"ids": [p.pk for p in three], "status": "converti"})
    assert response.status_code == 403
    assert not ProspectContact.objects.filter(status=ContactStatus.CONVERTED).exists()


def test_an_unknown_mass_action_is_a_404(sales_rep):
    assert logged(sales_rep).post("/prospects/mass/explode/", {"ids": [1]}).status_code == 404


@pytest.mark.parametrize("action", ["assign", "status", "subscriptions", "delete"])
def test_a_user_without_the_right_gets_403(rep_without_rights, three, action):
    response = logged(rep_without_rights).post(
        f"/prospects/mass/{action}/", {"ids": [p.pk for p in three], "status": "converti"}
    )
    assert response.status_code == 403
    assert ProspectContact.objects.count() == 3
    assert not ProspectContact.objects.filter(status=ContactStatus.CONVERTED).exists()


def test_the_outsider_cannot_change_anything_by_forging_ids(outsider, three, lyon):
    own = contact(lyon, last_name="LYONNAIS")
    client = logged(outsider)
    ids = [p.pk for p in three] + [own.pk]
    response = client.post("/prospects/mass/status/", {"ids": ids, "status": "converti"})
    assert response.status_code == 302
    assert list(ProspectContact.objects.filter(status=ContactStatus.CONVERTED)) == [own]
    client.post("/prospects/mass/assign/", {"ids": ids, "assigned_to": outsider.pk})
    assert list(ProspectContact.objects.filter(assigned_to=outsider)) == [own]
    client.post("/prospects/mass/delete/", {"ids": [p.pk for p in three]})
    assert ProspectContact.objects.count() == 4
    # "Select all" with a forged filter still only reaches the outsider's own contacts.
    client.post("/prospects/mass/status/", {"select_all": "1", "query": "", "status": "abandonne"})
    assert list(ProspectContact.objects.filter(status=ContactStatus.ABANDONED)) == [own]


def test_an_empty_or_garbage_selection_changes_nothing(sales_rep, three):
    client = logged(sales_rep)
    response = client.post("/prospects/mass/status/", {"status": "converti"})
    assert response.status_code == 302 and "Aucun contact sélectionné." in posted_messages(response)
    response = client.post("/prospects/mass/status/", {"ids": ["1; DROP TABLE"], "status": "converti"})
    assert "Sélection invalide." in posted_messages(response)
    response = client.post("/prospects/mass/status/", {"ids": [three[0].pk], "status": "pirate"})
    assert response.status_code == 302
    assert not ProspectContact.objects.filter(status=ContactStatus.CONVERTED).exists()


# --- Change of status ---------------------------------------------------------------------


def test_mass_status_changes_the_selection_and_reports_exactly(sales_rep, three, paris):
    three[0].status = ContactStatus.CONVERTED
    three[0].save()
    response = logged(sales_rep).post(
        "/prospects/mass/status/", {"ids": [p.pk for p in three], "status": "converti", "query": "status=nouveau"}
    )
    assert response["Location"] == "/prospects/?status=nouveau"
    assert ProspectContact.objects.filter(status=ContactStatus.CONVERTED).count() == 3
    assert posted_messages(response) == [
        "2 contacts passés au statut « Converti ».",
        "1 contact était déjà dans cet état.",
    ]
    assert ProspectContact.objects.get(pk=three[1].pk).updated_by == sales_rep


def test_object_rights_limit_a_mass_action_to_the_contacts_they_cover(rep_without_rights, three):
    assign_perm("prospects.edit_prospect", rep_without_rights, three[1])
    response = logged(rep_without_rights).post(
        "/prospects/mass/status/", {"ids": [p.pk for p in three], "status": "abandonne"}
    )
    assert list(ProspectContact.objects.filter(status=ContactStatus.ABANDONED)) == [three[1]]
    assert "2 contacts ignorés : vous n'avez pas le droit de les modifier." in posted_messages(response)


# --- Change of assignment -----------------------------------------------------------------


def test_mass_assign_moves_the_object_rights_to_the_new_rep(sales_rep, paris):
    old_rep = UserFactory(entities=[paris])
    new_rep = UserFactory(last_name="Alpes", first_name="Lise", entities=[paris])
    moved = [contact(paris, last_name=f"NOM{i}", assigned_to=old_rep) for i in range(3)]
    kept = contact(paris, last_name="AUTRE", assigned_to=old_rep)
    already = contact(paris, last_name="DEJA", assigned_to=new_rep)
    assert has_right(old_rep, R1, moved[0])
    response = logged(sales_rep).post(
        "/prospects/mass/assign/", {"ids": [p.pk for p in moved] + [already.pk], "assigned_to": new_rep.pk}
    )
    for prospect in moved:
        prospect.refresh_from_db()
        assert prospect.assigned_to == new_rep
        assert has_right(new_rep, R1, prospect) and not has_right(old_rep, R1, prospect)
        assert get_perms(new_rep, prospect) == get_perms(old_rep, prospect) == []  # the rule, no row
    assert has_right(old_rep, R1, kept)
    assert posted_messages(response)[:2] == [
        "3 contacts réaffectés à ALPES Lise.",
        "1 contact était déjà dans cet état.",
    ]


def test_mass_assign_to_nobody_and_to_a_rep_of_another_entity(sales_rep, paris, lyon):
    rep = UserFactory(entities=[paris])
    stranger = UserFactory(entities=[lyon])
    prospect = contact(paris, last_name="NOM", assigned_to=rep)
    client = logged(sales_rep)
    client.post("/prospects/mass/assign/", {"ids": [prospect.pk], "assigned_to": stranger.pk})
    prospect.refresh_from_db()
    assert prospect.assigned_to == rep  # the rep picker only offers reps sharing an entity
    client.post("/prospects/mass/assign/", {"ids": [prospect.pk], "assigned_to": ""})
    prospect.refresh_from_db()
    assert prospect.assigned_to is None and not has_right(rep, R1, prospect)


# --- Diffusion lists (R10) ----------------------------------------------------------------


def test_mass_subscribe_and_unsubscribe(sales_rep, three, paris, lyon):
    newsletter = DiffusionListFactory(name="Newsletter", entities=[paris])
    lyon_only = DiffusionListFactory(name="Lyon", entities=[lyon])
    three[0].diffusion_lists.add(newsletter)
    client = logged(sales_rep)
    response = client.post(
        "/prospects/mass/subscriptions/",
        {"ids": [p.pk for p in three], "lists": [newsletter.pk], "operation": "abonner"},
    )
    assert posted_messages(response)[:2] == ["2 contacts abonnés.", "1 contact était déjà dans cet état."]
    assert newsletter.prospects.count() == 3
    client.post(
        "/prospects/mass/subscriptions/",
        {"ids": [p.pk for p in three], "lists": [lyon_only.pk], "operation": "abonner"},
    )
    assert lyon_only.prospects.count() == 0  # a list of another entity is not offered
    response = client.post(
        "/prospects/mass/subscriptions/",
        {"ids": [three[0].pk], "lists": [newsletter.pk], "operation": "desabonner"},
    )
    assert newsletter.prospects.count() == 2 and "1 contact désabonné." in posted_messages(response)


def test_subscriptions_need_r10(groups, three, paris):
    from django.contrib.auth.models import Group

    newsletter = DiffusionListFactory(entities=[paris])
    no_r10 = UserFactory(entities=[paris])
    no_r10.user_permissions.add(Group.objects.get(name="Commercial").permissions.get(codename="edit_prospect"))
    response = logged(no_r10).post(
        "/prospects/mass/subscriptions/", {"ids": [three[0].pk], "lists": [newsletter.pk], "operation": "abonner"}
    )
    assert response.status_code == 403 and newsletter.prospects.count() == 0


# --- Delete (D1) --------------------------------------------------------------------------


def test_mass_delete_keeps_linked_contacts_and_says_why(sales_rep, paris):
    free = contact(paris, last_name="LIBRE")
    NoteFactory(prospect=free, author=sales_rep, entity=paris)  # notes go with the contact
    with_task = contact(paris, last_name="TACHE")
    TaskFactory(prospect=with_task)
    company = CompanyFactory(entities=[paris])
    with_deal = contact(paris, last_name="AFFAIRE", company=company)
    opportunity = OpportunityFactory(company=company, prospect=with_deal)
    ProposalFactory(opportunity=opportunity, prospect=with_deal)
    response = logged(sales_rep).post("/prospects/mass/delete/", {"ids": [free.pk, with_task.pk, with_deal.pk]})
    assert set(ProspectContact.objects.values_list("last_name", flat=True)) == {"TACHE", "AFFAIRE"}
    assert posted_messages(response) == [
        "1 contact supprimé : LIBRE Julie.",
        "AFFAIRE Julie n'a pas été supprimé : lié à 1 opportunité, 1 proposition commerciale.",
        "TACHE Julie n'a pas été supprimé : lié à 1 tâche commerciale.",
    ]


def test_mass_delete_names_a_few_contacts_then_counts_the_others(sales_rep, rep_without_rights, outsider, paris):
    doomed = [contact(paris, last_name=f"NOM{index}") for index in range(7)]
    ids = {"ids": [p.pk for p in doomed]}
    # Without the right, and from another entity: nothing goes, nothing is named.
    assert logged(rep_without_rights).post("/prospects/mass/delete/", ids).status_code == 403
    response = logged(outsider).post("/prospects/mass/delete/", ids)
    assert ProspectContact.objects.count() == 7 and not any("NOM" in m for m in posted_messages(response))
    response = logged(sales_rep).post("/prospects/mass/delete/", ids)
    assert ProspectContact.objects.count() == 0
    assert posted_messages(response) == [
        "7 contacts supprimés : NOM0 Julie, NOM1 Julie, NOM2 Julie, NOM3 Julie, NOM4 Julie et 2 autres."
    ]


def test_mass_messages_group_thousands_as_the_page_does():
    from prospects.list.mass_jobs import mass_done_message

    names = ["A B"] * 5
    assert mass_done_message("delete", 5006, deleted_names=names) == (
        "5\xa0006 contacts supprimés : A B, A B, A B, A B, A B et 5\xa0001 autres."
    )
    assert mass_done_message("subscriptions", 1200, subscribe=False) == "1\xa0200 contacts désabonnés."
    with translation.override("en"):
        assert mass_done_message("delete", 6, deleted_names=names) == (
            "6 contacts deleted: A B, A B, A B, A B, A B and 1 other."
        )
        moved = mass_done_message("status", 1200, status="abandonne")
        assert moved == "1,200 contacts moved to the “Abandoned” status."


# --- B5: every contact matching the filter, across pages ------------------------------------


def test_select_all_matching_changes_every_page_of_the_filter_only(sales_rep, paris):
    for index in range(60):
        contact(paris, last_name=f"CIBLE{index:02d}", job_title="DSI")
    for index in range(5):
        contact(paris, last_name=f"AUTRE{index}")
    query = urlencode({"q": "cible", "per_page": 25, "page": 2, "sort": "-last_name"})
    response = logged(sales_rep).post(
        "/prospects/mass/status/", {"select_all": "1", "query": query, "status": "en_cours"}
    )
    assert ProspectContact.objects.filter(status=ContactStatus.IN_PROGRESS).count() == 60
    assert not ProspectContact.objects.filter(last_name__startswith="AUTRE", status=ContactStatus.IN_PROGRESS).exists()
    assert posted_messages(response)[0] == "60 contacts passés au statut « En cours »."
    assert response["Location"] == f"/prospects/?{query}"


def test_a_mass_action_over_the_limit_is_refused_whole(sales_rep, paris, monkeypatch):
    import prospects.services

    monkeypatch.setattr(prospects.services, "MASS_ACTION_LIMIT", 2)
    three = [contact(paris, last_name=f"N{i}") for i in range(3)]
    response = logged(sales_rep).post("/prospects/mass/status/", {"select_all": "1", "status": "converti"})
    assert not ProspectContact.objects.filter(status=ContactStatus.CONVERTED).exists()
    assert "3 contacts sélectionnés" in posted_messages(response)[0]
    assert len(three) == 3


# --- B6: export of the filtered list ----------------------------------------------------------


def _exported_rows(job: Job) -> list[tuple]:
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error_message
    with job.result_file.open("rb") as handle:
        workbook = load_workbook(io.BytesIO(handle.read()))
    sheet = workbook.active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def test_export_writes_the_filtered_list_of_all_pages_without_formulas(
    sales_rep, paris, lyon, django_capture_on_commit_callbacks
):
    contact(paris, last_name='=HYPERLINK("http://evil")', first_name="+cmd", job_title="@SUM(A1)", status="affecte")
    for index in range(30):
        contact(paris, last_name=f"AFFECTE{index:02d}", first_name="-2+3", status="affecte")
    contact(paris, last_name="NOUVEAU", status="nouveau")
    contact(lyon, last_name="LYON", status="affecte")
    with django_capture_on_commit_callbacks(execute=True):
        response = logged(sales_rep).post(
            "/prospects/export.xlsx", {"query": "status=affecte&per_page=25&page=2&sort=-last_name"}
        )
    job = Job.objects.get()
    assert response["Location"] == f"/prospects/jobs/{job.pk}/"
    rows = _exported_rows(job)
    exported = [row[3] for row in rows[1:]]
    assert len(exported) == 31 and "NOUVEAU" not in exported and "LYON" not in exported
    assert exported[0] == "AFFECTE29" and exported[-1] == '=HYPERLINK("http://evil")'  # the list's sort
    assert rows[0][:4] == ("Société", "Compte affecté à", "Société - type / statut", "Nom")


def test_export_of_the_ticked_rows_only(sales_rep, three, lyon, django_capture_on_commit_callbacks):
    hidden = contact(lyon, last_name="CACHE")
    with django_capture_on_commit_callbacks(execute=True):
        logged(sales_rep).post("/prospects/export.xlsx", {"ids": [three[0].pk, three[2].pk, hidden.pk]})
    assert [row[3] for row in _exported_rows(Job.objects.get())[1:]] == ["ALPHA", "CHARLIE"]


# --- An unusable filter: "all matching" is refused ------------------------------------------------


BAD_QUERY = "revenue=nope&status=nouveau"


@pytest.mark.parametrize(
    "action, extra",
    [("delete", {}), ("status", {"status": "abandonne"}), ("assign", {"assigned_to": ""})],
)
def test_all_matching_with_an_unusable_filter_changes_nothing(sales_rep, three, action, extra):
    response = logged(sales_rep).post(f"/prospects/mass/{action}/", {"select_all": "1", "query": BAD_QUERY, **extra})
    assert response.status_code == 302
    assert ProspectContact.objects.count() == 3
    assert set(ProspectContact.objects.values_list("status", flat=True)) == {ContactStatus.NEW}
    assert all(p.assigned_to_id is None for p in ProspectContact.objects.all()) or action != "assign"
    (message,) = posted_messages(response)
    assert "Fourchette de CA" in message and "Rien n'a été modifié" in message


def test_ticked_ids_are_still_acted_on_whatever_the_query(sales_rep, three):
    response = logged(sales_rep).post("/prospects/mass/delete/", {"ids": [three[0].pk], "query": BAD_QUERY})
    assert response.status_code == 302
    assert ProspectContact.objects.count() == 2


def test_the_excel_export_of_all_matching_is_refused_with_an_unusable_filter(sales_rep, three):
    response = logged(sales_rep).post("/prospects/export.xlsx", {"query": BAD_QUERY})
    assert response.status_code == 302 and "/prospects/" in response["Location"]
    assert not Job.objects.exists()
    assert any("Rien n'a été modifié" in message for message in posted_messages(response))


def test_the_vcard_export_of_all_matching_is_refused_with_an_unusable_filter(sales_rep, three):
    response = logged(sales_rep).post("/prospects/vcard/export/", {"select_all": "1", "query": BAD_QUERY})
    assert response.status_code == 302
    assert not response.get("Content-Disposition")
    assert any("Fourchette de CA" in message for message in posted_messages(response))


def test_the_user_without_the_right_is_refused_and_the_outsider_deletes_nothing(rep_without_rights, outsider, three):
    response = logged(rep_without_rights).post("/prospects/mass/delete/", {"select_all": "1", "query": BAD_QUERY})
    assert response.status_code == 403
    for query in (BAD_QUERY, "status=nouveau"):
        logged(outsider).post("/prospects/mass/delete/", {"select_all": "1", "query": query})
    assert ProspectContact.objects.count() == 3


# --- L6 without JavaScript: the actions page ------------------------------------------------


def test_the_list_ticks_into_the_no_script_actions_page(sales_rep, paris):
    one = contact(paris, last_name="UN")
    body = logged(sales_rep).get("/prospects/").content.decode()
    assert f'name="ids" value="{one.pk}"' in body
    assert '<form id="mass-select" method="get" action="/prospects/mass/">' in body


def test_the_actions_page_offers_the_users_actions_on_the_ticked_contacts(sales_rep, paris):
    first, second = contact(paris, last_name="UN"), contact(paris, last_name="DEUX")
    page = logged(sales_rep).get("/prospects/mass/", {"ids": [first.pk, second.pk], "query": "q=x"})
    body = page.content.decode()
    assert page.status_code == 200 and "2 contacts prospects sélectionnés." in body
    for action in ("assign", "status", "delete"):
        assert f'action="/prospects/mass/{action}/"' in body
    assert body.count(f'<input type="hidden" name="ids" value="{first.pk}">') == body.count('action="/prospects/')
    assert 'href="/prospects/?q=x"' in body and "<dialog" not in body
    # Its forms post to the list's mass actions, as the dialogs do.
    response = logged(sales_rep).post(
        "/prospects/mass/status/", {"ids": [first.pk, second.pk], "status": ContactStatus.ABANDONED}
    )
    assert response.status_code == 302
    assert ProspectContact.objects.filter(status=ContactStatus.ABANDONED).count() == 2


def test_the_actions_page_for_every_contact_of_the_filter(sales_rep, paris):
    for index in range(3):
        contact(paris, last_name=f"CIBLE{index}")
    contact(paris, last_name="AUTRE")
    body = logged(sales_rep).get("/prospects/mass/", {"select_all": "1", "query": "q=cible"}).content.decode()
    assert "3 contacts prospects sélectionnés." in body
    assert '<input type="hidden" name="select_all" value="1">' in body


def test_the_actions_page_refuses_the_user_without_rights_and_counts_nothing_of_another_entity(
    rep_without_rights, outsider, paris
):
    hidden = contact(paris, last_name="CACHE")
    assert logged(rep_without_rights).get("/prospects/mass/", {"ids": [hidden.pk]}).status_code == 403
    body = logged(outsider).get("/prospects/mass/", {"ids": [hidden.pk]}).content.decode()
    assert "CACHE" not in body and "0 contact prospect sélectionné." in body


@pytest.mark.parametrize("params", [{}, {"ids": "abc"}, {"ids": "-4"}, {"ids": ["1", "x"]}])
def test_the_actions_page_sends_unusable_selections_back_to_the_list_with_a_message(sales_rep, params):
    response = logged(sales_rep).get("/prospects/mass/", params)
    assert response.status_code == 302 and response["Location"].startswith("/prospects/")
    assert posted_messages(response)


@pytest.mark.parametrize("params", [{"ids": "1\x002"}, {"ids": "9" * 40}, {"select_all": "1", "query": "x" * 5000}])
def test_the_actions_page_refuses_hostile_parameters_before_reading_them(sales_rep, params):
    assert logged(sales_rep).get("/prospects/mass/", params).status_code == 400
