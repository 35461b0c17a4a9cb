"""The uploaded .xlsx: safety checks before parsing (G5: sizes, zip ratio, XML declarations),
the calamine reader of the template's data sheet, cell text and the header check (I2).

`XlsxSource(path).rows()` yields the `SourceRow`s the checks of `prospects.imports.checks` take.
"""

import contextlib
import fcntl
import hashlib
import hmac
import pickle
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _

from prospects.imports.columns import (
    COLUMNS,
    DATA_SHEET,
    ERRORS_TITLE,
    PHONE,
    POSTCODE,
    header_key,
)
from prospects.imports.plans import SourceRow
from prospects.imports.sheetscan import (
    DECLARATION,
    SheetRefused,
    data_sheet_part,
    declaration_refused_message,
    sheet_part_check,
)
from prospects.models import Job

# ---------------------------------------------------------------------------------------
# Published limits (G5), checked before any row is parsed.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 500
MAX_ROWS = 100_000
PROLOG_SCAN_BYTES = 64 * 1024


class ImportRejected(Exception):
    """The whole file is refused (format, limits, headers) before any row is imported."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def limits_text() -> str:
    """The published limits, for the upload page and the instructions sheet."""
    return _(
        "Fichier .xlsx de %(size)d Mo au plus, %(rows)s lignes au plus, %(uncompressed)d Mo une fois décompressé."
    ) % {
        "size": MAX_UPLOAD_BYTES // (1024 * 1024),
        "rows": f"{MAX_ROWS:,}".replace(",", "\u202f"),
        "uncompressed": MAX_UNCOMPRESSED_BYTES // (1024 * 1024),
    }


# ---------------------------------------------------------------------------------------
# The .xlsx parser (python-calamine), behind the zip checks of G5.

_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def xlsx_check(path: str | Path, *, size: int | None = None, contents: bool = True) -> None:
    """Refuse what is not a reasonable .xlsx before parsing: size, zip sizes and ratio, DTDs.

    `contents=False`: the zip's directory only (sizes, ratio, members), for bytes whose XML and
    cell references an earlier check passed (`upload_sha256`).
    """
    size = Path(path).stat().st_size if size is None else size
    if size == 0:
        raise ImportRejected(_("Le fichier est vide."))
    if size > MAX_UPLOAD_BYTES:
        raise ImportRejected(
            _("Le fichier dépasse la taille maximale de %(max)d Mo.") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    not_xlsx = _("Ce fichier n'est pas un classeur Excel .xlsx (utilisez le modèle à télécharger).")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportRejected(not_xlsx) from exc
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "xl/workbook.xml" not in names or "[Content_Types].xml" not in names:
            raise ImportRejected(not_xlsx)
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportRejected(_("Le fichier contient trop d'éléments pour un classeur d'import."))
        total = sum(member.file_size for member in members)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise ImportRejected(
                _("Le fichier décompressé dépasse %(max)d Mo.") % {"max": MAX_UNCOMPRESSED_BYTES // (1024 * 1024)}
            )
        for member in members:
            if member.file_size > 1024 * 1024 and member.file_size > MAX_COMPRESSION_RATIO * max(
                member.compress_size, 1
            ):
                raise ImportRejected(_("Le fichier est anormalement compressé (bombe de décompression ?)."))
        if not contents:
            return
        parts = [member for member in members if member.filename.endswith((".xml", ".rels"))]
        # The worksheets last: the data sheet is found through the workbook's parts, checked first.
        for member in parts:
            if not member.filename.startswith(_WORKSHEETS):
                _check_xml_prolog(archive, member, not_xlsx)
        data_parts = _sheet_failure_refused(data_sheet_part, archive)
        for member in parts:
            if member.filename.startswith(_WORKSHEETS):
                # The data sheet's declarations are looked for by its cell scan, in the same read.
                _check_xml_prolog(archive, member, not_xlsx, whole=member.filename not in data_parts)
        _check_data_sheet(archive, data_parts)


_WORKSHEETS = "xl/worksheets/"


def _sheet_failure_refused(check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except SheetRefused as refused:
        raise ImportRejected(refused.message) from refused
    except (ParseError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        raise ImportRejected(_("Le fichier est endommagé ou n'est pas un classeur .xlsx lisible.")) from exc


def _check_data_sheet(archive: zipfile.ZipFile, parts: list[str]) -> None:
    # The cell references (and any DTD), streamed, before any reader allocates the range they span.
    for part in parts:
        _sheet_failure_refused(sheet_part_check, archive, part, max_row=MAX_ROWS + 1)


def _check_xml_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo, not_xlsx: str, *, whole: bool = True) -> None:
    # An Office file never declares a DTD: refusing any DOCTYPE rules out entity expansion
    # ("billion laughs") and external entities whatever the parser behind does with them.
    # The whole part is scanned in chunks (a DTD can hide behind 64 KB of comment); each
    # window keeps the previous chunk's tail so a keyword cut in two is still seen. With
    # `whole=False` only the first window is read here (the data sheet: `sheet_part_check`
    # looks for declarations in the rest while it reads the cell references).
    overlap = len(b"<!doctype") - 1
    try:
        with archive.open(member) as handle:
            head = window = handle.read(PROLOG_SCAN_BYTES)
            while window:
                if DECLARATION.search(window):
                    raise ImportRejected(declaration_refused_message())
                chunk = handle.read(PROLOG_SCAN_BYTES) if whole else b""
                window = window[-overlap:] + chunk if chunk else b""
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        raise ImportRejected(_("Le fichier est endommagé ou tronqué.")) from exc
    if head and not _ROOT_ELEMENT.search(head) and len(head) == PROLOG_SCAN_BYTES:
        raise ImportRejected(not_xlsx)


def cell_text(value, kind: str = "") -> str:
    """A calamine cell as text: '' for empty, integers without '.0', dates dd/mm/yyyy (trap 7)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float):
        if value.is_integer():
            text = str(int(value))
            if kind == PHONE and len(text) == 9:
                return "0" + text  # a French number typed as a number lost its leading zero
            if kind == POSTCODE and len(text) == 4:
                return "0" + text  # 1000 → 01000
            return text
        return repr(value)
    if isinstance(value, int):
        return cell_text(float(value), kind) if abs(value) < 2**53 else str(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != time() else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, timedelta):
        return str(value)
    return str(value).strip()


