"""Text rules shared by every writer of companies and contacts: folding and e-mail normalisation.

They live in crm, the lowest app that needs them (company search); prospects re-exports them
from `prospects.contacts`, so a rule has one home whichever app writes the field.
"""

import unicodedata


def fold(text: str | None) -> str:
    """ "Hélène LEFÈVRE" → "helene lefevre": no accents, lower case, single spaces."""
    if not text:
        return ""
    if text.isascii():  # nothing to strip: the fast path of bulk imports and reindexing
        return " ".join(text.casefold().split())
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


def normalise_email(value: str | None) -> str:
    """An e-mail the way the database stores it: trimmed and lower-case."""
    return (value or "").strip().lower()


def company_search_name_of(name: str | None) -> str:
    """The folded name the company picker and the admin search (`Company.search_name`)."""
    return fold(name)[:200]
