"""Commercial tasks (T1–T4): the task dialog, attachments, delete, mass actions, "Mes tâches".

Every object is reached through the user's scoped selectors (404 for another entity's task,
contact or attachment); changes need R3 on the contact (403 otherwise).
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from crm.downloads import file_download
from crm.middleware import unreadable_upload_message
from crm.uploads import UploadTooLarge
from prospects.models import ProspectContact
from prospects.rights import R3, has_right, require_right
from prospects.selectors import get_prospect_for, holds_right_somewhere
from tasks.forms import AttachmentForm, MyTasksFilter, TaskForm, TaskMassForm
from tasks.models import Task, TaskPriority, TaskStatus
from tasks.selectors import (
    OPEN_STATUSES,
    followers_for,
    get_attachment_for,
    get_task_for,
    tasks_followed_by,
    tasks_of_prospect,
    tasks_visible_to,
)
from tasks.services import (
    MassTaskTooLarge,
    attachment_delete,
    attachment_limits,
    attachment_oversized_message,
    attachments_add,
    attachments_too_many_message,
    task_create,
    task_delete,
    task_update,
    tasks_mass_delete,
    tasks_mass_update,
)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def tasks_tab_url(prospect: ProspectContact | int) -> str:
    pk = prospect if isinstance(prospect, int) else prospect.pk
    return reverse("prospects:detail", args=[pk]) + "#tasks-tab"


def tasks_tab(user: User, prospect: ProspectContact, newest_first: bool = True) -> dict:
    """What the card's tasks tab needs: no query in templates."""
    can_manage = has_right(user, R3, prospect)
    return {
        "tasks": tasks_of_prospect(user, prospect, newest_first=newest_first),
        "task_tab": {
            "can_manage": can_manage,
            "followers": list(followers_for(user, prospect)) if can_manage else [],
            "statuses": TaskStatus.choices,
            "priorities": TaskPriority.choices,
            "newest_first": newest_first,
        },
    }


def card_tasks_section(request: HttpRequest, prospect: ProspectContact) -> SafeString:
    """The card's tasks tab (registered in TasksConfig.ready()): a server-rendered partial."""
    newest_first = request.GET.get("tasks_order") != "asc"
    context = {"prospect": prospect, **tasks_tab(request.user, prospect, newest_first=newest_first)}
    return render_to_string("tasks/_tab.html", context, request=request)


def _next_url(request: HttpRequest, default: str) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    # A path only: redirect() would take any other word for a view name and fail on it.
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return default


def _render_form(request: HttpRequest, context: dict) -> HttpResponse:
    """The form in the card's dialog (htmx: it posts back into the dialog, errors shown there) or as a page."""
    in_dialog = _is_htmx(request)
    template = "tasks/_form.html" if in_dialog else "tasks/form.html"
    return render(request, template, {**context, "in_dialog": in_dialog})


def _saved(request: HttpRequest, url: str) -> HttpResponse:
    """After a save from the dialog, the whole card reloads on its tasks tab; otherwise a redirect."""
    if _is_htmx(request):
        # static/js/tasks.js reloads the card on this event (HX-Redirect would not: the tab's URL
        # differs from the card's only by its #fragment).
        response = HttpResponse(status=204)
        response["HX-Trigger"] = json.dumps({"taskSaved": {"url": url}})
        return response
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def task_add(request: HttpRequest, prospect_pk: int) -> HttpResponse:
    """T1 "Ajouter une tâche": from the card's tab and from the list's row menu."""
    prospect = get_prospect_for(request.user, prospect_pk)
    require_right(request.user, R3, prospect)
    form = TaskForm(request.POST if request.method == "POST" else None, user=request.user, prospect=prospect)
    if request.method == "POST" and form.is_valid():
        task = task_create(prospect=prospect, by=request.user, **form.task_values())
        messages.success(request, _("La tâche « %(task)s » a été ajoutée.") % {"task": task})
        return _saved(request, tasks_tab_url(prospect))
    context = {
        "form": form,
        "prospect": prospect,
        "title": _("Ajouter une tâche"),
        "action": reverse("tasks:add", args=[prospect.pk]),
    }
    return _render_form(request, context)


def _manageable_task(request: HttpRequest, pk: int) -> Task:
    """The task if the user sees it (404 otherwise) and holds R3 on its contact (403 otherwise)."""
    task = get_task_for(request.user, pk)
    require_right(request.user, R3, task.prospect)
    return task


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """T1 "Modifier la tâche"."""
    task = _manageable_task(request, pk)
    data = request.POST if request.method == "POST" else None
    form = TaskForm(data, instance=task, user=request.user, prospect=task.prospect)
    if request.method == "POST" and form.is_valid():
        # The form has already copied the values onto `task`; the service compares with the stored row.
        task_update(task=get_task_for(request.user, task.pk), **form.task_values())
        messages.success(request, _("La tâche « %(task)s » a été enregistrée.") % {"task": form.cleaned_data["name"]})
        return _saved(request, tasks_tab_url(task.prospect_id))
    context = {
        "form": form,
        "prospect": task.prospect,
        "task": task,
        "title": _("Modifier la tâche"),
        "action": reverse("tasks:edit", args=[task.pk]),
    }
    return _render_form(request, context)


