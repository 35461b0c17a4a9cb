"""Visibility selectors for the CRM records: entity scoping plus object permissions."""

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.selectors import entity_ids_of
from crm.models import (
    ClientContact,
    Company,
    CompanyGroupObjectPermission,
    CompanyUserObjectPermission,
    DiffusionList,
)
from crm.text import company_search_name_of


def scoped_by_entities(
    queryset: QuerySet, user: User, *, user_perms=None, group_perms=None, also: Q | None = None
) -> QuerySet:
    """Keep the rows shared with one of the user's entities or granted to them object by object.

    `also` adds the rows an app's own rule opens to the user (the prospects' rep rule).

    Built from EXISTS subqueries rather than joins, so no DISTINCT is needed and the
    planner can use the link tables' indexes (guardian's generic joins are slow at scale).
    """
    if user.is_superuser:
        return queryset
    if not user.is_active:
        return queryset.none()
    model = queryset.model
    through = model.entities.through
    fk_name = f"{model._meta.model_name}_id"
    visible = Q(Exists(through.objects.filter(**{fk_name: OuterRef("pk")}, entity_id__in=entity_ids_of(user))))
    if user_perms is not None:
        visible |= Q(Exists(user_perms.objects.filter(content_object_id=OuterRef("pk"), user_id=user.pk)))
    if group_perms is not None:
        visible |= Q(Exists(group_perms.objects.filter(content_object_id=OuterRef("pk"), group__user=user.pk)))
    if also is not None:
        visible |= also
    return queryset.filter(visible)


def companies_visible_to(user: User) -> QuerySet[Company]:
    return scoped_by_entities(
        Company.objects.select_related("assigned_to", "sector"),
        user,
        user_perms=CompanyUserObjectPermission,
        group_perms=CompanyGroupObjectPermission,
    )


def companies_for_picker(user: User, query: str | None, *, company_type: str = "", limit: int = 15) -> list[Company]:
    """The company picker's results: a few visible companies whose folded name contains the query.

    Accents and case never matter ("rhone" and "RHÔNE" find "Rhône"): both sides are folded,
    and the plain LIKE on `search_name` is what the trigram index serves on PostgreSQL.
    Names that start with the text come first.
    """
    term = company_search_name_of(query)
    if not term:
        return []
    matching = companies_visible_to(user).select_related(None).filter(search_name__contains=term)
    if company_type:
        matching = matching.filter(type=company_type)
    starts = Case(When(search_name__startswith=term, then=Value(0)), default=Value(1))
    return list(matching.order_by(starts, "name", "id").only("id", "name", "type")[:limit])


def get_company_for(user: User, pk: int) -> Company:
    """The company if the user may see it; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(companies_visible_to(user), pk=pk)


def client_contacts_visible_to(user: User) -> QuerySet[ClientContact]:
    return ClientContact.objects.filter(company__in=companies_visible_to(user).values("pk")).select_related("company")


def diffusion_lists_visible_to(user: User) -> QuerySet[DiffusionList]:
    return scoped_by_entities(DiffusionList.objects.all(), user)
