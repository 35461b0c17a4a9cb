"""The demo's tasks: the guide's task on ARMANON Julie, seeded after the prospects app's demo data."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction

from accounts.models import User
from prospects.models import ProspectContact
from tasks.models import Task, TaskPriority, TaskStatus, TaskType

GUIDE_TASK = "Contacter le prospect début 2024"


@transaction.atomic
def seed_guide_tasks() -> int:
    """The guide's task on its contact ARMANON, once (idempotent); 0 when the contact is missing."""
    armanon = ProspectContact.objects.filter(last_name="ARMANON", first_name="Julie").order_by("pk").first()
    if armanon is None or Task.objects.filter(prospect=armanon, name=GUIDE_TASK).exists():
        return 0
    users = {user.username: user for user in User.objects.filter(username__in=["lise", "marine"])}
    Task.objects.create(
        prospect=armanon,
        priority=TaskPriority.NORMAL,
        due_at=datetime(2023, 12, 28, 11, 0, tzinfo=ZoneInfo("Europe/Paris")),
        type=TaskType.NOTE,
        name=GUIDE_TASK,
        followed_by=users.get("lise"),
        status=TaskStatus.PENDING,
        created_by=users.get("marine"),
    )
    return 1
