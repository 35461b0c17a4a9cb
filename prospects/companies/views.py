"""The companies pages: the list, a company's page, its create and edit forms, the picker's quick creation."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import entities_visible_to, entity_ids_of
from crm.selectors import client_contacts_visible_to, companies_visible_to, get_company_for
from prospects.companies.forms import CompanyForm, CompanyQuickForm
from prospects.companies.sections import company_sections_render
from prospects.companies.selectors import PAGE_SIZES, company_contacts, company_list_page, company_opportunities
from prospects.companies.services import company_create, company_quick_create, company_update
from prospects.rights import R17, has_right, require_right


def _next_path(request: HttpRequest) -> str:
    """The form to go back to (the contact form that asked for a new company), as a local path."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


def _with_company(url: str, company_pk: int) -> str:
    """The contact form's address with the new company chosen (its `company` initial value)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode({'company': company_pk})}"


@login_required
@require_GET
def company_list(request: HttpRequest) -> HttpResponse:
    """The visible companies, searched accent-insensitively and filtered."""
    listing = company_list_page(request.user, request.GET)
    context = {
        "listing": listing,
        "filterset": listing.filterset,
        "page": listing.page,
        "page_sizes": PAGE_SIZES,
        "can_manage": has_right(request.user, R17),
        # The page-size form keeps the other parameters (built here: a template would look
        # `request.GET.lists` up as a parameter named "lists" first).
        "kept_parameters": [
            (key, value)
            for key, values in request.GET.lists()
            if key not in ("page", "page_size")
            for value in values[:50]
        ][:200],
    }
    return render(request, "prospects/companies/list.html", context)


@login_required
@require_GET
def company_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The company's page: its file, contacts, deals and (from the tasks app) tasks."""
    user = request.user
    company = get_company_for(user, pk)
    context = {
        "company": company,
        "parent": companies_visible_to(user).filter(pk=company.parent_id).first() if company.parent_id else None,
        "subsidiaries": list(companies_visible_to(user).filter(parent=company).order_by("name", "id")),
        "contacts": list(company_contacts(user, company)),
        "client_contacts": list(client_contacts_visible_to(user).filter(company=company).select_related("assigned_to")),
        "opportunities": list(company_opportunities(user, company)),
        "sections": company_sections_render(request, company),
        "can_manage": has_right(user, R17),
    }
    return render(request, "prospects/companies/detail.html", context)


def _form(request: HttpRequest, **kwargs) -> CompanyForm:
    data = request.POST if request.method == "POST" else None
    return CompanyForm(data, user=request.user, company_search_url=reverse("prospects:company_picker"), **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def company_new(request: HttpRequest) -> HttpResponse:
    require_right(request.user, R17)
    next_path = _next_path(request)
    initial = {"name": request.GET.get("name", "")[:200]} if request.method == "GET" else None
    form = _form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        company = company_create(by=request.user, **form.cleaned_data)
        messages.success(request, _("La société %(company)s a été créée.") % {"company": company})
        return redirect(_with_company(next_path, company.pk) if next_path else company_url(company))
    context = {
        "form": form,
        "title": _("Nouvelle société"),
        "next": next_path,
        "cancel_url": next_path or reverse("prospects:company_list"),
    }
    return render(request, "prospects/companies/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company_edit(request: HttpRequest, pk: int) -> HttpResponse:
    company = get_company_for(request.user, pk)
    # A global right on a visible company: the right is a prospects permission, and
    # guardian's object rows for companies belong to crm, so there is no per-company grant.
    require_right(request.user, R17)
    # The form fills its own copy: the service compares with the stored values to save only what changed.
    form = _form(request, instance=get_company_for(request.user, pk))
    if request.method == "POST" and form.is_valid():
        company_update(company=company, by=request.user, **form.cleaned_data)
        messages.success(request, _("La société %(company)s a été enregistrée.") % {"company": company})
        return redirect(company_url(company))
    context = {
        "form": form,
        "company": company,
        "title": _("Modification de la société"),
        "cancel_url": company_url(company),
    }
    return render(request, "prospects/companies/form.html", context)


@login_required
@require_POST
def company_quick_create_view(request: HttpRequest) -> HttpResponse:
    """The picker's "Créer la société « … »": answers the picker's options with the company chosen."""
    require_right(request.user, R17)
    form = CompanyQuickForm(request.POST)
    entities = list(entities_visible_to(request.user).filter(pk__in=entity_ids_of(request.user)))
    if not form.is_valid() or not entities:
        errors = form.errors.get("name") or [_("Vous n'appartenez à aucune entité : la société serait invisible.")]
        return render(request, "prospects/_company_options.html", {"errors": errors}, status=400)
    company, _created = company_quick_create(
        by=request.user,
        name=form.cleaned_data["name"],
        entities=entities,
        visible=companies_visible_to(request.user),
    )
    context = {"companies": [company], "selected_pk": company.pk}
    return render(request, "prospects/_company_options.html", context, status=201 if _created else 200)


def company_url(company) -> str:
    return reverse("prospects:company_detail", args=[company.pk])
