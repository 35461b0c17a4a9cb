"""Visibility selectors for prospect contacts, their notes and the background jobs."""

import hashlib
import re
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db import connection, connections
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce
from django.db.models.sql.datastructures import BaseTable
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import has_right
from accounts.selectors import entity_ids_of
from crm.choices import Region
from crm.models import Opportunity, Proposal
from crm.selectors import companies_visible_to, scoped_by_entities
from prospects.contacts import fold, normalise_email
from prospects.models import (
    HISTORY_TRACKED_FIELDS,
    ContactStatus,
    Job,
    ProspectContact,
    ProspectContactGroupObjectPermission,
    ProspectContactUserObjectPermission,
    ProspectNote,
)


def prospects_visible_to(user: User) -> QuerySet[ProspectContact]:
    """Every view, export and task reaches contacts through this queryset."""
    return scoped_by_entities(
        ProspectContact.objects.select_related("company", "company__assigned_to", "assigned_to"),
        user,
        user_perms=ProspectContactUserObjectPermission,
        group_perms=ProspectContactGroupObjectPermission,
    )


def get_prospect_for(user: User, pk: int) -> ProspectContact:
    """The contact if the user may see it; 404 otherwise, exactly like a missing one."""
    return get_object_or_404(prospects_visible_to(user), pk=pk)


def notes_visible_to(user: User, prospect: ProspectContact) -> QuerySet[ProspectNote]:
    """Notes of one (visible) contact: all entities with R12/R13, else the user's entities."""
    notes = ProspectNote.objects.filter(prospect=prospect).select_related("author", "entity")
    if has_right(user, "prospects.view_all_prospect_notes", prospect) or has_right(
        user, "prospects.manage_all_prospect_notes", prospect
    ):
        return notes
    return notes.filter(entity_id__in=entity_ids_of(user))


def jobs_visible_to(user: User) -> QuerySet[Job]:
    """A user follows the jobs they started; a superuser sees them all."""
    jobs = Job.objects.select_related("created_by")
    return jobs if user.is_superuser else jobs.filter(created_by=user)


def get_job_for(user: User, pk: int) -> Job:
    return get_object_or_404(jobs_visible_to(user), pk=pk)


# ---------------------------------------------------------------------------------------
# The list page (L1–L6): rows with their counters, rights per row, sorting and paging.

LIST_ROW_RIGHTS = (
    "edit_prospect",
    "manage_prospect_tasks",
    "manage_free_prospect_opportunities",
    "manage_prospect_skills",
    "convert_prospect",
    "export_prospects_vcf",
    "manage_prospect_subscriptions",
)

# sort parameter → the columns it orders by; the id is always appended as the tie-break.
SORTS: dict[str, tuple[str, ...]] = {
    "company": ("company_sort", "last_name", "first_name"),
    "company_rep": ("company__assigned_to__last_name", "company__assigned_to__first_name"),
    "company_type": ("company__type", "company__status"),
    "last_name": ("last_name", "first_name"),
    "first_name": ("first_name", "last_name"),
    "job_title": ("job_title",),
    "email": ("email",),
    "phone": ("phone",),
    "mobile": ("mobile",),
    "fax": ("fax",),
    "region": ("region_label",),
    "assigned_to": ("assigned_to__last_name", "assigned_to__first_name"),
    "status": ("status",),
    "deals": ("opportunity_count", "proposal_count"),
    "notes": ("note_count",),
}
DEFAULT_SORT = "company"
ANNOTATED_SORTS = {"region", "deals", "notes"}  # sorts on prospect_list_annotate's expressions
# The columns the list and its export read: a 200-row page loads nothing else (no
# description, address or search text), which halves the rows' size and their build time.
_USER_FIELDS = ("first_name", "last_name", "username")
LIST_ROW_FIELDS = (
    "company_id", "last_name", "first_name", "job_title", "email", "phone", "mobile", "fax", "region",
    "assigned_to_id", "status", "client_contact_id",
    "company__name", "company__type", "company__status", "company__assigned_to_id",
    *(f"company__assigned_to__{name}" for name in _USER_FIELDS),
    *(f"assigned_to__{name}" for name in _USER_FIELDS),
)  # fmt: skip
COUNT_CACHE_SECONDS = 300
COUNT_CACHE_MIN_SECONDS = 0.05
DATA_VERSION_KEY = "prospects:data-version"


