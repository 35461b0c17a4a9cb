"""Spreadsheet helpers shared by exports and templates: cells never become formulas."""

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def text_cell(sheet: WriteOnlyWorksheet, value) -> WriteOnlyCell:
    """A cell holding `value` as data: a string that looks like a formula stays a string."""
    if value is None:
        value = ""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl turns "=..." into a formula; force the string type, and mark the cell
        # quote-prefixed so Excel keeps it as text even after the user edits it.
        cell.data_type = "s"
        if value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True
    return cell


def header_row(sheet: WriteOnlyWorksheet, titles) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = text_cell(sheet, str(title))
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells
