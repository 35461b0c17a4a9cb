"""The cell references of an uploaded workbook's data sheet, read as a stream before any parser.

A reader such as calamine allocates the dense range from the first cell to the farthest one:
one cell at XFD1048576 costs hundreds of GiB and aborts the process. `data_sheet_check`
streams the data sheet's XML part out of the zip, a chunk at a time, and refuses before any
reader runs:

- a cell (`<c r="...">`) beyond the template's columns (the error file's extra column
  included) or past the row limit, and a row (`<row r="...">`) past the row limit;
- a cell or row without its reference, or with a reference that is not plain `A1` form
  (a reader places those by position: they could reach any column or row);
- a part that is not UTF-8 (a NUL byte: UTF-16 would hide the tags from the byte patterns);
- a merged range beyond the limits, or merged ranges covering too many cells in all (the
  reader lists each merged cell).

The declared `<dimension>` is never trusted, nor refused: writers such as openpyxl declare
more than they write, and calamine sizes its range from the cells it reads, not from the
dimension (a sheet declaring A1:XFD1048576 with two rows reads in a few MB; a test holds
this). If a later reader trusted it, the child's memory ceiling would fail that one import.

The scan is a handful of regular expressions over each chunk (no tree, no per-cell Python
work for the usual file): each tag is matched from its `<` with whole quoted attribute
values, so a fake ` r="A1"` inside another attribute's value is never taken for the
reference. The part is found like calamine finds it: the workbook's sheet of that name,
through the workbook's relationships. The other sheets are not loaded by the reader.
"""

import contextlib
import functools
import posixpath
import re
import threading
import zipfile

from defusedxml.ElementTree import iterparse
from django.utils.translation import gettext as _

from prospects.imports.columns import COLUMNS, DATA_SHEET
from prospects.imports.turns import Handoff

SCAN_CHUNK_BYTES = 1024 * 1024
# The template's columns plus the error file's "Erreurs" column.
MAX_COLUMNS = len(COLUMNS) + 1
MAX_MERGED_CELLS = 100_000
assert MAX_COLUMNS <= 26, "the column pattern below handles single-letter columns only"

_LAST_LETTER = chr(ord("A") + MAX_COLUMNS - 1)
_NAME = r"[\w.:-]+"
_VALUE = r"(?:\"[^\"<]*\"|'[^'<]*')"
_OTHER_ATTR = rf"\s+(?!r\s*=){_NAME}\s*=\s*{_VALUE}"  # any attribute but r
_TAG_END = r"\s*/?>"


# "<!DOCTYPE" or "<!ENTITY" in any case: the part's bytes are searched as they are (lower-casing
# every window first took twice as long).
DECLARATION = re.compile(rb"<!(?:doctype|entity)", re.IGNORECASE)


def declaration_refused_message() -> str:
    return _("Le fichier contient des déclarations XML interdites (DTD, entités).")


class SheetRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _tag(name: str, prefixed: bool) -> str:
    return rf"<(?:[\w.-]+:)?{name}(?=[\s/>])" if prefixed else rf"<{name}(?=[\s/>])"


# A namespace prefix on the tags read below (`<x:c ...>`): rare, and slower to scan for.
_PREFIXED = re.compile(rb":(?:c|row|mergeCell)[\s/>]")


@functools.lru_cache(maxsize=8)
def _patterns(max_row: int, prefixed: bool) -> tuple[re.Pattern, ...]:
    """The robust patterns: any attribute order, either quote, namespace prefixes if asked."""
    digits = len(str(max_row))
    good = {"c": rf"[A-{_LAST_LETTER}][1-9]\d{{0,{digits - 1}}}", "row": rf"[1-9]\d{{0,{digits - 1}}}"}
    patterns = []
    for name in ("c", "row"):
        # A tag whose attributes are not "others, then exactly one good r, then others".
        patterns.append(
            rf"{_tag(name, prefixed)}(?!(?:{_OTHER_ATTR})*\s+r\s*=\s*([\"']){good[name]}\1(?:{_OTHER_ATTR})*{_TAG_END})"
        )
    for name in ("c", "row"):
        # References with as many digits as the limit: the few that need comparing as numbers.
        patterns.append(rf"{_tag(name, prefixed)}(?:{_OTHER_ATTR})*\s+r\s*=\s*[\"'][A-Z]?(\d{{{digits}}})[\"']")
    other_than_ref = _OTHER_ATTR.replace("(?!r", "(?!ref")
    patterns.append(rf"{_tag('mergeCell', prefixed)}(?:{other_than_ref})*\s+ref\s*=\s*[\"']([^\"']*)[\"']")
    return tuple(re.compile(pattern.encode()) for pattern in patterns)


