"""The one place where a right is checked, globally or on one object (django-guardian)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Model
from guardian.core import ObjectPermissionChecker

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
    return obj is not None and _object_rights(user).has_perm(perm, obj)


def _object_rights(user: User) -> ObjectPermissionChecker:
    """django-guardian's checker kept on the user object: each object's grants are read once per request.

    Asking the guardian backend instead (user.has_perm(perm, obj)) reads the user's and their
    groups' grants on the object again for every right checked: a contact's card checks a
    dozen. The user object lives for one request, as Django's own permission cache does.
    """
    checker = getattr(user, "_object_rights", None)
    if checker is None:
        checker = user._object_rights = ObjectPermissionChecker(user)
    return checker


def require_right(user: User, perm: str, obj: Model | None = None) -> None:
    if not has_right(user, perm, obj):
        raise PermissionDenied
