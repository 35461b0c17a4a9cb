"""The field rules every writer of a contact shares: the form, the admin, the imports, the demo.

- phones: `phone_normalise` (phonenumbers, region FR by default): a French number in national
  format ("01 44 55 66 77"), any other in international format ("+44 20 7946 0958"); a value
  phonenumbers does not understand is kept as typed (spaces collapsed) and flagged;
- e-mails: `normalise_email` (trimmed, lower-case);
- names: `fold` (no accents, lower case) for search and duplicate detection.

`normalise_email` and `fold` live in `crm.text` because companies need them too and crm may
not import prospects; they are re-exported here so contact writers have one place to look.
"""

import functools
import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from crm.text import company_search_name_of, fold, normalise_email

__all__ = [
    "PHONE_FIELDS",
    "contact_fields_normalise",
    "Phone",
    "company_search_name_of",
    "fold",
    "normalise_email",
    "phone_check",
    "phone_normalise",
]

PHONE_FIELDS = ("phone", "mobile", "fax")
DEFAULT_REGION = "FR"
# What a person may type in a phone number; anything else is not a phone (the form refuses it).
PHONE_CHARACTERS = re.compile(r"^\+?[\d\s.\-()/]+$")


# The fast path of bulk imports: a French number typed nationally ("0144556677", "01.44.55.66.77")
# is checked against phonenumbers' own FR patterns (fixed line, mobile, VoIP, whose national
# format is always "0X XX XX XX XX") without parsing it: parsing costs tens of microseconds a
# number, a lot over a million rows. Anything else takes the full phonenumbers path.
_NATIONAL_SHAPE = re.compile(r"0[1-79](?:[ .\-]?\d\d){4}")
_FR_METADATA = phonenumbers.PhoneMetadata.metadata_for_region(DEFAULT_REGION)
_FR_PLAIN_NUMBER = re.compile(
    "|".join(
        f"(?:{description.national_number_pattern})"
        for description in (_FR_METADATA.fixed_line, _FR_METADATA.mobile, _FR_METADATA.voip)
        if description is not None and description.national_number_pattern
    )
)
_NOT_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Phone:
    """A phone as stored, and whether phonenumbers understood it (False: kept as typed)."""

    value: str
    understood: bool


def phone_normalise(value: str | None, *, region: str = DEFAULT_REGION) -> Phone:
    """ "0144.55.66.77" and "+33144556677" → "01 44 55 66 77"; "+442079460958" → "+44 20 7946 0958".

    Never raises: an empty value is ("", True); a value that is not a valid number of its
    country is kept as typed, with its spaces collapsed, and `understood` is False.
    """
    typed = " ".join((value or "").split())
    if not typed:
        return Phone("", True)
    if region == DEFAULT_REGION and len(typed) <= 14 and _NATIONAL_SHAPE.fullmatch(typed):
        national = _NOT_DIGITS.sub("", typed)[1:]
        if _FR_PLAIN_NUMBER.fullmatch(national):
            return Phone(f"0{national[0]} {national[1:3]} {national[3:5]} {national[5:7]} {national[7:9]}", True)
    return _phone_parsed(typed, region)


# phonenumbers' path costs 30 to 40 µs a number: an import normalises a number when it checks
# the row, then its preview again for the duplicate rule, and a file repeats its switchboards.
@functools.lru_cache(maxsize=16_384)
def _phone_parsed(typed: str, region: str) -> Phone:
    try:
        number = phonenumbers.parse(typed, region)
    except phonenumbers.NumberParseException:
        return Phone(typed, False)
    if not phonenumbers.is_valid_number(number):
        return Phone(typed, False)
    if phonenumbers.region_code_for_number(number) == DEFAULT_REGION:
        return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL), True)
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL), True)


def phone_check(value: str | None) -> Phone:
    """The form's rule: characters that cannot be part of a phone are refused, the rest normalised.

    Raises ValidationError (code "invalid_phone") for letters and other symbols, or for fewer
    than 4 or more than 15 digits; a digit string phonenumbers cannot parse is accepted as typed
    (`understood` False), which the form reports as a warning.
    """
    typed = " ".join((value or "").split())
    if not typed:
        return Phone("", True)
    digit_count = sum(char.isdigit() for char in typed)
    if not PHONE_CHARACTERS.match(typed) or not 4 <= digit_count <= 15:
        raise ValidationError(
            _("Numéro invalide : chiffres, espaces, points, tirets, parenthèses et « + » initial seulement."),
            code="invalid_phone",
        )
    return phone_normalise(typed)


def contact_fields_normalise(fields: dict) -> list[str]:
    """Normalise the e-mail and phones of a dict of contact fields in place (imports, demo).

    Returns the names of the phone fields kept as typed because they were not understood.
    """
    if "email" in fields:
        fields["email"] = normalise_email(fields["email"])
    not_understood = []
    for name in PHONE_FIELDS:
        if fields.get(name):
            phone = phone_normalise(fields[name])
            fields[name] = phone.value
            if not phone.understood:
                not_understood.append(name)
    return not_understood
