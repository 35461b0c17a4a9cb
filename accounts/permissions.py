"""The one place where a right is checked, globally or on one object (django-guardian)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Model

from accounts.models import User


def has_right(user: User, perm: str, obj: Model | None = None) -> bool:
    """True when the user holds `perm` globally, or on `obj` through an object permission.

    `perm` is "app_label.codename", or an app's right object whose str() is that (apps
    define their rights themselves; this module names none).

    `obj` must have been reached through the user's visibility selector: a global right
    applies only to what the user may see, and the selector is what enforces entity scoping.
    """
    if not user.is_active:
        return False
    perm = str(perm)
    if user.is_superuser or user.has_perm(perm):
        return True
    return obj is not None and user.has_perm(perm, obj)


def require_right(user: User, perm: str, obj: Model | None = None) -> None:
    if not has_right(user, perm, obj):
        raise PermissionDenied
