"""The direct vCard serializer: escaping, folding, mandatory properties, and round trips through vobject."""

import random
import zipfile
from datetime import UTC, datetime

import pytest
import vobject

from prospects.vcard.writer import (
    MAX_NAME_LENGTH,
    ArchiveNames,
    VCardFields,
    fold,
    prospect_uid,
    safe_file_stem,
    serialize,
    serialize_many,
    zip_bytes,
)

HOSTILE = [
    "",
    "Dupont",
    "=cmd|' /C calc'!A0",
    "+33 1 44 55 66 77",
    "-2+3",
    "@SUM(A1)",
    "a;b,c\\d",
    "\\n not a newline",
    "line 1\nline 2\r\nline 3\rline 4",
    "É" * 200,
    "日本語の名前" * 20,
    "emoji 👩‍💼 ok",
    "trailing ;",
    ";;;",
    "tab\tinside",
]


def reparse(text: str):
    return list(vobject.readComponents(text))


def fields_seen_by_vobject(card) -> dict:
    """What vobject reads back, in VCardFields terms."""
    tels = {}
    for tel in card.contents.get("tel", []):
        types = {t.lower() for t in tel.params.get("TYPE", [])}
        key = "fax" if "fax" in types else "mobile" if "cell" in types else "phone"
        tels[key] = tel.value
    org = card.org.value if hasattr(card, "org") else ["", ""]
    adr = card.adr.value if hasattr(card, "adr") else None
    return {
        "last_name": card.n.value.family,
        "first_name": card.n.value.given,
        "company": org[0] if org else "",
        "department": org[1] if len(org) > 1 else "",
        "job_title": card.title.value if hasattr(card, "title") else "",
        "email": card.email.value if hasattr(card, "email") else "",
        "phone": tels.get("phone", ""),
        "mobile": tels.get("mobile", ""),
        "fax": tels.get("fax", ""),
        "address": adr.street if adr else "",
        "postcode": adr.code if adr else "",
        "city": adr.city if adr else "",
        "country": adr.country if adr else "",
        "description": card.note.value if hasattr(card, "note") else "",
        "uid": card.uid.value if hasattr(card, "uid") else "",
    }


def expected(fields: VCardFields) -> dict:
    """Line breaks come back as LF and control characters other than tab are dropped."""

    def norm(value: str) -> str:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return "".join(ch for ch in value if ch in "\t\n" or not (ord(ch) < 32 or ord(ch) == 127))

    names = [
        "last_name",
        "first_name",
        "company",
        "department",
        "job_title",
        "email",
        "phone",
        "mobile",
        "fax",
        "address",
        "postcode",
        "city",
        "country",
        "description",
        "uid",
    ]
    return {name: norm(getattr(fields, name)) for name in names}


def full_contact(**overrides) -> VCardFields:
    values = {
        "uid": prospect_uid(42),
        "last_name": "Dupont",
        "first_name": "Hélène",
        "company": "ACME, Inc; Groupe \\ Sud",
        "department": "Achats",
        "job_title": "Directrice des achats",
        "email": "helene.dupont@acme.fr",
        "phone": "+33 1 44 55 66 77",
        "mobile": "06 12 34 56 78",
        "fax": "01 44 55 66 78",
        "address": "12 rue de la Paix\nBâtiment B",
        "postcode": "75002",
        "city": "Paris",
        "country": "France",
        "description": "Rencontrée au salon; intéressée, à rappeler\\relancer",
        "updated_at": datetime(2026, 11, 2, 9, 30, tzinfo=UTC),
    }
    values.update(overrides)
    return VCardFields(**values)


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_a_full_contact_reparses_to_the_same_fields(version):
    fields = full_contact()
    [card] = reparse(serialize(fields, version))
    assert card.version.value == version
    assert fields_seen_by_vobject(card) == expected(fields)


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_it_writes_the_properties_by_type(version):
    text = serialize(full_contact(), version)
    assert "EMAIL;TYPE=work:helene.dupont@acme.fr\r\n" in text
    assert "TEL;TYPE=work,voice:+33 1 44 55 66 77\r\n" in text
    assert "TEL;TYPE=cell,voice:06 12 34 56 78\r\n" in text
    assert "TEL;TYPE=work,fax:01 44 55 66 78\r\n" in text
    assert "ORG:ACME\\, Inc\\; Groupe \\\\ Sud;Achats\r\n" in text
    assert f"UID:{prospect_uid(42)}\r\n" in text
    assert ("REV:20261102T093000Z" if version == "4.0" else "REV:2026-11-02T09:30:00Z") in text


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_it_escapes_commas_semicolons_backslashes_and_newlines(version):
    fields = full_contact(last_name="a;b,c\\d", description="x\r\ny\rz\n")
    text = serialize(fields, version)
    assert "N:a\\;b\\,c\\\\d;Hélène;;;\r\n" in text
    assert "NOTE:x\\ny\\nz\\n\r\n" in text
    [card] = reparse(text)
    assert card.n.value.family == "a;b,c\\d"
    assert card.note.value == "x\ny\nz\n"


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_a_contact_without_a_name_gives_a_valid_card(version):
    fields = VCardFields(email="anonyme@example.fr")
    text = serialize(fields, version)
    [card] = reparse(text)
    assert card.fn.value == "anonyme@example.fr"
    assert card.n.value.family == "" and card.n.value.given == ""
    [bare] = reparse(serialize(VCardFields(), version))
    assert bare.fn.value