@functools.lru_cache(maxsize=8)
def _usual_patterns(max_row: int) -> tuple[re.Pattern, ...]:
    """The shape every common writer (Excel, LibreOffice, openpyxl) uses: r first, in double
    quotes. Three times faster; a window with any other shape goes to `_patterns`.

    The quantifiers are possessive (`*+`, `++`): no part they match could be given back to
    what follows them (a space, a name, a quoted value, then `=`, `"` or `>`), so they match
    exactly what the greedy ones did, without the backtracking bookkeeping (a fifth faster).
    """
    digits = len(str(max_row))
    others = r'(?:\s++(?!r\s*=)[\w.:-]++="[^"<]*+")*+\s*+/?>'
    unusual_cell = rf'<c(?! r="[A-{_LAST_LETTER}][1-9]\d{{0,{digits - 1}}}+"{others})[\s/>]'
    unusual_row = rf'<row(?! r="[1-9]\d{{0,{digits - 1}}}+"{others})[\s/>]'
    long_cell = rf'<c r="[A-{_LAST_LETTER}](\d{{{digits}}})"'
    long_row = rf'<row r="(\d{{{digits}}})"'
    return tuple(re.compile(pattern.encode()) for pattern in (unusual_cell, unusual_row, long_cell, long_row))


def _window_check(window: bytes, max_row: int, sheet: str) -> list[bytes]:
    """Refuse a far reference in a window of whole tags; returns its merged ranges."""
    unusual_cell, unusual_row, long_cell, long_row = _usual_patterns(max_row)
    prefixed = bool(_PREFIXED.search(window))
    bad_cell, bad_row, *robust_long, merge = _patterns(max_row, prefixed)
    if prefixed or unusual_cell.search(window) or unusual_row.search(window):
        if bad_cell.search(window) or bad_row.search(window):
            raise _refused_cell(sheet, max_row)
        longs = robust_long
    else:
        longs = (long_cell, long_row)
    for pattern in longs:
        for number in pattern.findall(window):
            if int(number) > max_row:
                raise _refused_cell(sheet, max_row)
    return merge.findall(window)


_CELL = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})\Z")


def _cell_position(reference: str) -> tuple[int, int] | None:
    match = _CELL.match(reference.strip())
    if match is None:
        return None
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def _range_area(reference: str, max_row: int) -> int | None:
    """Cells covered by an A1:B2 range within the limits, or None when it is not one."""
    corners = [_cell_position(part) for part in reference.split(":")]
    if not 1 <= len(corners) <= 2 or None in corners:
        return None
    rows = [row for row, _column in corners]
    columns = [column for _row, column in corners]
    if max(rows) > max_row or max(columns) > MAX_COLUMNS:
        return None
    return (max(rows) - min(rows) + 1) * (max(columns) - min(columns) + 1)


def _refused_cell(sheet: str, max_row: int) -> SheetRefused:
    from prospects.imports.xlsx import column_letter

    return SheetRefused(
        _(
            "La feuille « %(sheet)s » contient des cellules hors du modèle : seules les colonnes A à %(last)s "
            "et les lignes 1 à %(rows)s sont lues (la limite est de %(max)s lignes par import). "
            "Supprimez les cellules au-delà, ou copiez vos lignes dans un modèle neuf."
        )
        % {"sheet": sheet, "last": column_letter(MAX_COLUMNS), "rows": max_row, "max": max_row - 1}
    )


