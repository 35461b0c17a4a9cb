"""Import previews flag the rows that would create a probable duplicate (issue 17).

The imports already match a row to an existing contact by e-mail, then by name and company
(prospects.imports.checks), and update or skip it. A row they would *create* may still be the
same person as a visible contact by the rest of the matching rule: a shared phone number.
The preview reports it as a warning with a link to the contact; the import is not blocked.
"""

from django.urls import reverse

from accounts.models import User
from prospects.duplicates.rules import MATCH_PHONE_FIELDS, ContactKeys, MatchReason, reason_labels
from prospects.imports.plans import CREATE, RowPlan, batches, in_size
from prospects.selectors import prospects_visible_to

MAX_FLAGGED = 200  # rows flagged per preview (the rest would not be read anyway)


def plans_probable_duplicates(user: User, plans: list[RowPlan], *, limit: int = MAX_FLAGGED) -> list[dict]:
    """For the rows to create that share a phone with a visible contact: where, which contact, why."""
    wanted = {}
    for plan in plans:
        if plan.action != CREATE:
            continue
        keys = ContactKeys.of(phone=plan.fields.get("phone", ""), mobile=plan.fields.get("mobile", ""))
        if keys.phones:
            wanted[id(plan)] = (plan, keys.phones)
    if not wanted or limit <= 0:
        return []
    numbers = sorted({number for _plan, phones in wanted.values() for number in phones})
    visible = prospects_visible_to(user).select_related(None).order_by("pk")
    owners: dict[str, tuple[int, str]] = {}
    for batch in batches(numbers, in_size()):
        for field in MATCH_PHONE_FIELDS:
            for contact in visible.filter(**{f"{field}__in": batch}).only("pk", "last_name", "first_name", field):
                owners.setdefault(getattr(contact, field), (contact.pk, str(contact)))
    flagged = []
    for plan, phones in wanted.values():
        owner = next((owners[number] for number in sorted(phones) if number in owners), None)
        if owner is None:
            continue
        flagged.append(
            {
                **plan.location,
                "contact_id": owner[0],
                "contact": owner[1],
                "url": reverse("prospects:detail", args=[owner[0]]),
                "reasons": reason_labels([MatchReason.PHONE]),
            }
        )
        if len(flagged) >= limit:
            break
    return flagged
