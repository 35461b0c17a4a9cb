"""The list page's reads (L1–L6): one call returns everything a page shows.

`prospect_list_page` goes in a straight line: the filter on the visible contacts (filters),
the page's ids (paging), then the rows of those ids with their counters, the rights on each
row and the companies the user may open (prospects.selectors' rules). The view only renders.
"""

from dataclasses import dataclass

from django.db.models import Case, Exists, OuterRef, QuerySet, Subquery, Value, When

from accounts.models import User
from accounts.selectors import entity_ids_of
from crm.choices import Region
from crm.models import Opportunity, Proposal
from crm.selectors import companies_visible_to
from prospects.list.compiled import AnyOfIds, compiled_read
from prospects.list.filters import ProspectFilter, prospects_matching
from prospects.list.paging import ListPage, page_of_ids, sort_needs_annotations, sort_param
from prospects.models import ContactStatus, ProspectContact, ProspectNote
from prospects.rights import R1, R8, R10, R12, R13, R14, has_right
from prospects.selectors import count_subquery, holds_right_somewhere, prospect_row_rights

# The columns the list and its export read: a 200-row page loads nothing else (no
# description, address or search text), which halves the rows' size and their build time.
_USER_FIELDS = ("first_name", "last_name", "username")
LIST_ROW_FIELDS = (
    "company_id", "last_name", "first_name", "job_title", "email", "phone", "mobile", "fax", "region",
    "assigned_to_id", "status", "client_contact_id", "opposed_at",
    "company__name", "company__type", "company__status", "company__assigned_to_id",
    *(f"company__assigned_to__{name}" for name in _USER_FIELDS),
    *(f"assigned_to__{name}" for name in _USER_FIELDS),
)  # fmt: skip


def notes_scope_for_list(user: User) -> QuerySet[ProspectNote]:
    """Notes counted in the Post-it column: all entities with R12/R13 held globally, else the user's."""
    notes = ProspectNote.objects.all()
    if has_right(user, R12) or has_right(user, R13):
        return notes
    return notes.filter(entity_id__in=entity_ids_of(user))


def prospect_list_annotate(
    user: User, prospects: QuerySet[ProspectContact], *, region_label: bool = True
) -> QuerySet[ProspectContact]:
    """Deals and Post-it counters as correlated subqueries: evaluated for the page's rows only.

    `region_label` (the region's position in label order) is what the region sort orders by;
    the page's rows, read by id, leave it out (a dozen expressions less to build per request).
    """
    notes = notes_scope_for_list(user)
    latest = notes.filter(prospect=OuterRef("pk")).order_by("-created_at", "-id")
    annotated = prospects.only(*LIST_ROW_FIELDS).annotate(
        opportunity_count=count_subquery(Opportunity.objects.all()),
        proposal_count=count_subquery(Proposal.objects.all()),
        note_count=count_subquery(notes),
        last_note=Subquery(latest.values("text")[:1]),
        last_note_author=Subquery(latest.values("author__last_name")[:1]),
    )
    if not region_label:
        return annotated
    region_labels = sorted(Region.choices, key=lambda choice: str(choice[1]))
    return annotated.annotate(
        region_label=Case(
            *[When(region=code, then=Value(position)) for position, (code, _label) in enumerate(region_labels)],
            default=Value(len(region_labels)),
        ),
    )


ROW_VALUES = (
    "pk", *(field for field in LIST_ROW_FIELDS if field != "company__assigned_to_id"),
    "opportunity_count", "proposal_count", "note_count", "last_note", "last_note_author",
)  # fmt: skip


def prospect_list_values(user: User, prospects: QuerySet[ProspectContact]) -> QuerySet:
    """The list page's rows as dicts: what the 200-row page shows, without building models."""
    return prospect_list_annotate(user, prospects, region_label=False).values(*ROW_VALUES)


@dataclass(frozen=True)
class MassActions:
    """Which mass actions the list offers: the user holds the right globally or on some contact."""

    edit: bool
    subscriptions: bool
    vcf: bool
    xlsx: bool

    @property
    def statuses(self):
        return ContactStatus.choices

    @property
    def any(self) -> bool:
        """At least one mass action: the list offers the selection's actions."""
        return self.edit or self.subscriptions or self.vcf or self.xlsx


@dataclass
class ListResult:
    """Everything one list page shows: rows (dicts, in order) with their rights, and what the user may do."""

    filter: ProspectFilter
    sort: str
    page: ListPage
    rights: dict[int, set[str]]  # row id → the row rights (codenames) the user holds on it
    companies: set[int]  # the rows' companies the user may open
    can_create: bool  # R1 held globally: new contact, duplicate
    mass: MassActions


def _rows_of_ids(user: User, ids: list[int]) -> QuerySet:
    """The page's rows by id, as dicts, with whether the user may open each row's company.

    The ids were just read through the visible, filtered queryset: filtering again would only
    make the search or filter indexes run a second time. The company's visibility rides along
    (one query less per page). Compiled once per user scope (prospects.list.compiled).
    """
    of_ids = ProspectContact._base_manager.filter(AnyOfIds("pk", ids)).order_by()  # put in order by the caller
    rows = prospect_list_annotate(user, of_ids, region_label=False).annotate(
        company_visible=Exists(companies_visible_to(user).filter(pk=OuterRef("company_id")))
    )
    return rows.values(*ROW_VALUES, "company_visible")


def prospect_list_page(user: User, data, *, sort: str | None, page: str | int | None, per_page: int) -> ListResult:
    """The list page of `user` for the filters in `data` (a QueryDict): a constant number of queries."""
    filterset, prospects = prospects_matching(user, data)
    sort = sort_param(sort)
    annotated = prospect_list_annotate(user, prospects) if sort_needs_annotations(sort) else None
    list_page = page_of_ids(prospects, sort=sort, page=page, per_page=per_page, annotated=annotated)
    if list_page.ids:
        rows = compiled_read("list rows", user, lambda ids: _rows_of_ids(user, ids)).dicts(list_page.ids)
        found = {row["pk"]: row for row in rows}
        list_page.rows = [found[pk] for pk in list_page.ids if pk in found]
    return ListResult(
        filter=filterset,
        sort=sort,
        page=list_page,
        rights=prospect_row_rights(user, [row["pk"] for row in list_page.rows]),
        companies={row["company_id"] for row in list_page.rows if row["company_visible"]},
        can_create=has_right(user, R1),
        mass=mass_actions_of(user),
    )


def mass_actions_of(user: User) -> MassActions:
    """The mass actions the user may start, for the list's bar and the no-script actions page."""
    return MassActions(
        edit=holds_right_somewhere(user, R1),
        subscriptions=holds_right_somewhere(user, R10),
        vcf=holds_right_somewhere(user, R8),
        # The Excel export is of the list as the user sees it: its right is held globally.
        xlsx=has_right(user, R14),
    )
