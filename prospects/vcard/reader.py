"""A tolerant vCard reader for the files real address books write (I4).

Dialects handled: Apple Contacts / iCloud 3.0 (grouped `item1.EMAIL`, `X-AB…` labels),
Google 3.0, Outlook 2.1 (quoted-printable with soft line breaks, `CHARSET=windows-1252` or
`ISO-8859-1`, bare `;WORK;FAX` parameters), Android 2.1/3.0, Thunderbird / Nextcloud 4.0
(`VALUE=uri` `tel:` numbers, `TYPE="work,voice"`). Also: byte-order marks, folded lines,
CR, LF or CRLF line ends, files that are not UTF-8.

Each card becomes a `ParsedCard` whose `values` are keyed like the Excel template's columns
(`prospects.imports.columns`), so the shared validate/write pipeline of `prospects.imports.run`
takes them as they are. A broken card is reported with its file, card number and line and
the other cards are kept. Photos, logos, sounds and keys are dropped with a warning; vendor
and unknown properties are ignored. Published limits (G5) are checked before parsing.

vobject (the reference parser the tests compare with) is strict about exactly these
dialects — it stops at the first bad line of a file and decodes quoted-printable only in
2.1 cards — and is about ten times slower, hence this reader.
"""

import codecs
import quopri
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prospects.contacts import PHONE_FIELDS, phone_normalise

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES = 50
MAX_CARDS_PER_FILE = 20_000
MAX_PROPERTY_BYTES = 64 * 1024  # one unfolded property; photos above this are dropped unread

BINARY_PROPERTIES = {"PHOTO", "LOGO", "SOUND", "KEY"}
_PARAM_SPLIT = re.compile(r';(?=(?:[^"]*"[^"]*")*[^"]*$)')
_STRUCTURED_SPLIT = re.compile(r"(?<!\\);")
_UNESCAPE = re.compile(r"\\(.)", re.DOTALL)
_NAME = re.compile(r"[A-Z0-9-]+")
_GENDER_PREFIXES = {
    "m": "M.",
    "m.": "M.",
    "mr": "M.",
    "mr.": "M.",
    "monsieur": "M.",
    "mme": "Mme",
    "mme.": "Mme",
    "madame": "Mme",
    "mlle": "Mme",
    "mademoiselle": "Mme",
    "mrs": "Mme",
    "mrs.": "Mme",
    "ms": "Mme",
    "ms.": "Mme",
}


class VCardRejected(Exception):
    """The whole file is refused (empty, not a vCard, over a limit)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class ParsedCard:
    file: str
    number: int  # 1-based position in its file
    line: int  # line of its BEGIN:VCARD
    version: str = ""
    values: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    error: str = ""  # set when the card cannot be read: it is reported, never imported
    error_line: int = 0

    @property
    def location(self) -> dict:
        return {
            "file": self.file,
            "card": self.number,
            "line": self.error_line or self.line,
            "row": _("%(file)s, carte %(card)d") % {"file": self.file, "card": self.number},
        }

    @property
    def display_name(self) -> str:
        values = self.values
        name = " ".join(part for part in (values.get("first_name"), values.get("last_name")) if part)
        return name or values.get("company") or values.get("email") or _("(sans nom)")


@dataclass
class ParsedFile:
    name: str
    cards: list = field(default_factory=list)
    warnings: list = field(default_factory=list)  # file-level warnings


# ---------------------------------------------------------------------------------------
# Bytes → text → logical lines


def decode_bytes(data: bytes) -> tuple[str, bool]:
    """Text of a file: BOMs honoured, UTF-8 when it is, else Windows-1252. (text, was_utf8)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), True
    try:
        return data.decode("utf-8"), True
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), False


def _is_quoted_printable(head: str) -> bool:
    upper = head.upper()
    return "QUOTED-PRINTABLE" in upper


def logical_lines(text: str):
    """(line number, logical line): folded lines joined, 2.1 quoted-printable soft breaks too."""
    physical = text.splitlines()
    index, total = 0, len(physical)
    while index < total:
        start = index
        line = physical[index]
        index += 1
        head = line.split(":", 1)[0]
        size = len(line)
        parts = [line]
        qp = ":" in line and _is_quoted_printable(head)
        while index < total:
            following = physical[index]
            if following[:1] in (" ", "\t"):
                piece = following[1:]
            elif qp and parts[-1].endswith("="):
                parts[-1] = parts[-1][:-1]  # soft line break: the "=" goes, the next line follows as is
                piece = following
            else:
                break
            index += 1
            size += len(piece)
            if size <= MAX_PROPERTY_BYTES:
                parts.append(piece)
        if size > MAX_PROPERTY_BYTES:
            yield start + 1, None, head  # oversized: only its name survives
        else:
            yield start + 1, "".join(parts), head


