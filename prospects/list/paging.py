"""Keyset/sort-index paging of the contact list: the sorts, the cached count, and the page's ids.

The engine works on a filtered, visible queryset of contacts and returns the ids of one page in
the list's order. It knows nothing of what a row shows: the list selector reads the rows of
those ids afterwards. At a million contacts the plain `ORDER BY ... OFFSET` plan is slow for
dense filters and deep pages, so the page is read from the end past the middle, and along the
sort index (a bounded walk patched into the compiled query) when the count says it pays.
"""

import hashlib
import re
import time
from dataclasses import asdict, dataclass, field

from django.core import signing
from django.core.cache import cache
from django.db import connection, connections
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.sql.datastructures import BaseTable

from prospects.models import ProspectContact
from prospects.selectors import DATA_VERSION_KEY

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
# Sorts on the list's annotations (prospect_list_annotate): their ids are read from the annotated queryset.
ANNOTATED_SORTS = {"region", "deals", "notes"}
COUNT_CACHE_SECONDS = 300
COUNT_CACHE_MIN_SECONDS = 0.005
# How long one request may hold the right to recompute a count before another one may try.
COUNT_LOCK_SECONDS = 30
RECOUNT_SALT = "prospects.list.recount"
# Sorts an index serves in both directions (prospect_company_sort_idx, prospect_name_idx,
# prospect_first_name_idx, prospect_job_title_idx, prospect_status_idx).
WALKABLE_SORTS = {"company", "last_name", "first_name", "job_title", "status"}
# At most this many contacts are read along the sort index before giving up on the walk.
WALK_LIMIT = 30_000


def sort_param(value: str | None) -> str:
    """A valid sort parameter ("last_name", "-status"...) or the default."""
    key = (value or "").removeprefix("-")
    return value if key in SORTS else DEFAULT_SORT


def sort_needs_annotations(sort: str) -> bool:
    return sort.removeprefix("-") in ANNOTATED_SORTS


def ordering_for(sort: str, *, reverse: bool = False) -> list[OrderBy]:
    """Stable ordering; `reverse` flips every term exactly (used to read deep pages from the end)."""
    descending = sort.startswith("-")
    if reverse:
        descending = not descending
    columns = [*SORTS[sort.removeprefix("-")], "id"]
    # NULLs last going up and first going down: PostgreSQL's defaults, so b-tree indexes serve both.
    return [F(column).desc(nulls_first=True) if descending else F(column).asc(nulls_last=True) for column in columns]


def prospect_count(prospects: QuerySet[ProspectContact]) -> int:
    """COUNT(*) of a filtered list, cached for a few minutes.

    At a million contacts an exact count with the entity/object-permission checks costs about
    a second, far more than reading a page. The key is the exact SQL and parameters (so the
    user's scope and the filters) plus a data version that every write of a contact, a company,
    their entities or an object grant bumps after commit (the services, and prospects.list.signals
    for the admin's writes); a write by raw SQL is seen within COUNT_CACHE_SECONDS. Counts that
    took less than COUNT_CACHE_MIN_SECONDS are not cached: small lists are always exact.

    When an import commits, the version moves and every list's count is due at once. A list
    counted before keeps showing its previous count (kept under a key without the version) for
    the second or two a Celery worker takes to recount it (`recount_list`, one per list, under a
    lock in the cache), instead of every request counting the same million rows together. With
    no worker (eager mode), the one request holding the lock counts while the others show the
    previous count; a list never counted before is counted by the request that asks for it.
    """
    query = prospects.order_by().values("pk")
    if query.query.is_empty():  # .none(): the filter had an unusable value
        return 0
    version = cache.get(DATA_VERSION_KEY, 0)
    sql, params = query.query.sql_with_params()
    digest = hashlib.sha256(f"{connection.alias}|{sql}|{params!r}".encode()).hexdigest()
    key = f"prospect-count:{version}:{digest}"
    count = cache.get(key)
    if count is not None:
        return count
    keys = CountKeys(exact=key, latest=f"prospect-count-latest:{digest}", lock=f"prospect-count-lock:{digest}")
    computing = cache.add(keys.lock, 1, COUNT_LOCK_SECONDS)
    latest = cache.get(keys.latest)
    if latest is not None and (not computing or _recount_later(query.db, sql, params, keys)):
        return latest  # the previous count, while a worker or another request recounts this list
    try:
        started = time.perf_counter()
        count = query.count()
        if time.perf_counter() - started >= COUNT_CACHE_MIN_SECONDS:  # only the expensive ones
            cache.set_many({keys.exact: count, keys.latest: count}, COUNT_CACHE_SECONDS)
    finally:
        if computing:
            cache.delete(keys.lock)
    return count


@dataclass(frozen=True)
class CountKeys:
    exact: str  # this version's count
    latest: str  # the last count of this list, whatever the version
    lock: str  # held by the one request or task recounting it


