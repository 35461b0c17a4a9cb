"""Reads about users and entities."""

from django.db.models import QuerySet

from accounts.models import Entity, User


def entities_of(user: User) -> list[tuple[int, str]]:
    """(id, name) of the user's entities by name, read once per user object (per request)."""
    cached = getattr(user, "_entities_cache", None)
    if cached is None:
        cached = list(user.entities.order_by("name", "id").values_list("id", "name")) if user.is_authenticated else []
        user._entities_cache = cached
    return cached


def entity_ids_of(user: User) -> list[int]:
    """The ids of the user's entities, computed once per user object (per request)."""
    return [pk for pk, _name in entities_of(user)]


def entities_visible_to(user: User) -> QuerySet[Entity]:
    if user.is_superuser:
        return Entity.objects.all()
    return Entity.objects.filter(id__in=entity_ids_of(user))


def users_visible_to(user: User) -> QuerySet[User]:
    """Active users sharing one of the user's entities: the reps one may assign to."""
    users = User.objects.filter(is_active=True)
    if user.is_superuser:
        return users
    return users.filter(entities__in=entity_ids_of(user)).distinct()
