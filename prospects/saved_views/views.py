"""Saved views of the contacts list: save, open, share, choose the default, delete (confirmed on a page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prospects.list.columns import ALWAYS_SHOWN, COLUMN_KEYS
from prospects.saved_views.forms import SavedViewForm
from prospects.saved_views.models import SavedView
from prospects.saved_views.selectors import (
    default_view_for,
    get_saved_view_for,
    list_state_of,
)
from prospects.saved_views.services import (
    list_default_view_set,
    list_hidden_columns_set,
    saved_view_delete,
    saved_view_may_change,
    saved_view_query_of,
    saved_view_save,
    saved_view_share,
)

# The list's "Réinitialiser" and "Toute la liste" links: the plain list, not the default view.
PLAIN_LIST_PARAMETER = "view"


def view_url(view: SavedView) -> str:
    return reverse("prospects:list") + (f"?{view.query}" if view.query else f"?{PLAIN_LIST_PARAMETER}=0")


def default_view_redirect(request: HttpRequest) -> HttpResponse | None:
    """The list opened with no query string opens the user's default view."""
    if request.GET:
        return None
    view = default_view_for(request.user)
    return redirect(view_url(view)) if view is not None else None


def saved_views_context(request: HttpRequest) -> dict:
    """The views bar above the list: one link per view, the current one marked."""
    current = saved_view_query_of(request.GET.urlencode())
    state = list_state_of(request.user)
    views, preference = state.views, state.preference
    return {
        "has_default": any(view.pk == preference.default_view_id for view in views),
        "saved_views": [
            {
                "view": view,
                "url": view_url(view),
                "current": view.query == current,
                "default": view.pk == preference.default_view_id,
                "mine": saved_view_may_change(view, request.user),
                "shared": view.shared,
            }
            for view in views
        ],
        "saved_view_form": SavedViewForm(initial={"query": request.GET.urlencode()}),
    }


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Donnez un nom à la vue pour l'enregistrer."))
        return redirect(reverse("prospects:list") + "?" + saved_view_query_of(request.POST.get("query", "")))
    view = saved_view_save(owner=request.user, **form.cleaned_data)
    messages.success(request, _("La vue « %(name)s » est enregistrée.") % {"name": view.name})
    return redirect(view_url(view))


@login_required
@require_GET
def saved_view_open(request: HttpRequest, pk: int) -> HttpResponse:
    return redirect(view_url(get_saved_view_for(request.user, pk)))


@login_required
@require_GET
def saved_views_manage(request: HttpRequest) -> HttpResponse:
    context = saved_views_context(request)
    return render(request, "prospects/saved_views/manage.html", context)


@login_required
@require_POST
def saved_view_default(request: HttpRequest) -> HttpResponse:
    """Choose the view the list opens on ("0": the plain list)."""
    chosen = request.POST.get("view", "0")
    view = get_saved_view_for(request.user, int(chosen)) if chosen.isdigit() and chosen != "0" else None
    list_default_view_set(user=request.user, view=view)
    if view is None:
        messages.success(request, _("La liste s'ouvrira sans filtre."))
    else:
        messages.success(request, _("La liste s'ouvrira sur la vue « %(name)s ».") % {"name": view.name})
    return redirect("prospects:saved_views")


@login_required
@require_POST
def saved_view_share_view(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_saved_view_for(request.user, pk)
    shared = request.POST.get("shared") == "1"
    saved_view_share(view=view, by=request.user, shared=shared)
    if shared:
        messages.success(request, _("La vue « %(name)s » est partagée avec vos entités.") % {"name": view.name})
    else:
        messages.success(request, _("La vue « %(name)s » est privée.") % {"name": view.name})
    return redirect("prospects:saved_views")


@login_required
@require_http_methods(["GET", "POST"])
def saved_view_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page, then the deletion (works without JavaScript)."""
    view = get_saved_view_for(request.user, pk)
    if not saved_view_may_change(view, request.user):
        raise PermissionDenied
    if request.method == "POST":
        saved_view_delete(view=view, by=request.user)
        messages.success(request, _("La vue « %(name)s » est supprimée.") % {"name": view.name})
        return redirect("prospects:saved_views")
    return render(request, "prospects/saved_views/confirm_delete.html", {"view": view})


@login_required
@require_POST
def list_columns_choose(request: HttpRequest) -> HttpResponse:
    """Remember the columns the user shows; the others are not rendered (works without JavaScript)."""
    shown = set(request.POST.getlist("shown"))
    hidden = [key for key in COLUMN_KEYS if key not in shown and key not in ALWAYS_SHOWN]
    list_hidden_columns_set(user=request.user, columns=hidden, known=COLUMN_KEYS)
    query = request.POST.get("query", "")[:4000]
    return redirect(reverse("prospects:list") + "?" + (saved_view_query_of(query) or f"{PLAIN_LIST_PARAMETER}=0"))
