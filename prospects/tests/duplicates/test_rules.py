"""The matching rule (prospects.duplicates.rules) and the finder (prospects.duplicates.finder)."""

import pytest

from prospects.duplicates.finder import ALL_PAIRS_UP_TO, duplicate_pairs
from prospects.duplicates.rules import ContactKeys, MatchReason, contacts_matching, match_reasons
from prospects.models import ProspectContact
from prospects.selectors import prospects_visible_to
from tests.factories import CompanyFactory, ProspectFactory


def test_it_matches_on_email_phone_across_columns_and_folded_name_at_one_company():
    first = ContactKeys.of(
        last_name="Ménard", first_name="Élodie", email="E@X.FR", phone="01.44.55.66.77", company_id=3
    )
    second = ContactKeys.of(
        last_name="MENARD", first_name="elodie", email="e@x.fr", mobile="+33 1 44 55 66 77", company_id=3
    )
    assert match_reasons(first, second) == [MatchReason.EMAIL, MatchReason.PHONE, MatchReason.NAME]


def test_free_contacts_with_the_same_name_do_not_match():
    first = ContactKeys.of(last_name="Martin", first_name="Jean")
    second = ContactKeys.of(last_name="Martin", first_name="Jean")
    assert match_reasons(first, second) == []


def test_it_does_not_match_other_companies_or_empty_keys():
    first = ContactKeys.of(last_name="Martin", first_name="Jean", company_id=1)
    second = ContactKeys.of(last_name="Martin", first_name="Jean", company_id=2)
    assert match_reasons(first, second) == []


@pytest.mark.django_db
def test_contacts_matching_uses_the_same_rule_in_sql(paris):
    company = CompanyFactory(entities=[paris])
    by_name = ProspectFactory(last_name="Lefèvre", first_name="Hélène", company=company, email="")
    by_phone = ProspectFactory(mobile="01 44 55 66 77", email="")
    ProspectFactory(last_name="Lefèvre", first_name="Hélène", email="")  # free: no name match
    keys = ContactKeys.of(last_name="LEFEVRE", first_name="helene", phone="0144556677", company_id=company.pk)
    found = set(contacts_matching(ProspectContact.objects.all(), keys))
    assert found == {by_name, by_phone}


@pytest.mark.django_db
def test_the_finder_pairs_contacts_and_says_why(paris, lyon, sales_rep, outsider):
    company = CompanyFactory(entities=[paris])
    a = ProspectFactory(last_name="Dupont", first_name="Jean", company=company, email="j@x.fr", entities=[paris])
    b = ProspectFactory(last_name="DUPONT", first_name="jean", company=company, email="j@x.fr", entities=[paris])
    c = ProspectFactory(phone="01 44 55 66 77", entities=[paris])
    d = ProspectFactory(mobile="01 44 55 66 77", entities=[paris])
    hidden = ProspectFactory(email="j@x.fr", entities=[lyon])  # another entity
    ProspectFactory(entities=[paris])  # unique
    pairs = {(pair.first_id, pair.second_id): pair.reasons for pair in duplicate_pairs(prospects_visible_to(sales_rep))}
    assert pairs == {(a.pk, b.pk): ("email", "name"), (c.pk, d.pk): ("phone",)}
    # The outsider sees none of the Paris contacts: no pair, even though the e-mail repeats.
    assert duplicate_pairs(prospects_visible_to(outsider)) == []
    assert hidden.pk not in {pk for pair in pairs for pk in pair}


@pytest.mark.django_db
def test_a_value_shared_by_many_pairs_each_with_the_oldest(paris):
    contacts = [ProspectFactory(phone="01 02 03 04 05", email="", entities=[paris]) for _ in range(ALL_PAIRS_UP_TO + 2)]
    pairs = duplicate_pairs(ProspectContact.objects.all())
    assert len(pairs) == len(contacts) - 1
    assert {pair.first_id for pair in pairs} == {contacts[0].pk}
