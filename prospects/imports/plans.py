"""The vocabulary every step of an import shares: a source row, the plan made for it
(create / update / skip / error), the result of a run, and the batching helpers.

A parser yields `SourceRow`s: a location ({"sheet": ..., "row": ...} for the Excel
template, {"file": ..., "card": ..., "line": ...} for vCards) and a dict of raw values
keyed like `prospects.imports.columns.COLUMNS` (strings; coded values as codes or labels).
`prospects.imports.checks` turns them into `RowPlan`s, `prospects.imports.run` writes them.
"""

from dataclasses import dataclass, field

from django.db import connection

from prospects.jobs.runner import JobOutcome

MAX_STORED_ERRORS = 5_000  # cell errors kept on a job (the counts stay exact)
CHUNK_SIZE = 5_000  # rows checked, matched and written together

CREATE, UPDATE, SKIP, ERROR = "create", "update", "skip", "error"


@dataclass(slots=True)
class SourceRow:
    """One record of a source file: where it is, and its raw values by column key."""

    location: dict
    values: dict


@dataclass(slots=True)
class RowPlan:
    """What the import will do with one row, and why not when it cannot."""

    location: dict
    action: str
    fields: dict = field(default_factory=dict)  # model values (codes, ids) of the filled cells
    entity_ids: list = field(default_factory=list)
    entities_given: bool = False  # filled in the file (an update adds them; defaults only on create)
    company_key: str = ""  # folded name of a company to create
    match_id: int | None = None
    errors: list = field(default_factory=list)
    search: tuple | None = None  # (search_text, company_sort) of a new contact, computed by the reader


@dataclass
class ImportResult:
    counts: dict
    errors: list  # the first MAX_STORED_ERRORS cell errors
    error_rows: int = 0
    probable_duplicates: list = field(default_factory=list)  # flagged by a preview (issue 17)

    def outcome(self) -> JobOutcome:
        return JobOutcome(counts=self.counts, errors=self.errors)


class ImportHasErrors(Exception):
    """All-or-nothing import with at least one bad row: everything was rolled back."""

    def __init__(self, result: ImportResult):
        super().__init__(result.counts)
        self.result = result


def in_size() -> int:
    """Values per IN (...) list: SQLite caps a statement's parameters."""
    return 5000 if connection.vendor == "postgresql" else 500


def batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
