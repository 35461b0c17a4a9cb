import pytest

from prospects.demo import DEMO_PASSWORD
from prospects.models import ProspectContact
from tasks.models import Task, TaskAttachment, TaskStatus
from tests.browser.conftest import ARTIFACTS, login

pytestmark = pytest.mark.browser


def test_marine_adds_a_task_attaches_a_document_and_closes_two_tasks(page, demo_data, tmp_path):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    ARTIFACTS.mkdir(exist_ok=True)
    login(page, "marine", DEMO_PASSWORD)
    page.goto(f"/prospects/{julie.pk}/")
    assert page.locator(".task-mass").is_hidden(), "the mass-action bar waits for a selection"

    page.click("#task-add")
    dialog = page.locator("#task-dialog")
    dialog.locator("#id_name").wait_for()
    # The dialog opens on today at the next full hour; a missing name is reported inside it.
    assert dialog.locator("#id_due_time").input_value().endswith(":00")
    dialog.locator("button[type=submit]").click()
    dialog.locator(".field-name .error").wait_for()
    assert dialog.is_visible() and page.url.endswith(f"/prospects/{julie.pk}/")
    dialog.locator("#id_priority").select_option("haute")
    dialog.locator("#id_due_date").fill("2030-01-15")
    dialog.locator("#id_due_time").fill("09:30")
    dialog.locator("#id_type").select_option("rdv")
    dialog.locator("#id_name").fill("Rendez-vous de découverte")
    dialog.locator("#id_followed_by").select_option(label="DIRON Marine")
    dialog.locator("#id_description").fill("Présenter l'offre cloud")
    page.screenshot(path=str(ARTIFACTS / "tasks-add-dialog.png"), full_page=True)
    dialog.locator("button[type=submit]").click()
    page.wait_for_url(f"**/prospects/{julie.pk}/#tasks-tab")
    assert "La tâche « Rendez-vous de découverte » a été ajoutée." in page.locator(".messages").inner_text()
    task = Task.objects.get(name="Rendez-vous de découverte")
    row = page.locator(f"#task-{task.pk}")
    assert "15/01/2030 à 09:30" in row.inner_text() and "DIRON Marine" in row.inner_text()

    document = tmp_path / "Compte-rendu.pdf"
    document.write_bytes(b"%PDF-1.4\n%%EOF\n")
    row.get_by_role("link", name="Attacher un document").click()
    dialog.locator("#id_files").wait_for()
    dialog.locator("#id_files").set_input_files(str(document))
    page.screenshot(path=str(ARTIFACTS / "tasks-attach-dialog.png"), full_page=True)
    dialog.locator("button[type=submit].primary").click()
    page.wait_for_url(f"**/prospects/{julie.pk}/#tasks-tab")
    assert page.locator(f"#task-{task.pk} .attachments a").inner_text() == "Compte-rendu.pdf"
    assert TaskAttachment.objects.get().task == task

    old = Task.objects.get(name="Contacter le prospect début 2024")
    page.check(f"#task-{task.pk} input[name=tasks]")
    page.check(f"#task-{old.pk} input[name=tasks]")
    assert page.locator(".task-mass .js-task-count").inner_text() == "2"
    page.select_option("#task-mass-form-status", "terminee")
    page.screenshot(path=str(ARTIFACTS / "tasks-mass-selection.png"), full_page=True)
    page.click(".task-mass button[value=status]")
    page.wait_for_url(f"**/prospects/{julie.pk}/#tasks-tab")
    assert "2 tâches ont changé de statut." in page.locator(".messages").inner_text()
    assert set(Task.objects.filter(pk__in=[task.pk, old.pk]).values_list("status", flat=True)) == {TaskStatus.DONE}
    assert page.locator(f"#task-{old.pk} .task-terminee").inner_text() == "Terminée"
    page.screenshot(path=str(ARTIFACTS / "tasks-card-tab.png"), full_page=True)

    page.click("nav.mainnav >> text=Mes tâches")
    page.wait_for_url("**/tasks/")
    page.select_option("#id_status", "toutes")
    page.click("#task-filters button[type=submit]")
    page.wait_for_url("**/tasks/?status=toutes**")
    assert "Rendez-vous de découverte" in page.locator("#my-tasks").inner_text()
    page.screenshot(path=str(ARTIFACTS / "tasks-mine.png"), full_page=True)


def test_marine_deletes_a_task_from_the_more_menu_after_confirmation(page, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    task = Task.objects.get(name="Contacter le prospect début 2024")
    login(page, "marine", DEMO_PASSWORD)
    page.goto(f"/prospects/{julie.pk}/")

    page.click(f"#task-{task.pk} summary")
    page.click(f"#task-{task.pk} .kebab-menu >> text=Supprimer")
    dialog = page.locator("#task-dialog")
    assert "l'historique des actions faites sur ce contact" in dialog.locator(".warning").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tasks-delete-dialog.png"), full_page=True)
    assert Task.objects.filter(pk=task.pk).exists()
    dialog.locator("button.danger").click()
    page.wait_for_url(f"**/prospects/{julie.pk}/#tasks-tab")
    assert not Task.objects.filter(pk=task.pk).exists()
    assert "Aucune tâche commerciale." in page.locator("#tasks").inner_text()


def test_the_list_row_menu_opens_the_add_form_which_works_without_javascript(browser, live_server, demo_data):
    julie = ProspectContact.objects.get(last_name="ARMANON", first_name="Julie")
    context = browser.new_context(
        locale="fr-FR", viewport={"width": 1600, "height": 1000}, base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    try:
        # login() would click the language form's <noscript> button: submit the login form itself.
        page.goto("/accounts/login/")
        page.fill("#id_username", "marine")
        page.fill("#id_password", DEMO_PASSWORD)
        page.press("#id_password", "Enter")
        page.wait_for_url("**/prospects/**")
        page.goto("/prospects/?q=armanon&per_page=25")
        row = page.locator("tr", has=page.locator(f'a[href="/prospects/{julie.pk}/"]'))
        row.locator("a.more").click()  # without JavaScript: the contact's actions page
        page.wait_for_url(f"**/prospects/{julie.pk}/actions/")
        page.get_by_role("link", name="Ajouter une tâche").click()
        page.wait_for_url(f"**/tasks/prospects/{julie.pk}/new/")
        assert page.locator("h2").inner_text() == "Ajouter une tâche"
        page.fill("#id_due_date", "2030-02-01")
        page.fill("#id_due_time", "14:00")
        page.fill("#id_name", "Rappeler Julie")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "tasks-add-page-nojs.png"), full_page=True)
        page.click("button[type=submit].primary")
        page.wait_for_url(f"**/prospects/{julie.pk}/#tasks-tab")
        assert "Rappeler Julie" in page.locator("#tasks").inner_text()
        assert page.locator(".task-mass").is_visible(), "without JavaScript the mass actions are always shown"
    finally:
        context.close()
