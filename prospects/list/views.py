from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from crm.choices import CompanyType
from crm.selectors import companies_for_picker, diffusion_lists_visible_to
from prospects.companies.picker import company_quick_create_url
from prospects.jobs.options import ListExportOptions
from prospects.jobs.runner import job_create
from prospects.list.columns import ALWAYS_SHOWN, COLUMNS, hidden_columns_of
from prospects.list.filters import COMPANY_TYPE_CHOICES, ProspectFilter
from prospects.list.forms import (
    MassAssignForm,
    MassDeleteForm,
    MassExportForm,
    MassStatusForm,
    MassSubscriptionsForm,
)
from prospects.list.paging import SORTS, sort_param
from prospects.list.rows import RowRenderer
from prospects.list.selection import Selection
from prospects.list.selectors import prospect_list_page
from prospects.models import ContactStatus, JobKind
from prospects.rights import R1, R2, R7, R9, R10, R14, has_right
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

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 200


def _page_size(data) -> int:
    try:
        size = int(data.get("per_page", DEFAULT_PAGE_SIZE))
    except ValueError:
        return DEFAULT_PAGE_SIZE
    return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE


def _is_htmx_partial(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-History-Restore-Request")


def _list_context(request: HttpRequest) -> dict:
    per_page = _page_size(request.GET)
    result = prospect_list_page(
        request.user, request.GET, sort=request.GET.get("sort"), page=request.GET.get("page"), per_page=per_page
    )
    hidden = hidden_columns_of(request.user)
    rows = RowRenderer(
        can_create=result.can_create, companies=result.companies, csrf_token=get_token(request), hidden=hidden
    )
    for row in result.page.rows:
        row["html"] = rows.html(row, result.rights[row["pk"]])
    query = request.GET.copy()
    for key in ("page", "sort", "per_page"):
        query.pop(key, None)
    filterset = result.filter
    return {
        "filter": filterset,
        "page": result.page,
        "sort": result.sort,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "columns": _columns(result.sort, hidden),
        "column_choices": [(key, title, key not in hidden) for key, title in COLUMNS if key not in ALWAYS_SHOWN],
        "filter_query": query.urlencode(),
        "list_query": request.GET.urlencode(),
        "mass": result.mass,
        "selected_company": filterset.form.cleaned_data.get("company") if filterset.is_valid() else None,
    }


def _filter_blocks(filterset, data) -> list[dict]:
    """The multiple-choice filters with their options, evaluated here rather than in the template."""
    blocks = []
    for name in ProspectFilter.MULTIPLE:
        field = filterset.form.fields[name]
        chosen = set(data.getlist(name))
        if hasattr(field, "queryset"):
            options = [(str(obj.pk), str(obj), str(obj.pk) in chosen) for obj in field.queryset]
            if name == "skill":
                options = [
                    (str(obj.pk), f"{obj.name} ({obj.category})", str(obj.pk) in chosen) for obj in field.queryset
                ]
        else:
            options = [(str(value), label, str(value) in chosen) for value, label in field.choices]
        blocks.append(
            {
                "name": name,
                "label": filterset.filters[name].label,
                "options": options,
                "selected": sum(1 for _value, _label, checked in options if checked),
            }
        )
    return blocks


assert {key for key, _title in COLUMNS} == set(SORTS)


def _columns(sort: str, hidden: frozenset[str] = frozenset()) -> list[dict]:
    """Header cells of the shown columns: the sort each link applies and the arrow of the current one."""
    current, descending = sort.removeprefix("-"), sort.startswith("-")
    return [
        {
            "key": key,
            "title": title,
            "active": key == current,
            "descending": key == current and descending,
            "next_sort": f"-{key}" if key == current and not descending else key,
        }
        for key, title in COLUMNS
        if key not in hidden
    ]


def _page_actions(user) -> dict:
    """The head of the list page: add a contact, the imports."""
    return {
        "create": has_right(user, R1),
        "import_xlsx": has_right(user, R7),
        "import_vcf": has_right(user, R9),
        "quick_add": has_right(user, R2),
    }


@login_required
@require_GET
def prospect_list(request: HttpRequest) -> HttpResponse:
    if not _is_htmx_partial(request) and (default_view := default_view_redirect(request)) is not None:
        return default_view
    context = _list_context(request)
    if _is_htmx_partial(request):
        response = render(request, "prospects/_results.html", context)
    else:
        user = request.user
        context["assign_form"] = MassAssignForm(user=user) if context["mass"].edit else None
        context["lists"] = (
            list(diffusion_lists_visible_to(user).order_by("name")) if context["mass"].subscriptions else []
        )
        context["filter_blocks"] = _filter_blocks(context["filter"], request.GET)
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
                "%(n)d contact était déjà dans cet état.",
                "%(n)d contacts étaient déjà dans cet état.",
                result.unchanged,
            )
            % {"n": result.unchanged},
        )
    if result.refused:
        messages.warning(
            request,
            ngettext(
                "%(n)d contact ignoré : vous n'avez pas le droit de le modifier.",
                "%(n)d contacts ignorés : vous n'avez pas le droit de les modifier.",
                result.refused,
            )
            % {"n": result.refused},
        )
    for contact, reason in result.skipped:
        messages.warning(
            request, _("%(contact)s n'a pas été supprimé : lié à %(reason)s.") % {"contact": contact, "reason": reason}
        )