def _count_subquery(queryset: QuerySet, fk: str = "prospect"):
    counted = queryset.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1]), Value(0))


def notes_scope_for_list(user: User) -> QuerySet[ProspectNote]:
    """Notes counted in the Post-it column: all entities with R12/R13 held globally, else the user's."""
    notes = ProspectNote.objects.all()
    if has_right(user, "prospects.view_all_prospect_notes") or has_right(user, "prospects.manage_all_prospect_notes"):
        return notes
    return notes.filter(entity_id__in=entity_ids_of(user))


def prospect_list_annotate(user: User, prospects: QuerySet[ProspectContact]) -> QuerySet[ProspectContact]:
    """Deals and Post-it counters as correlated subqueries: evaluated for the page's rows only."""
    notes = notes_scope_for_list(user)
    latest = notes.filter(prospect=OuterRef("pk")).order_by("-created_at", "-id")
    region_labels = sorted(Region.choices, key=lambda choice: str(choice[1]))
    return prospects.only(*LIST_ROW_FIELDS).annotate(
        opportunity_count=_count_subquery(Opportunity.objects.all()),
        proposal_count=_count_subquery(Proposal.objects.all()),
        note_count=_count_subquery(notes),
        last_note=Subquery(latest.values("text")[:1]),
        last_note_author=Subquery(latest.values("author__last_name")[:1]),
        region_label=Case(
            *[When(region=code, then=Value(position)) for position, (code, _label) in enumerate(region_labels)],
            default=Value(len(region_labels)),
        ),
    )


USER_LABEL_FIELDS = ("last_name", "first_name", "username")


def user_label(last_name: str | None, first_name: str | None, username: str | None) -> str:
    """User.display_name ("DIRON Marine") from values() columns; "" when there is no user."""
    if username is None:
        return ""
    return f"{(last_name or '').upper()} {first_name or ''}".strip() or username


def prospect_list_values(user: User, prospects: QuerySet[ProspectContact]) -> QuerySet:
    """The list page's rows as dicts: what the 200-row page shows, without building models."""
    return prospect_list_annotate(user, prospects).values(
        "pk", *(field for field in LIST_ROW_FIELDS if field != "company__assigned_to_id"),
        "opportunity_count", "proposal_count", "note_count", "last_note", "last_note_author",
    )  # fmt: skip


def sort_param(value: str | None) -> str:
    """A valid sort parameter ("last_name", "-status"...) or the default."""
    key = (value or "").removeprefix("-")
    return value if key in SORTS else DEFAULT_SORT


def ordering_for(sort: str, *, reverse: bool = False) -> list[OrderBy]:
    """Stable ordering; `reverse` flips every term exactly (used to read deep pages from the end)."""
    descending = sort.startswith("-")
    if reverse:
        descending = not descending
    columns = [*SORTS[sort.removeprefix("-")], "id"]
    # NULLs last going up and first going down: PostgreSQL's defaults, so b-tree indexes serve both.
    return [F(column).desc(nulls_first=True) if descending else F(column).asc(nulls_last=True) for column in columns]


def prospects_changeable_by(user: User, codename: str) -> QuerySet[ProspectContact]:
    """Visible contacts on which the user holds `codename`, globally or on the contact itself."""
    visible = prospects_visible_to(user)
    if has_right(user, f"prospects.{codename}"):
        return visible
    granted = Q(
        Exists(
            ProspectContactUserObjectPermission.objects.filter(
                content_object_id=OuterRef("pk"), user_id=user.pk, permission__codename=codename
            )
        )
    ) | Q(
        Exists(
            ProspectContactGroupObjectPermission.objects.filter(
                content_object_id=OuterRef("pk"), group__user=user.pk, permission__codename=codename
            )
        )
    )
    return visible.filter(granted)


