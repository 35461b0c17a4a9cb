"""The personal-data pages: a contact's GDPR page (legal basis, reply, opposition), the access
export (JSON and HTML), the erasure, and the retention review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prospects.privacy.access import prospect_access_data
from prospects.privacy.forms import ErasureForm, LegalBasisForm, OppositionForm, ReplyForm, RetentionPurgeForm
from prospects.privacy.models import PersonalDataAction
from prospects.privacy.retention import PURGE_MAX, retention_expired, retention_last_review, retention_purge_start
from prospects.privacy.services import (
    erasure_message,
    privacy_log,
    prospect_erase,
    prospect_legal_basis_set,
    prospect_opposition_record,
    prospect_reply_record,
)
from prospects.rights import R1, R16, has_right, require_right
from prospects.selectors import get_prospect_for, prospects_changeable_by

RETENTION_SHOWN = 500


@login_required
@require_http_methods(["GET", "POST"])
def privacy_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A contact's GDPR page: editors (R1) record the legal basis, a reply, an opposition."""
    user = request.user
    prospect = get_prospect_for(user, pk)
    require_right(user, R1, prospect)
    basis_form = LegalBasisForm(
        initial={
            "legal_basis": prospect.legal_basis,
            "consent_date": prospect.consent_date,
            "consent_source": prospect.consent_source,
        }
    )
    reply_form, opposition_form = ReplyForm(), OppositionForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "basis":
            basis_form = LegalBasisForm(request.POST)
            if basis_form.is_valid():
                prospect_legal_basis_set(prospect=prospect, by=user, **basis_form.cleaned_data)
                messages.success(request, _("La base légale a été enregistrée."))
                return redirect("prospects:privacy", pk=pk)
        elif action == "reply":
            reply_form = ReplyForm(request.POST)
            if reply_form.is_valid():
                prospect_reply_record(prospect=prospect, on=reply_form.cleaned_data["on"])
                messages.success(request, _("Le contact du prospect a été enregistré."))
                return redirect("prospects:privacy", pk=pk)
        elif action == "opposition":
            opposition_form = OppositionForm(request.POST)
            if opposition_form.is_valid():
                prospect_opposition_record(prospect=prospect, channel=opposition_form.cleaned_data["channel"], by=user)
                messages.success(request, _("L'opposition à la prospection a été enregistrée."))
                return redirect("prospects:privacy", pk=pk)
    context = {
        "prospect": prospect,
        "basis_form": basis_form,
        "reply_form": reply_form,
        "opposition_form": opposition_form,
        "erasure_form": ErasureForm(),
        "can_administer": has_right(user, R16, prospect),
    }
    return render(request, "prospects/privacy/contact.html", context)


@login_required
@require_GET
def access_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The right of access: everything held on the contact, as JSON (?format=json) or a page (R16)."""
    user = request.user
    prospect = get_prospect_for(user, pk)
    require_right(user, R16, prospect)
    data = prospect_access_data(prospect)
    as_json = request.GET.get("format") == "json"
    privacy_log(
        action=PersonalDataAction.ACCESS_EXPORT,
        by=user,
        count=1,
        detail=f"#{prospect.pk} {'json' if as_json else 'html'}",
    )
    if as_json:
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="donnees-contact-{prospect.pk}.json"'
        return response
    return render(request, "prospects/privacy/access.html", {"prospect": prospect, "data": data})


@login_required
@require_POST
def erase(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    prospect = get_prospect_for(user, pk)
    require_right(user, R16, prospect)
    form = ErasureForm(request.POST)
    form.is_valid()
    outcome = prospect_erase(prospect=prospect, by=user, anonymise=bool(form.cleaned_data.get("anonymise")))
    messages.success(request, erasure_message(outcome))
    return redirect("prospects:list") if outcome == "deleted" else redirect("prospects:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def retention_page(request: HttpRequest) -> HttpResponse:
    """The contacts past the retention period that the user may erase, for review and bulk purge (R16)."""
    user = request.user
    if not has_right(user, R16):
        raise PermissionDenied
    expired = retention_expired(prospects_changeable_by(user, R16)).order_by("last_inbound_at", "created_at", "pk")
    if request.method == "POST":
        ids = list(expired.values_list("pk", flat=True)[:PURGE_MAX])
        form = RetentionPurgeForm(request.POST, ids=ids)
        if form.is_valid():
            job = retention_purge_start(ids=form.cleaned_data["ids"], anonymise=form.cleaned_data["anonymise"], by=user)
            return redirect("prospects:job_detail", pk=job.pk)
        messages.error(request, _("Cochez au moins un contact."))
    context = {
        "contacts": list(expired[:RETENTION_SHOWN]),
        "total": expired.count(),
        "review": retention_last_review(),
        "shown": RETENTION_SHOWN,
    }
    return render(request, "prospects/privacy/retention.html", context)
