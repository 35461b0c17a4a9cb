"""Authentication backends: Django's model backend reading a user's permissions in one query."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q


class OneQueryModelBackend(ModelBackend):
    """ModelBackend whose permission cache is filled by one query instead of two.

    Django reads the user's own permissions and their groups' in two queries, on every
    request that checks a right (every list page). The union is the same set.
    """

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        if not hasattr(user_obj, "_perm_cache"):
            granted = (
                Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
                .order_by()
                .values_list("content_type__app_label", "codename")
                .distinct()
            )
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in granted}
        return user_obj._perm_cache