def header_check(header: list) -> int:
    """Check the header row against the template; returns the number of template columns.

    Raises ImportRejected naming the first wrong column (I2).
    """
    titles = [cell_text(value) for value in header]
    while titles and not titles[-1]:
        titles.pop()
    if titles and header_key(titles[-1]) == header_key(ERRORS_TITLE) and len(titles) == len(COLUMNS) + 1:
        titles.pop()  # a corrected error file
    expected = [column.title for column in COLUMNS]
    if not titles:
        raise ImportRejected(_("La première ligne doit contenir les en-têtes du modèle ; elle est vide."))
    seen: dict[str, int] = {}
    for index, title in enumerate(titles, start=1):
        key = header_key(title)
        if key and key in seen:
            raise ImportRejected(
                _("La colonne « %(title)s » apparaît deux fois (colonnes %(first)s et %(second)s).")
                % {"title": title, "first": column_letter(seen[key]), "second": column_letter(index)}
            )
        seen[key] = index
    for index, wanted in enumerate(expected, start=1):
        if index > len(titles):
            raise ImportRejected(
                _("Colonne %(letter)s : la colonne « %(wanted)s » manque (le modèle a %(count)d colonnes).")
                % {"letter": column_letter(index), "wanted": wanted, "count": len(expected)}
            )
        if header_key(titles[index - 1]) != header_key(wanted):
            found = titles[index - 1]
            if not found:
                message = _("Colonne %(letter)s : en-tête vide, « %(wanted)s » attendu.")
            elif header_key(found) in {header_key(title) for title in expected}:
                message = _(
                    "Colonne %(letter)s : « %(found)s » trouvé, « %(wanted)s » attendu "
                    "(les colonnes du modèle ont été déplacées)."
                )
            else:
                message = _("Colonne %(letter)s : « %(found)s » trouvé, « %(wanted)s » attendu.")
            raise ImportRejected(message % {"letter": column_letter(index), "found": found, "wanted": wanted})
    if len(titles) > len(expected):
        raise ImportRejected(
            _("Colonne %(letter)s : « %(found)s » est en trop (le modèle a %(count)d colonnes).")
            % {"letter": column_letter(len(expected) + 1), "found": titles[len(expected)], "count": len(expected)}
        )
    return len(expected)


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class XlsxSource:
    """The data sheet of an uploaded template, header checked; iterate `rows()` once.

    calamine runs in a child process (`prospects.imports.sheet_reader`) under the memory
    ceiling UPLOAD_READER_MEMORY_BYTES and streams the rows back: a file that would need
    more fails this upload with a clear error, never the web or worker process.
    """

    def __init__(self, path: str | Path, *, size: int | None = None, checked: bool = False):
        """`checked`: these bytes passed `xlsx_check` before (the preview of the same upload)."""
        xlsx_check(path, size=size, contents=not checked)
        self.sheet = DATA_SHEET
        self._child = subprocess.Popen(
            [sys.executable, "-I", str(_READER_SCRIPT), str(path), DATA_SHEET, str(reader_memory_bytes())],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        _pipe_widen(self._child.stdout)
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _receive(self) -> tuple:
        try:
            return pickle.load(self._child.stdout)
        except (EOFError, pickle.UnpicklingError, OSError) as exc:
            # The child died: killed at its memory ceiling, or calamine aborted.
            self._child.wait()
            raise ImportRejected(
                _(
                    "Le fichier n'a pas pu être lu : sa lecture demande plus de mémoire que la limite "
                    "autorisée ou il est endommagé. Copiez vos lignes dans un modèle neuf et réessayez."
                )
            ) from exc

    def _start(self) -> None:
        message = self._receive()
        if message[0] == "missing":
            raise ImportRejected(
                _("La feuille « %(sheet)s » du modèle est introuvable (feuilles : %(found)s).")
                % {"sheet": DATA_SHEET, "found": ", ".join(message[1])[:200]}
            )
        if message[0] != "meta":
            raise ImportRejected(_("Le fichier est endommagé ou n'est pas un classeur .xlsx lisible."))
        _kind, start, height, merged = message
        if height == 0 or start is None:
            raise ImportRejected(_("La feuille « %(sheet)s » est vide.") % {"sheet": DATA_SHEET})
        if tuple(start) != (0, 0):
            raise ImportRejected(_("Les en-têtes du modèle doivent commencer en cellule A1."))
        self.total = height - 1
        if self.total > MAX_ROWS:
            raise ImportRejected(
                _("Le fichier contient %(count)s lignes ; la limite est de %(max)s lignes par import.")
                % {"count": self.total, "max": MAX_ROWS}
            )
        self._merged = self._merged_cells(merged)

    def _sheet_rows(self) -> Iterator[list | str]:
        """The rows as the child sends them: a list of cells, or a string of stripped text cells."""
        while True:
            message = self._receive()
            if message[0] == "rows":
                yield from message[1]
            elif message[0] == "done":
                return
            else:
                raise ImportRejected(_("Le fichier est endommagé ou n'est pas un classeur .xlsx lisible."))

    @staticmethod
    def _merged_cells(ranges: list) -> dict[int, set[int]]:
        """Excel row number → 1-based columns covered by a merged range (except its first cell)."""
        merged: dict[int, set[int]] = {}
        for (top, left), (bottom, right) in ranges:
            for row in range(top, bottom + 1):
                for col in range(left, right + 1):
                    if (row, col) != (top, left) and row > 0:
                        merged.setdefault(row + 1, set()).add(col + 1)
        return merged

    def rows(self) -> Iterator[SourceRow]:
        """Row dicts of the data rows; blank rows are left out. Raises ImportRejected on the header."""
        iterator = self._sheet_rows()
        header = next(iterator, [])
        header_check(header.split(_SEPARATOR) if header.__class__ is str else header)
        key_names = [column.key for column in COLUMNS]
        kinds = [column.kind for column in COLUMNS]
        width = len(COLUMNS)
        sheet = self.sheet
        for number, cells in enumerate(iterator, start=2):
            if cells.__class__ is str:  # text cells (the bulk of a file), stripped by the child
                cells = cells.split(_SEPARATOR)
                if len(cells) < width:
                    cells += [""] * (width - len(cells))
                values = dict(zip(key_names, cells, strict=False))  # cells past the template: ignored
            else:  # numbers and dates are normalised
                if len(cells) < width:
                    cells = list(cells) + [""] * (width - len(cells))
                values = {
                    key: value.strip() if type(value) is str else cell_text(value, kind)
                    for key, kind, value in zip(key_names, kinds, cells, strict=False)
                }
            if not any(values.values()):
                continue
            location = {"sheet": sheet, "row": number}
            merged = self._merged.get(number)
            if merged:
                location["merged"] = sorted(merged)
            yield SourceRow(location=location, values=values)

    def close(self) -> None:
        child = self._child
        if child.poll() is None:
            child.kill()  # rows left unread (a refused header, an error): no need to finish
        child.stdout.close()
        child.wait()


_READER_SCRIPT = Path(__file__).with_name("sheet_reader.py")
PIPE_BYTES = 1024 * 1024
_SEPARATOR = "\x1f"  # sheet_reader.SEPARATOR (that script is not imported here)


def _pipe_widen(stream) -> None:
    """A 1 MB pipe instead of 64 KB: 16 times fewer hand-overs between the child and this
    process, each of which waits for a time slice on a busy machine."""
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or past /proc/sys/fs/pipe-max-size
        fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def reader_memory_bytes() -> int:
    """The address-space ceiling of the child that reads an upload (0: none)."""
    return settings.UPLOAD_READER_MEMORY_BYTES


# ---------------------------------------------------------------------------------------
# Reading a job's stored upload.


def upload_sha256(path: str | Path) -> str:
    """The file's SHA-256 (hex): what the preview checked is what the run reads."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def checked_before(path: str | Path, checked_sha256: str) -> bool:
    """Whether `path` holds exactly the bytes whose checks passed (the preview's SHA-256)."""
    return bool(checked_sha256) and hmac.compare_digest(upload_sha256(path), checked_sha256)


def stored_copy(job: Job) -> "tempfile._TemporaryFileWrapper":
    """A local temporary copy of the job's upload (the storage may be remote)."""
    tmp = tempfile.NamedTemporaryFile(suffix=".xlsx")  # noqa: SIM115  closed by the caller
    with job.source_file.open("rb") as source:
        read = 0
        while block := source.read(1024 * 1024):
            read += len(block)
            if read > MAX_UPLOAD_BYTES:
                tmp.close()
                raise ImportRejected(
                    _("Le fichier dépasse la taille maximale de %(max)d Mo.")
                    % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
                )
            tmp.write(block)
    tmp.flush()
    return tmp
