"""Merging contacts: one survivor keeps, field by field, the values the user picked; everything
linked to the others moves to it; the others are deleted; the merge is recorded.

What moves is found through the model's relations, not listed: every foreign key to a contact
(notes, tasks of the tasks app, opportunities, proposals, object grants, earlier merge
records, any model added later), every many-to-many of the contact (entities, skills,
diffusion lists), and the contact's history rows.
"""

from django.db import models, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from prospects.contacts import contact_fields_normalise
from prospects.duplicates.models import ProspectMerge
from prospects.models import ProspectContact
from prospects.privacy.models import PersonalDataAction
from prospects.privacy.services import privacy_log
from prospects.rights import R15, has_right
from prospects.services import prospect_search_fields_refresh, prospects_data_changed, prospects_history_baseline

# The fields the merge screen offers, in the card's order. The rest is not a person's data
# (search columns, audit, timestamps) or is merged by rule (see below).
MERGE_FIELDS = (
    "gender",
    "last_name",
    "first_name",
    "company",
    "department",
    "job_title",
    "email",
    "phone",
    "mobile",
    "fax",
    "address",
    "postcode",
    "city",
    "region",
    "country",
    "parent_company",
    "assigned_to",
    "status",
    "sector",
    "origin",
    "origin_comment",
    "description",
    "legal_basis",
    "consent_date",
    "consent_source",
)


class MergeRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def merge_may(user: User, contacts: list[ProspectContact]) -> bool:
    """The user needs R15 on every contact involved (globally, by object grant)."""
    return all(has_right(user, R15, contact) for contact in contacts)


def field_value_label(contact: ProspectContact, name: str) -> str:
    """A field's value as the merge screen and the merge record show it."""
    field = ProspectContact._meta.get_field(name)
    value = getattr(contact, name)
    if value in (None, ""):
        return ""
    if field.choices:
        return str(getattr(contact, f"get_{name}_display")())
    return str(value)


def _unique_sets(model: type[models.Model], fk_name: str) -> list[tuple[str, ...]]:
    """The unique field sets of `model` that include the foreign key `fk_name`."""
    sets = [tuple(fields) for fields in model._meta.unique_together]
    sets += [
        tuple(constraint.fields)
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields and constraint.condition is None
    ]
    return [fields for fields in sets if fk_name in fields]


def _move_foreign_keys(survivor: ProspectContact, other_ids: list[int]) -> dict[str, int]:
    """Point every row that references one of `other_ids` at the survivor. Returns counts by model."""
    moved = {}
    for relation in ProspectContact._meta.related_objects:
        if relation.many_to_many:
            field_name, model = relation.field.m2m_reverse_field_name(), relation.through
        else:
            field_name, model = relation.field.name, relation.related_model
        rows = model._base_manager.filter(**{f"{field_name}__in": other_ids})
        survivor_has_one = relation.one_to_one and model._base_manager.filter(**{field_name: survivor.pk}).exists()
        if survivor_has_one and rows.exists():
            raise MergeRefused(
                _("Les deux contacts ont chacun un(e) %(thing)s : fusion impossible.")
                % {"thing": model._meta.verbose_name}
            )
        unique_sets = _unique_sets(model, field_name)
        count = 0
        if unique_sets:  # e.g. object grants: the survivor may already hold the same row
            for row in rows:
                clash = any(
                    model._base_manager.filter(
                        **{name: survivor.pk if name == field_name else getattr(row, name) for name in fields}
                    ).exists()
                    for fields in unique_sets
                )
                if clash:
                    row.delete()
                else:
                    setattr(row, field_name, survivor)
                    row.save(update_fields=[field_name])
                    count += 1
        else:
            count = rows.update(**{field_name: survivor.pk})
        if count:
            moved[model._meta.label] = count
    return moved


def _merge_many_to_many(survivor: ProspectContact, others: list[ProspectContact]) -> None:
    for field in ProspectContact._meta.many_to_many:
        manager = getattr(survivor, field.name)
        related_ids = set()
        for other in others:
            related_ids |= set(getattr(other, field.name).values_list("pk", flat=True))
        if related_ids:
            manager.add(*related_ids)