def test_lines_are_folded_at_75_octets_without_splitting_a_character():
    text = serialize(full_contact(description="é" * 300 + "日本" * 50 + "x" * 100))
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    assert not text.replace("\r\n", "").count("\n")  # no bare LF
    assert fold("a" * 75) == "a" * 75 + "\r\n"
    assert fold("a" * 76) == "a" * 75 + "\r\n a\r\n"


def test_control_characters_are_dropped_and_the_card_stays_valid():
    fields = full_contact(last_name="Nul\x00le\x1b[31m", job_title="Bell\x07")
    [card] = reparse(serialize(fields))
    assert card.n.value.family == "Nulle[31m"
    assert card.title.value == "Bell"


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_random_hostile_values_round_trip(version):
    """Property-style: many random combinations of hostile values re-parse field for field."""
    rng = random.Random(20261127)
    names = [name for name in expected(VCardFields()) if name != "uid"]
    contacts = []
    for number in range(300):
        values = {name: rng.choice(HOSTILE) + rng.choice(["", " ", "x", "é"]) for name in names}
        values = {key: value.strip() if key == "email" else value for key, value in values.items()}
        contacts.append(VCardFields(uid=prospect_uid(number), **values))
    cards = reparse(serialize_many(contacts, version))
    assert len(cards) == len(contacts)
    for card, fields in zip(cards, contacts, strict=True):
        seen = fields_seen_by_vobject(card)
        want = expected(fields)
        for key in ("phone", "mobile", "fax", "email", "job_title", "description"):
            if not want[key]:
                seen.pop(key, None), want.pop(key, None)
        if not any(want[k] for k in ("address", "postcode", "city", "country")):
            for key in ("address", "postcode", "city", "country"):
                seen.pop(key), want.pop(key)
        if not (want["company"] or want["department"]):
            for key in ("company", "department"):
                seen.pop(key), want.pop(key)
        assert seen == want


def test_many_cards_in_one_file_keep_their_order():
    contacts = [full_contact(uid=prospect_uid(i), last_name=f"Nom{i}") for i in range(25)]
    cards = reparse(serialize_many(contacts))
    assert [card.n.value.family for card in cards] == [f"Nom{i}" for i in range(25)]


def test_an_unknown_version_is_refused():
    with pytest.raises(ValueError):
        serialize(full_contact(), "2.1")


@pytest.mark.parametrize(
    ("hostile", "forbidden"),
    [
        ("../../etc/passwd", "/"),
        ("/absolute/path", "/"),
        ("C:\\Windows\\system32", "\\"),
        ("..", ".."),
        ("name\x00with\x1fcontrols", "\x00"),
        ('a:b*c?d"e<f>g|h', ":"),
    ],
)
def test_archive_names_never_make_paths(hostile, forbidden):
    stem = safe_file_stem(hostile)
    assert forbidden not in stem
    assert stem and not stem.startswith((".", " ", "-"))


@pytest.mark.parametrize("reserved", ["CON", "nul", "Com1", "LPT9", "aux.txt"])
def test_reserved_windows_names_are_prefixed(reserved):
    assert safe_file_stem(reserved).lower().startswith("contact_")


def test_archive_names_are_capped_unique_and_never_empty():
    names = ArchiveNames()
    assert names.name_for("Dupont Marie") == "Dupont Marie.vcf"
    assert names.name_for("Dupont Marie") == "Dupont Marie-2.vcf"
    assert names.name_for("DUPONT MARIE") == "DUPONT MARIE-3.vcf"
    assert names.name_for("") == "contact.vcf"
    assert names.name_for("///") == "contact-2.vcf"
    assert len(names.name_for("x" * 500)) <= MAX_NAME_LENGTH + len(".vcf")


def test_a_zip_holds_one_card_per_contact_under_safe_unique_names():
    contacts = [
        full_contact(uid=prospect_uid(1), last_name="../../evil", first_name=""),
        full_contact(uid=prospect_uid(2), last_name="Dupont", first_name="Marie"),
        full_contact(uid=prospect_uid(3), last_name="Dupont", first_name="Marie"),
        VCardFields(uid=prospect_uid(4)),
        full_contact(uid=prospect_uid(5), last_name="CON", first_name=""),
    ]
    with zipfile.ZipFile(__import__("io").BytesIO(zip_bytes(contacts))) as archive:
        names = archive.namelist()
        assert len(set(names)) == 5
        assert all("/" not in name and "\\" not in name and not name.startswith(".") for name in names)
        assert "Dupont Marie.vcf" in names and "Dupont Marie-2.vcf" in names
        assert "contact_CON.vcf" in names
        uids = sorted(reparse(archive.read(name).decode())[0].uid.value for name in names)
    assert uids == sorted(prospect_uid(i) for i in range(1, 6))
