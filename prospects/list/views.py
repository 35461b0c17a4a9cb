from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import entities_of
from crm.choices import CompanyType
from crm.models import Sector, Skill
from crm.selectors import companies_for_picker, diffusion_lists_visible_to
from crm.text import fold
from prospects.companies.picker import company_quick_create_url
from prospects.jobs.runner import job_create
from prospects.list.columns import ALWAYS_SHOWN, COLUMNS, hidden_columns_of
from prospects.list.exports import export_options
from prospects.list.filters import COMPANY_TYPE_CHOICES, ProspectFilter, filter_is_empty
from prospects.list.forms import (
    MassAssignForm,
    MassDeleteForm,
    MassExportForm,
    MassSelectionForm,
    MassStatusForm,
    MassSubscriptionsForm,
)
from prospects.list.mass_jobs import MASS_RIGHTS, grouped, mass_action_is_large, mass_action_queue, mass_done_message
from prospects.list.paging import DEFAULT_SORT, SORTS
from prospects.list.query import DEFAULT_PAGE_SIZE, PAGE_SIZES, is_canonical, list_url, page_size
from prospects.list.rows import RowRenderer
from prospects.list.selection import Selection
from prospects.list.selectors import mass_actions_of, prospect_list_page
from prospects.models import JobKind
from prospects.rights import R1, R2, R7, R9, R14, R16, has_right
from prospects.saved_views.views import default_view_redirect, saved_views_context
from prospects.selectors import holds_right_somewhere
from prospects.services import (
    MASS_ACTION_LIMIT,
    MassActionTooLarge,
    MassResult,
    prospects_mass_assign,
    prospects_mass_delete,
    prospects_mass_status,
    prospects_mass_subscriptions,
)


def _is_htmx_partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _list_context(request: HttpRequest) -> dict:
    per_page = page_size(request.GET)
    result = prospect_list_page(
        request.user, request.GET, sort=request.GET.get("sort"), page=request.GET.get("page"), per_page=per_page
    )
    hidden = hidden_columns_of(request.user)
    rows = RowRenderer(can_create=result.can_create, companies=result.companies, hidden=hidden)
    for row in result.page.rows:
        row["html"] = rows.html(row, result.rights[row["pk"]])
    filterset = result.filter
    data = request.GET
    unfiltered = filter_is_empty(data)  # then the filter's form is not built for a partial page
    valid = unfiltered or filterset.is_valid()
    return {
        "filter": filterset,
        "page": result.page,
        "row_menu": rows.menu_template(),
        "sort": result.sort,
        "sort_is_default": result.sort == DEFAULT_SORT,
        "per_page": per_page,
        "per_page_is_default": per_page == DEFAULT_PAGE_SIZE,
        "page_sizes": [(size, list_url(data, per_page=size, page=None)) for size in PAGE_SIZES],
        "pager": _pager_urls(data, result.page),
        "columns": _columns(data, result.sort, hidden),
        "column_choices": [(key, title, key not in hidden) for key, title in COLUMNS if key not in ALWAYS_SHOWN],
        "without_company_url": list_url(data, company=None, page=None),
        "list_query": data.urlencode(),
        "mass": result.mass,
        "selected_company": filterset.form.cleaned_data.get("company") if valid and not unfiltered else None,
        "filter_invalid": not valid,
        "filter_errors": {} if unfiltered else filterset.form.errors,
    }


def _reference_lists(user, *, diffusion_lists: bool) -> dict[str, list[tuple[int, str, str]]]:
    """(id, name, category) of the sectors, the skills and (when offered) the user's diffusion lists.

    Three short lists the full page shows, read in one UNION ALL query rather than three, and
    sorted here as their models order them (names compared folded, as the search does).
    """
    columns = ("kind", "pk", "name", "group_name")
    parts = [
        Sector.objects.order_by().annotate(kind=Value("sector"), group_name=Value("")).values_list(*columns),
        Skill.objects.order_by()
        .annotate(kind=Value("skill"), group_name=F("category__name"))
        .values_list(*columns),
    ]  # fmt: skip
    if diffusion_lists:
        lists = diffusion_lists_visible_to(user).order_by().annotate(kind=Value("list"), group_name=Value(""))
        parts.append(lists.values_list(*columns))
    found: dict[str, list[tuple[int, str, str]]] = {"sector": [], "skill": [], "list": []}
    for kind, pk, name, category in parts[0].union(*parts[1:], all=True):
        found[kind].append((pk, name, category))
    for rows in found.values():
        rows.sort(key=lambda row: (fold(row[2]), row[2], fold(row[1]), row[1], row[0]))
    return found


