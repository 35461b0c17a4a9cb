"""The duplicate finder: candidate pairs among the contacts a user sees, by the matching rule.

Each key of the rule is an indexed column or expression (prospects.duplicates.rules). The
finder asks the database, for each key, which values occur more than once (a GROUP BY that
walks the key's index, over every contact: fast because nothing has to be joined), then
loads only the visible contacts carrying one of those values and pairs them per value.
No contact is ever compared with every other one.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, QuerySet

from prospects.duplicates.rules import MATCH_PHONE_FIELDS, MatchReason, reason_labels
from prospects.imports.plans import batches, in_size
from prospects.models import ProspectContact

# A value shared by more contacts than this (a switchboard number, a generic e-mail) pairs each
# of them with the oldest one only, instead of every pair among them.
ALL_PAIRS_UP_TO = 5


@dataclass(frozen=True)
class DuplicatePair:
    """Two contacts (first_id < second_id) and why they match (MatchReason values)."""

    first_id: int
    second_id: int
    reasons: tuple[str, ...]

    @property
    def reason_labels(self) -> list[str]:
        return reason_labels(self.reasons)

    def as_json(self) -> list:
        return [self.first_id, self.second_id, list(self.reasons)]

    @classmethod
    def from_json(cls, value: list) -> "DuplicatePair":
        return cls(int(value[0]), int(value[1]), tuple(value[2]))


def _repeated(column_queryset: QuerySet, field: str) -> QuerySet:
    """The values of `field` that occur more than once among all contacts (index-served GROUP BY)."""
    return (
        column_queryset.order_by()
        .values(field)
        .annotate(copies=Count("*"))
        .filter(copies__gt=1)
        .values_list(field, flat=True)
    )


def _email_groups(visible: QuerySet) -> Iterable[tuple[str, list[int]]]:
    repeated = _repeated(ProspectContact.objects.exclude(email=""), "email")
    rows = visible.filter(email__in=repeated).values_list("email", "id")
    return _grouped(rows)


def _phones_in_both_columns() -> set[str]:
    """Numbers that are one contact's office phone and another's mobile (or the same contact's).

    A join of the two phone indexes on equality. PostgreSQL's planner expects that join to be
    huge (it cannot know how few numbers the columns share) and hashes 600,000 mobiles; a merge
    of the two sorted indexes reads each once and is several times faster, so the hash and
    nested-loop plans are switched off for this one statement's transaction.
    """
    table = connection.ops.quote_name(ProspectContact._meta.db_table)
    sql = (
        f"SELECT DISTINCT p.phone FROM {table} p JOIN {table} m ON m.mobile = p.phone "
        "WHERE p.phone <> '' AND m.mobile <> ''"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_hashjoin = off")
            cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute(sql)
        return {row[0] for row in cursor.fetchall()}


def _phone_groups(visible: QuerySet) -> Iterable[tuple[str, list[int]]]:
    """A number shared within a column, or found in both columns (one's office, another's mobile)."""
    everyone = ProspectContact.objects.all()
    phone, mobile = MATCH_PHONE_FIELDS
    keys = set(_repeated(everyone.exclude(phone=""), phone))
    keys |= set(_repeated(everyone.exclude(mobile=""), mobile))
    keys |= _phones_in_both_columns()
    if not keys:
        return []
    keys = sorted(keys)
    rows = []
    for batch in batches(keys, in_size()):
        rows += visible.filter(phone__in=batch).values_list(phone, "id")
        rows += visible.filter(mobile__in=batch).values_list(mobile, "id")
    return _grouped(rows)


def _name_groups(visible: QuerySet) -> Iterable[tuple[tuple, list[int]]]:
    named = ProspectContact.objects.filter(company__isnull=False)
    repeated = (
        named.order_by()
        .values("company_id", "name_key")
        .annotate(copies=Count("*"))
        .filter(copies__gt=1)
        .values_list("company_id", "name_key")
    )
    keys = defaultdict(set)
    for company_id, name_key in repeated:
        keys[company_id].add(name_key)
    if not keys:
        return []
    rows = []
    candidates = visible.filter(company__isnull=False)
    company_ids = sorted(keys)
    for start in range(0, len(company_ids), 500):
        chunk = company_ids[start : start + 500]
        names = sorted(set().union(*(keys[company_id] for company_id in chunk)))
        found = candidates.filter(company_id__in=chunk, name_key__in=names).values_list("company_id", "name_key", "id")
        rows += [((company_id, name_key), pk) for company_id, name_key, pk in found if name_key in keys[company_id]]
    return _grouped(rows)


def _grouped(rows) -> list[tuple]:
    groups = defaultdict(set)
    for key, pk in rows:
        groups[key].add(pk)
    return [(key, sorted(ids)) for key, ids in groups.items() if len(ids) > 1]


def _pairs_of(ids: list[int]) -> Iterable[tuple[int, int]]:
    if len(ids) <= ALL_PAIRS_UP_TO:
        return ((a, b) for index, a in enumerate(ids) for b in ids[index + 1 :])
    oldest = ids[0]
    return ((oldest, other) for other in ids[1:])


def duplicate_pairs(visible: QuerySet[ProspectContact]) -> list[DuplicatePair]:
    """Every candidate pair among `visible` (a visibility selector's queryset), strongest first.

    A pair matching on several keys is listed once with all its reasons.
    """
    visible = visible.select_related(None).order_by()
    reasons: dict[tuple[int, int], set[str]] = defaultdict(set)
    for reason, groups in (
        (MatchReason.EMAIL, _email_groups(visible)),
        (MatchReason.PHONE, _phone_groups(visible)),
        (MatchReason.NAME, _name_groups(visible)),
    ):
        for _key, ids in groups:
            for pair in _pairs_of(ids):
                reasons[pair].add(reason)
    order = list(MatchReason.values)
    pairs = [
        DuplicatePair(first, second, tuple(sorted(found, key=order.index)))
        for (first, second), found in reasons.items()
    ]
    pairs.sort(key=lambda pair: (-len(pair.reasons), order.index(pair.reasons[0]), pair.first_id, pair.second_id))
    return pairs
