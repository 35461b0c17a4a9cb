"""The matching rule: when two contacts are probably the same person. One rule for everything
that looks for duplicates: the duplicates page, the import previews (Excel and vCard) and the
merge screen's explanation.

Two contacts match when they share
- the same e-mail (stored normalised: `normalise_email`),
- a phone number, the office or mobile one of either (stored normalised: `phone_normalise`),
- the same folded last and first names at the same company (`fold`; free contacts never match
  by name alone: two "Jean Martin" without a company are as likely two people).

Every key is a stored, indexed column or expression (see the model's indexes), so finding
the contacts that share a key is an index lookup, never a pairwise comparison.
"""

from dataclasses import dataclass

from django.db.models import Q, TextChoices
from django.utils.translation import gettext_lazy as _

from prospects.contacts import normalise_email, phone_normalise
from prospects.search import name_key_of


class MatchReason(TextChoices):
    EMAIL = "email", _("même e-mail")
    PHONE = "phone", _("même téléphone")
    NAME = "name", _("même nom à la même société")


# Phones the rule compares; the fax is shared by a whole office, not a person's.
MATCH_PHONE_FIELDS = ("phone", "mobile")


@dataclass(frozen=True)
class ContactKeys:
    """What the rule compares of one contact, normalised."""

    email: str
    phones: frozenset[str]
    name_key: str
    company_id: int | None

    @classmethod
    def of(cls, *, last_name="", first_name="", email="", phone="", mobile="", company_id=None) -> "ContactKeys":
        phones = {phone_normalise(number).value for number in (phone, mobile)}
        return cls(
            email=normalise_email(email),
            phones=frozenset(number for number in phones if number),
            name_key=name_key_of(last_name=last_name, first_name=first_name),
            company_id=company_id,
        )

    @classmethod
    def of_contact(cls, prospect) -> "ContactKeys":
        return cls.of(
            last_name=prospect.last_name,
            first_name=prospect.first_name,
            email=prospect.email,
            phone=prospect.phone,
            mobile=prospect.mobile,
            company_id=prospect.company_id,
        )


def match_reasons(first: ContactKeys, second: ContactKeys) -> list[str]:
    """Why two contacts match (MatchReason values, in a stable order); empty if they do not."""
    reasons = []
    if first.email and first.email == second.email:
        reasons.append(MatchReason.EMAIL)
    if first.phones & second.phones:
        reasons.append(MatchReason.PHONE)
    if first.company_id is not None and first.company_id == second.company_id and first.name_key == second.name_key:
        reasons.append(MatchReason.NAME)
    return reasons


def matching_q(keys: ContactKeys) -> Q | None:
    """The contacts that match these keys, as a filter served by the key indexes; None if no key.

    `name_key` is the contact's generated column (the folded "last|first" of search_text).
    """
    found = Q()
    if keys.email:
        found |= Q(email=keys.email)
    for field in MATCH_PHONE_FIELDS:
        if keys.phones:
            found |= Q(**{f"{field}__in": sorted(keys.phones)})
    if keys.company_id is not None and keys.name_key.strip("|"):
        found |= Q(company_id=keys.company_id, name_key=keys.name_key)
    return found or None


def contacts_matching(queryset, keys: ContactKeys):
    """The contacts of `queryset` matching these keys (none when the keys are all empty)."""
    condition = matching_q(keys)
    if condition is None:
        return queryset.none()
    return queryset.filter(condition)


def reason_labels(reasons) -> list[str]:
    return [str(MatchReason(reason).label) for reason in reasons]