def holds_right_somewhere(user: User, codename: str) -> bool:
    """True if the user holds the right globally or on at least one contact (gate of mass actions)."""
    if has_right(user, f"prospects.{codename}"):
        return True
    if not user.is_active:
        return False
    return (
        ProspectContactUserObjectPermission.objects.filter(user_id=user.pk, permission__codename=codename).exists()
        or ProspectContactGroupObjectPermission.objects.filter(
            group__user=user.pk, permission__codename=codename
        ).exists()
    )


def prospect_row_rights(user: User, prospect_ids: list[int]) -> dict[int, set[str]]:
    """The list's row rights for each contact, in at most two queries whatever the page size."""
    global_rights = {codename for codename in LIST_ROW_RIGHTS if has_right(user, f"prospects.{codename}")}
    rights = {pk: set(global_rights) for pk in prospect_ids}
    missing = set(LIST_ROW_RIGHTS) - global_rights
    if missing and rights and user.is_active:
        for model, owner in (
            (ProspectContactUserObjectPermission, {"user_id": user.pk}),
            (ProspectContactGroupObjectPermission, {"group__user": user.pk}),
        ):
            granted = model.objects.filter(
                content_object_id__in=list(rights), permission__codename__in=missing, **owner
            ).values_list("content_object_id", "permission__codename")
            for prospect_id, codename in granted:
                rights[prospect_id].add(codename)
    return rights


def companies_visible_among(user: User, company_ids: set[int]) -> set[int]:
    """Which of these companies the user may open (the list's "Dossier du compte"), in one query."""
    if not company_ids:
        return set()
    return set(companies_visible_to(user).filter(pk__in=company_ids).values_list("pk", flat=True))


def prospect_count(prospects: QuerySet[ProspectContact]) -> int:
    """COUNT(*) of a filtered list, cached for a few minutes.

    At a million contacts an exact count with the entity/object-permission checks costs about
    a second, far more than reading a page. The key is the exact SQL and parameters (so the
    user's scope and the filters) plus a data version that every service write bumps after
    commit; writes that bypass the services are seen within COUNT_CACHE_SECONDS. Counts that
    took less than COUNT_CACHE_MIN_SECONDS are not cached: small lists are always exact.
    """
    query = prospects.order_by().values("pk")
    version = cache.get(DATA_VERSION_KEY, 0)
    sql, params = query.query.sql_with_params()
    key = "prospect-count:" + hashlib.sha256(f"{version}|{connection.alias}|{sql}|{params!r}".encode()).hexdigest()
    count = cache.get(key)
    if count is None:
        started = time.perf_counter()
        count = query.count()
        if time.perf_counter() - started >= COUNT_CACHE_MIN_SECONDS:  # only the expensive ones
            cache.set(key, count, COUNT_CACHE_SECONDS)
    return count


@dataclass
class ListPage:
    """One page of the list; mimics the bits of Django's Page the templates use."""

    rows: list
    number: int
    per_page: int
    count: int

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.num_pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.count else 0

    @property
    def end_index(self) -> int:
        return min(self.count, self.number * self.per_page)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


# Sorts an index serves in both directions (prospect_company_sort_idx, prospect_name_idx).
WALKABLE_SORTS = {"company", "last_name"}
# At most this many contacts are read along the sort index before giving up on the walk.
WALK_LIMIT = 30_000


class _SortIndexWalk(BaseTable):
    """The contact table as its first `limit` rows in sort order: FROM (SELECT ... LIMIT n) alias.

    Filters, joins and visibility checks of the page query then apply to that bounded stream,
    which PostgreSQL reads lazily along the sort index and stops as soon as the page is full.
    """

    def __init__(self, table: BaseTable, sql: str, params: tuple):
        super().__init__(table.table_name, table.table_alias)
        self.sql, self.params = sql, params

    def as_sql(self, compiler, connection):
        return f"({self.sql}) {compiler.quote_name_unless_alias(self.table_alias)}", list(self.params)

    def relabeled_clone(self, change_map):
        table = super().relabeled_clone(change_map)
        return _SortIndexWalk(table, self.sql, self.params)


