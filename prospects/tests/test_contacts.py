"""The contact field rules every writer shares (prospects.contacts): phones, e-mails, folding."""

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from prospects.contacts import Phone, contact_fields_normalise, fold, normalise_email, phone_check, phone_normalise


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0144.55.66.77", "01 44 55 66 77"),
        (" 06-12-34-56-78 ", "06 12 34 56 78"),
        ("+33 (0)1 44 55 66 77", "01 44 55 66 77"),
        ("+33144556677", "01 44 55 66 77"),
        ("0033144556677", "01 44 55 66 77"),
        ("01 44 55 66 77", "01 44 55 66 77"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
        ("+442079460958", "+44 20 7946 0958"),
        ("0044 20 7946 0958", "+44 20 7946 0958"),
        ("+41 22 123 45 67", "+41 22 123 45 67"),
        ("+1 650 253 0000", "+1 650-253-0000"),
    ],
)
def test_french_numbers_are_national_and_others_international(typed, stored):
    assert phone_normalise(typed) == Phone(stored, True)
    assert phone_normalise(stored) == Phone(stored, True)  # idempotent: every writer may call it


@pytest.mark.parametrize(
    ("typed", "kept"), [("12345", "12345"), ("01  44 55 66 7", "01 44 55 66 7"), ("poste 12", "poste 12")]
)
def test_a_number_phonenumbers_does_not_understand_is_kept_as_typed_and_flagged(typed, kept):
    assert phone_normalise(typed) == Phone(kept, False)


def test_an_empty_phone_stays_empty():
    assert phone_normalise("") == phone_normalise(None) == phone_normalise("   ") == Phone("", True)


@pytest.mark.parametrize("typed", ["appelez-moi", "01 44 ext 5", "12", "1" * 16])
def test_the_form_rule_refuses_what_cannot_be_a_phone(typed):
    with pytest.raises(ValidationError):
        phone_check(typed)


def test_the_form_rule_accepts_an_unknown_digit_string_as_typed():
    assert phone_check(" 12 345 ") == Phone("12 345", False)
    assert phone_check("0144556677") == Phone("01 44 55 66 77", True)


def test_emails_are_trimmed_and_lower_cased():
    assert normalise_email("  Julie.ARMANON@Exemple.FR ") == "julie.armanon@exemple.fr"
    assert normalise_email(None) == ""


def test_names_fold_accents_case_and_spaces():
    assert fold("  Ménard   ÉLODIE ") == fold("MENARD elodie") == "menard elodie"
    assert fold("Société Générale") == "societe generale"


def test_a_dict_of_contact_fields_is_normalised_in_place_with_the_unknown_phones_named():
    fields = {"email": " A@B.FR ", "phone": "0144.55.66.77", "mobile": "12345", "fax": ""}
    assert contact_fields_normalise(fields) == ["mobile"]
    assert fields == {"email": "a@b.fr", "phone": "01 44 55 66 77", "mobile": "12345", "fax": ""}


def _by_phonenumbers(typed: str) -> Phone:
    """The rule spelled with phonenumbers alone, to check the fast path against."""
    number = phonenumbers.parse(typed, "FR")
    if not phonenumbers.is_valid_number(number):
        return Phone(typed, False)
    style = phonenumbers.PhoneNumberFormat
    french = phonenumbers.region_code_for_number(number) == "FR"
    return Phone(phonenumbers.format_number(number, style.NATIONAL if french else style.INTERNATIONAL), True)


def test_the_fast_path_for_national_numbers_agrees_with_phonenumbers():
    for prefix in range(1000, 10000):  # every 0 + four-digit start: fixed lines, mobiles, overseas, unassigned
        typed = f"0{prefix}{prefix % 997:05d}"[:10]
        spaced = " ".join(typed[index : index + 2] for index in range(0, 10, 2))
        for variant in (typed, spaced, spaced.replace(" ", ".")):
            assert phone_normalise(variant) == _by_phonenumbers(variant), variant


def test_phone_normalise_is_idempotent():
    # The import preview compares the numbers its checks stored without normalising them again.
    style = phonenumbers.PhoneNumberFormat
    kinds = phonenumbers.PhoneNumberType
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (kinds.FIXED_LINE, kinds.MOBILE, kinds.TOLL_FREE, kinds.PREMIUM_RATE, kinds.VOIP):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for shape in (style.E164, style.INTERNATIONAL, style.NATIONAL):
                typed = phonenumbers.format_number(number, shape)
                for variant in (typed, typed + " ext. 12", typed.replace(" ", "")):
                    stored = phone_normalise(variant).value
                    assert phone_normalise(stored).value == stored, (region, variant)
