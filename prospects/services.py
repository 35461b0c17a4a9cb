"""Writes on prospect contacts: creation, assignment, mass actions, notes.

The rep's rights follow `assigned_to` by rule (prospects.rights): no write here moves them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Entity, User
from crm.choices import CompanyStatus, CompanyType
from crm.models import ClientContact, Company, Opportunity, Proposal
from prospects.contacts import contact_fields_normalise
from prospects.models import (
    HISTORY_TRACKED_FIELDS,
    ContactStatus,
    ProspectContact,
    ProspectNote,
)
from prospects.rights import R1, R10, R11, R13, Right, has_right
from prospects.search import company_sort_of, search_text_for
from prospects.selectors import DATA_VERSION_KEY, count_subquery

# ---------------------------------------------------------------------------------------
# History (B4). save() records itself (django-simple-history); the conditional and bulk
# updates below bypass save(), so they write their historical rows here, in bulk.

_HISTORY_COLUMNS = ("pk", "last_name", "first_name", "created_at", *HISTORY_TRACKED_FIELDS)


def prospects_history_baseline(*, ids: list[int]) -> None:
    """Give contacts that have no history yet (bulk import, demo data) their current state as a first row.

    Called before a change, so that the change can show its old value. The row is dated at
    the contact's creation and has no author: it stands for "as created".
    """
    history = ProspectContact.history.model
    for chunk in _in_chunks(ids):
        missing = list(
            ProspectContact.objects.filter(pk__in=chunk)
            .exclude(pk__in=history.objects.filter(id__in=chunk).values("id"))
            .only(*_HISTORY_COLUMNS)
        )
        for prospect in missing:
            prospect._history_date, prospect._history_user = prospect.created_at, None
        ProspectContact.history.bulk_history_create(missing, batch_size=500)


def prospects_history_record(*, ids: list[int], by: User | None) -> None:
    """Record the current state of contacts changed by an update that bypassed save()."""
    now = timezone.now()
    for chunk in _in_chunks(ids):
        changed = list(ProspectContact.objects.filter(pk__in=chunk).only(*_HISTORY_COLUMNS))
        for prospect in changed:
            prospect._history_user = by
        ProspectContact.history.bulk_history_create(changed, batch_size=500, update=True, default_date=now)


@transaction.atomic
def prospect_create(
    *, by: User | None, entities: list[Entity] | None = None, skills=(), diffusion_lists=(), **fields
) -> ProspectContact:
    """Create a contact and share it with its entities."""
    fields.setdefault("email", "")
    contact_fields_normalise(fields)
    prospect = ProspectContact(created_by=by, updated_by=by, **fields)
    prospect._history_user = by
    prospect_search_fields_refresh(prospect)
    prospect.full_clean(exclude=["entities", "skills", "diffusion_lists"])
    prospect.save()
    if entities:
        prospect.entities.set(entities)
    if skills:
        prospect.skills.set(skills)
    if diffusion_lists:
        prospect.diffusion_lists.set(diffusion_lists)
    prospects_data_changed()
    return prospect


@transaction.atomic
def prospect_assign(*, prospect: ProspectContact, to: User | None, by: User | None) -> bool:
    """Hand the contact to another rep (the rep's rights follow by rule). False when nothing changed.

    The conditional update makes two simultaneous reassignments safe: only the one that
    still sees the previous rep writes the change and its history.
    """
    previous_id = prospect.assigned_to_id
    new_id = to.pk if to else None
    if previous_id == new_id:
        return False
    prospects_history_baseline(ids=[prospect.pk])
    changed = ProspectContact.objects.filter(pk=prospect.pk, assigned_to_id=previous_id).update(
        assigned_to_id=new_id, updated_by=by
    )
    if not changed:
        prospect.refresh_from_db(fields=["assigned_to"])
        return prospect_assign(prospect=prospect, to=to, by=by)
    prospect.assigned_to = to
    prospect.updated_by = by
    prospects_history_record(ids=[prospect.pk], by=by)
    return True


@transaction.atomic
def prospect_update(*, prospect: ProspectContact, by: User | None, entities: list[Entity] | None = None, **fields):
    """Save an edited contact (a new rep gets the rep's rights by rule), its row locked meanwhile."""
    ProspectContact.objects.select_for_update().filter(pk=prospect.pk).values_list("pk", flat=True).get()
    prospects_history_baseline(ids=[prospect.pk])
    contact_fields_normalise(fields)
    for name, value in fields.items():
        setattr(prospect, name, value)
    prospect.updated_by = by
    prospect._history_user = by
    prospect_search_fields_refresh(prospect)
    prospect.full_clean(exclude=["entities", "skills", "diffusion_lists"])
    prospect.save()
    if entities is not None:
        prospect.entities.set(entities)
    prospects_data_changed()
    return prospect


def prospect_search_fields_refresh(prospect: ProspectContact) -> None:
    """Recompute the denormalised search and sort columns; every writer calls it before saving."""
    prospect.search_text = search_text_for(prospect)
    prospect.company_sort = company_sort_of(prospect.company.name if prospect.company_id else "")


def prospects_reindex(*, prospects) -> int:
    """Rewrite the search/sort columns of a queryset of contacts (e.g. after a company rename)."""
    batch, written = [], 0
    for prospect in prospects.select_related("company").iterator(chunk_size=2000):
        prospect_search_fields_refresh(prospect)
        batch.append(prospect)
        if len(batch) >= 2000:
            written += ProspectContact.objects.bulk_update(batch, ["search_text", "company_sort"])
            batch = []
    if batch:
        written += ProspectContact.objects.bulk_update(batch, ["search_text", "company_sort"])
    return written


# ---------------------------------------------------------------------------------------
# Mass actions of the list page (L6). Each one takes the contacts the user selected (a
# queryset already scoped by prospects_visible_to), keeps those the user may change, runs
# in one transaction and reports exactly what it did.

MASS_ACTION_LIMIT = 10_000


class MassActionTooLarge(Exception):
    def __init__(self, count: int):
        super().__init__(count)
        self.count = count


@dataclass
class MassResult:
    selected: int = 0  # visible contacts in the selection
    changed: int = 0
    unchanged: int = 0  # already in the requested state
    refused: int = 0  # visible but the user lacks the right on them
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (contact, reason), delete only
    opposed: int = 0  # objected to prospecting: never subscribed (issue 17)
    deleted_names: list[str] = field(default_factory=list)  # delete only: the first DELETED_NAMES_KEPT


DELETED_NAMES_KEPT = 5  # a mass delete names this many contacts, then "et N autres"


class ProspectOpposed(Exception):
    """The contact objected to prospecting: no new diffusion-list subscription (issue 17)."""


def prospect_inbound_record(*, prospect_id: int, on: date | None = None) -> bool:
    """The date of the last contact from the prospect (GDPR retention) moves forward, never back.

    Called by the services that record a contact: a note, a deal, a task done (tasks app), a
    logged reply. A conditional update, so two writers never move it backwards.
    """
    on = on or timezone.localdate()
    later = models.Q(last_inbound_at__isnull=True) | models.Q(last_inbound_at__lt=on)
    return bool(ProspectContact.objects.filter(later, pk=prospect_id).update(last_inbound_at=on))


def prospects_data_changed() -> None:
    """Invalidate the cached list counts once the transaction commits."""

    def bump():
        try:
            cache.incr(DATA_VERSION_KEY)
        except ValueError:
            cache.set(DATA_VERSION_KEY, 1, None)

    transaction.on_commit(bump)


def _mass_targets(*, prospects, by: User, right: Right) -> tuple[list[int], MassResult]:
    """Lock and return the ids the user may change, with the selection's counters."""
    from prospects.selectors import prospects_changeable_by

    selected = prospects.order_by().count()
    if selected > MASS_ACTION_LIMIT:
        raise MassActionTooLarge(selected)
    allowed = prospects_changeable_by(by, right).filter(pk__in=prospects.order_by().values("pk"))
    # Row locks (PostgreSQL): a concurrent mass action on the same contacts waits for this one.
    target_ids = list(
        ProspectContact.objects.select_for_update()
        .filter(pk__in=allowed.order_by().values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return target_ids, MassResult(selected=selected, refused=selected - len(target_ids))


def _in_chunks(ids: list[int], size: int = 900, progress: Callable[[int], None] | None = None):
    """`ids` by slices of `size`; `progress` (a job's `advance`) is told of each slice once done."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
        if progress is not None:
            progress(len(ids[start : start + size]))


@transaction.atomic
def prospects_mass_assign(*, prospects, to: User | None, by: User, progress=None) -> MassResult:
    """Hand the selected contacts to one rep (the rep's rights follow by rule)."""
    target_ids, result = _mass_targets(prospects=prospects, by=by, right=R1)
    new_id = to.pk if to else None
    moved = [
        pk
        for chunk in _in_chunks(target_ids)
        for pk in ProspectContact.objects.filter(pk__in=chunk)
        .exclude(assigned_to_id=new_id)
        .values_list("pk", flat=True)
    ]
    result.unchanged = len(target_ids) - len(moved)
    prospects_history_baseline(ids=moved)
    now = timezone.now()
    for chunk in _in_chunks(moved, progress=progress):
        result.changed += ProspectContact.objects.filter(pk__in=chunk).update(
            assigned_to_id=new_id, updated_by=by, updated_at=now
        )
    prospects_history_record(ids=moved, by=by)
    prospects_data_changed()
    return result


@transaction.atomic
def prospects_mass_status(*, prospects, status: str, by: User, progress=None) -> MassResult:
    if status not in ContactStatus.values:
        raise ValueError(f"unknown status {status!r}")
    target_ids, result = _mass_targets(prospects=prospects, by=by, right=R1)
    now = timezone.now()
    # The rows are locked by _mass_targets, so the ids read here are the ones the update changes.
    moved = [
        pk
        for chunk in _in_chunks(target_ids)
        for pk in ProspectContact.objects.filter(pk__in=chunk).exclude(status=status).values_list("pk", flat=True)
    ]
    prospects_history_baseline(ids=moved)
    for chunk in _in_chunks(moved, progress=progress):
        result.changed += ProspectContact.objects.filter(pk__in=chunk).update(
            status=status, updated_by=by, updated_at=now
        )
    prospects_history_record(ids=moved, by=by)
    result.unchanged = len(target_ids) - result.changed
    prospects_data_changed()
    return result


@transaction.atomic
def prospects_mass_subscriptions(*, prospects, lists, subscribe: bool, by: User, progress=None) -> MassResult:
    """Subscribe (or unsubscribe) the selected contacts to the given diffusion lists (R10).

    `changed` counts the contacts whose subscriptions changed; `lists` must be visible to `by`.
    """
    target_ids, result = _mass_targets(prospects=prospects, by=by, right=R10)
    if subscribe:  # an opposed contact is never subscribed (issue 17)
        opposed = set(
            ProspectContact.objects.filter(pk__in=target_ids, opposed_at__isnull=False).values_list("pk", flat=True)
        )
        target_ids = [pk for pk in target_ids if pk not in opposed]
        result.opposed = len(opposed)
    through = ProspectContact.diffusion_lists.through
    list_ids = [diffusion_list.pk for diffusion_list in lists]
    touched: set[int] = set()
    for chunk in _in_chunks(target_ids, progress=progress):
        existing = set(
            through.objects.filter(prospectcontact_id__in=chunk, diffusionlist_id__in=list_ids).values_list(
                "prospectcontact_id", "diffusionlist_id"
            )
        )
        if subscribe:
            rows = [(pk, list_id) for pk in chunk for list_id in list_ids if (pk, list_id) not in existing]
            through.objects.bulk_create(
                [through(prospectcontact_id=pk, diffusionlist_id=list_id) for pk, list_id in rows],
                batch_size=500,
                ignore_conflicts=True,
            )
            touched.update(pk for pk, _list_id in rows)
        else:
            through.objects.filter(prospectcontact_id__in=chunk, diffusionlist_id__in=list_ids).delete()
            touched.update(pk for pk, _list_id in existing)
    result.changed = len(touched)
    result.unchanged = len(target_ids) - len(touched)
    return result


def _delete_blocking_relations() -> list:
    """What keeps a contact from being deleted: the rows of other apps that PROTECT it (tasks, deals…).

    Read from the model's relations, so an app that links to contacts blocks deletion without
    this app knowing it.
    """
    return [
        relation
        for relation in ProspectContact._meta.related_objects
        if relation.one_to_many and relation.on_delete in (models.PROTECT, models.RESTRICT)
    ]


def _blocker_annotation(relation) -> str:
    return f"{relation.get_accessor_name()}_blocking_count"


def prospect_delete_blockers(prospect: ProspectContact) -> list[str]:
    """Why a contact cannot be deleted (D1): what still links to it ("2 tâches commerciales"). Empty when deletable.

    Expects the annotations of `prospects_with_links`.
    """
    reasons = []
    for relation in _delete_blocking_relations():
        count = getattr(prospect, _blocker_annotation(relation))
        if count:
            meta = relation.related_model._meta
            things = meta.verbose_name if count == 1 else meta.verbose_name_plural
            reasons.append(f"{count} {things}")  # the names are translated by the models
    return reasons


def prospects_with_links(ids: list[int]):
    """The contacts of `ids` with, for each blocking relation, how many rows link to them."""
    return ProspectContact.objects.filter(pk__in=ids).annotate(
        **{
            _blocker_annotation(relation): count_subquery(
                relation.related_model._base_manager.all(), relation.field.name
            )
            for relation in _delete_blocking_relations()
        }
    )


@transaction.atomic
def prospects_mass_delete(*, prospects, by: User, progress=None) -> MassResult:
    """Delete the selected contacts nothing links to; list the others with the reason (D1, G7).

    Notes, subscriptions, entity links and object-permission rows go with each contact.
    """
    target_ids, result = _mass_targets(prospects=prospects, by=by, right=R1)
    deletable = []
    for chunk in _in_chunks(target_ids):
        for prospect in prospects_with_links(chunk).order_by("last_name", "first_name", "pk"):
            reasons = prospect_delete_blockers(prospect)
            if reasons:
                result.skipped.append((str(prospect), ", ".join(reasons)))
            else:
                deletable.append(prospect.pk)
                if len(result.deleted_names) < DELETED_NAMES_KEPT:
                    result.deleted_names.append(str(prospect))
    for chunk in _in_chunks(deletable, progress=progress):
        ProspectContact.objects.filter(pk__in=chunk).delete()
    result.changed = len(deletable)
    prospects_data_changed()
    return result


# ---------------------------------------------------------------------------------------
# Post-it notes on a contact (F3): R11 manages one's own notes, R13 everyone's.

NOTE_OWN, NOTE_ALL = R11, R13


def note_rights(user: User, prospect: ProspectContact) -> dict[str, bool]:
    """May write notes and manage one's own ("own": R11 or R13), may manage anyone's ("all": R13)."""
    manage_all = has_right(user, NOTE_ALL, prospect)
    return {"own": manage_all or has_right(user, NOTE_OWN, prospect), "all": manage_all}


def note_may_manage(user: User, note: ProspectNote, rights: dict[str, bool]) -> bool:
    """Edit or delete a note, given the user's `note_rights` on its contact."""
    return rights["all"] or (rights["own"] and note.author_id == user.pk)


def _note_entity(author: User, prospect: ProspectContact) -> Entity:
    """The entity the note is written from: one the author shares with the contact, if any."""
    author_entities = author.entities.order_by("name")
    entity = author_entities.filter(prospects=prospect).first() or author_entities.first()
    if entity is None:
        raise ValidationError(_("Vous n'êtes rattaché à aucune entité : impossible d'écrire une note."))
    return entity


@transaction.atomic
def note_create(*, prospect: ProspectContact, author: User, text: str) -> ProspectNote:
    note = ProspectNote(prospect=prospect, author=author, entity=_note_entity(author, prospect), text=text.strip())
    note.full_clean()
    note.save()
    prospect_inbound_record(prospect_id=prospect.pk)
    return note


@transaction.atomic
def note_update(*, note: ProspectNote, text: str) -> ProspectNote:
    note.text = text.strip()
    note.full_clean()
    note.save(update_fields=["text", "updated_at"])
    return note


@transaction.atomic
def note_delete(*, note: ProspectNote) -> None:
    note.delete()


# ---------------------------------------------------------------------------------------
# Deleting one contact (D1)


class ProspectNotDeletable(Exception):
    """Something still links to the contact; `reasons` says what ("1 opportunité", "2 tâches commerciales")."""

    def __init__(self, reasons: list[str]):
        super().__init__(", ".join(reasons))
        self.reasons = reasons

    def message(self, contact_name: str) -> str:
        """The refusal as the page and the API word it."""
        return _("%(contact)s ne peut pas être supprimé : lié à %(reasons)s.") % {
            "contact": contact_name,
            "reasons": ", ".join(self.reasons),
        }


@transaction.atomic
def prospect_delete(*, prospect: ProspectContact, by: User | None) -> None:
    """Delete a contact nothing links to; its notes, subscriptions and object rights go with it.

    The row lock makes a task or deal created meanwhile wait, so the check still holds at delete.
    Raises ProspectNotDeletable with the reasons otherwise.
    """
    ProspectContact.objects.select_for_update().filter(pk=prospect.pk).values_list("pk", flat=True).get()
    reasons = prospect_delete_blockers(prospects_with_links([prospect.pk]).get())
    if reasons:
        raise ProspectNotDeletable(reasons)
    prospect.delete()
    prospects_data_changed()


# ---------------------------------------------------------------------------------------
# Skills environment (S1) and diffusion-list subscriptions (M1) of one contact


def _touch(prospect: ProspectContact, by: User | None) -> None:
    prospect.updated_by = by
    # Skills and lists are not part of the history (B4): no historical row for a touch.
    prospect.skip_history_when_saving = True
    try:
        prospect.save(update_fields=["updated_by", "updated_at"])
    finally:
        del prospect.skip_history_when_saving


@transaction.atomic
def prospect_skills_set(*, prospect: ProspectContact, skills, by: User | None) -> None:
    prospect.skills.set(skills)
    _touch(prospect, by)


@transaction.atomic
def prospect_subscriptions_set(*, prospect: ProspectContact, lists, visible_lists, by: User | None) -> None:
    """Subscribe the contact to exactly `lists` among `visible_lists`; lists the user cannot see stay.

    Raises ProspectOpposed when `lists` would add a subscription to a contact who objected.
    """
    kept = prospect.diffusion_lists.exclude(pk__in=[diffusion_list.pk for diffusion_list in visible_lists])
    current = set(prospect.diffusion_lists.values_list("pk", flat=True))
    if prospect.opposed_at and {diffusion_list.pk for diffusion_list in lists} - current:
        raise ProspectOpposed
    prospect.diffusion_lists.set([*lists, *kept])
    _touch(prospect, by)


# ---------------------------------------------------------------------------------------
# Conversion into a client contact (X1)


class ProspectAlreadyConverted(Exception):
    pass


@transaction.atomic
def prospect_convert(
    *, prospect: ProspectContact, by: User | None, client_company: Company | None = None, convert_company: bool = False
) -> ClientContact:
    """Create the client contact of a prospect contact, once, in one transaction.

    The client contact goes to `client_company` (a client company), or to the contact's own
    company, which `convert_company` first turns into a client. The prospect becomes
    "Converti" and keeps its tasks, notes and deals; it links to its client contact.
    """
    locked = ProspectContact.objects.select_for_update(of=("self",)).select_related("company").get(pk=prospect.pk)
    if locked.client_contact_id:
        raise ProspectAlreadyConverted
    prospects_history_baseline(ids=[locked.pk])
    company = client_company
    if company is None and locked.company_id:
        company = locked.company
        if convert_company and company.type != CompanyType.CLIENT:
            Company.objects.filter(pk=company.pk).update(
                type=CompanyType.CLIENT, status=CompanyStatus.CONVERTED, updated_at=timezone.now()
            )
            company.refresh_from_db()
    if company is None or company.type != CompanyType.CLIENT:
        raise ValidationError(_("Choisissez une société cliente, ou convertissez d'abord la société en client."))
    client = ClientContact(
        company=company,
        **{name: getattr(locked, name) for name in CLIENT_CONTACT_COPIED_FIELDS},
        created_by=by,
    )
    client.full_clean()
    client.save()
    ProspectContact.objects.filter(pk=locked.pk).update(
        client_contact=client, status=ContactStatus.CONVERTED, updated_by=by, updated_at=timezone.now()
    )
    prospect.client_contact, prospect.status, prospect.updated_by = client, ContactStatus.CONVERTED, by
    prospects_history_record(ids=[locked.pk], by=by)
    prospects_data_changed()
    return client


CLIENT_CONTACT_COPIED_FIELDS = (
    "gender",
    "last_name",
    "first_name",
    "department",
    "job_title",
    "email",
    "phone",
    "mobile",
    "assigned_to",
)


# ---------------------------------------------------------------------------------------
# Opportunities opened from a contact (O1)


@transaction.atomic
def opportunity_create(*, prospect: ProspectContact, by: User | None, **fields) -> Opportunity:
    """An opportunity on the contact and on its company (none for a free contact)."""
    opportunity = Opportunity(prospect=prospect, company_id=prospect.company_id, created_by=by, **fields)
    opportunity.full_clean()
    opportunity.save()
    prospect_inbound_record(prospect_id=prospect.pk)
    prospects_data_changed()
    return opportunity


@transaction.atomic
def opportunity_update(*, opportunity: Opportunity, by: User | None, **fields) -> Opportunity:
    """O1: edit a deal's stage, amount, dates, probability; only what changed is written."""
    changed = [name for name, value in fields.items() if getattr(opportunity, name) != value]
    for name in changed:
        setattr(opportunity, name, fields[name])
    if changed:
        opportunity.full_clean()
        opportunity.save(update_fields=changed)
    return opportunity


@transaction.atomic
def proposal_create(*, opportunity: Opportunity, prospect: ProspectContact, by: User | None, **fields) -> Proposal:
    """A commercial proposal within one of the contact's deals."""
    proposal = Proposal(opportunity=opportunity, prospect=prospect, created_by=by, **fields)
    proposal.full_clean()
    proposal.save()
    prospects_data_changed()  # the list's "Affaires" counts
    return proposal