@transaction.atomic
def prospects_merge(
    *, survivor: ProspectContact, others: list[ProspectContact], picks: dict[str, int], by: User | None
) -> ProspectMerge:
    """Merge `others` into `survivor`; `picks` maps a field of MERGE_FIELDS to the id of the contact
    whose value is kept (the survivor's when missing). The caller checked the rights.

    Rules beyond the picks: the conversion link follows the converted contact (two converted
    contacts cannot be merged); an opposition to prospecting, the earliest one, is always kept;
    the last contact from the prospect is the latest of all.
    """
    other_ids = sorted({other.pk for other in others} - {survivor.pk})
    if not other_ids:
        raise MergeRefused(_("Choisissez au moins deux contacts différents."))
    ids = [survivor.pk, *other_ids]
    locked = list(ProspectContact.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    if len(locked) != len(ids):
        raise MergeRefused(_("Un des contacts a été supprimé entre-temps."))
    by_id = {
        contact.pk: contact
        for contact in ProspectContact.objects.select_related(
            "company", "parent_company", "assigned_to", "sector"
        ).filter(pk__in=ids)
    }
    survivor, others = by_id[survivor.pk], [by_id[pk] for pk in other_ids]
    converted = [contact for contact in by_id.values() if contact.client_contact_id]
    if len(converted) > 1:
        raise MergeRefused(_("Plusieurs de ces contacts ont été convertis en contacts clients : fusion impossible."))
    prospects_history_baseline(ids=[survivor.pk])

    dropped, kept = [], {}
    for name in MERGE_FIELDS:
        source = by_id.get(int(picks.get(name, survivor.pk)), survivor)
        attname = ProspectContact._meta.get_field(name).attname
        kept[attname] = getattr(source, attname)
        for contact in by_id.values():
            value = getattr(contact, attname)
            if value not in (None, "") and value != kept[attname]:
                label = str(ProspectContact._meta.get_field(name).verbose_name)
                dropped.append(
                    {"field": name, "label": label, "value": field_value_label(contact, name), "from": contact.pk}
                )
    contact_fields_normalise(kept)  # the picked values were stored normalised already: idempotent
    opposed = [contact for contact in by_id.values() if contact.opposed_at]
    inbound = [contact.last_inbound_at for contact in by_id.values() if contact.last_inbound_at]
    merged_contacts = [{"id": contact.pk, "label": str(contact)} for contact in others]

    if converted and converted[0].pk != survivor.pk:
        client_contact_id = converted[0].client_contact_id
        ProspectContact.objects.filter(pk=converted[0].pk).update(client_contact=None)
        survivor.client_contact_id = client_contact_id
    _merge_many_to_many(survivor, others)
    _move_foreign_keys(survivor, other_ids)
    ProspectContact.history.model.objects.filter(id__in=other_ids).update(id=survivor.pk)
    ProspectContact.objects.filter(pk__in=other_ids).delete()

    for attname, value in kept.items():
        setattr(survivor, attname, value)
    if opposed:
        first = min(opposed, key=lambda contact: contact.opposed_at)
        survivor.opposed_at, survivor.opposition_channel = first.opposed_at, first.opposition_channel
    if inbound:
        survivor.last_inbound_at = max(inbound)
    survivor.updated_by = by
    survivor._history_user = by
    survivor._change_reason = _("Fusion")
    prospect_search_fields_refresh(survivor)
    survivor.full_clean(exclude=["entities", "skills", "diffusion_lists"])
    survivor.save()
    record = ProspectMerge.objects.create(
        survivor=survivor, merged_by=by, merged_contacts=merged_contacts, dropped_values=dropped
    )
    privacy_log(
        action=PersonalDataAction.MERGE,
        by=by,
        count=len(ids),
        detail=f"#{survivor.pk} ← " + ", ".join(f"#{pk}" for pk in other_ids),
    )
    prospects_data_changed()
    return record


def merges_of(prospect: ProspectContact) -> list[ProspectMerge]:
    """The merges recorded on a contact, newest first, for the card's history."""
    return list(ProspectMerge.objects.filter(survivor=prospect).select_related("merged_by"))
