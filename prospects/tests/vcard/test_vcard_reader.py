"""The tolerant vCard reader: the dialect corpus in prospects/tests/vcf/ and every hostile .vcf class."""

import base64
from pathlib import Path

import pytest
import vobject

from prospects.vcard import reader as vcard_reader
from prospects.vcard.reader import VCardRejected, parse_vcards
from prospects.vcard.writer import VCardFields, prospect_uid, serialize, serialize_many

CORPUS = Path(__file__).parent / "vcf"


def read(name: str):
    return parse_vcards((CORPUS / name).read_bytes(), name=name)


def only_card(name: str):
    [card] = read(name).cards
    assert not card.error
    return card


def test_apple_icloud_30_grouped_properties_pref_types_and_photo():
    parsed = read("apple_icloud_30.vcf")
    first, second = parsed.cards
    assert first.version == "3.0"
    assert first.values == {
        "last_name": "Lefèvre",
        "first_name": "Hélène",
        "gender": "Mme",
        "company": "Brasserie du Nord",
        "department": "Achats",
        "job_title": "Responsable des achats",
        "email": "h.lefevre@brasserie-nord.fr",
        "phone": "03 20 11 22 33",
        "mobile": "06 11 22 33 44",
        "address": "12 rue de la Gare",
        "postcode": "59000",
        "city": "Lille",
        "country": "France",
        "description": "Rencontrée au salon, stand B12; rappeler en janvier.\nSecond paragraphe.",
    }
    assert "Photo ignorée." in first.warnings
    assert any("adresse e-mail" in warning for warning in first.warnings)
    assert second.values["mobile"] == "06 98 76 54 32"
    assert second.values["phone"] == "01 44 55 66 77"
    assert second.line == 32


def test_google_30_lf_line_ends_and_escaped_commas():
    card = only_card("google_30.vcf")
    assert card.values["email"] == "julie.bernard@acme-industrie.fr"
    assert card.values["fax"] == "01 23 45 67 90"
    assert card.values["address"] == "3 avenue des Champs, bât. C"
    assert card.values["mobile"] == "06 12 34 56 78"


def test_outlook_21_quoted_printable_with_soft_breaks_and_windows_charsets():
    card = only_card("outlook_21_qp.vcf")
    assert card.version == "2.1"
    assert (card.values["last_name"], card.values["first_name"]) == ("Lefèvre", "André")
    assert card.values["company"] == "Société Générale d'Équipement"
    assert card.values["department"] == "Service après-vente"
    assert card.values["address"] == "12 rue de l'Église\nBoîte 4"  # ISO-8859-1
    assert card.values["city"] == "Orléans"
    assert card.values["description"] == (
        "Première ligne de la note qui est très longue et qu'Outlook coupe avec un saut de ligne doux\n"
        "Deuxième ligne à retenir € 100"
    )
    assert (card.values["phone"], card.values["mobile"], card.values["fax"]) == (
        "01 40 00 00 01",
        "06 40 00 00 02",
        "01 40 00 00 03",
    )
    assert card.values["email"] == "andre.lefevre@sge.example"


def test_a_windows_1252_file_is_read_with_a_warning():
    parsed = read("outlook_21_cp1252.vcf")
    [card] = parsed.cards
    assert card.values["last_name"] == "Côté" and card.values["company"] == "Crème & Cie"
    assert card.values["description"] == "Tarif négocié : 1 200 € — à confirmer"
    assert parsed.warnings and "Windows-1252" in parsed.warnings[0]


def test_android_21_utf8_quoted_printable_and_a_broken_photo():
    first, second = read("android_21.vcf").cards
    assert (first.values["last_name"], first.values["first_name"]) == ("Étienne", "François")
    assert first.values["company"] == "Transports Étienne"
    assert first.values["description"] == "Client depuis 2019, très fidèle, commande chaque mois"
    assert first.values["phone"] == "01 45 67 89 01" and first.values["mobile"] == "06 12 34 56 78"
    assert not second.error and second.values["mobile"] == "06 98 76 54 32"
    assert "Photo ignorée." in second.warnings


def test_android_30():
    card = only_card("android_30.vcf")
    assert card.values["company"] == "Nantes Logistique" and card.values["city"] == "Nantes"