@login_required
@require_http_methods(["GET", "POST"])
def task_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """T3: GET asks for confirmation, POST deletes the task and its attachments."""
    task = _manageable_task(request, pk)
    if request.method == "POST":
        name = str(task)
        task_delete(task=task)
        messages.success(request, _("La tâche « %(task)s » a été supprimée.") % {"task": name})
        return redirect(tasks_tab_url(task.prospect_id))
    template = "tasks/_confirm_delete.html" if _is_htmx(request) else "tasks/confirm_delete.html"
    return render(request, template, {"task": task, "prospect": task.prospect, "tasks": [task]})


@csrf_exempt  # checked by _task_attach, once the quota handler is in place
@login_required
@require_http_methods(["GET", "POST"])
def task_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """T2 "Attacher un document": one or more files, checked against the published limits."""
    quota = AttachmentQuotaHandler(request)
    request.upload_handlers.insert(0, quota)
    try:
        return _task_attach(request, pk, quota)
    except MultiPartParserError as unreadable:
        # A body Django cannot parse (a file name past its part-header limit) or past the
        # page's ceiling: the form again with the reason; nothing was stored.
        task = _manageable_task(request, pk)
        if isinstance(unreadable, UploadTooLarge):
            return _attach_page(request, task, AttachmentForm(), [unreadable.message], status=413)
        return _attach_page(request, task, AttachmentForm(), [unreadable_upload_message()], status=400)


@csrf_protect
def _task_attach(request: HttpRequest, pk: int, quota: "AttachmentQuotaHandler") -> HttpResponse:
    task = _manageable_task(request, pk)
    form = AttachmentForm(request.POST, request.FILES) if request.method == "POST" else AttachmentForm()
    # Files cut short by the quota handler are reported as such, never stored.
    errors = [attachments_too_many_message()] if quota.too_many else []
    errors += [attachment_oversized_message(name) for name in quota.oversized]
    if errors:
        form = AttachmentForm()
    elif request.method == "POST" and form.is_valid():
        try:
            stored = attachments_add(task=task, files=form.cleaned_data["files"], by=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                ngettext("%(n)d document attaché à « %(task)s ».", "%(n)d documents attachés à « %(task)s ».",
                         len(stored)) % {"n": len(stored), "task": task},
            )  # fmt: skip
            return redirect(tasks_tab_url(task.prospect_id))
    return _attach_page(request, task, form, errors, status=400 if errors or form.errors else 200)