def _table_rows(prospects: QuerySet[ProspectContact]) -> int | None:
    """PostgreSQL's estimate of the contact table's size (kept by ANALYZE); None elsewhere."""
    if connections[prospects.db].vendor != "postgresql":
        return None
    with connections[prospects.db].cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [ProspectContact._meta.db_table])
        row = cursor.fetchone()
    return max(int(row[0]), 0) if row else 0


def _walk_ids(ordered: QuerySet, ordering: list[OrderBy], start: int, stop: int, needed: int) -> list[int] | None:
    """The ids of [start:stop] read along the sort index; None if WALK_LIMIT rows held fewer than `needed`."""
    page = ordered.order_by(*ordering)[start:stop]
    query = page.query
    # The bounded stream carries only the columns the page query reads (sort keys, filters, the
    # id the visibility checks use): projecting whole rows would double the cost of the walk.
    page_sql = query.get_compiler(using=ordered.db).as_sql()[0]
    table = connections[ordered.db].ops.quote_name(ProspectContact._meta.db_table)
    used = set(re.findall(re.escape(table) + r'\."(\w+)"', page_sql))
    columns = [field.attname for field in ProspectContact._meta.concrete_fields if field.column in used]
    first_rows = ProspectContact._base_manager.order_by(*ordering).values(*columns)[:WALK_LIMIT]
    sql, params = first_rows.query.get_compiler(using=ordered.db).as_sql()
    alias = query.get_initial_alias()
    query.alias_map[alias] = _SortIndexWalk(query.alias_map[alias], sql, params)
    ids = list(page)
    return ids if len(ids) >= needed else None


def _page_ids(ordered: QuerySet, *, sort: str, reverse: bool, start: int, stop: int, count: int) -> list[int]:
    """The ids of rows [start:stop] of the filtered list of `count` rows, in the given order.

    A filter that keeps many rows (a common name, one rep's contacts) leaves the planner with a
    bad choice at a million contacts: a bitmap scan fetches every matching row (tens of
    thousands of scattered table pages) to sort them, while walking the sort index would meet
    the page's rows after a few thousand. The planner cannot see that (it charges the
    visibility checks to every row of the walk), so when the count says the matches are dense
    enough, the page is first read along the sort index, bounded by WALK_LIMIT rows so a term
    clustered at the far end costs a short detour, never a full scan.
    """
    ordering = ordering_for(sort, reverse=reverse)
    needed = min(stop, count) - start  # the rows the count promises on this page
    if sort.removeprefix("-") in WALKABLE_SORTS and needed > 0:
        rows = _table_rows(ordered)
        # Rows walked to reach the page if matches are spread evenly, with a margin of two.
        if rows is not None and 2 * (start + needed) * max(rows, count) / count <= WALK_LIMIT:
            ids = _walk_ids(ordered, ordering, start, stop, needed)
            if ids is not None:
                return ids
    return list(ordered.order_by(*ordering)[start:stop])


