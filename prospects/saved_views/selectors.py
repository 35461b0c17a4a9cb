"""Which saved views a user may open: their own and those shared with one of their entities.

The list shows the views bar and hides the user's columns on every request, so the user's
views and list preferences are read once and kept in the cache (`list_state_of`), under a
version that any write of a view, a share or a preference changes (prospects/saved_views/
signals.py) and the user's entities: two queries less per list page.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.selectors import entity_ids_of
from prospects.saved_views.models import ProspectListPreference, SavedView

STATE_VERSION_KEY = "saved-views:version"
STATE_SECONDS = 3600


def saved_views_visible_to(user: User) -> QuerySet[SavedView]:
    if not user.is_active:
        return SavedView.objects.none()
    shared = SavedView.entities.through.objects.filter(savedview_id=OuterRef("pk"), entity_id__in=entity_ids_of(user))
    return SavedView.objects.filter(Q(owner=user) | Q(Exists(shared))).select_related("owner")


def get_saved_view_for(user: User, pk: int) -> SavedView:
    """The view if the user may open it; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(saved_views_visible_to(user), pk=pk)


@dataclass
class ListState:
    """What the list page needs of the user's views: their preferences and the views they may open."""

    preference: ProspectListPreference  # unsaved default when they never chose anything
    views: list[SavedView]  # in name order, each with `shared` (shared with some entity)

    @property
    def default_view(self) -> SavedView | None:
        """The view that opens with the list, while the user may still open it."""
        return next((view for view in self.views if view.pk == self.preference.default_view_id), None)


def saved_views_changed() -> None:
    """Every cached ListState is stale: a view, a share or a preference was written."""
    cache.set(STATE_VERSION_KEY, str(time.time_ns()), None)


def _state_key(user: User) -> str:
    version = cache.get(STATE_VERSION_KEY)
    if version is None:
        saved_views_changed()
        version = cache.get(STATE_VERSION_KEY, "0")
    entities = ",".join(str(pk) for pk in sorted(entity_ids_of(user)))
    return f"saved-views:{version}:{user.pk}:{entities}"


def list_state_of(user: User) -> ListState:
    """The user's ListState, once per request object and from the cache while nothing changed."""
    state = getattr(user, "_list_state", None)
    if state is not None:
        return state
    key = _state_key(user)
    state = cache.get(key)
    if state is None:
        shared = SavedView.entities.through.objects.filter(savedview_id=OuterRef("pk"))
        views = list(saved_views_visible_to(user).annotate(shared=Exists(shared)).order_by("name", "id"))
        preference = ProspectListPreference.objects.filter(user=user).first() or ProspectListPreference(user=user)
        state = ListState(preference=preference, views=views)
        cache.set(key, state, STATE_SECONDS)
    user._list_state = state
    return state


def list_preference_of(user: User) -> ProspectListPreference:
    """The user's list preferences (an unsaved default when they never chose anything)."""
    return list_state_of(user).preference


def default_view_for(user: User) -> SavedView | None:
    """The view that opens with the list, while the user may still open it."""
    return list_state_of(user).default_view
