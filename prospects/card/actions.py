"""Which actions a user may see on a contact: one rule for the card's ⋮ menu and the list's row menu.

The rule works from facts computed beforehand, so that the list decides 200 rows with a few
queries per page and the card decides its one contact with the same function:
- the contact's `company_id` and `client_contact_id`;
- `rights`: the rights of `RIGHTS_NEEDED` the user holds on the contact (globally, by the rep
  rule or by an object grant);
- `can_create`: R1 held globally (duplicating creates a contact);
- `companies`: the ids of the companies the user may open (narrower than the contact's
  visibility: a contact can be shared more widely than its company).
Each action matches the server-side check of its view.
"""

from accounts.models import User
from crm.selectors import companies_visible_to
from prospects.models import ProspectContact
from prospects.rights import R1, R3, R4, R5, R6, R8, R10, R15, Right, has_right

# action → the right it needs on the contact (None: seeing the contact is enough).
ACTION_RIGHTS: dict[str, Right | None] = {
    "company": None,  # and the company itself visible
    "edit": R1,
    "skills": R5,
    "subscriptions": R10,
    "task": R3,
    "opportunity": R1,  # R4 on a free contact (O1)
    "convert": R6,  # and not converted yet
    "duplicate": R1,  # held globally
    "vcf": R8,
    "merge": R15,  # "Fusionner avec…" (issue 17)
    "delete": R1,
}
ACTIONS = tuple(ACTION_RIGHTS)
# The rights the actions read on each contact: what the list computes per row.
RIGHTS_NEEDED: tuple[Right, ...] = (R1, R3, R4, R5, R6, R8, R10, R15)


def opportunity_right(*, company_id: int | None) -> Right:
    """O1: on a free contact (no company) opening a deal needs R4, otherwise R1."""
    return R4 if company_id is None else R1


def actions_allowed(
    *,
    company_id: int | None,
    client_contact_id: int | None,
    rights: set[Right],
    can_create: bool,
    companies: set[int],
) -> frozenset[str]:
    """The names of the actions (ACTIONS) the user may see on one contact."""
    allowed = set()
    for action, right in ACTION_RIGHTS.items():
        if action == "company":
            shown = company_id is not None and company_id in companies
        elif action == "duplicate":
            shown = can_create
        elif action == "opportunity":
            shown = opportunity_right(company_id=company_id) in rights
        elif action == "convert":
            shown = client_contact_id is None and right in rights
        else:
            shown = right in rights
        if shown:
            allowed.add(action)
    return frozenset(allowed)


def contact_rights(user: User, prospect: ProspectContact) -> set[Right]:
    """The rights of RIGHTS_NEEDED the user holds on one (visible) contact: the list's row rights, for the card."""
    return {right for right in RIGHTS_NEEDED if has_right(user, right, prospect)}


def contact_actions(user: User, prospect: ProspectContact) -> frozenset[str]:
    """The actions the card offers on one (visible) contact, from the same inputs as a list row."""
    company_ids = set()
    if prospect.company_id is not None and companies_visible_to(user).filter(pk=prospect.company_id).exists():
        company_ids.add(prospect.company_id)
    return actions_allowed(
        company_id=prospect.company_id,
        client_contact_id=prospect.client_contact_id,
        rights=contact_rights(user, prospect),
        can_create=has_right(user, R1),
        companies=company_ids,
    )
