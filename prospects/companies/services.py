"""Writes of companies: every writer (pages, picker) goes through these; `Company.save()` folds the name."""

from django.db import transaction

from accounts.models import Entity, User
from crm.choices import CompanyType
from crm.models import Company
from crm.text import company_search_name_of
from prospects.services import prospects_data_changed


@transaction.atomic
def company_create(*, by: User | None, entities: list[Entity], **fields) -> Company:
    """Create a company shared with its entities (the contacts list's company filters read it)."""
    company = Company(**fields)
    company.full_clean(exclude=["entities"])
    company.save()
    company.entities.set(entities)
    return company


@transaction.atomic
def company_update(*, company: Company, by: User | None, entities: list[Entity] | None = None, **fields) -> Company:
    """Save only the fields that changed; the contacts list's cached counts follow the company's file."""
    changed = [name for name, value in fields.items() if getattr(company, name) != value]
    for name in changed:
        setattr(company, name, fields[name])
    if changed:
        company.full_clean(exclude=["entities"])
        company.save(update_fields=[*changed, "updated_at"])
    current_entities = set(company.entities.values_list("pk", flat=True))
    if entities is not None and {entity.pk for entity in entities} != current_entities:
        company.entities.set(entities)
        changed.append("entities")
    if changed:
        prospects_data_changed()  # size, revenue, sector, entities filter the contacts list
    return company


@transaction.atomic
def company_quick_create(*, by: User, name: str, entities: list[Entity], visible) -> tuple[Company, bool]:
    """The picker's "Créer la société « … »": the visible company of that folded name, or a new prospect.

    `visible` is the user's visible companies: typing a name that already exists (whatever its
    accents or case) picks that company rather than creating its twin.
    """
    existing = visible.filter(search_name=company_search_name_of(name)).order_by("id").first()
    if existing is not None:
        return existing, False
    return company_create(by=by, entities=entities, name=name, type=CompanyType.PROSPECT), True