def prospect_page(
    prospects: QuerySet[ProspectContact], *, sort: str, page: str | int | None, per_page: int, annotate=None
) -> ListPage:
    """Count once, then read the page in two short queries; pages past the middle are read from
    the end with the reversed ordering, so even the last page of a million rows is a short scan."""
    count = prospect_count(prospects)
    num_pages = max(1, -(-count // per_page))
    try:
        number = int(page or 1)
    except (TypeError, ValueError):
        number = 1
    if page == "last":
        number = num_pages
    number = min(max(number, 1), num_pages)
    offset = (number - 1) * per_page
    size = max(0, min(per_page, count - offset))
    annotate = annotate or (lambda queryset: queryset)
    # Step 1: the page's ids only. No join, no counter is computed unless the sort needs it,
    # so the planner sorts narrow tuples (or walks a sort index) instead of joined rows.
    needs_counters = sort.removeprefix("-") in ANNOTATED_SORTS
    ordered = (annotate(prospects) if needs_counters else prospects).values_list("pk", flat=True)
    if offset > count // 2 and size:
        tail_offset = count - offset - size
        ids = _page_ids(ordered, sort=sort, reverse=True, start=tail_offset, stop=tail_offset + size, count=count)
        ids.reverse()
    else:
        ids = _page_ids(ordered, sort=sort, reverse=False, start=offset, stop=offset + per_page, count=count)
    # Step 2: the rows of those ids with their joins and counters, put back in page order. The
    # ids were just read through the visible, filtered queryset: filtering again would only make
    # the search or filter indexes run a second time.
    rows_of_ids = prospects.model._base_manager.filter(pk__in=ids)
    found = {_row_pk(row): row for row in annotate(rows_of_ids)} if ids else {}
    rows = [found[pk] for pk in ids if pk in found]
    return ListPage(rows=rows, number=number, per_page=per_page, count=count)


def _row_pk(row) -> int:
    return row["pk"] if isinstance(row, dict) else row.pk


def prospects_matching(user: User, data) -> tuple["ProspectFilter", QuerySet[ProspectContact]]:  # noqa: F821
    """The list's filterset (L4) bound to `data` and the visible contacts it keeps."""
    from types import SimpleNamespace

    from prospects.list.filters import ProspectFilter

    filterset = ProspectFilter(data, queryset=prospects_visible_to(user), request=SimpleNamespace(user=user))
    return filterset, filterset.qs


def prospect_duplicates(
    user: User, *, email: str, last_name: str, first_name: str, company_id: int | None, exclude_pk=None, limit=10
) -> list[ProspectContact]:
    """B1: visible contacts with the same e-mail, or the same name at the same company (or both free).

    Names are compared folded, like the import's matching ("MENARD elodie" is "Ménard Élodie"):
    `search_text` starts with the folded last and first names, so a prefix LIKE on it uses the
    trigram index on PostgreSQL (and the company's index narrows it first for a company).
    """
    same = Q(company_id=company_id) if company_id else Q(company__isnull=True)
    same &= Q(search_text__startswith=f"{fold(last_name)}|{fold(first_name)}|")
    email = normalise_email(email)
    if email:
        same |= Q(email=email)
    candidates = prospects_visible_to(user).filter(same)
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return list(candidates.order_by("last_name", "first_name", "id")[:limit])


@dataclass(frozen=True)
class HistoryChange:
    """One changed field of one historical row of a contact (B4)."""

    date: datetime
    user: str
    field: str
    old: str
    new: str


def prospect_history(prospect: ProspectContact) -> list[HistoryChange]:
    """The contact's changes of status, rep, company and conversion, newest first, in one query.

    Consecutive historical rows are compared; a field that did not change between two rows
    (a save that touched other columns) yields nothing.
    """
    rows = (
        ProspectContact.history.filter(id=prospect.pk)
        .select_related("history_user", "assigned_to", "company", "client_contact")
        .order_by("history_date", "history_id")
    )
    statuses = dict(ContactStatus.choices)
    labels = {
        "status": _("Statut"),
        "assigned_to": _("Affecté à"),
        "company": _("Société"),
        "client_contact": _("Conversion en contact client"),
    }
    fields = {name: ProspectContact._meta.get_field(name) for name in HISTORY_TRACKED_FIELDS}

    def shown(row, name: str) -> str:
        if name == "status":
            return str(statuses.get(row.status, row.status))
        related = getattr(row, name)
        return str(related) if related is not None else ""

    changes: list[HistoryChange] = []
    previous = None
    for row in rows:
        if previous is not None and row.history_type == "~":
            for name, model_field in fields.items():
                if getattr(previous, model_field.attname) != getattr(row, model_field.attname):
                    changes.append(
                        HistoryChange(
                            date=row.history_date,
                            user=str(row.history_user) if row.history_user else "",
                            field=labels[name],
                            old=shown(previous, name),
                            new=shown(row, name),
                        )
                    )
        previous = row
    changes.reverse()
    return changes
