"""prospects.card.actions: the card's ⋮ menu and the list's row menu offer the same actions."""

import re

import pytest
from guardian.shortcuts import assign_perm

from crm.models import ClientContact
from prospects.card.actions import ACTIONS, actions_allowed, contact_actions
from prospects.list.rows import RowRenderer
from prospects.list.selectors import prospect_list_values
from prospects.rights import R1, R4, R6, R8, R10, has_right
from prospects.selectors import (
    companies_visible_among,
    prospect_row_rights,
    prospects_visible_to,
)
from tests.factories import CompanyFactory, ProspectFactory, UserFactory
from tests.helpers import logged, row_menu

pytestmark = pytest.mark.django_db


@pytest.fixture
def matrix(sales_rep, rep_without_rights, manager, admin_user, outsider, paris, lyon):
    """Users of every kind of right against contacts of every shape."""
    shared = CompanyFactory(name="Partagée", entities=[paris])
    hidden = CompanyFactory(name="Lyonnaise", entities=[lyon])
    assigned_rep = UserFactory(username="rep-rule", entities=[paris])  # no right but the rep rule
    far_rep = UserFactory(username="rep-far", entities=[lyon])  # assigned a Paris contact: sees it by the rule
    contacts = {
        "with_company": ProspectFactory(company=shared, entities=[paris]),
        "hidden_company": ProspectFactory(company=hidden, entities=[paris]),
        "free": ProspectFactory(entities=[paris]),
        "converted": ProspectFactory(
            company=shared,
            entities=[paris],
            client_contact=ClientContact.objects.create(company=shared, last_name="C", first_name="C"),
        ),
        "assigned": ProspectFactory(company=shared, entities=[paris], assigned_to=assigned_rep),
        "assigned_free": ProspectFactory(entities=[paris], assigned_to=assigned_rep),
        "far": ProspectFactory(company=shared, entities=[paris], assigned_to=far_rep),
    }
    assign_perm(R8.perm, rep_without_rights, contacts["with_company"])
    assign_perm(R4.perm, rep_without_rights, contacts["free"])
    assign_perm(R6.perm, rep_without_rights, contacts["converted"])
    assign_perm(R10.perm, rep_without_rights, contacts["hidden_company"])
    assign_perm(R1.perm, outsider, contacts["with_company"])  # object grant: visible and editable
    users = [sales_rep, rep_without_rights, manager, admin_user, outsider, assigned_rep, far_rep]
    return users, contacts


def _list_allowed(user, prospect) -> frozenset[str]:
    """What the list's row menu decides, from the rights it computes per page."""
    row = prospect_list_values(user, prospects_visible_to(user).filter(pk=prospect.pk)).get()
    rights = prospect_row_rights(user, [row["pk"]])[row["pk"]]
    renderer = RowRenderer(
        can_create=has_global_r1(user), companies=companies_visible_among(user, {row["company_id"]} - {None})
    )
    return renderer.allowed(row, rights)


def has_global_r1(user) -> bool:
    return has_right(user, R1)


def test_the_card_and_the_list_row_decide_the_same_actions(matrix):
    users, contacts = matrix
    decided = {}
    for user in users:
        visible = set(prospects_visible_to(user).values_list("pk", flat=True))
        for name, contact in contacts.items():
            if contact.pk not in visible:
                continue
            prospect = prospects_visible_to(user).get(pk=contact.pk)
            card = contact_actions(user, prospect)
            assert card == _list_allowed(user, prospect), (user.username, name)
            decided[user.username, name] = card
    # The matrix is not trivial: every action is offered somewhere, and withheld somewhere.
    assert set().union(*decided.values()) == set(ACTIONS)
    assert all(any(action not in actions for actions in decided.values()) for action in ACTIONS)
    assert decided["rep-rule", "assigned"] >= {"edit", "delete", "opportunity"}
    assert "edit" not in decided["rep-rule", "with_company"]
    assert "edit" in decided["rep-far", "far"] and ("rep-far", "with_company") not in decided
    assert decided["stagiaire", "hidden_company"] == {"subscriptions"}


LINK = r'(?<![-\w])(?:href|action)="([^"]+)"'  # not data-action


def _card_urls(user, contact) -> set[str]:
    body = logged(user).get(f"/prospects/{contact.pk}/").content.decode()
    menu = re.search(r'<ul class="kebab-menu".*?</ul>', body, re.S)
    return set(re.findall(LINK, menu.group(0))) if menu else set()


def _row_urls(body: str, contact) -> set[str]:
    row = re.search(rf'<tr data-id="{contact.pk}">.*?</tr>', body, re.S).group(0)
    cell = re.search(r'<td class="row-actions">(.*?)</td>', row, re.S).group(1)
    # The view link and the edit link are in the row; the ⋮ link's own page (no JavaScript) is not an action.
    links = set(re.findall(LINK, cell)) - {f"/prospects/{contact.pk}/", f"/prospects/{contact.pk}/actions/", "#i-view"}
    return links | set(row_menu(body, contact.pk).values())


def test_the_rendered_menus_link_to_the_same_pages(matrix):
    users, contacts = matrix
    compared = 0
    for user in users:
        visible = set(prospects_visible_to(user).values_list("pk", flat=True))
        list_page = logged(user).get("/prospects/").content.decode()  # 200 rows: the default page size
        for name, contact in contacts.items():
            if contact.pk in visible:
                assert _card_urls(user, contact) == _row_urls(list_page, contact), (user.username, name)
                compared += 1
    assert compared >= 20


def test_the_rule_reads_only_its_inputs():
    everything = {R1, R4, R6, R8, R10}
    common = {"rights": everything, "can_create": False, "companies": {7}}
    assert actions_allowed(company_id=7, client_contact_id=None, **common) >= {"company", "convert", "opportunity"}
    assert "convert" not in actions_allowed(company_id=7, client_contact_id=3, **common)
    assert "company" not in actions_allowed(company_id=8, client_contact_id=None, **common)
    free = actions_allowed(company_id=None, client_contact_id=None, rights={R1}, can_create=True, companies=set())
    assert "opportunity" not in free and "duplicate" in free