MASS_ACTIONS = {
    "assign": (MassAssignForm, R1),
    "status": (MassStatusForm, R1),
    "subscriptions": (MassSubscriptionsForm, R10),
    "delete": (MassDeleteForm, R1),
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
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_list(request, back_query)
    prospects = Selection.from_form(form).prospects(user)
    data = form.cleaned_data
    try:
        if action == "assign":
            result = prospects_mass_assign(prospects=prospects, to=data["assigned_to"], by=user)
            done = ngettext(
                "%(n)d contact réaffecté à %(rep)s.", "%(n)d contacts réaffectés à %(rep)s.", result.changed
            ) % {"n": result.changed, "rep": data["assigned_to"] or _("personne")}
        elif action == "status":
            result = prospects_mass_status(prospects=prospects, status=data["status"], by=user)
            done = ngettext(
                "%(n)d contact passé au statut « %(status)s ».",
                "%(n)d contacts passés au statut « %(status)s ».",
                result.changed,
            ) % {"n": result.changed, "status": ContactStatus(data["status"]).label}
        elif action == "subscriptions":
            subscribe = data["operation"] == MassSubscriptionsForm.SUBSCRIBE
            result = prospects_mass_subscriptions(
                prospects=prospects, lists=data["lists"], subscribe=subscribe, by=user
            )
            done = (
                ngettext("%(n)d contact abonné.", "%(n)d contacts abonnés.", result.changed)
                if subscribe
                else ngettext("%(n)d contact désabonné.", "%(n)d contacts désabonnés.", result.changed)
            ) % {"n": result.changed}
        else:
            result = prospects_mass_delete(prospects=prospects, by=user)
            done = ngettext("%(n)d contact supprimé.", "%(n)d contacts supprimés.", result.changed) % {
                "n": result.changed
            }
    except MassActionTooLarge as too_large:
        messages.error(
            request,
            _("%(n)d contacts sélectionnés : une action de masse est limitée à %(limit)d contacts. Affinez le filtre.")
            % {"n": too_large.count, "limit": MASS_ACTION_LIMIT},
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
        raise PermissionDenied
    selection = Selection.from_form(form)
    options = ListExportOptions(
        ids=selection.ids,
        filters=selection.filters if selection.ids is None else None,
        sort=sort_param(form.filter_data.get("sort")),
    )
    job = job_create(kind=JobKind.EXPORT_XLSX, by=request.user, options=options.to_options())
    return redirect("prospects:job_detail", pk=job.pk)