def _attach_page(request: HttpRequest, task: Task, form: AttachmentForm, errors: list, *, status: int) -> HttpResponse:
    context = {
        "form": form,
        "task": task,
        "prospect": task.prospect,
        "attachments": list(task.attachments.all()),
        "limits": attachment_limits(),
        "errors": errors,
    }
    template = "tasks/_attach.html" if _is_htmx(request) else "tasks/attach.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """T2: only for users who see the contact; always a download, never rendered inline."""
    return attachment_response(get_attachment_for(request.user, pk))


def attachment_response(attachment) -> FileResponse:
    """The download of a visible attachment (also served by the API): never rendered by the browser."""
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = file_download(handle, filename=attachment.original_name, content_type=attachment.content_type)
    if not attachment.content_type or attachment.content_type.startswith(("text/html", "image/svg")):
        response["Content-Type"] = "application/octet-stream"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = get_attachment_for(request.user, pk)
    task = _manageable_task(request, attachment.task_id)
    attachment_delete(attachment=attachment)
    messages.success(request, _("Le document « %(file)s » a été supprimé.") % {"file": attachment.original_name})
    return redirect(_next_url(request, reverse("tasks:attach", args=[task.pk])))


class AttachmentQuotaHandler(FileUploadHandler):
    """Stops storing a file past the published size, and files past the published count.

    Runs before Django's own handlers, so a huge or endless upload never fills the disk;
    what was cut is remembered and reported by the view.
    """

    def __init__(self, request=None):
        super().__init__(request)
        self.max_size = settings.TASK_ATTACHMENT_MAX_SIZE
        self.max_files = settings.TASK_ATTACHMENT_MAX_FILES
        self.files = 0
        self.oversized: list[str] = []
        self.too_many = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.files += 1
        self.received = 0
        self.cut = False
        if self.files > self.max_files:
            self.too_many = True
            raise StopUpload(connection_reset=False)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received <= self.max_size:
            return raw_data
        if not self.cut:
            self.cut = True
            self.oversized.append(self.file_name)
        return None  # the next handlers store nothing more of this file

    def file_complete(self, file_size):
        return None


MASS_DONE = {
    "followed_by": lambda n: ngettext("%(n)d tâche réaffectée.", "%(n)d tâches réaffectées.", n),
    "status": lambda n: ngettext("%(n)d tâche a changé de statut.", "%(n)d tâches ont changé de statut.", n),
    "priority": lambda n: ngettext("%(n)d tâche a changé de priorité.", "%(n)d tâches ont changé de priorité.", n),
    "delete": lambda n: ngettext("%(n)d tâche supprimée.", "%(n)d tâches supprimées.", n),
}


@login_required
@require_POST
def tasks_mass(request: HttpRequest, prospect_pk: int | None = None) -> HttpResponse:
    """T4 on the card (one contact's tasks) or on "Mes tâches" (the user's tasks).

    Ids of tasks the user cannot see, of another contact, or without R3 are ignored and
    reported; deleting first shows a confirmation that warns the history is lost.
    """
    user = request.user
    prospect = None
    if prospect_pk is not None:
        prospect = get_prospect_for(user, prospect_pk)
        require_right(user, R3, prospect)
        default_next = tasks_tab_url(prospect)
    else:
        if not holds_right_somewhere(user, R3):
            raise PermissionDenied
        default_next = reverse("tasks:mine")
    next_url = _next_url(request, default_next)
    form = TaskMassForm(request.POST, user=user, prospect=prospect)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
        return redirect(next_url)
    action, ids = form.cleaned_data["action"], form.cleaned_data["tasks"]
    if action == "followed_by" and prospect is None:
        messages.error(request, _("L'affectation se modifie depuis la fiche du contact."))
        return redirect(next_url)
    try:
        if action == "delete":
            if not request.POST.get("confirm"):
                return _mass_delete_confirmation(request, user=user, prospect=prospect, ids=ids, next_url=next_url)
            result = tasks_mass_delete(ids=ids, by=user, prospect=prospect)
        else:
            result = tasks_mass_update(ids=ids, by=user, prospect=prospect, **{action: form.cleaned_data[action]})
    except MassTaskTooLarge:
        messages.error(request, _("Trop de tâches sélectionnées."))
        return redirect(next_url)
    if not (result.changed or result.unchanged or result.refused or result.ignored or result.skipped):
        messages.info(request, _("Aucune tâche modifiée."))
    for level, text in result.messages(MASS_DONE[action](result.changed)):
        getattr(messages, level)(request, text)
    return redirect(next_url)


def _mass_delete_confirmation(request, *, user: User, prospect, ids: list[int], next_url: str) -> HttpResponse:
    tasks = tasks_visible_to(user).filter(pk__in=ids)
    if prospect is not None:
        tasks = tasks.filter(prospect=prospect)
    tasks = list(tasks.order_by("due_at", "pk"))
    context = {
        "tasks": tasks,
        "prospect": prospect,
        "mass": True,
        "ignored": len(set(ids)) - len(tasks),
        "next": next_url,
        "action": reverse("tasks:mass", args=[prospect.pk]) if prospect else reverse("tasks:mass_mine"),
    }
    return render(request, "tasks/confirm_delete.html", context)


@login_required
@require_GET
def my_tasks(request: HttpRequest) -> HttpResponse:
    """ "Mes tâches": the tasks the user follows across contacts; open ones first by default."""
    user = request.user
    data = request.GET.copy()
    data.setdefault("status", MyTasksFilter.OPEN)
    filters = MyTasksFilter(data)
    tasks = tasks_followed_by(user)
    if filters.is_valid():
        status = filters.cleaned_data["status"] or MyTasksFilter.OPEN
        if status == MyTasksFilter.OPEN:
            tasks = tasks.filter(status__in=OPEN_STATUSES)
        elif status != MyTasksFilter.ALL:
            tasks = tasks.filter(status=status)
        if filters.cleaned_data["start"]:
            tasks = tasks.filter(due_at__date__gte=filters.cleaned_data["start"])
        if filters.cleaned_data["end"]:
            tasks = tasks.filter(due_at__date__lte=filters.cleaned_data["end"])
    else:
        tasks = tasks.none()
    page = Paginator(tasks, 100).get_page(request.GET.get("page"))
    overdue = tasks.filter(is_overdue=True).count() if page.paginator.count else 0
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filters": filters,
        "page": page,
        "tasks": list(page.object_list),
        "query": query.urlencode(),
        "overdue": overdue,
        "can_mass": holds_right_somewhere(user, R3),
        "statuses": TaskStatus.choices,
        "priorities": TaskPriority.choices,
    }
    return render(request, "tasks/mine.html", context)
