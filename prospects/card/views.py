"""The contact card (F1–F3) and the contact's own pages: create, edit, notes, delete."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.choices import CompanyType
from crm.selectors import companies_visible_to, diffusion_lists_visible_to
from prospects.card.actions import ACTIONS, contact_actions, opportunity_right
from prospects.card.sections import card_sections_render
from prospects.duplicates.merge import merges_of
from prospects.forms import (
    ConvertForm,
    NoteForm,
    OpportunityForm,
    ProposalForm,
    ProspectForm,
    SkillsForm,
    SubscriptionsForm,
)
from prospects.models import ProspectContact
from prospects.rights import R1, R5, R6, R10, R17, has_right, require_right
from prospects.selectors import (
    card_deals,
    get_prospect_for,
    notes_visible_to,
    opportunities_visible_to,
    prospect_history,
)
from prospects.services import (
    ProspectAlreadyConverted,
    ProspectNotDeletable,
    ProspectOpposed,
    note_create,
    note_delete,
    note_may_manage,
    note_rights,
    note_update,
    opportunity_create,
    opportunity_update,
    proposal_create,
    prospect_convert,
    prospect_create,
    prospect_delete,
    prospect_skills_set,
    prospect_subscriptions_set,
    prospect_update,
)


def card_menu(prospect: ProspectContact, can: dict[str, bool]) -> list[dict]:
    """The "⋮" menu of the header (F1): only the actions the user may perform (prospects.card.actions)."""
    menu = []
    if can["company"]:
        url = reverse("prospects:company_detail", args=[prospect.company_id])
        menu.append({"label": _("Dossier du compte"), "url": url})
    if can["edit"]:
        menu.append({"label": _("Modifier le contact prospect"), "url": reverse("prospects:edit", args=[prospect.pk])})
    if can["skills"]:
        menu.append({"label": _("Environnement/Compétences"), "url": reverse("prospects:skills", args=[prospect.pk])})
    if can["subscriptions"]:
        menu.append({"label": _("Listes de diffusion"), "url": reverse("prospects:subscriptions", args=[prospect.pk])})
    if can["task"]:
        menu.append({"label": _("Ajouter une tâche"), "url": reverse("tasks:add", args=[prospect.pk])})
    if can["opportunity"]:
        url = reverse("prospects:opportunity_add", args=[prospect.pk])
        menu.append({"label": _("Ajouter une opportunité"), "url": url})
    if can["convert"]:
        menu.append(
            {"label": _("Convertir en contact client"), "url": reverse("prospects:convert", args=[prospect.pk])}
        )
    if can["duplicate"]:
        menu.append({"label": _("Dupliquer le prospect"), "url": reverse("prospects:duplicate", args=[prospect.pk])})
    if can["vcf"]:
        menu.append({"label": _("Export VCF"), "url": reverse("prospects:vcard_export_one", args=[prospect.pk])})
    if can["merge"]:
        menu.append({"label": _("Fusionner avec…"), "url": reverse("prospects:merge_pick", args=[prospect.pk])})
    if can["delete"]:  # a confirmation page, then the deletion
        menu.append(
            {
                "label": _("Supprimer le contact prospect"),
                "url": reverse("prospects:delete", args=[prospect.pk]),
                "danger": True,
            }
        )
    return menu


@login_required
@require_GET
def prospect_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    prospect = get_prospect_for(user, pk)
    opportunities, proposals = card_deals(user, prospect)
    allowed = contact_actions(user, prospect)
    can = {action: action in allowed for action in ACTIONS}
    rights_on_notes = note_rights(user, prospect)
    notes = list(notes_visible_to(user, prospect))
    for note in notes:
        note.can_manage = note_may_manage(user, note, rights_on_notes)
    context = {
        "skills": list(prospect.skills.select_related("category").order_by("category__name", "name")),
        "subscriptions": list(
            diffusion_lists_visible_to(user).filter(pk__in=prospect.diffusion_lists.values("pk")).order_by("name")
        ),
        "notes": notes,
        "note_form": NoteForm() if rights_on_notes["own"] else None,
        "prospect": prospect,
        "can": can,
        "menu": card_menu(prospect, can),
        "sections": card_sections_render(request, prospect),  # the tasks tab, from the tasks app
        "opportunities": opportunities,
        "proposals": proposals,
        "history": prospect_history(prospect, viewer=user),
        "merges": merges_of(prospect),
    }
    return render(request, "prospects/card/detail.html", context)


@login_required
@require_GET
def prospect_actions(request: HttpRequest, pk: int) -> HttpResponse:
    """The list row's ⋮ when scripts are off: the actions the user may perform, as the card's menu lists them."""
    user = request.user
    prospect = get_prospect_for(user, pk)
    allowed = contact_actions(user, prospect)
    menu = card_menu(prospect, {action: action in allowed for action in ACTIONS})
    return render(request, "prospects/card/actions.html", {"prospect": prospect, "menu": menu})


def _prospect_form(request: HttpRequest, **kwargs) -> ProspectForm:
    data = request.POST if request.method == "POST" else None
    chosen = request.GET.get("company", "")
    if data is None and chosen.isdigit():  # back from the company create page (the no-JS path)
        company = companies_visible_to(request.user).filter(pk=int(chosen)).first()
        if company is not None:
            kwargs["initial"] = {**(kwargs.get("initial") or {}), "company": company.pk}
    return ProspectForm(
        data,
        user=request.user,
        company_search_url=reverse("prospects:company_picker"),
        company_create_url=reverse("prospects:company_create") if has_right(request.user, R17) else "",
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def prospect_new(request: HttpRequest) -> HttpResponse:
    """C1: a new contact, shared with the user's entities unless they choose otherwise."""
    require_right(request.user, R1)
    return _create(request, title=_("Ajout d'un nouveau contact prospect"), cancel_url=reverse("prospects:list"))


