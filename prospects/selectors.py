"""Visibility selectors for prospect contacts, their notes and the background jobs."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.permissions import has_right
from accounts.selectors import entity_ids_of
from crm.selectors import scoped_by_entities
from prospects.models import (
    Job,
    ProspectContact,
    ProspectContactGroupObjectPermission,
    ProspectContactUserObjectPermission,
    ProspectNote,
)


def prospects_visible_to(user: User) -> QuerySet[ProspectContact]:
    """Every view, export and task reaches contacts through this queryset."""
    return scoped_by_entities(
        ProspectContact.objects.select_related("company", "company__assigned_to", "assigned_to"),
        user,
        user_perms=ProspectContactUserObjectPermission,
        group_perms=ProspectContactGroupObjectPermission,
    )


def get_prospect_for(user: User, pk: int) -> ProspectContact:
    """The contact if the user may see it; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(prospects_visible_to(user), pk=pk)


def notes_visible_to(user: User, prospect: ProspectContact) -> QuerySet[ProspectNote]:
    """Notes of one (visible) contact: all entities with R12/R13, else the user's entities."""
    notes = ProspectNote.objects.filter(prospect=prospect).select_related("author", "entity")
    if has_right(user, "prospects.view_all_prospect_notes", prospect) or has_right(
        user, "prospects.manage_all_prospect_notes", prospect
    ):
        return notes
    return notes.filter(entity_id__in=entity_ids_of(user))


def jobs_visible_to(user: User) -> QuerySet[Job]:
    """A user follows the jobs they started; a superuser sees them all."""
    jobs = Job.objects.select_related("created_by")
    return jobs if user.is_superuser else jobs.filter(created_by=user)


def get_job_for(user: User, pk: int) -> Job:
    return get_object_or_404(jobs_visible_to(user), pk=pk)
