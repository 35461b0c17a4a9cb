"""Accent- and case-insensitive search (B3) through one normalised column per contact.

`search_text` holds the lower-cased, accent-stripped names, e-mail and company name, plus
the digits of every phone number; `company_sort` holds the normalised company name the
list sorts on. Both are written by the services (and by the demo COPY generator) and
searched with plain `LIKE '%term%'`, which a pg_trgm GIN index serves on PostgreSQL and
which behaves the same on SQLite because both sides are already folded.
"""

import re

from django.db.models import Value
from django.db.models.functions import Greatest, StrIndex, Substr

from crm.text import fold  # re-exported: the search columns fold names like every writer

PHONE_QUERY = re.compile(r"^\+?[\d\s.\-()/]+$")


_ASCII_NON_DIGITS = {code: None for code in range(128) if not chr(code).isdigit()}


def digits(text: str | None) -> str:
    if not text:
        return ""
    if text.isascii():  # the usual case, ten times faster than the loop
        return text.translate(_ASCII_NON_DIGITS)
    return "".join(char for char in text if char.isdigit())


def phone_digits(text: str | None) -> str:
    """Digits of a phone number, the French international prefix folded: "+33 1 44" → "0144"."""
    value = digits(text)
    if (text or "").lstrip().startswith("+33") and value.startswith("33"):
        value = "0" + value[2:]
    return value


def search_text_of(
    *, last_name="", first_name="", email="", company_name="", phone="", mobile="", fax="", folder=fold
) -> str:
    """`folder`: `fold` or a cached copy of it (bulk imports, where names repeat)."""
    parts = [folder(last_name), folder(first_name), folder(email), folder(company_name)]
    parts += [phone_digits(number) for number in (phone, mobile, fax)]
    # "|" separates the fields so a term never matches across two of them.
    return "|".join(parts)


def search_text_for(prospect) -> str:
    return search_text_of(
        last_name=prospect.last_name,
        first_name=prospect.first_name,
        email=prospect.email,
        company_name=prospect.company.name if prospect.company_id else "",
        phone=prospect.phone,
        mobile=prospect.mobile,
        fax=prospect.fax,
    )


def company_sort_of(name: str | None, *, folder=fold) -> str | None:
    """Sort key of a company name; None for a free contact (sorted last). `folder`: as in search_text_of."""
    return folder(name)[:200] or None if name else None


def search_terms(query: str | None) -> list[str]:
    """The terms a contact must all contain. A phone-looking query becomes one digits term."""
    query = (query or "").strip()
    if not query:
        return []
    if PHONE_QUERY.match(query) and len(digits(query)) >= 2:
        return [phone_digits(query)]
    terms = [term.replace("|", "") for term in fold(query).split()]
    return [term for term in dict.fromkeys(terms) if term]


def name_key_of(*, last_name: str | None, first_name: str | None) -> str:
    """The folded "last|first" that starts `search_text`: the name half of the duplicate rule."""
    return f"{fold(last_name)}|{fold(first_name)}"


def name_key_expression(column: str = "search_text"):
    """`name_key_of` in SQL: `column` up to its second "|" (the contact's generated `name_key`).

    Built from Django's own functions (STRPOS/INSTR, SUBSTRING, GREATEST/MAX), which every
    database can compute in a stored generated column, and which a migration can name without
    importing this module.
    """
    first = StrIndex(column, Value("|"))
    second = StrIndex(Substr(column, first + 1), Value("|"))
    return Substr(column, 1, Greatest(first + second - 1, Value(0)))
