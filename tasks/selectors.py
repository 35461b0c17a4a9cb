"""Tasks and attachments are visible exactly when their contact is."""

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import User
from accounts.selectors import users_visible_to
from prospects.models import ProspectContact
from prospects.selectors import prospects_visible_to
from tasks.models import Task, TaskAttachment, TaskStatus

OPEN_STATUSES = (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


def tasks_visible_to(user: User) -> QuerySet[Task]:
    return Task.objects.filter(prospect__in=prospects_visible_to(user).values("pk")).select_related(
        "prospect", "followed_by"
    )


def attachments_visible_to(user: User) -> QuerySet[TaskAttachment]:
    return TaskAttachment.objects.filter(task__in=tasks_visible_to(user).values("pk")).select_related("task")


def get_task_for(user: User, pk: int) -> Task:
    """The task if the user sees its contact; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(tasks_visible_to(user), pk=pk)


def get_attachment_for(user: User, pk: int) -> TaskAttachment:
    return get_object_or_404(attachments_visible_to(user), pk=pk)


def followers_for(user: User, prospect: ProspectContact) -> QuerySet[User]:
    """Who may follow a task of this contact: users the user sees, in one of the contact's entities."""
    return (
        users_visible_to(user)
        .filter(entities__in=prospect.entities.values("pk"))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def with_overdue(tasks: QuerySet[Task], now=None) -> QuerySet[Task]:
    """Annotate `is_overdue`: still open (en attente, en cours) and due before now."""
    now = now or timezone.now()
    return tasks.annotate(
        is_overdue=Case(
            When(Q(due_at__lt=now, status__in=OPEN_STATUSES), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def tasks_of_prospect(user: User, prospect: ProspectContact, *, newest_first: bool = True) -> list[Task]:
    """The tasks tab (T1): the contact's tasks by date, with follower and attachments prefetched.

    `prospect` must have been reached through the user's visibility selector (get_prospect_for):
    a task is visible when its contact is (tasks_visible_to), so its tasks are read directly,
    without the visibility subqueries again.
    """
    order = ("-due_at", "-id") if newest_first else ("due_at", "id")
    tasks = (
        Task.objects.filter(prospect=prospect)
        .select_related("followed_by")
        .prefetch_related("attachments")
        .order_by(*order)
    )
    return list(with_overdue(tasks))


def tasks_followed_by(user: User) -> QuerySet[Task]:
    """ "Mes tâches": the visible tasks the user follows, across contacts."""
    return with_overdue(
        tasks_visible_to(user)
        .filter(followed_by=user)
        .select_related("prospect__company")
        .prefetch_related("attachments")
        .order_by("due_at", "id")
    )
