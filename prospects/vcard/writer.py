"""vCard writing: a direct string serializer (3.0 by default, 4.0 on request) and safe archive names.

Building the text by hand is about twenty times faster than vobject's serializer and keeps
the output under our control; the tests re-parse every shape of contact with vobject to the
same fields (G6). Rules applied to every value: CR/LF become `\\n`, `\\ , ;` are escaped,
other control characters are dropped, lines are folded at 75 octets without splitting a
UTF-8 character, and lines end with CRLF (RFC 2426 / RFC 6350).
"""

import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

VERSIONS = ("3.0", "4.0")
DEFAULT_VERSION = "3.0"
MAX_LINE_OCTETS = 75
# The UID of an exported contact is stable, so a re-import of our own export finds it again.
UID_NAMESPACE = uuid.UUID("6f1b8f3c-2d4e-4c55-9a0e-5b7c1d2e3f40")

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ",": "\\,", ";": "\\;", "\n": "\\n"})


@dataclass(frozen=True)
class VCardFields:
    """What a contact puts into a card; built from a ProspectContact by `fields_of`."""

    uid: str = ""
    last_name: str = ""
    first_name: str = ""
    gender: str = ""
    company: str = ""
    department: str = ""
    job_title: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    fax: str = ""
    address: str = ""
    postcode: str = ""
    city: str = ""
    country: str = ""
    description: str = ""
    updated_at: datetime | None = None


def prospect_uid(pk: int) -> str:
    return f"urn:uuid:{uuid.uuid5(UID_NAMESPACE, f'prospect-contact-{pk}')}"


def fields_of(prospect) -> VCardFields:
    """The card's fields of a contact (its company must be select_related)."""
    company = prospect.company
    return VCardFields(
        uid=prospect_uid(prospect.pk),
        last_name=prospect.last_name,
        first_name=prospect.first_name,
        company=company.name if company is not None else "",
        department=prospect.department,
        job_title=prospect.job_title,
        email=prospect.email,
        phone=prospect.phone,
        mobile=prospect.mobile,
        fax=prospect.fax,
        address=prospect.address,
        postcode=prospect.postcode,
        city=prospect.city,
        country=prospect.country,
        description=prospect.description,
        updated_at=prospect.updated_at,
    )


def _clean(value: str) -> str:
    """One logical value: line breaks normalised to LF, other control characters dropped."""
    if not value:
        return ""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def escape_text(value: str) -> str:
    return _clean(value).translate(_TEXT_ESCAPES)


def _structured(*components: str) -> str:
    return ";".join(escape_text(component) for component in components)


def fold(line: str) -> str:
    """Fold one content line at 75 octets (continuations start with a space), CRLF-terminated."""
    encoded = line.encode("utf-8")
    if len(encoded) <= MAX_LINE_OCTETS:
        return line + "\r\n"
    parts = []
    start, limit = 0, MAX_LINE_OCTETS
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        # Never cut inside a UTF-8 sequence: back off to the start of a character.
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1
        parts.append(encoded[start:end].decode("utf-8"))
        start, limit = end, MAX_LINE_OCTETS - 1  # the leading space counts
    return "\r\n ".join(parts) + "\r\n"


def display_name(fields: VCardFields) -> str:
    """FN is mandatory: the person's name, else the company, the e-mail, or a neutral label."""
    name = " ".join(part for part in (_clean(fields.first_name), _clean(fields.last_name)) if part.strip())
    return name.strip() or _clean(fields.company).strip() or fields.email or "-"


def _rev(moment: datetime | None, version: str) -> str:
    if moment is None:
        return ""
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{moment:%Y%m%dT%H%M%SZ}" if version == "4.0" else f"{moment:%Y-%m-%dT%H:%M:%SZ}"