def test_thunderbird_40_uri_phones_quoted_types_and_folded_escapes():
    card = only_card("thunderbird_40.vcf")
    assert card.version == "4.0"
    assert card.values["phone"] == "02 99 00 11 22"
    assert card.values["mobile"] == "06 99 00 11 22"
    assert card.values["fax"] == "02 99 00 11 23"
    assert card.values["email"] == "marc.dubois@laval-conseil.example"
    assert card.values["country"] == "France"  # folded in the middle of the word
    assert card.values["address"] == "10 boulevard de la Liberté\nBâtiment A"
    assert card.values["description"] == "Ligne 1\nLigne 2 avec une virgule, un point-virgule; et un antislash \\ fin."
    assert card.values["gender"] == "M."


def test_nextcloud_40_data_uri_photo_role_and_vendor_properties():
    card = only_card("nextcloud_40.vcf")
    assert card.values["job_title"] == "Chargée de mission"
    assert card.values["phone"] == "02 47 00 00 00"
    assert "Photo ignorée." in card.warnings
    assert set(card.values) == {"last_name", "first_name", "company", "job_title", "email", "phone"}


def test_a_byte_order_mark_is_skipped():
    card = only_card("bom_utf8.vcf")
    assert card.values["last_name"] == "Nguyễn" and card.line == 1


def test_a_utf16_file_with_its_bom_is_read():
    text = serialize(VCardFields(last_name="Ørsted", first_name="Åse", email="ase@example.dk"))
    [card] = parse_vcards(text.encode("utf-16"), name="utf16.vcf").cards
    assert card.values["last_name"] == "Ørsted"


def test_a_broken_card_is_reported_with_file_card_and_line_and_the_others_kept():
    parsed = read("many_with_broken.vcf")
    assert len(parsed.cards) == 5
    broken = [card for card in parsed.cards if card.error]
    assert [(c.number, c.line, c.error_line) for c in broken] == [(3, 15, 20)]
    assert broken[0].location == {
        "file": "many_with_broken.vcf",
        "card": 3,
        "line": 20,
        "row": "many_with_broken.vcf, carte 3",
    }
    assert "THIS LINE IS NOT A PROPERTY" in broken[0].error
    assert [c.values["last_name"] for c in parsed.cards if not c.error] == ["Carte1", "Carte2", "Carte4", "Carte5"]


def test_a_broken_card_among_hundreds():
    cards = [VCardFields(uid=prospect_uid(i), last_name=f"Nom{i}", first_name="A") for i in range(300)]
    text = serialize_many(cards).replace("N:Nom150;", "N;BROKEN\r\nN:Nom150;")
    parsed = parse_vcards(text.encode(), name="big.vcf")
    assert len(parsed.cards) == 300
    assert [card.number for card in parsed.cards if card.error] == [151]


def test_a_missing_end_makes_the_card_an_error_and_keeps_the_complete_one():
    first, second = read("missing_end.vcf").cards
    assert not first.error and first.values["last_name"] == "Complet"
    assert second.error and second.number == 2 and second.line == 6