def split_property(line: str) -> tuple[str, dict, str] | None:
    """`item1.TEL;TYPE=work,voice:01…` → ("TEL", {"TYPE": ["WORK", "VOICE"]}, "01…")."""
    colon = line.find(":")
    if '"' in line[:colon]:  # a quoted parameter may hold a colon: scan properly
        quoted, colon = False, -1
        for position, char in enumerate(line):
            if char == '"':
                quoted = not quoted
            elif char == ":" and not quoted:
                colon = position
                break
    if colon <= 0:
        return None
    head, value = line[:colon], line[colon + 1 :]
    pieces = _PARAM_SPLIT.split(head) if '"' in head else head.split(";")
    name = pieces[0].rsplit(".", 1)[-1].strip().upper()
    if not _NAME.fullmatch(name):
        return None
    params: dict[str, list[str]] = {}
    for piece in pieces[1:]:
        key, sep, raw = piece.partition("=")
        if not sep:  # vCard 2.1 bare parameter: ;WORK;FAX
            key, raw = "TYPE", piece
        values = [item.strip().strip('"').upper() for item in raw.split(",") if item.strip().strip('"')]
        params.setdefault(key.strip().upper(), []).extend(values)
    return name, params, value


def decode_value(value: str, params: dict) -> str:
    """Undo quoted-printable (with its CHARSET); the text escapes are undone later."""
    if "QUOTED-PRINTABLE" in params.get("ENCODING", []) or "QUOTED-PRINTABLE" in params.get("TYPE", []):
        raw = quopri.decodestring(value.encode("utf-8", errors="replace"))
        charset = (params.get("CHARSET") or ["UTF-8"])[0].lower()
        try:
            return raw.decode(charset)
        except (LookupError, UnicodeDecodeError):
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                return raw.decode("cp1252", errors="replace")
    return value


def _unescaped(match) -> str:
    char = match.group(1)
    return "\n" if char in "nN" else char