def _filter_blocks(filterset, data, user, errors, reference: dict | None = None) -> list[dict]:
    """The multiple-choice filters with their options, evaluated here rather than in the template.

    Read from the filters themselves, not from their form: an unfiltered list never builds it
    (`errors` is the list context's filter_errors).
    """
    request = SimpleNamespace(user=user)
    blocks = []
    for name in ProspectFilter.MULTIPLE:
        field = filterset.filters[name]
        chosen = set(data.getlist(name))
        if name == "entity" and not user.is_superuser:
            # A user sees their own entities: read with their ids, once per request.
            options = [(str(pk), label, str(pk) in chosen) for pk, label in entities_of(user)]
        elif reference is not None and name in ("sector", "skill"):
            options = [
                (str(pk), f"{label} ({category})" if name == "skill" else label, str(pk) in chosen)
                for pk, label, category in reference[name]
            ]
        elif hasattr(field, "get_queryset"):
            queryset = field.get_queryset(request)
            if name == "skill":
                options = [(str(obj.pk), f"{obj.name} ({obj.category})", str(obj.pk) in chosen) for obj in queryset]
            else:
                options = [(str(obj.pk), str(obj), str(obj.pk) in chosen) for obj in queryset]
        else:
            options = [(str(value), label, str(value) in chosen) for value, label in field.extra["choices"]]
        blocks.append(
            {
                "name": name,
                "label": field.label,
                "options": options,
                "selected": sum(1 for _value, _label, checked in options if checked),
                "errors": errors.get(name, []),
            }
        )
    return blocks


def _assign_form(user, filter_blocks: list[dict]) -> MassAssignForm:
    """The mass assignment's form, offering the reps the "Affectation" filter just read (one query less)."""
    form = MassAssignForm(user=user)
    field = form.fields["assigned_to"]
    reps = next(block["options"] for block in filter_blocks if block["name"] == "assigned_to")
    field.choices = [("", field.empty_label), *((value, label) for value, label, _checked in reps)]
    return form


assert {key for key, _title in COLUMNS} == set(SORTS)


def _columns(data, sort: str, hidden: frozenset[str] = frozenset()) -> list[dict]:
    """Header cells of the shown columns: the link of the sort each one applies and the arrow of the current one."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    return [
        {
            "key": key,
            "title": title,
            "active": key == current,
            "descending": key == current and descending,
            "url": list_url(data, sort=f"-{key}" if key == current and not descending else key, page=None),
        }
        for key, title in COLUMNS
        if key not in hidden
    ]


def _pager_urls(data, page) -> dict:
    """The pager's links, carrying only the set filters (page 1 has no page parameter)."""
    return {
        "first": list_url(data, page=None),
        "previous": list_url(data, page=page.number - 1),
        "next": list_url(data, page=page.number + 1),
        "last": list_url(data, page=page.num_pages),
    }


def _page_actions(user) -> dict:
    """The head of the list page: add a contact, the imports."""
    return {
        "create": has_right(user, R1),
        "import_xlsx": has_right(user, R7),
        "import_vcf": has_right(user, R9),
        "quick_add": has_right(user, R2),
        "duplicates": holds_right_somewhere(user, R1),  # issue 17
        "retention": has_right(user, R16),
    }


