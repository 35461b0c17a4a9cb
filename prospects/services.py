"""Writes on prospect contacts: creation, assignment and the rights that follow the rep."""

from django.db import transaction
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import Entity, User
from prospects.models import ASSIGNEE_OBJECT_RIGHTS, ProspectContact


def _grant_assignee_rights(prospect: ProspectContact, user: User | None) -> None:
    if user is not None:
        for codename in ASSIGNEE_OBJECT_RIGHTS:
            assign_perm(f"prospects.{codename}", user, prospect)


def _revoke_assignee_rights(prospect: ProspectContact, user: User | None) -> None:
    if user is not None:
        for codename in ASSIGNEE_OBJECT_RIGHTS:
            remove_perm(f"prospects.{codename}", user, prospect)


def normalise_email(value: str) -> str:
    return (value or "").strip().lower()


@transaction.atomic
def prospect_create(
    *, by: User | None, entities: list[Entity] | None = None, skills=(), diffusion_lists=(), **fields
) -> ProspectContact:
    """Create a contact, share it with its entities and give its rep the object rights."""
    fields["email"] = normalise_email(fields.get("email", ""))
    prospect = ProspectContact(created_by=by, updated_by=by, **fields)
    prospect.full_clean(exclude=["entities", "skills", "diffusion_lists"])
    prospect.save()
    if entities:
        prospect.entities.set(entities)
    if skills:
        prospect.skills.set(skills)
    if diffusion_lists:
        prospect.diffusion_lists.set(diffusion_lists)
    _grant_assignee_rights(prospect, prospect.assigned_to)
    return prospect


@transaction.atomic
def prospect_assign(*, prospect: ProspectContact, to: User | None, by: User | None) -> bool:
    """Hand the contact to another rep; the rights move with it. False when nothing changed.

    The conditional update makes two simultaneous reassignments safe: only the one that
    still sees the previous rep moves the rights.
    """
    previous_id = prospect.assigned_to_id
    new_id = to.pk if to else None
    if previous_id == new_id:
        return False
    changed = ProspectContact.objects.filter(pk=prospect.pk, assigned_to_id=previous_id).update(
        assigned_to_id=new_id, updated_by=by
    )
    if not changed:
        prospect.refresh_from_db(fields=["assigned_to"])
        return prospect_assign(prospect=prospect, to=to, by=by)
    prospect.assigned_to = to
    prospect.updated_by = by
    assignee_rights_move(prospect=prospect, previous_id=previous_id)
    return True


def assignee_rights_move(*, prospect: ProspectContact, previous_id: int | None) -> None:
    """The previous rep loses the object rights on the contact, its current rep gets them."""
    if previous_id == prospect.assigned_to_id:
        return
    _revoke_assignee_rights(prospect, User.objects.filter(pk=previous_id).first() if previous_id else None)
    _grant_assignee_rights(prospect, prospect.assigned_to)
