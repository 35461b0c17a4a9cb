"""Tasks and attachments are visible exactly when their contact is."""

from django.db.models import QuerySet

from accounts.models import User
from prospects.selectors import prospects_visible_to
from tasks.models import Task, TaskAttachment


def tasks_visible_to(user: User) -> QuerySet[Task]:
    return Task.objects.filter(prospect__in=prospects_visible_to(user).values("pk")).select_related(
        "prospect", "followed_by"
    )


def attachments_visible_to(user: User) -> QuerySet[TaskAttachment]:
    return TaskAttachment.objects.filter(task__in=tasks_visible_to(user).values("pk")).select_related("task")