def test_a_nested_card_does_not_swallow_the_next_ones():
    text = (
        "BEGIN:VCARD\r\nVERSION:2.1\r\nN:Outer;Anne\r\nAGENT:\r\nBEGIN:VCARD\r\nVERSION:2.1\r\nN:Inner;Bob\r\n"
        "END:VCARD\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nN:After;Cléo;;;\r\nEND:VCARD\r\n"
    )
    cards = parse_vcards(text.encode(), name="nested.vcf").cards
    assert cards[0].error  # the outer card is reported
    assert [card.values.get("last_name") for card in cards[1:]] == ["Inner", "After"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.vcf", "vide"),
        ("not_a_vcard.vcf", "pas un fichier vCard"),
        ("calendar.vcf", "vCalendar"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(name, message):
    with pytest.raises(VCardRejected) as refused:
        read(name)
    assert message in refused.value.message and name in refused.value.message


@pytest.mark.parametrize(
    "data", [b"   \r\n\r\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"PK\x03\x04\x14\x00\x00\x00"]
)
def test_blank_binary_and_zip_files_are_refused(data):
    with pytest.raises(VCardRejected):
        parse_vcards(data, name="x.vcf")


def test_cards_without_a_name_are_kept_with_a_warning():
    nameless, single = read("no_name.vcf").cards
    assert nameless.values == {"company": "Société Sans Nom", "email": "contact@sans-nom.example"}
    assert "Carte sans nom." in nameless.warnings
    assert single.values["last_name"] == "Madonna" and "first_name" not in single.values


def test_a_large_photo_is_dropped_unread_and_the_card_kept():
    photo = base64.b64encode(b"\xff" * 300_000).decode()
    folded = "\r\n ".join(photo[i : i + 74] for i in range(0, len(photo), 74))
    text = f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Photo;Grande;;;\r\nPHOTO;ENCODING=b;TYPE=JPEG:{folded}\r\nEND:VCARD\r\n"
    [card] = parse_vcards(text.encode(), name="photo.vcf").cards
    assert not card.error and card.values["last_name"] == "Photo" and "Photo ignorée." in card.warnings


def test_an_oversized_text_property_breaks_only_its_card():
    huge = "x" * (vcard_reader.MAX_PROPERTY_BYTES + 10)
    text = (
        f"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Long;A;;;\r\nNOTE:{huge}\r\nEND:VCARD\r\n"
        "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Court;B;;;\r\nEND:VCARD\r\n"
    )
    first, second = parse_vcards(text.encode(), name="long.vcf").cards
    assert "trop volumineuse" in first.error and first.error_line == 4
    assert not second.error


def test_the_limits_are_checked_before_parsing(monkeypatch):
    monkeypatch.setattr(vcard_reader, "MAX_CARDS_PER_FILE", 3)
    text = serialize_many(VCardFields(last_name=f"N{i}", first_name="P") for i in range(4))
    with pytest.raises(VCardRejected, match="4 cartes"):
        parse_vcards(text.encode(), name="many.vcf")
    monkeypatch.setattr(vcard_reader, "MAX_FILE_BYTES", 100)
    with pytest.raises(VCardRejected, match="dépasse"):
        parse_vcards(text.encode(), name="many.vcf")


def test_undecodable_bytes_do_not_stop_the_reader():
    text = b"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Caf\xe9\x81;Z\xff;;;\r\nEND:VCARD\r\n"
    [card] = parse_vcards(text, name="bad-bytes.vcf").cards
    assert card.values["last_name"].startswith("Café")


def test_a_value_with_a_bad_charset_falls_back_to_utf8():
    text = "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=klingon;ENCODING=QUOTED-PRINTABLE:=C3=89lise;Anne\r\nEND:VCARD\r\n"
    [card] = parse_vcards(text.encode(), name="charset.vcf").cards
    assert card.values["last_name"] == "Élise"


@pytest.mark.parametrize("version", ["3.0", "4.0"])
def test_our_own_exports_read_back_field_for_field(version):
    hostile = VCardFields(
        uid=prospect_uid(1),
        last_name="O'Brien; Jr, \\ fils",
        first_name="=cmd|calc",
        company="ACME; Sud, Nord",
        department="R&D",
        job_title="+Directeur",
        email="ob@example.fr",
        phone="01 02 03 04 05",
        mobile="06 07 08 09 10",
        fax="01 02 03 04 06",
        address="1 rue A\nBât. 2",
        postcode="75001",
        city="Paris",
        country="France",
        description="@note, with; all \\ the\nspecials " + "é" * 80,
    )
    [card] = parse_vcards(serialize(hostile, version).encode(), name="ours.vcf").cards
    expected = {
        key: getattr(hostile, key)
        for key in [
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
        ]
    }
    assert card.values == expected


def test_the_reader_agrees_with_vobject_on_the_corpus_it_can_read():
    """vobject is the reference on the files it accepts; our reader must read the same names and e-mails."""
    for name in ("apple_icloud_30.vcf", "google_30.vcf", "android_30.vcf", "thunderbird_40.vcf", "bom_utf8.vcf"):
        text = (CORPUS / name).read_bytes().decode("utf-8-sig")
        reference = list(vobject.readComponents(text))
        ours = read(name).cards
        assert [(c.n.value.family, c.n.value.given) for c in reference] == [
            (card.values.get("last_name", ""), card.values.get("first_name", "")) for card in ours
        ], name