@login_required
@require_http_methods(["GET", "POST"])
def prospect_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    """C2: a new contact prefilled from a visible one (company, address, rep…), names left to fill."""
    source = get_prospect_for(request.user, pk)
    require_right(request.user, R1)
    return _create(
        request,
        title=_("Duplication du contact prospect %(contact)s") % {"contact": source},
        cancel_url=reverse("prospects:detail", args=[source.pk]),
        initial=ProspectForm.initial_from(source),
    )


def _create(request: HttpRequest, *, title: str, cancel_url: str, initial: dict | None = None) -> HttpResponse:
    form = _prospect_form(request, initial=initial)
    if request.method == "POST" and not form.searching and form.is_valid():
        prospect = prospect_create(by=request.user, **form.cleaned_data)
        messages.success(request, _("Le contact prospect %(contact)s a été créé.") % {"contact": prospect})
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("prospects:detail", pk=prospect.pk)
    return render(request, "prospects/card/form.html", {"form": form, "title": title, "cancel_url": cancel_url})


@login_required
@require_http_methods(["GET", "POST"])
def prospect_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """C1: edit a contact (R1 globally on a visible contact, or on this contact)."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, R1, prospect)
    form = _prospect_form(request, instance=prospect)
    if request.method == "POST" and not form.searching and form.is_valid():
        prospect_update(prospect=prospect, by=request.user, **form.cleaned_data)
        messages.success(request, _("Le contact prospect %(contact)s a été enregistré.") % {"contact": prospect})
        for warning in form.warnings:
            messages.warning(request, warning)
        return redirect("prospects:detail", pk=prospect.pk)
    context = {
        "form": form,
        "prospect": prospect,
        "title": _("Modification du contact prospect"),
        "cancel_url": reverse("prospects:detail", args=[prospect.pk]),
    }
    return render(request, "prospects/card/form.html", context)


def _card_notes_url(prospect: ProspectContact) -> str:
    return reverse("prospects:detail", args=[prospect.pk]) + "#postit"


def _report_note_errors(request: HttpRequest, errors) -> None:
    for messages_of_field in errors.values():
        for error in messages_of_field:
            messages.error(request, error)


@login_required
@require_POST
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """F3: a post-it note on the contact, written from the author's entity (R11 or R13)."""
    prospect = get_prospect_for(request.user, pk)
    if not note_rights(request.user, prospect)["own"]:
        raise PermissionDenied
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            note_create(prospect=prospect, author=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("La note a été ajoutée."))
    else:
        _report_note_errors(request, form.errors)
    return redirect(_card_notes_url(prospect))


