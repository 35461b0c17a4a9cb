"""Builders of .xlsx files for the import tests."""

from pathlib import Path

from openpyxl import Workbook

from prospects.imports.columns import COLUMNS, DATA_SHEET

TITLES = [column.title for column in COLUMNS]
KEYS = [column.key for column in COLUMNS]


def contact_row(**values) -> list:
    """A data row in template order; unspecified cells are empty."""
    values.setdefault("last_name", "DUPONT")
    values.setdefault("first_name", "Jeanne")
    return [values.get(key) for key in KEYS]


def write_xlsx(
    path: Path, rows: list[list], *, header: list | None = None, sheet: str = DATA_SHEET, extra=None
) -> Path:
    """An .xlsx with the template header (or `header`) and `rows`; `extra(workbook, sheet)` tweaks it."""
    workbook = Workbook()
    data = workbook.active
    data.title = sheet
    data.append(TITLES if header is None else header)
    for row in rows:
        data.append(row)
    if extra is not None:
        extra(workbook, data)
    workbook.save(path)
    return path
