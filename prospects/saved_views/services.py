"""Writes of saved views and list preferences: only the owner changes or deletes a view."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import QueryDict

from accounts.models import User
from accounts.selectors import entities_visible_to, entity_ids_of
from prospects.list.filters import ProspectFilter
from prospects.saved_views.models import ProspectListPreference, SavedView

# What a view keeps of the list's address: its filters, sort and page size (never the page).
VIEW_PARAMETERS = (*ProspectFilter.base_filters, "sort", "per_page")


def saved_view_query_of(query: str) -> str:
    """The list's query string cut down to what a view keeps, empty values dropped, in a stable order."""
    data = QueryDict(query[:4000])
    kept = QueryDict(mutable=True)
    for name in VIEW_PARAMETERS:
        values = [value for value in data.getlist(name) if value.strip()]
        if values:
            kept.setlist(name, values)
    return kept.urlencode()[:2000]


@transaction.atomic
def saved_view_save(*, owner: User, name: str, query: str, shared: bool = False, default: bool = False) -> SavedView:
    """Save the list's current state under a name; saving again under the same name updates that view."""
    view = SavedView.objects.filter(owner=owner, name=name).first() or SavedView(owner=owner, name=name)
    view.query = saved_view_query_of(query)
    view.full_clean(exclude=["entities"], validate_unique=False)
    view.save()
    saved_view_share(view=view, by=owner, shared=shared)
    if default:
        list_default_view_set(user=owner, view=view)
    return view


def saved_view_may_change(view: SavedView, user: User) -> bool:
    """Only the owner shares, unshares or deletes a view; the others only open it."""
    return view.owner_id == user.pk


def _require_owner(view: SavedView, user: User) -> None:
    if not saved_view_may_change(view, user):
        raise PermissionDenied


@transaction.atomic
def saved_view_share(*, view: SavedView, by: User, shared: bool) -> None:
    """Share the view with the owner's entities, or make it private again."""
    _require_owner(view, by)
    view.entities.set(entities_visible_to(by).filter(pk__in=entity_ids_of(by)) if shared else [])


@transaction.atomic
def saved_view_delete(*, view: SavedView, by: User) -> None:
    _require_owner(view, by)
    view.delete()  # the preferences that pointed at it fall back to the plain list (SET_NULL)


@transaction.atomic
def list_default_view_set(*, user: User, view: SavedView | None) -> None:
    """`view` must have been reached through saved_views_visible_to(user)."""
    ProspectListPreference.objects.update_or_create(user=user, defaults={"default_view": view})


@transaction.atomic
def list_hidden_columns_set(*, user: User, columns: list[str], known: list[str]) -> list[str]:
    """Remember the list's hidden columns (only known ones, in the list's order)."""
    hidden = [key for key in known if key in set(columns)]
    ProspectListPreference.objects.update_or_create(user=user, defaults={"hidden_columns": hidden})
    return hidden