def _manageable_note(request: HttpRequest, pk: int, note_pk: int):
    """The note if the user sees it (404 otherwise) and may change it (403 otherwise)."""
    prospect = get_prospect_for(request.user, pk)
    note = get_object_or_404(notes_visible_to(request.user, prospect), pk=note_pk)
    if not note_may_manage(request.user, note, note_rights(request.user, prospect)):
        raise PermissionDenied
    return prospect, note


@login_required
@require_POST
def note_edit(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    prospect, note = _manageable_note(request, pk, note_pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        note_update(note=note, text=form.cleaned_data["text"])
        messages.success(request, _("La note a été modifiée."))
    else:
        _report_note_errors(request, form.errors)
    return redirect(_card_notes_url(prospect))


@login_required
@require_POST
def note_remove(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    prospect, note = _manageable_note(request, pk, note_pk)
    note_delete(note=note)
    messages.success(request, _("La note a été supprimée."))
    return redirect(_card_notes_url(prospect))


@login_required
@require_http_methods(["GET", "POST"])
def prospect_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """D1: delete the contact (R1) unless a task, opportunity or proposal still links to it.

    GET asks on a page (the menus link here, so it works without JavaScript); POST deletes.
    """
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, R1, prospect)
    if request.method == "GET":
        return render(request, "prospects/card/confirm_delete.html", {"prospect": prospect})
    name = str(prospect)
    try:
        prospect_delete(prospect=prospect, by=request.user)
    except ProspectNotDeletable as blocked:
        messages.error(request, blocked.message(name))
        return redirect("prospects:detail", pk=pk)
    messages.success(request, _("Le contact prospect %(contact)s a été supprimé.") % {"contact": name})
    return redirect("prospects:list")


def _card_form_page(request, prospect, form, *, save, saved: str, template: str) -> HttpResponse:
    """A card sub-page's form: a valid POST is saved by `save(cleaned_data)`, then back to the card."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ProspectOpposed:  # M1: an objector cannot be re-subscribed
            form.add_error(None, _("Ce contact s'est opposé à la prospection : il ne peut pas être réabonné."))
        else:
            messages.success(request, saved)
            return redirect("prospects:detail", pk=prospect.pk)
    return render(request, template, {"prospect": prospect, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def prospect_skills(request: HttpRequest, pk: int) -> HttpResponse:
    """S1: the contact's skills environment, grouped by category (R5)."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, R5, prospect)
    if request.method == "POST":
        form = SkillsForm(request.POST)
    else:
        form = SkillsForm(initial={"skills": list(prospect.skills.values_list("pk", flat=True))})
    return _card_form_page(
        request,
        prospect,
        form,
        save=lambda data: prospect_skills_set(prospect=prospect, skills=data["skills"], by=request.user),
        saved=_("L'environnement de compétences a été enregistré."),
        template="prospects/card/skills.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def prospect_subscriptions(request: HttpRequest, pk: int) -> HttpResponse:
    """M1: subscribe or unsubscribe the contact to the diffusion lists the user sees (R10)."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, R10, prospect)
    if request.method == "POST":
        form = SubscriptionsForm(request.POST, user=request.user)
    else:
        subscribed = list(prospect.diffusion_lists.values_list("pk", flat=True))
        form = SubscriptionsForm(initial={"lists": subscribed}, user=request.user)
    return _card_form_page(
        request,
        prospect,
        form,
        save=lambda data: prospect_subscriptions_set(
            prospect=prospect, lists=data["lists"], visible_lists=form.fields["lists"].queryset, by=request.user
        ),
        saved=_("Les abonnements aux listes de diffusion ont été enregistrés."),
        template="prospects/card/subscriptions.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def prospect_convert_view(request: HttpRequest, pk: int) -> HttpResponse:
    """X1: turn the contact into a client contact (R6), once."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, R6, prospect)
    if prospect.client_contact_id:
        messages.info(request, _("%(contact)s a déjà été converti en contact client.") % {"contact": prospect})
        return redirect("prospects:detail", pk=prospect.pk)
    search_url = reverse("prospects:company_picker") + f"?type={CompanyType.CLIENT}"
    data = request.POST if request.method == "POST" else None
    form = ConvertForm(data, user=request.user, prospect=prospect, company_search_url=search_url)
    if request.method == "POST" and form.is_valid():
        try:
            client = prospect_convert(prospect=prospect, by=request.user, **form.service_arguments())
        except ProspectAlreadyConverted:
            messages.info(request, _("%(contact)s a déjà été converti en contact client.") % {"contact": prospect})
            return redirect("prospects:detail", pk=prospect.pk)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(contact)s est maintenant contact client chez %(company)s.")
                % {"contact": prospect, "company": client.company},
            )
            return redirect("prospects:detail", pk=prospect.pk)
    return render(request, "prospects/card/convert.html", {"prospect": prospect, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_add(request: HttpRequest, pk: int) -> HttpResponse:
    """O1: open an opportunity from the contact (R1; R4 on a free contact)."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, opportunity_right(company_id=prospect.company_id), prospect)
    data = request.POST if request.method == "POST" else None
    form = OpportunityForm(data, user=request.user, initial={"assigned_to": prospect.assigned_to_id})
    if request.method == "POST" and form.is_valid():
        opportunity_create(prospect=prospect, by=request.user, **form.cleaned_data)
        messages.success(request, _("L'opportunité %(name)s a été créée.") % {"name": form.cleaned_data["name"]})
        return redirect("prospects:detail", pk=prospect.pk)
    context = {
        "form": form,
        "prospect": prospect,
        "title": _("Nouvelle opportunité pour %(contact)s") % {"contact": prospect},
        "cancel_url": reverse("prospects:detail", args=[prospect.pk]),
    }
    return render(request, "prospects/card/form.html", context)


def _deal_form_page(request: HttpRequest, prospect: ProspectContact, form, title: str) -> HttpResponse:
    context = {
        "form": form,
        "prospect": prospect,
        "title": title,
        "cancel_url": reverse("prospects:detail", args=[prospect.pk]) + "#deals-title",
    }
    return render(request, "prospects/card/form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_edit(request: HttpRequest, pk: int, opportunity_pk: int) -> HttpResponse:
    """O1: edit one of the contact's deals (stage, amount, date, probability), with the right to open one."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, opportunity_right(company_id=prospect.company_id), prospect)
    opportunity = get_object_or_404(opportunities_visible_to(request.user).filter(prospect=prospect), pk=opportunity_pk)
    data = request.POST if request.method == "POST" else None
    form = OpportunityForm(
        data, user=request.user, instance=opportunities_visible_to(request.user).get(pk=opportunity.pk)
    )
    if request.method == "POST" and form.is_valid():
        opportunity_update(opportunity=opportunity, by=request.user, **form.cleaned_data)
        messages.success(request, _("L'opportunité %(name)s a été enregistrée.") % {"name": opportunity.name})
        return redirect(reverse("prospects:detail", args=[prospect.pk]) + "#deals-title")
    return _deal_form_page(request, prospect, form, _("Modifier l'opportunité %(name)s") % {"name": opportunity.name})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A commercial proposal within one of the contact's deals, from the card."""
    prospect = get_prospect_for(request.user, pk)
    require_right(request.user, opportunity_right(company_id=prospect.company_id), prospect)
    opportunities = opportunities_visible_to(request.user).filter(prospect=prospect).select_related(None)
    if not opportunities.exists():
        messages.warning(request, _("Ouvrez d'abord une opportunité : une proposition en fait partie."))
        return redirect("prospects:opportunity_add", pk=prospect.pk)
    data = request.POST if request.method == "POST" else None
    initial = {"opportunity": request.GET.get("opportunity")} if request.GET.get("opportunity", "").isdigit() else None
    form = ProposalForm(data, opportunities=opportunities.order_by("-created_at", "-id"), initial=initial)
    if request.method == "POST" and form.is_valid():
        proposal = proposal_create(prospect=prospect, by=request.user, **form.cleaned_data)
        messages.success(request, _("La proposition %(name)s a été ajoutée.") % {"name": proposal.name})
        return redirect(reverse("prospects:detail", args=[prospect.pk]) + "#deals-title")
    return _deal_form_page(request, prospect, form, _("Nouvelle proposition pour %(contact)s") % {"contact": prospect})
