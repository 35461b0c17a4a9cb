"""The list's one selection (B5) and its one page selector, as mass actions and exports use them."""

import json

import pytest
from django.http import QueryDict
from guardian.shortcuts import assign_perm

from prospects.list.forms import MassExportForm, MassSelectionForm
from prospects.list.selection import Selection
from prospects.list.selectors import prospect_list_page
from prospects.rights import R1
from prospects.services import prospect_create
from prospects.vcard.forms import VCardExportForm
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def contact(entity, last_name, **fields):
    return prospect_create(by=None, entities=[entity], last_name=last_name, first_name="Julie", **fields)


@pytest.fixture
def world(paris, lyon):
    return {
        "dupont": contact(paris, "DUPONT"),
        "durand": contact(paris, "DURAND"),
        "martin": contact(paris, "MARTIN"),
        "lyonnais": contact(lyon, "DUBOIS"),
    }


def valid(form_class, data, user):
    form = form_class(data, user=user)
    assert form.is_valid(), form.errors
    return form


def last_names(queryset) -> set[str]:
    return set(queryset.values_list("last_name", flat=True))


def test_ticked_ids_select_those_contacts_only(sales_rep, world):
    form = valid(MassSelectionForm, {"ids": [world["dupont"].pk, world["martin"].pk], "query": "q=du"}, sales_rep)
    assert last_names(Selection.from_form(form).prospects(sales_rep)) == {"DUPONT", "MARTIN"}


def test_select_all_keeps_the_lists_filter(sales_rep, world):
    form = valid(MassSelectionForm, {"select_all": "on", "query": "q=du&sort=-last_name"}, sales_rep)
    assert last_names(Selection.from_form(form).prospects(sales_rep)) == {"DUPONT", "DURAND"}


@pytest.mark.parametrize("who", ["outsider", "rep_without_rights"])
def test_contacts_the_user_cannot_see_are_never_selected(request, who, world):
    user = request.getfixturevalue(who)
    ids = [contact.pk for contact in world.values()]
    form = valid(MassSelectionForm, {"ids": ids}, user)
    expected = {"DUBOIS"} if who == "outsider" else {"DUPONT", "DURAND", "MARTIN"}
    assert last_names(Selection.from_form(form).prospects(user)) == expected
    everything = valid(MassSelectionForm, {"select_all": "on", "query": ""}, user)
    assert last_names(Selection.from_form(everything).prospects(user)) == expected


@pytest.mark.parametrize(
    "data",
    [{"ids": ["3", "1"]}, {"select_all": "on", "query": "q=du&status=nouveau&status=en_cours"}],
    ids=["ids", "filter"],
)
def test_a_selection_goes_to_a_job_and_back_unchanged(sales_rep, data):
    selection = Selection.from_form(valid(MassSelectionForm, data, sales_rep))
    options = json.loads(json.dumps(selection.as_options()))  # what Job.options stores
    assert Selection.from_options(options) == selection


def test_the_three_selection_forms_build_the_same_selection(sales_rep, world):
    data = {"select_all": "on", "query": "q=du"}
    selections = [Selection.from_form(valid(form, data, sales_rep)) for form in (MassSelectionForm, VCardExportForm)]
    # The Excel export with nothing ticked means the whole filtered list.
    selections.append(Selection.from_form(valid(MassExportForm, {"query": "q=du"}, sales_rep)))
    assert selections == [Selection(filters={"q": ["du"]})] * 3


def test_the_list_page_returns_rows_rights_and_visible_companies(rep_without_rights, paris, lyon):
    shared = CompanyFactory(name="Partagée", entities=[paris])
    hidden = CompanyFactory(name="Cachée", entities=[lyon])
    granted = contact(paris, "ACCORD", company=shared)
    other = contact(paris, "BLOC", company=hidden)
    contact(lyon, "LOIN")
    assign_perm("prospects.edit_prospect", rep_without_rights, granted)
    result = prospect_list_page(rep_without_rights, QueryDict(), sort="last_name", page=1, per_page=25)
    assert [row["last_name"] for row in result.page.rows] == ["ACCORD", "BLOC"]
    assert result.rights == {granted.pk: {R1}, other.pk: set()}
    assert result.companies == {shared.pk}
    assert not result.can_create
    assert (result.mass.edit, result.mass.subscriptions, result.mass.vcf) == (True, False, False)


def test_the_list_page_of_an_outsider_is_empty(outsider, world):
    result = prospect_list_page(outsider, QueryDict("q=dupont"), sort=None, page="last", per_page=25)
    assert (result.page.count, result.page.rows, result.sort) == (0, [], "company")
