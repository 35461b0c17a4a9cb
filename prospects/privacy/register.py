"""The opposition register: the e-mails and phones of the people who objected to prospecting,
kept as keyed hashes (HMAC-SHA256) so the register outlives the contact without holding its data.

The key comes from the setting OPPOSITION_REGISTER_KEY (or, when unset, from SECRET_KEY):
without it a hash cannot be recomputed from a guessed address. Values are normalised by the
contact rules first, so "Jean@X.fr " and "jean@x.fr", "01.44.55.66.77" and "+33 1 44 55 66 77"
give the same hash.
"""

import hashlib
import hmac

from django.conf import settings

from prospects.contacts import normalise_email, phone_normalise
from prospects.privacy.models import OppositionEntry, OppositionKind

PURPOSE = b"crm.privacy.opposition-register"


def _key() -> bytes:
    secret = settings.OPPOSITION_REGISTER_KEY or settings.SECRET_KEY
    return hashlib.sha256(PURPOSE + secret.encode()).digest()


def opposition_digest(kind: str, value: str) -> str:
    return hmac.new(_key(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def opposition_digests(*, email: str = "", phones=()) -> list[tuple[str, str]]:
    """(kind, digest) of a person's normalised e-mail and phones; empty values are left out."""
    found = []
    email = normalise_email(email)
    if email:
        found.append((OppositionKind.EMAIL, opposition_digest(OppositionKind.EMAIL, email)))
    for number in dict.fromkeys(phone_normalise(phone).value for phone in phones):
        if number:
            found.append((OppositionKind.PHONE, opposition_digest(OppositionKind.PHONE, number)))
    return found


def opposition_register_add(*, email: str = "", phones=(), channel: str = "") -> int:
    """Record the person's hashes (idempotent). Returns how many were new."""
    entries = [
        OppositionEntry(kind=kind, digest=digest, channel=channel)
        for kind, digest in opposition_digests(email=email, phones=phones)
    ]
    before = OppositionEntry.objects.count()
    OppositionEntry.objects.bulk_create(entries, ignore_conflicts=True)
    return OppositionEntry.objects.count() - before


def opposition_known(*, email: str = "", phones=()) -> bool:
    """True if this e-mail or one of these phones is in the register."""
    digests = opposition_digests(email=email, phones=phones)
    if not digests:
        return False
    return OppositionEntry.objects.filter(digest__in=[digest for _kind, digest in digests]).exists()


def opposition_known_among(people: list[dict]) -> set[int]:
    """The indexes of `people` ({"email", "phone", "mobile"}) found in the register, in one query."""
    by_digest: dict[str, set[int]] = {}
    for index, person in enumerate(people):
        phones = (person.get("phone", ""), person.get("mobile", ""))
        for _kind, digest in opposition_digests(email=person.get("email", ""), phones=phones):
            by_digest.setdefault(digest, set()).add(index)
    if not by_digest:
        return set()
    known = OppositionEntry.objects.filter(digest__in=list(by_digest)).values_list("digest", flat=True)
    return set().union(*(by_digest[digest] for digest in known))
