"""The spreadsheets of the Excel import written with openpyxl: the template (I1) and the
error file (B2). Both come from the column definition of prospects.imports.columns."""

import tempfile
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from accounts.models import User
from accounts.selectors import entities_visible_to, users_visible_to
from crm.models import Sector
from crm.spreadsheets import text_cell
from prospects.imports.columns import (
    CHOICE,
    COLUMNS,
    DATA_SHEET,
    ENTITIES,
    ERRORS_TITLE,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    REP,
    SECTOR,
    Column,
    choice_labels,
)

TEMPLATE_ROWS = 2000  # rows pre-formatted as text, cell by cell (the whole column is formatted too)
VALIDATION_ROWS = 100_000  # the drop-down lists cover every row an import accepts (xlsx.MAX_ROWS)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F5")
ERROR_FILL = PatternFill("solid", fgColor="F8C9C4")
ERROR_TEXT_FILL = PatternFill("solid", fgColor="FDECEA")
TEXT_FORMAT = "@"


def _allowed_values(user: User) -> dict[str, list[str]]:
    """Column key → the values offered by the drop-down list of the template."""
    values: dict[str, list[str]] = {}
    for column in COLUMNS:
        if column.kind == CHOICE:
            values[column.key] = choice_labels(column)
        elif column.kind == REP:
            # As people know the reps ("DIRON Marine"); the login is accepted too (a warning, not a refusal).
            reps = users_visible_to(user).order_by("last_name", "first_name", "username")
            values[column.key] = [rep.display_name for rep in reps]
        elif column.kind == SECTOR:
            values[column.key] = list(Sector.objects.order_by("name").values_list("name", flat=True))
        elif column.kind == ENTITIES:
            values[column.key] = list(entities_visible_to(user).order_by("name").values_list("name", flat=True))
    return values


def template_write(*, user: User, path: str) -> None:
    """The import template for this user: data sheet, instructions, lists as data validation."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    allowed = _allowed_values(user)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=column.title)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        if column.help:
            cell.comment = Comment(str(column.help), "CRM")
        dimension = sheet.column_dimensions[letter]
        dimension.width = column.width
        if column.is_text_formatted:
            # Excel keeps what is typed in a text-formatted column as text: 01 44 55 66 77
            # and 01000 keep their leading zero.
            dimension.number_format = TEXT_FORMAT
            for row in range(2, TEMPLATE_ROWS + 2):
                sheet.cell(row=row, column=index).number_format = TEXT_FORMAT
    sheet.freeze_panes = "A2"

    lists = workbook.create_sheet(LISTS_SHEET)
    list_column = 0
    for index, column in enumerate(COLUMNS, start=1):
        values = allowed.get(column.key)
        if values is None:
            continue
        list_column += 1
        list_letter = get_column_letter(list_column)
        lists.cell(row=1, column=list_column, value=column.title).font = Font(bold=True)
        for row, value in enumerate(values, start=2):
            lists.cell(row=row, column=list_column, value=value).data_type = "s"
        last = max(2, len(values) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{LISTS_SHEET}!${list_letter}$2:${list_letter}${last}",
            allow_blank=True,
            showErrorMessage=True,
            # Several entities may be listed in one cell, and a rep may be typed by login.
            errorStyle="warning" if column.kind in (ENTITIES, REP) else "stop",
            errorTitle=_("Valeur non prévue"),
            error=_("Choisissez une valeur de la liste."),
        )
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{VALIDATION_ROWS + 1}")
        sheet.add_data_validation(validation)
    lists.sheet_state = "hidden"

    _instructions(workbook.create_sheet(INSTRUCTIONS_SHEET, 1), allowed)
    workbook.active = 0
    workbook.save(path)


def _instructions(sheet, allowed: dict[str, list[str]]) -> None:
    from prospects.imports.xlsx import limits_text

    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 90
    lines = [
        (_("Import de contacts prospects"), ""),
        (
            "",
            _("Remplissez la feuille « %(sheet)s », une ligne par contact, à partir de la ligne 2.")
            % {"sheet": DATA_SHEET},
        ),
        ("", _("Ne modifiez pas la ligne d'en-têtes : ni l'ordre, ni le nombre, ni le nom des colonnes.")),
        ("", limits_text()),
        (
            "",
            _(
                "Doublons : une ligne correspond à un contact existant de vos entités qui a le même e-mail, "
                "ou à défaut les mêmes nom, prénom et société. Vous choisissez à l'import de le mettre à jour "
                "ou de l'ignorer."
            ),
        ),
        ("", ""),
        (_("Colonne"), _("Contenu")),
    ]
    for column in COLUMNS:
        text = str(column.help)
        values = allowed.get(column.key)
        if values and column.kind == CHOICE:
            text = f"{text} {_('Valeurs')} : {', '.join(values)}".strip()
        lines.append((column.title, text))
    for row, (title, text) in enumerate(lines, start=1):
        first = sheet.cell(row=row, column=1, value=title)
        first.data_type = "s"
        first.font = Font(bold=row in (1, 7) or bool(title))
        second = sheet.cell(row=row, column=2, value=text)
        second.data_type = "s"
        second.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)


def error_file_write(*, rows: Iterable[tuple[int, list]], errors: list[dict], path: str) -> None:
    """The uploaded rows, bad cells highlighted, an error column at the end (B2, G2).

    `rows` yields (Excel row number, raw cells); `errors` are the import's cell errors.
    """
    by_row: dict[int, list[dict]] = {}
    for error in errors:
        if isinstance(error.get("row"), int):
            by_row.setdefault(error["row"], []).append(error)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.column_dimensions[get_column_letter(len(COLUMNS) + 1)].width = 60
    sheet.freeze_panes = "A2"
    header = []
    for title in [column.title for column in COLUMNS] + [ERRORS_TITLE]:
        cell = text_cell(sheet, title)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for number, cells in rows:
        row_errors = by_row.get(number, [])
        bad_keys = {error.get("key") for error in row_errors}
        out = []
        for index, column in enumerate(COLUMNS):
            value = cells[index] if index < len(cells) else ""
            cell = _data_cell(sheet, value, column)
            if column.key in bad_keys:
                cell.fill = ERROR_FILL
            out.append(cell)
        message = " ; ".join(
            f"{error['column']} : {error['message']}" if error.get("column") else error["message"]
            for error in row_errors
        )
        cell = text_cell(sheet, message)
        if message:
            cell.fill = ERROR_TEXT_FILL
            cell.font = Font(color="9C1C12")
        out.append(cell)
        sheet.append(out)
    workbook.save(path)


def _data_cell(sheet, value, column: Column) -> WriteOnlyCell:
    from prospects.imports.xlsx import cell_text

    text = cell_text(value, column.kind)
    cell = text_cell(sheet, text)
    if column.is_text_formatted:
        cell.number_format = TEXT_FORMAT
    return cell


def error_file_for(*, source_path: str, errors: list[dict]) -> str:
    """Write the error file of an uploaded template into a temporary file; returns its path."""
    from prospects.imports.xlsx import XlsxSource

    source = XlsxSource(source_path)
    try:
        rows = ((row.location["row"], [row.values.get(column.key, "") for column in COLUMNS]) for row in source.rows())
        with tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False) as tmp:
            path = tmp.name
        with translation.override(translation.get_language()):
            error_file_write(rows=rows, errors=errors, path=path)
    finally:
        source.close()
    return path