def _recount_later(alias: str, sql: str, params: tuple, keys: CountKeys) -> bool:
    """Queue the recount of a list's SQL on a Celery worker; False when there is none to queue it on."""
    from django.conf import settings

    from prospects.tasks import recount_list

    database = connections[alias]
    if settings.CELERY_TASK_ALWAYS_EAGER or database.vendor != "postgresql":
        return False
    try:  # the SQL with its parameters quoted by psycopg, as the worker will run it
        order = {"alias": alias, "sql": database.ops.compose_sql(sql, params), **asdict(keys)}
        recount_list.delay(signing.dumps(order, salt=RECOUNT_SALT))
    except Exception:  # the broker is down: this request counts
        return False
    return True


def recount(signed_order: str) -> int:
    """The count of a list's SQL (a worker's task, see prospect_count), cached for the requests.

    The order is signed with the SECRET_KEY: a message put on the broker by anyone else runs nothing.
    """
    order = signing.loads(signed_order, salt=RECOUNT_SALT, max_age=COUNT_LOCK_SECONDS * 10)
    alias, sql = order.pop("alias"), order.pop("sql")
    keys = CountKeys(**order)
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS listed")
            (count,) = cursor.fetchone()
        cache.set_many({keys.exact: count, keys.latest: count}, COUNT_CACHE_SECONDS)
        return count
    finally:
        cache.delete(keys.lock)


@dataclass
class ListPage:
    """One page of the list; mimics the bits of Django's Page the templates use.

    `ids` are the page's contacts in order; `rows` is what the reader of the page loaded for them.
    """

    ids: list[int]
    number: int
    per_page: int
    count: int
    rows: list = field(default_factory=list)

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


TABLE_ROWS_SECONDS = 300
_table_rows_seen: dict[str, tuple[float, int]] = {}  # database alias → (when read, estimate)


def _table_rows(prospects: QuerySet[ProspectContact]) -> int | None:
    """PostgreSQL's estimate of the contact table's size (kept by ANALYZE); None elsewhere.

    Read at most every TABLE_ROWS_SECONDS per process: it only chooses between two plans and
    moves slowly, and it was one query of every list page.
    """
    if connections[prospects.db].vendor != "postgresql":
        return None
    seen = _table_rows_seen.get(prospects.db)
    if seen is not None and time.monotonic() - seen[0] < TABLE_ROWS_SECONDS:
        return seen[1]
    with connections[prospects.db].cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [ProspectContact._meta.db_table])
        row = cursor.fetchone()
    rows = max(int(row[0]), 0) if row else 0
    _table_rows_seen[prospects.db] = (time.monotonic(), rows)
    return rows


def _walk_ids(
    ordered: QuerySet, ordering: list[OrderBy], start: int, stop: int, needed: int, after: Q | None = None
) -> list | None:
    """The rows of [start:stop] read along the sort index; None if WALK_LIMIT rows held fewer than `needed`.

    `after` starts the walk past a keyset cursor (prospects.list.keyset): a filter on the table's own columns.
    """
    page = ordered.order_by(*ordering)[start:stop]
    query = page.query
    # The bounded stream carries only the columns the page query reads (sort keys, filters, the
    # id the visibility checks use): projecting whole rows would double the cost of the walk.
    page_sql = query.get_compiler(using=ordered.db).as_sql()[0]
    table = connections[ordered.db].ops.quote_name(ProspectContact._meta.db_table)
    used = set(re.findall(re.escape(table) + r'\."(\w+)"', page_sql))
    columns = [field.attname for field in ProspectContact._meta.concrete_fields if field.column in used]
    stream = ProspectContact._base_manager.filter(after) if after is not None else ProspectContact._base_manager
    first_rows = stream.order_by(*ordering).values(*columns)[:WALK_LIMIT]
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


def page_of_ids(
    prospects: QuerySet[ProspectContact],
    *,
    sort: str,
    page: str | int | None,
    per_page: int,
    annotated: QuerySet[ProspectContact] | None = None,
) -> ListPage:
    """Count once, then read the page's ids in one short query (rows are left to the caller).

    `annotated` is `prospects` with the annotations the ANNOTATED_SORTS order by; it is read
    only when the sort needs them. Pages past the middle are read from the end with the reversed
    ordering, so even the last page of a million rows is a short scan.
    """
    count = prospect_count(prospects)
    if not count:
        return ListPage(ids=[], number=1, per_page=per_page, count=0)
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
    # The ids only: no join, no counter is computed unless the sort needs it, so the planner
    # sorts narrow tuples (or walks a sort index) instead of joined rows.
    source = annotated if annotated is not None and sort_needs_annotations(sort) else prospects
    ordered = source.values_list("pk", flat=True)
    if offset > count // 2 and size:
        tail_offset = count - offset - size
        ids = _page_ids(ordered, sort=sort, reverse=True, start=tail_offset, stop=tail_offset + size, count=count)
        ids.reverse()
    else:
        ids = _page_ids(ordered, sort=sort, reverse=False, start=offset, stop=offset + per_page, count=count)
    return ListPage(ids=ids, number=number, per_page=per_page, count=count)
