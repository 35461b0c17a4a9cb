"""The contact card (F1–F3) and the contact's own pages: create, edit, notes, delete."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import User
from accounts.permissions import has_right
from crm.selectors import opportunities_visible_to, proposals_visible_to
from prospects.models import ProspectContact
from prospects.selectors import get_prospect_for
from tasks.selectors import tasks_visible_to

R1 = "prospects.edit_prospect"


def card_rights(user: User, prospect: ProspectContact) -> dict[str, bool]:
    """What the card offers this user on this contact; each entry matches a server-side check."""
    return {
        "edit": has_right(user, R1, prospect),
    }


def card_menu(prospect: ProspectContact, can: dict[str, bool]) -> list[dict]:
    """The "⋮" menu of the header (F1): only the actions the user may perform."""
    return []


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
