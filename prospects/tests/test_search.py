import pytest

from crm.models import Company
from prospects.search import digits, phone_digits, search_terms, search_text_of


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01 44 55 66 77", "0144556677"),
        ("+33 (0)1-44.55", "33014455"),
        ("Tél. 06/12", "0612"),  # not ASCII: the slow path, same result
        ("٠١٢", "٠١٢"),  # other scripts' digits are digits too
        ("", ""),
        (None, ""),
        ("pas de numéro", ""),
    ],
)
def test_digits_keeps_every_digit_and_nothing_else(text, expected):
    assert digits(text) == expected


def test_phone_digits_folds_the_french_prefix():
    assert phone_digits("+33 1 44 55 66 77") == "0144556677"
    assert phone_digits("0033 1 44") == "0033144"


def test_search_text_and_terms_meet_on_folded_text():
    text = search_text_of(last_name="LEFÈVRE", first_name="Hélène", email="H.Lefevre@Acme.fr", phone="01 44 55")
    for query in ("lefevre", "HELENE", "acme", "01 44", "0144"):
        assert all(term in text for term in search_terms(query)), query


@pytest.mark.django_db
def test_any_of_lookup_matches_like_in():
    names = ["Acme", "Bêta", "Gamma"]
    Company.objects.bulk_create([Company(name=name) for name in names])
    wanted = ["Bêta", "Gamma", "absent"]
    found = set(Company.objects.filter(name__any_of=wanted).values_list("name", flat=True))
    assert found == {"Bêta", "Gamma"}
    assert set(Company.objects.filter(name__in=wanted).values_list("name", flat=True)) == found
    assert not Company.objects.filter(name__any_of=[]).exists()


@pytest.mark.django_db
def test_any_of_lookup_takes_any_text():
    names = ['qu"ote', "back\\slash", "a,b", "{brace}", " spaced ", "NULL", "l'apostrophe", "é\u00a0x"]
    Company.objects.bulk_create([Company(name=name) for name in [*names, "other"]])
    found = sorted(Company.objects.filter(name__any_of=names).values_list("name", flat=True))
    assert found == sorted(names)