@login_required
@require_GET
def prospect_list(request: HttpRequest) -> HttpResponse:
    if not _is_htmx_partial(request) and (default_view := default_view_redirect(request)) is not None:
        return default_view
    if not is_canonical(request.GET):
        # `?q=&status=&sort=company` and the like: the same list at the URL of only what is set.
        response = redirect(list_url(request.GET))
        patch_vary_headers(response, ["HX-Request"])
        return response
    context = _list_context(request)
    if _is_htmx_partial(request):
        response = render(request, "prospects/_results.html", context)
    else:
        user = request.user
        reference = _reference_lists(user, diffusion_lists=context["mass"].subscriptions)
        context["filter_blocks"] = _filter_blocks(
            context["filter"], request.GET, user, context["filter_errors"], reference
        )
        context["assign_form"] = _assign_form(user, context["filter_blocks"]) if context["mass"].edit else None
        context["lists"] = [SimpleNamespace(pk=pk, name=name) for pk, name, _category in reference["list"]]
        context["page_actions"] = _page_actions(user)
        context["company_types"] = COMPANY_TYPE_CHOICES
        context["company_type"] = request.GET.get("company_type", "")
        context.update(saved_views_context(request))
        response = render(request, "prospects/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def company_picker(request: HttpRequest) -> HttpResponse:
    """The one company picker (list filter, contact form, convert page): a few visible companies.

    `q` (or the list's `company_q`) is matched folded, so accents and case never matter;
    `type` limits the choice to one company type (the convert page asks for clients).
    """
    query = (request.GET.get("q") or request.GET.get("company_q") or request.GET.get("parent_company_q") or "")[:100]
    company_type = request.GET.get("type", "")
    if company_type not in CompanyType.values:
        company_type = ""
    companies = companies_for_picker(request.user, query, company_type=company_type)
    context = {"companies": companies, "query": query.strip()}
    if request.GET.get("create") == "1":  # the contact form's picker offers "Créer la société « … »"
        context["create_url"] = company_quick_create_url(request.user, query, companies)
    return render(request, "prospects/_company_options.html", context)


def _errors_to_messages(request: HttpRequest, form) -> None:
    """A refused selection or action: its errors shown on the list it goes back to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _back_to_list(request: HttpRequest, query: str = "") -> HttpResponse:
    url = reverse("prospects:list") + (f"?{query}" if query else "")
    return redirect(
        url if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}) else "prospects:list"
    )


def _report(request: HttpRequest, result: MassResult, done_message: str) -> None:
    messages.success(request, done_message)
    if result.unchanged:
        messages.info(
            request,
            ngettext(
                "%(n)s contact était déjà dans cet état.",
                "%(n)s contacts étaient déjà dans cet état.",
                result.unchanged,
            )
            % {"n": grouped(result.unchanged)},
        )
    if result.refused:
        messages.warning(
            request,
            ngettext(
                "%(n)s contact ignoré : vous n'avez pas le droit de le modifier.",
                "%(n)s contacts ignorés : vous n'avez pas le droit de les modifier.",
                result.refused,
            )
            % {"n": grouped(result.refused)},
        )
    if result.opposed:
        messages.warning(
            request,
            ngettext(
                "%(n)s contact ignoré : il s'est opposé à la prospection.",
                "%(n)s contacts ignorés : ils se sont opposés à la prospection.",
                result.opposed,
            )
            % {"n": grouped(result.opposed)},
        )
    for contact, reason in result.skipped:
        messages.warning(
            request, _("%(contact)s n'a pas été supprimé : lié à %(reason)s.") % {"contact": contact, "reason": reason}
        )


@login_required
@require_GET
def prospect_mass_page(request: HttpRequest) -> HttpResponse:
    """L6 without JavaScript: the ticked contacts (or every contact of the filter) and a form per
    mass action the user may start, each posting to prospect_mass_action as the list's dialogs do."""
    user = request.user
    mass = mass_actions_of(user)
    if not mass.any:
        raise PermissionDenied
    form = MassSelectionForm(request.GET, user=user)
    back_query = request.GET.get("query", "")
    back_query = back_query if len(back_query) <= 4000 else ""
    if not form.is_valid():
        _errors_to_messages(request, form)
        return _back_to_list(request, back_query)
    data = form.cleaned_data
    inputs = [("query", data.get("query") or "")]
    if data.get("select_all"):
        inputs.append(("select_all", "1"))
    else:
        inputs += [("ids", str(pk)) for pk in data["ids"]]
    selection_inputs = format_html_join(
        "", '<input type="hidden" name="{}" value="{}">', ((name, value) for name, value in inputs)
    )
    context = {
        "as_page": True,
        "mass": mass,
        "selected_count": Selection.from_form(form).prospects(user).order_by().count(),
        "selection_inputs": selection_inputs,
        "back_url": reverse("prospects:list") + (f"?{back_query}" if back_query else ""),
        "assign_form": MassAssignForm(user=user) if mass.edit else None,
        "lists": diffusion_lists_visible_to(user).order_by("name") if mass.subscriptions else [],
    }
    return render(request, "prospects/list/mass_page.html", context)


MASS_ACTIONS = {
    "assign": (MassAssignForm, MASS_RIGHTS["assign"]),
    "status": (MassStatusForm, MASS_RIGHTS["status"]),
    "subscriptions": (MassSubscriptionsForm, MASS_RIGHTS["subscriptions"]),
    "delete": (MassDeleteForm, MASS_RIGHTS["delete"]),
}


@login_required
@require_POST
def prospect_mass_action(request: HttpRequest, action: str) -> HttpResponse:
    """L6: change assignment or status, manage subscriptions, delete. POST only, CSRF checked."""
    if action not in MASS_ACTIONS:
        raise Http404
    form_class, right = MASS_ACTIONS[action]
    user = request.user
    if not holds_right_somewhere(user, right):
        raise PermissionDenied
    form = form_class(request.POST, user=user)
    back_query = request.POST.get("query", "") if len(request.POST.get("query", "")) <= 4000 else ""
    if not form.is_valid():
        _errors_to_messages(request, form)
        return _back_to_list(request, back_query)
    selection = Selection.from_form(form)
    prospects = selection.prospects(user)
    data = form.cleaned_data
    selected = prospects.order_by().count()
    if mass_action_is_large(selected) and selected <= MASS_ACTION_LIMIT:
        # Too many for one request (gunicorn's timeout): the same services, in a job with progress.
        job = mass_action_queue(action=action, selection=selection, data=data, by=user)
        return redirect("prospects:job_detail", pk=job.pk)
    try:
        if action == "assign":
            result = prospects_mass_assign(prospects=prospects, to=data["assigned_to"], by=user)
        elif action == "status":
            result = prospects_mass_status(prospects=prospects, status=data["status"], by=user)
        elif action == "subscriptions":
            result = prospects_mass_subscriptions(
                prospects=prospects,
                lists=data["lists"],
                subscribe=data["operation"] == MassSubscriptionsForm.SUBSCRIBE,
                by=user,
            )
        else:
            result = prospects_mass_delete(prospects=prospects, by=user)
        done = mass_done_message(
            action,
            result.changed,
            rep=data.get("assigned_to"),
            status=data.get("status", ""),
            subscribe=data.get("operation") == MassSubscriptionsForm.SUBSCRIBE,
            deleted_names=result.deleted_names,
        )
    except MassActionTooLarge as too_large:
        messages.error(
            request,
            _("%(n)s contacts sélectionnés : une action de masse est limitée à %(limit)s contacts. Affinez le filtre.")
            % {"n": grouped(too_large.count), "limit": grouped(MASS_ACTION_LIMIT)},
        )
        return _back_to_list(request, back_query)
    _report(request, result, done)
    return _back_to_list(request, back_query)


@login_required
@require_POST
def prospect_export_xlsx(request: HttpRequest) -> HttpResponse:
    """B6: the ticked contacts, or every contact of the filtered list, to .xlsx in the background (R14)."""
    if not has_right(request.user, R14):
        raise PermissionDenied
    form = MassExportForm(request.POST, user=request.user)
    if not form.is_valid():
        _errors_to_messages(request, form)
        query = request.POST.get("query", "")
        return _back_to_list(request, query if len(query) <= 4000 else "")
    job = job_create(kind=JobKind.EXPORT_XLSX, by=request.user, options=export_options(form))
    return redirect("prospects:job_detail", pk=job.pk)
