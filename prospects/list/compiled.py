"""The list's reads by id, compiled to SQL once per user scope and replayed with each page's ids.

A 200-row page reads its rows and the rights on them by id. Building those querysets (the
deal and note counters, the notes' scope, the company's visibility, the object grants) and
compiling them cost about 7 ms of CPU a page: more than PostgreSQL takes to run them. Their
SQL depends only on the user's scope (who they are, their entities, their global rights) and
on the ids. So each read is compiled once per scope, with the ids as one array parameter
(`= ANY(%s)` on PostgreSQL, `json_each` on SQLite), and replayed with the page's ids.

The scope is read on every request from what the request loads anyway (the user's entities and
permissions, cached on the user object): a changed membership or right makes another key, never a
stale query. Compiled reads are kept per process, at most MAX_KEPT of them, least recently used out.
"""

import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import BooleanField, Expression, F, QuerySet

from accounts.models import User
from accounts.selectors import entity_ids_of

MAX_KEPT = 512


class AnyOfIds(Expression):
    """`column` is one of the ids of a single array parameter: `filter(AnyOfIds("pk", ids))`.

    On PostgreSQL the parameter is the `ids` object itself, so a compiled query finds it again
    by identity; on SQLite it is the ids as JSON.
    """

    output_field = BooleanField()

    def __init__(self, column: str | Expression, ids: list[int]):
        super().__init__()
        self.column = F(column) if isinstance(column, str) else column
        self.ids = ids

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def resolve_expression(self, query=None, allow_joins=True, reuse=None, summarize=False, for_save=False):
        resolved = self.copy()
        resolved.column = self.column.resolve_expression(query, allow_joins, reuse, summarize, for_save)
        return resolved

    def as_sql(self, compiler, connection):
        column, params = compiler.compile(self.column)
        return f"{column} = ANY(%s)", [*params, self.ids]

    def as_sqlite(self, compiler, connection):
        column, params = compiler.compile(self.column)
        return f"{column} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(list(self.ids))]


def scope_key(user: User) -> tuple:
    """What the list's visibility and rights SQL is built from, besides the ids."""
    perms = frozenset(user.get_all_permissions()) if user.is_active and not user.is_superuser else frozenset()
    return (user.pk, user.is_active, user.is_superuser, tuple(entity_ids_of(user)), perms)


@dataclass(frozen=True)
class CompiledRead:
    sql: str
    params: tuple
    slots: tuple[int, ...]  # positions of the ids parameter in params
    names: tuple[str, ...]  # the columns' names, for values() reads
    converters: dict  # Django's converters of the selected columns (position → (functions, expression))
    alias: str

    def rows(self, ids: list[int]) -> list[tuple]:
        """The read's rows for these ids, converted as the ORM would convert them."""
        connection = connections[self.alias]
        value = json.dumps(ids) if connection.vendor == "sqlite" else list(ids)
        params = list(self.params)
        for slot in self.slots:
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        converted = []
        for row in rows:
            row = list(row)
            for position, (functions, expression) in self.converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            converted.append(tuple(row))
        return converted

    def dicts(self, ids: list[int]) -> list[dict]:
        return [dict(zip(self.names, row, strict=True)) for row in self.rows(ids)]


def compile_read(queryset: QuerySet, marker: list) -> CompiledRead:
    """Compile `queryset`, built with AnyOfIds(..., marker), into a read replayable with other ids."""
    query = queryset.query
    compiler = query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    as_json = json.dumps(marker)
    slots = tuple(position for position, param in enumerate(params) if param is marker or param == as_json)
    if not slots:
        raise ValueError("The queryset does not read its ids through AnyOfIds(…, marker).")
    fields = [selected[0] for selected in compiler.select[0 : compiler.col_count]]
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return CompiledRead(
        sql=sql, params=tuple(params), slots=slots, names=names, converters=compiler.get_converters(fields),
        alias=queryset.db,
    )  # fmt: skip


_kept: OrderedDict[tuple, CompiledRead] = OrderedDict()
_lock = threading.Lock()


def compiled_read(name: str, user: User, build: Callable[[list], QuerySet]) -> CompiledRead:
    """The read `name` of this user's scope: `build(ids)` → a queryset filtered with AnyOfIds(…, ids).

    `build` must read nothing but the user's scope (scope_key) and the ids.
    """
    key = (name, scope_key(user))
    with _lock:
        read = _kept.get(key)
        if read is not None:
            _kept.move_to_end(key)
            return read
    marker = [-1 - secrets.randbits(62)]  # an id no row has, found again in the compiled parameters
    read = compile_read(build(marker), marker)
    with _lock:
        _kept[key] = read
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)
    return read


def forget_compiled_reads() -> None:
    """Empty the per-process store (tests that change the schema or the settings)."""
    with _lock:
        _kept.clear()
