"""Import previews flag the rows that would create a probable duplicate (issue 17).

The imports already match a row to an existing contact by e-mail, then by name and company
(prospects.imports.checks), and update or skip it. A row they would *create* may still be the
same person as a visible contact by the rest of the matching rule: a shared phone number.
The preview reports it as a warning with a link to the contact; the import is not blocked.
"""

from django.urls import reverse

from accounts.models import User
from prospects.duplicates.rules import MATCH_PHONE_FIELDS, MatchReason, reason_labels
from prospects.imports.plans import CREATE, RowPlan, batches, in_size
from prospects.models import ProspectContact
from prospects.selectors import prospects_visible_to

MAX_FLAGGED = 200  # rows flagged per preview (the rest would not be read anyway)


def plans_probable_duplicates(user: User, plans: list[RowPlan], *, limit: int = MAX_FLAGGED) -> list[dict]:
    """For the rows to create that share a phone with a visible contact: where, which contact, why.

    One query per phone field and batch of numbers, `= ANY(array)` and `<> ''` so PostgreSQL
    uses the partial phone indexes: an IN list of 5,000 numbers cannot prove the index's
    predicate and read the whole table (0.5 s a query at 1M contacts).
    """
    if limit <= 0:
        return []
    wanted = []
    for plan in plans:
        if plan.action != CREATE:
            continue
        # The rule's phone keys (ContactKeys.phones): the checks stored the numbers normalised, and
        # phone_normalise gives a normalised number back unchanged (test_phone_normalise_is_idempotent).
        phones = {plan.fields.get(field, "") for field in MATCH_PHONE_FIELDS}
        phones.discard("")
        if phones:
            wanted.append((plan, phones))
    if not wanted:
        return []
    numbers = sorted({number for _plan, phones in wanted for number in phones})
    visible = prospects_visible_to(user).select_related(None).order_by("pk")
    owners: dict[str, tuple[int, str, str]] = {}
    for field in MATCH_PHONE_FIELDS:  # the office phone first: its owner wins over a mobile's
        found: dict[str, tuple[int, str, str]] = {}
        for batch in batches(numbers, in_size()):
            rows = (
                visible.filter(**{f"{field}__any_of": batch})
                .exclude(**{field: ""})
                .values_list("pk", field, "last_name", "first_name")
            )
            for pk, number, last_name, first_name in rows:
                found.setdefault(number, (pk, last_name, first_name))
        for number, owner in found.items():
            owners.setdefault(number, owner)
    flagged = []
    for plan, phones in wanted:
        owner = next((owners[number] for number in sorted(phones) if number in owners), None)
        if owner is None:
            continue
        pk, last_name, first_name = owner
        flagged.append(
            {
                **plan.location,
                "contact_id": pk,
                "contact": str(ProspectContact(pk=pk, last_name=last_name, first_name=first_name)),
                "url": reverse("prospects:detail", args=[pk]),
                "reasons": reason_labels([MatchReason.PHONE]),
            }
        )
        if len(flagged) >= limit:
            break
    return flagged