def unescape(text: str) -> str:
    if "\\" in text:
        text = _UNESCAPE.sub(_unescaped, text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def components(value: str) -> list[str]:
    return [unescape(part).strip() for part in _STRUCTURED_SPLIT.split(value)]


# ---------------------------------------------------------------------------------------
# Cards


def _types(params: dict) -> set[str]:
    return {item.lower() for item in params.get("TYPE", [])}


def _pick(entries: list[tuple[set[str], str]], preferred: tuple[str, ...]) -> str:
    """The entry with the first preferred type (then "pref"), else the first one."""
    for wanted in (*preferred, "pref"):
        for types, value in entries:
            if wanted in types:
                return value
    return entries[0][1] if entries else ""


def _phone(value: str) -> str:
    value = value.strip()
    return value[4:] if value.lower().startswith("tel:") else value


def _phones_normalise(values: dict, card: ParsedCard) -> None:
    """Phones stored exactly as the form stores them; one not understood is kept as typed, with a warning."""
    for name in PHONE_FIELDS:
        if values.get(name):
            phone = phone_normalise(values[name])
            values[name] = phone.value
            if not phone.understood:
                card.warnings.append(_("Numéro non reconnu, importé tel quel : %(number)s.") % {"number": phone.value})


def card_values(properties: list[tuple[str, dict, str]], card: ParsedCard) -> dict:
    """Map one card's properties to the import columns."""
    values: dict[str, str] = {}
    emails, phones, mobiles, faxes, addresses = [], [], [], [], []
    full_name = ""
    title = role = ""
    for name, params, raw in properties:
        if name == "N":
            parts = [*components(raw), "", "", "", "", ""]
            values["last_name"], values["first_name"] = parts[0], parts[1]
            gender = _GENDER_PREFIXES.get(parts[3].lower())
            if gender:
                values["gender"] = gender
        elif name == "FN":
            full_name = unescape(raw).strip()
        elif name == "ORG":
            parts = components(raw)
            values["company"] = parts[0]
            rest = [part for part in parts[1:] if part]
            if rest:
                values["department"] = " / ".join(rest)
        elif name == "TITLE":
            title = title or unescape(raw).strip()
        elif name == "ROLE":
            role = role or unescape(raw).strip()
        elif name == "EMAIL":
            email = unescape(raw).strip().removeprefix("mailto:")
            if email:
                emails.append((_types(params), email))
        elif name == "TEL":
            number = _phone(unescape(raw))
            if not number:
                continue
            types = _types(params)
            if "fax" in types:
                faxes.append((types, number))
            elif types & {"cell", "mobile", "iphone"}:
                mobiles.append((types, number))
            elif not types & {"pager"}:
                phones.append((types, number))
        elif name == "ADR":
            parts = [*components(raw), "", "", "", "", "", "", ""]
            if any(parts[:7]):
                addresses.append((_types(params), parts))
        elif name == "NOTE":
            values["description"] = unescape(raw).strip()
    if title or role:
        values["job_title"] = title or role
    if not values.get("last_name") and not values.get("first_name") and full_name:
        given, _sep, family = full_name.rpartition(" ")
        values["first_name"], values["last_name"] = given.strip(), family.strip()
    if emails:
        values["email"] = _pick(emails, ("work", "internet"))
        if len(emails) > 1:
            others = len(emails) - 1
            card.warnings.append(
                ngettext(
                    "%(count)d autre adresse e-mail non importée.",
                    "%(count)d autres adresses e-mail non importées.",
                    others,
                )
                % {"count": others}
            )
    if phones:
        values["phone"] = _pick(phones, ("work",))
    if mobiles:
        values["mobile"] = _pick(mobiles, ("work",))
    if faxes:
        values["fax"] = _pick(faxes, ("work",))
    _phones_normalise(values, card)
    if addresses:
        parts = _pick(addresses, ("work",))
        _pobox, extended, street, city, _region, code, country = parts[:7]
        values["address"] = "\n".join(part for part in (street, extended) if part)
        values["postcode"], values["city"], values["country"] = code, city, country
    if not values.get("last_name") and not values.get("first_name"):
        card.warnings.append(_("Carte sans nom."))
    return {key: value for key, value in values.items() if value}


def parse_vcards(data: bytes, *, name: str) -> ParsedFile:
    """Read one uploaded file; raises VCardRejected when the whole file is unusable."""
    if not data.strip():
        raise VCardRejected(_("%(file)s : le fichier est vide.") % {"file": name})
    if len(data) > MAX_FILE_BYTES:
        raise VCardRejected(
            _("%(file)s : le fichier dépasse %(max)d Mo.") % {"file": name, "max": MAX_FILE_BYTES // (1024 * 1024)}
        )
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise VCardRejected(_("%(file)s : ce n'est pas un fichier vCard (.vcf).") % {"file": name})
    text, was_utf8 = decode_bytes(data)
    upper = text.upper()
    begins = len(re.findall(r"^BEGIN:VCARD[ \t\r]*$", upper, re.MULTILINE))
    if not begins:
        if "BEGIN:VCALENDAR" in upper:
            raise VCardRejected(
                _("%(file)s : c'est un fichier d'agenda (vCalendar), pas un carnet d'adresses.") % {"file": name}
            )
        raise VCardRejected(_("%(file)s : ce n'est pas un fichier vCard (.vcf).") % {"file": name})
    if begins > MAX_CARDS_PER_FILE:
        raise VCardRejected(
            _("%(file)s : %(count)d cartes, plus que les %(max)d autorisées par fichier.")
            % {"file": name, "count": begins, "max": MAX_CARDS_PER_FILE}
        )
    parsed = ParsedFile(name=name)
    if not was_utf8:
        parsed.warnings.append(_("%(file)s : fichier non UTF-8, lu en Windows-1252.") % {"file": name})
    card: ParsedCard | None = None
    properties: list = []
    photos = 0

    def close(current: ParsedCard) -> None:
        nonlocal photos
        if not current.error:
            current.values = card_values(properties, current)
        if photos:
            current.warnings.append(_("Photo ignorée."))
        parsed.cards.append(current)

    for number, line, head in logical_lines(text):
        stripped = line.strip() if line is not None else ""
        keyword = stripped.upper()
        if keyword == "BEGIN:VCARD":
            if card is not None:
                card.error = card.error or _("END:VCARD manquant avant la carte suivante.")
                card.error_line = card.error_line or number
                close(card)
            card = ParsedCard(file=name, number=len(parsed.cards) + 1, line=number)
            properties, photos = [], 0
            continue
        if card is None:
            continue  # text between cards (or an END without BEGIN): ignored
        if keyword == "END:VCARD":
            close(card)
            card = None
            continue
        if card.error:
            continue
        if line is None:
            prop_name = head.rsplit(".", 1)[-1].split(";", 1)[0].strip().upper()
            if prop_name in BINARY_PROPERTIES:
                photos += 1
            else:
                card.error = _("Propriété %(name)s trop volumineuse (plus de %(max)d Ko).") % {
                    "name": prop_name[:30],
                    "max": MAX_PROPERTY_BYTES // 1024,
                }
                card.error_line = number
            continue
        if not stripped:
            continue
        split = split_property(line)
        if split is None:
            card.error = _("Ligne illisible : « %(line)s ».") % {"line": stripped[:60]}
            card.error_line = number
            continue
        prop_name, params, raw = split
        if prop_name in BINARY_PROPERTIES:
            photos += 1
        elif prop_name == "VERSION":
            card.version = raw.strip()
        elif prop_name in {"N", "FN", "ORG", "TITLE", "ROLE", "EMAIL", "TEL", "ADR", "NOTE"}:
            properties.append((prop_name, params, decode_value(raw, params)))
        # anything else (X-…, vendor, unknown) is ignored
    if card is not None:
        card.error = card.error or _("END:VCARD manquant : carte incomplète.")
        card.error_line = card.error_line or card.line
        close(card)
    return parsed
