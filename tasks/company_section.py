"""The company page's tasks section: the visible tasks of the company's contacts (registered in ready())."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from crm.models import Company
from tasks.selectors import tasks_visible_to, with_overdue

COMPANY_TASKS_SHOWN = 50


def company_tasks_section(request: HttpRequest, company: Company) -> SafeString:
    """The latest tasks first (as the card's tab shows them); each names and links its contact."""
    tasks = with_overdue(
        tasks_visible_to(request.user)
        .filter(prospect__company=company)
        .select_related("prospect", "followed_by")
        .order_by("-due_at", "-id")
    )
    shown = list(tasks[: COMPANY_TASKS_SHOWN + 1])
    context = {"company": company, "tasks": shown[:COMPANY_TASKS_SHOWN], "more": len(shown) > COMPANY_TASKS_SHOWN}
    return render_to_string("tasks/_company_tasks.html", context, request=request)