def serialize(fields: VCardFields, version: str = DEFAULT_VERSION) -> str:
    """One card as text."""
    if version not in VERSIONS:
        raise ValueError(f"unsupported vCard version {version!r}")
    lines = ["BEGIN:VCARD", f"VERSION:{version}"]
    if version == "4.0":
        lines.append("KIND:individual")
    lines.append("N:" + _structured(fields.last_name, fields.first_name, "", "", ""))
    lines.append("FN:" + escape_text(display_name(fields)))
    if fields.company or fields.department:
        lines.append("ORG:" + _structured(fields.company, fields.department))
    if fields.job_title:
        lines.append("TITLE:" + escape_text(fields.job_title))
    if fields.email:
        lines.append("EMAIL;TYPE=work:" + escape_text(fields.email))
    if fields.phone:
        lines.append("TEL;TYPE=work,voice:" + escape_text(fields.phone))
    if fields.mobile:
        lines.append("TEL;TYPE=cell,voice:" + escape_text(fields.mobile))
    if fields.fax:
        lines.append("TEL;TYPE=work,fax:" + escape_text(fields.fax))
    if fields.address or fields.postcode or fields.city or fields.country:
        lines.append(
            "ADR;TYPE=work:" + _structured("", "", fields.address, fields.city, "", fields.postcode, fields.country)
        )
    if fields.description:
        lines.append("NOTE:" + escape_text(fields.description))
    rev = _rev(fields.updated_at, version)
    if rev:
        lines.append(f"REV:{rev}")
    if fields.uid:
        lines.append("UID:" + escape_text(fields.uid))
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def serialize_many(contacts: Iterable[VCardFields], version: str = DEFAULT_VERSION) -> str:
    return "".join(serialize(fields, version) for fields in contacts)


# ---------------------------------------------------------------------------------------
# File names inside a .zip: built by the server from the contact's name, never trusted.

MAX_NAME_LENGTH = 80
_RESERVED = {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(10)} | {f"lpt{i}" for i in range(10)}
_UNSAFE = re.compile(r"[^\w .()'-]+")


def safe_file_stem(text: str, *, fallback: str = "contact") -> str:
    """A portable file-name stem: no separators, no `..`, no control or reserved names, capped."""
    text = unicodedata.normalize("NFC", _clean(text or "")).replace("\n", " ")
    text = _UNSAFE.sub("_", text)  # path separators, `:`, `*`, `?`, quotes, `<>|`...
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"[\s_]+", lambda m: "_" if "_" in m.group() else " ", text)
    text = text.strip(" ._-")[:MAX_NAME_LENGTH].strip(" ._-")
    if not text or text.split(".")[0].lower() in _RESERVED:
        text = f"{fallback}_{text}" if text else fallback
    return text


class ArchiveNames:
    """Unique names within one archive: "Dupont Marie.vcf", then "Dupont Marie-2.vcf"..."""

    def __init__(self):
        self._taken: set[str] = set()

    def name_for(self, stem: str, suffix: str = ".vcf") -> str:
        base = safe_file_stem(stem)
        candidate, number = base, 1
        while candidate.lower() in self._taken:
            number += 1
            candidate = f"{base}-{number}"
        self._taken.add(candidate.lower())
        return candidate + suffix


def archive_stem(fields: VCardFields) -> str:
    name = " ".join(part for part in (fields.last_name, fields.first_name) if part and part.strip())
    return name or fields.company or fields.email or "contact"


def write_zip(contacts: Iterable[VCardFields], target, version: str = DEFAULT_VERSION) -> int:
    """One .vcf per contact into `target` (a path or a binary file); returns how many."""
    names = ArchiveNames()
    written = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for fields in contacts:
            archive.writestr(names.name_for(archive_stem(fields)), serialize(fields, version).encode("utf-8"))
            written += 1
    return written


def zip_bytes(contacts: Iterable[VCardFields], version: str = DEFAULT_VERSION) -> bytes:
    buffer = io.BytesIO()
    write_zip(contacts, buffer, version)
    return buffer.getvalue()
