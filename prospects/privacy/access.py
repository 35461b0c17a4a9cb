"""The right of access (GDPR art. 15): everything held on one contact, as data.

Related rows are found through the model's relations (notes, tasks of the tasks app, deals,
proposals, merges, …), so a model that links to contacts later is exported without a change here.
Object grants and search columns are internal, not data about the person.
"""

from django.db import models
from django.utils import timezone

from prospects.models import (
    ProspectContact,
    ProspectContactGroupObjectPermission,
    ProspectContactUserObjectPermission,
)

INTERNAL_FIELDS = {"search_text", "company_sort", "name_key"}
INTERNAL_MODELS = {ProspectContactUserObjectPermission, ProspectContactGroupObjectPermission}


def _value(instance: models.Model, field: models.Field):
    if field.is_relation:
        related = getattr(instance, field.name, None)
        return str(related) if related is not None else None
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")()) if getattr(instance, field.attname) else ""
    value = getattr(instance, field.attname)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    return value


def _record(instance: models.Model, skip: set[str] = frozenset()) -> dict:
    return {
        str(field.verbose_name): _value(instance, field)
        for field in instance._meta.concrete_fields
        if field.name not in skip and field.name not in INTERNAL_FIELDS
    }


def prospect_access_data(prospect: ProspectContact) -> dict:
    """{"contact": {...}, "sections": [{"title", "rows": [{...}]}]} — JSON-ready, labels translated."""
    sections = []
    for field in ProspectContact._meta.many_to_many:
        rows = [{str(field.verbose_name): str(item)} for item in getattr(prospect, field.name).all()]
        sections.append({"title": str(field.verbose_name), "rows": rows})
    for relation in ProspectContact._meta.related_objects:
        model = relation.related_model
        if relation.many_to_many or model in INTERNAL_MODELS:
            continue
        rows = model._base_manager.filter(**{relation.field.name: prospect.pk}).order_by("pk")
        sections.append(
            {
                "title": str(model._meta.verbose_name_plural),
                "rows": [_record(row, skip={relation.field.name}) for row in rows],
            }
        )
    history = ProspectContact.history.filter(id=prospect.pk).order_by("history_date")
    sections.append(
        {
            "title": str(ProspectContact.history.model._meta.verbose_name),
            "rows": [_record(row, skip={"id", "history_change_reason"}) for row in history],
        }
    )
    return {
        "generated_at": timezone.now().isoformat(),
        "contact": _record(prospect),
        "sections": sections,
    }
