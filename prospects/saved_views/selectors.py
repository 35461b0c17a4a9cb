"""Which saved views a user may open: their own and those shared with one of their entities."""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.selectors import entity_ids_of
from prospects.saved_views.models import ProspectListPreference, SavedView


def saved_views_visible_to(user: User) -> QuerySet[SavedView]:
    if not user.is_active:
        return SavedView.objects.none()
    shared = SavedView.entities.through.objects.filter(savedview_id=OuterRef("pk"), entity_id__in=entity_ids_of(user))
    return SavedView.objects.filter(Q(owner=user) | Q(Exists(shared))).select_related("owner")


def get_saved_view_for(user: User, pk: int) -> SavedView:
    """The view if the user may open it; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(saved_views_visible_to(user), pk=pk)


def list_preference_of(user: User) -> ProspectListPreference:
    """The user's list preferences (an unsaved default when they never chose anything)."""
    return ProspectListPreference.objects.filter(user=user).first() or ProspectListPreference(user=user)


def default_view_for(user: User) -> SavedView | None:
    """The view that opens with the list, while the user may still open it."""
    preference = ProspectListPreference.objects.filter(user=user).only("default_view_id").first()
    if preference is None or preference.default_view_id is None:
        return None
    return saved_views_visible_to(user).filter(pk=preference.default_view_id).first()
