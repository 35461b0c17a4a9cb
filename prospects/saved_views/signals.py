"""Any write of a saved view, its shares or a list preference makes the cached ListStates stale
(prospects.saved_views.selectors.list_state_of), the admin's writes included."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from prospects.saved_views.models import ProspectListPreference, SavedView
from prospects.saved_views.selectors import saved_views_changed


@receiver([post_save, post_delete], sender=SavedView)
@receiver([post_save, post_delete], sender=ProspectListPreference)
@receiver(m2m_changed, sender=SavedView.entities.through)
def _saved_views_changed(**kwargs) -> None:
    saved_views_changed()