def data_sheet_part(archive: zipfile.ZipFile, sheet: str = DATA_SHEET) -> list[str]:
    """The zip members of the workbook's sheets named `sheet` (workbook → relationships)."""
    names = set(archive.namelist())
    rel_ids = [
        element.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
        for element in _elements(archive, "xl/workbook.xml", "sheet")
        if element.get("name") == sheet
    ]
    if not rel_ids:
        return []
    targets = {
        element.get("Id"): element.get("Target") or ""
        for element in _elements(archive, "xl/_rels/workbook.xml.rels", "Relationship")
    }
    parts = []
    for rel_id in rel_ids:
        target = targets.get(rel_id, "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if path not in names:
            raise SheetRefused(_("Le fichier est endommagé ou n'est pas un classeur .xlsx lisible."))
        parts.append(path)
    return parts


def _elements(archive: zipfile.ZipFile, member: str, local_name: str):
    """The elements called `local_name` of a small part, streamed (each one cleared once read)."""
    try:
        handle = archive.open(member)
    except KeyError:
        return
    root = None
    with handle:
        for event, element in iterparse(handle, events=("start", "end"), forbid_dtd=True):
            if root is None:
                root = element
            if event == "end":
                if element.tag.rsplit("}", 1)[-1] == local_name:
                    yield element
                root.clear()  # what was read is dropped: a padded part stays small


def sheet_part_check(archive: zipfile.ZipFile, member: str, *, max_row: int, sheet: str = DATA_SHEET) -> None:
    """Stream one worksheet part and refuse any reference beyond the limits (module docstring)."""
    merged_cells = 0
    tail = b""
    with archive.open(member) as handle, _read_ahead(handle) as chunks:
        while True:
            chunk = next(chunks)
            if b"\x00" in chunk:
                # UTF-16 (or 32): the tags would not be seen by the byte patterns below.
                raise SheetRefused(
                    _("La feuille « %(sheet)s » n'est pas enregistrée en UTF-8 : enregistrez le fichier avec Excel.")
                    % {"sheet": sheet}
                )
            data = tail + chunk
            if not data:
                return
            # Scan up to the last complete tag; the rest waits for the next chunk.
            end = data.rfind(b"<") if chunk else len(data)
            if end == -1:  # text only: nothing to keep
                tail = b""
                continue
            if end == 0 and chunk:  # one tag longer than a chunk
                if len(data) > 16 * SCAN_CHUNK_BYTES:
                    raise _refused_cell(sheet, max_row)
                tail = data
                continue
            window, tail = data[:end], data[end:]
            # A declaration starts with "<": a window, which ends before a "<", never cuts one.
            if DECLARATION.search(window):
                raise SheetRefused(declaration_refused_message())
            for reference in _window_check(window, max_row, sheet):
                area = _range_area(reference.decode("ascii", "replace"), max_row)
                if area is None:
                    raise _refused_cell(sheet, max_row)
                merged_cells += area
                if merged_cells > MAX_MERGED_CELLS:
                    raise SheetRefused(
                        _("La feuille « %(sheet)s » contient trop de cellules fusionnées.") % {"sheet": sheet}
                    )
            if not chunk:
                return


@contextlib.contextmanager
def _read_ahead(handle):
    """The part's chunks, decompressed by a helper thread while the scan reads the one before.

    zlib and the zip's CRC release the GIL: the decompression (a third of the scan) runs on the
    other core. At most two chunks wait; the thread stops when the scan does.
    """
    handoff = Handoff(size=2)

    def read() -> None:
        try:
            while handoff.put(chunk := handle.read(SCAN_CHUNK_BYTES)) and chunk:
                pass
        except BaseException as exc:  # raised in the scan
            handoff.put(exc)

    def taken():
        while True:
            item = handoff.get()
            yield item
            if not item:
                return

    reader = threading.Thread(target=read, name="xlsx-scan-read", daemon=True)
    reader.start()
    try:
        yield taken()
    finally:
        handoff.stop()
        reader.join()  # before the handle closes
