"""The contact card (F1–F3) and the contact's own pages: create, edit, notes, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from accounts.permissions import has_right, require_right
from crm.selectors import companies_visible_to, opportunities_visible_to, proposals_visible_to
from prospects.forms import ProspectForm
from prospects.models import ProspectContact
from prospects.selectors import get_prospect_for
from prospects.services import prospect_create, prospect_update
from tasks.selectors import tasks_visible_to

R1 = "prospects.edit_prospect"


def card_rights(user: User, prospect: ProspectContact) -> dict[str, bool]:
    """What the card offers this user on this contact; each entry matches a server-side check."""
    return {
        "edit": has_right(user, R1, prospect),
    }


def card_menu(prospect: ProspectContact, can: dict[str, bool]) -> list[dict]:
    """The "⋮" menu of the header (F1): only the actions the user may perform."""
    menu = []
    if can["edit"]:
        menu.append({"label": _("Modifier le contact prospect"), "url": reverse("prospects:edit", args=[prospect.pk])})
    return menu


@login_required
@require_GET
def prospect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    prospect = get_prospect_for(user, pk)
    tasks = (
        tasks_visible_to(user)
        .filter(prospect=prospect)
        .select_related(None)
        .select_related("followed_by")
        .prefetch_related("attachments")
        .order_by("-due_at", "-id")
    )
    opportunities = opportunities_visible_to(user).filter(prospect=prospect).order_by("-created_at", "-id")
    proposals = (
        proposals_visible_to(user).filter(prospect=prospect).select_related("opportunity").order_by("-created_at")
    )
    can = card_rights(user, prospect)
    context = {
        "prospect": prospect,
        "can": can,
        "menu": card_menu(prospect, can),
        "tasks": list(tasks),
        "opportunities": list(opportunities),
        "proposals": list(proposals),
    }
    return render(request, "prospects/card/detail.html", context)


def _prospect_form(request: HttpRequest, **kwargs) -> ProspectForm:
    data = request.POST if request.method == "POST" else None
    return ProspectForm(data, user=request.user, company_search_url=reverse("prospects:company_options"), **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def prospect_new(request: HttpRequest) -> HttpResponse:
    """C1: a new contact, shared with the user's entities unless they choose otherwise."""
    require_right(request.user, R1)
    form = _prospect_form(request)
    if request.method == "POST" and form.is_valid():
        prospect = prospect_create(by=request.user, **form.cleaned_data)
        messages.success(request, _("Le contact prospect %(contact)s a été créé.") % {"contact": prospect})
        return redirect("prospects:detail", pk=prospect.pk)
    context = {"form": form, "title": _("Ajout d'un nouveau contact prospect"), "cancel_url": reverse("prospects:list")}
    return render(request, "prospects/card/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def prospect_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """C1: edit a contact (R1 globally on a visible contact, or on this contact)."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, R1, prospect)
    form = _prospect_form(request, instance=prospect)
    if request.method == "POST" and form.is_valid():
        prospect_update(prospect=prospect, by=request.user, **form.cleaned_data)
        messages.success(request, _("Le contact prospect %(contact)s a été enregistré.") % {"contact": prospect})
        return redirect("prospects:detail", pk=prospect.pk)
    context = {
        "form": form,
        "prospect": prospect,
        "title": _("Modification du contact prospect"),
        "cancel_url": reverse("prospects:detail", args=[prospect.pk]),
    }
    return render(request, "prospects/card/form.html", context)


@login_required
@require_GET
def company_options(request: HttpRequest) -> HttpResponse:
    """The company search of the form: a few matching visible companies as <option>s."""
    query = request.GET.get("q", "").strip()[:100]
    companies = []
    if query:
        companies = list(
            companies_visible_to(request.user).select_related(None).filter(name__icontains=query).order_by("name")[:20]
        )
    return render(request, "prospects/card/_company_options.html", {"companies": companies})
