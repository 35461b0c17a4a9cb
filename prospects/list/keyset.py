"""Keyset paging of the contact list, for the API: a cursor on the list's sort key and the id.

The list's sorts (paging.SORTS, ordered by paging.ordering_for) put NULL last going up and
first going down, so NULL acts as the greatest value. The nullable columns of a sort are its
leading ones, reached through one nullable relation (the company, the rep) and NULL together.
A page is then read with row comparisons, which PostgreSQL serves from the sort index:
- rows whose lead is not NULL: `(c1, …, id) > (v1, …, id0)`;
- rows whose lead is NULL: `lead IS NULL AND (rest…, id) > (…)`;
the NULL block coming after the others going up, before them going down. At most two queries
read the ids of a page, whatever its depth.
"""

import base64
import binascii
import json
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import BooleanField, Expression, F, Q, QuerySet, Value

from prospects.list.paging import ANNOTATED_SORTS, SORTS, WALKABLE_SORTS, _walk_ids, ordering_for
from prospects.models import ProspectContact

MAX_PER_PAGE = 500


class BadCursor(ValueError):
    pass


class RowCompare(Expression):
    """`(a, b, …) > (x, y, …)` (or `<`): a lexicographic comparison an index on (a, b, …) serves."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, columns: list[str], operator: str, values: list):
        super().__init__()
        if operator not in (">", "<") or len(columns) != len(values):
            raise ValueError("RowCompare takes as many values as columns, and > or <")
        self.operator = operator
        self.columns = [F(column) for column in columns]
        self.values = [Value(value) for value in values]

    def get_source_expressions(self):
        return [*self.columns, *self.values]

    def set_source_expressions(self, expressions):
        count = len(self.columns)
        self.columns, self.values = list(expressions[:count]), list(expressions[count:])

    def as_sql(self, compiler, connection):
        params = []
        sides = []
        for side in (self.columns, self.values):
            parts = []
            for expression in side:
                sql, part_params = compiler.compile(expression)
                parts.append(sql)
                params.extend(part_params)
            sides.append(", ".join(parts))
        return f"({sides[0]}) {self.operator} ({sides[1]})", params


def _fields(path: str) -> list:
    """The model fields a column path crosses; empty for an annotation of the list."""
    model, fields = ProspectContact, []
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return []
        fields.append(field)
        model = field.related_model or model
    return fields


def _nullable(path: str) -> bool:
    """Does this column ever read NULL? (The list's annotations, counters and region rank, never do.)"""
    return any(field.null for field in _fields(path))


def _value_type(path: str) -> type:
    """What a cursor may hold for this column: text columns take str, the rest (ids, counters) int."""
    fields = _fields(path)
    return str if fields and fields[-1].get_internal_type() in {"CharField", "TextField", "EmailField"} else int


def sort_columns(sort: str) -> tuple[list[str], int]:
    """The columns of a sort with the id last, and how many of the leading ones may be NULL."""
    columns = [*SORTS[sort.removeprefix("-")], "id"]
    lead = 0
    while lead < len(columns) - 1 and _nullable(columns[lead]):
        lead += 1
    return columns, lead


def cursor_encode(sort: str, values: list) -> str:
    raw = json.dumps([sort, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(sort: str, cursor: str) -> list:
    """The sort values of the row the page starts after; BadCursor if it is not one of ours for this sort."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        cursor_sort, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise BadCursor(cursor) from None
    columns, _lead = sort_columns(sort)
    if cursor_sort != sort or not isinstance(values, list) or len(values) != len(columns):
        raise BadCursor(cursor)
    for column, value in zip(columns, values, strict=True):
        # A value of the wrong type would make PostgreSQL refuse the comparison (a 500, not a 400).
        wrong = value is not None and (isinstance(value, bool) or not isinstance(value, _value_type(column)))
        wrong = (
            wrong or (isinstance(value, int) and abs(value) >= 2**63) or (isinstance(value, str) and "\x00" in value)
        )
        if wrong or (value is None and not _nullable(column)):
            raise BadCursor(cursor)
    return values


@dataclass
class KeysetPage:
    ids: list[int]
    next_cursor: str | None


def _after(columns: list[str], lead: int, values: list, descending: bool) -> list[Q]:
    """The filters of the blocks that follow the cursor, in reading order (one query each)."""
    operator = "<" if descending else ">"
    lead_is_null = lead and values[0] is None
    nulls = Q(**{f"{columns[0]}__isnull": True}) if lead else None
    if not lead:
        return [Q(RowCompare(columns, operator, values))]
    rest = Q(RowCompare(columns[lead:], operator, values[lead:]))
    if lead_is_null:
        # Inside the NULL block; going down, the non-NULL rows follow it.
        blocks = [nulls & rest]
        return [*blocks, ~nulls] if descending else blocks
    compared = Q(RowCompare(columns, operator, values)) & ~nulls
    return [compared] if descending else [compared, nulls]


def keyset_page(
    prospects: QuerySet[ProspectContact], *, sort: str, cursor: str | None, per_page: int, dense: bool = False
) -> KeysetPage:
    """The ids of one page (at most two short reads, four with the walk) and the cursor of the next one.

    `prospects` is the visible, filtered queryset, annotated when the sort needs it
    (paging.ANNOTATED_SORTS). `dense`: the filter may keep many contacts (a search, a rep):
    try reading along the sort index first, as the list page does.
    """
    columns, lead = sort_columns(sort)
    descending = sort.startswith("-")
    ordered = prospects.order_by(*ordering_for(sort))
    if sort.removeprefix("-") not in ANNOTATED_SORTS:
        ordered = ordered.select_related(None)
    filters = _after(columns, lead, cursor_decode(sort, cursor), descending) if cursor else [None]
    walk = dense and sort.removeprefix("-") in WALKABLE_SORTS and connections[prospects.db].vendor == "postgresql"
    rows: list[tuple] = []
    for block in filters:
        wanted = per_page + 1 - len(rows)
        if wanted <= 0:
            break
        selected = (ordered.filter(block) if block is not None else ordered).values_list(*columns)
        # A filter that keeps many contacts (a common name): the page is met soon along the sort
        # index, which the planner cannot know (paging._page_ids); a bounded walk tries that first.
        walked = _walk_ids(selected, ordering_for(sort), 0, wanted, wanted, after=block) if walk else None
        rows += walked if walked is not None else list(selected[:wanted])
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    next_cursor = cursor_encode(sort, list(rows[-1])) if has_next and rows else None
    return KeysetPage(ids=[row[-1] for row in rows], next_cursor=next_cursor)
