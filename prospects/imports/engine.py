"""Bulk import of prospect contacts: parse → validate → write, whatever the source format.

A parser yields `SourceRow`s: a location ({"sheet": ..., "row": ...} for the Excel
template, {"file": ..., "card": ..., "line": ...} for vCards) and a dict of raw values
keyed like `import_columns.COLUMNS` (strings; coded values as codes or labels). Then:

    context = ImportContext(user=..., update_existing=...)
    result = import_run(rows=parser_rows, context=context, job=job, valid_only=..., dry_run=...)

`rows_validate` turns rows into `RowPlan`s (create / update / skip / error, with per-cell
errors naming location, column, value and a translated message); `import_run` writes the
valid ones in bulk (COPY on PostgreSQL) with the same side effects as `prospect_create`
(entities, the rep's object right, search columns, `import_job`). `import_run` is atomic:
in all-or-nothing mode any error raises `ImportHasErrors` and nothing stays written (G1).

Three threads share a run on PostgreSQL: a reader parses and checks the rows (no query),
the calling thread keeps the connection (lookups, companies, ids, COPY), and a formatter
builds each chunk's COPY text while the chunk before it is sent. An exception in either
helper is raised in the calling thread and rolls the whole run back.

Matching policy (B1, G4): a row matches a contact the uploader can see with the same
e-mail; failing that, one with the same last name, first name and company (accents and
case ignored). A matched row is updated (filled cells only) or skipped, as chosen.
"""

import functools
import gc
import io
import logging
import queue
import re
import tempfile
import threading
import zipfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from psycopg import Copy as PgCopy
from psycopg.copy import FileWriter

from accounts.models import User
from accounts.permissions import has_right
from accounts.selectors import entities_visible_to, entity_ids_of, users_visible_to
from crm.choices import CompanyType
from crm.models import Company, Sector
from crm.selectors import companies_visible_to
from prospects.imports.columns import (
    CHOICE,
    COLUMN_BY_KEY,
    COLUMNS,
    COMPANY,
    DATA_SHEET,
    EMAIL,
    ENTITIES,
    ERRORS_TITLE,
    PHONE,
    POSTCODE,
    REP,
    SECTOR,
    Column,
    choice_lookup,
    header_key,
)
from prospects.jobs.runner import JobFailed, JobOutcome, JobProgress, job_handler
from prospects.models import (
    ASSIGNEE_OBJECT_RIGHTS,
    IMPORT_KINDS,
    ContactStatus,
    Job,
    JobKind,
    JobStatus,
    Origin,
    ProspectContact,
    ProspectContactUserObjectPermission,
)
from prospects.search import company_sort_of, fold, search_text_of
from prospects.selectors import prospects_changeable_by, prospects_visible_to
from prospects.services import prospect_search_fields_refresh, prospects_data_changed

# ---------------------------------------------------------------------------------------
# Published limits (G5), checked before any row is parsed.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_ZIP_MEMBERS = 500
MAX_ROWS = 100_000
MAX_STORED_ERRORS = 5_000
CHUNK_SIZE = 5_000
PROLOG_SCAN_BYTES = 64 * 1024

IMPORT_RIGHT = "prospects.import_prospects"
logger = logging.getLogger(__name__)
CREATE, UPDATE, SKIP, ERROR = "create", "update", "skip", "error"


class ImportRejected(Exception):
    """The whole file is refused (format, limits, headers) before any row is imported."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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

    def outcome(self) -> JobOutcome:
        return JobOutcome(counts=self.counts, errors=self.errors)


class ImportHasErrors(Exception):
    """All-or-nothing import with at least one bad row: everything was rolled back."""

    def __init__(self, result: ImportResult):
        super().__init__(result.counts)
        self.result = result


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


def xlsx_check(path: str | Path, *, size: int | None = None) -> None:
    """Refuse what is not a reasonable .xlsx before parsing: size, zip sizes and ratio, DTDs."""
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
        for member in members:
            if member.filename.endswith((".xml", ".rels")):
                _check_xml_prolog(archive, member, not_xlsx)


def _check_xml_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo, not_xlsx: str) -> None:
    # An Office file never declares a DTD: refusing any DOCTYPE rules out entity expansion
    # ("billion laughs") and external entities whatever the parser behind does with them.
    # The whole part is scanned in chunks (a DTD can hide behind 64 KB of comment); each
    # window keeps the previous chunk's tail so a keyword cut in two is still seen.
    overlap = len(b"<!doctype") - 1
    try:
        with archive.open(member) as handle:
            head = window = handle.read(PROLOG_SCAN_BYTES)
            while window:
                lowered = window.lower()
                if b"<!doctype" in lowered or b"<!entity" in lowered:
                    raise ImportRejected(_("Le fichier contient des déclarations XML interdites (DTD, entités)."))
                chunk = handle.read(PROLOG_SCAN_BYTES)
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
    """The data sheet of an uploaded template, header checked; iterate `rows()` once."""

    def __init__(self, path: str | Path, *, size: int | None = None):
        from python_calamine import CalamineError, CalamineWorkbook

        xlsx_check(path, size=size)
        try:
            self._workbook = CalamineWorkbook.from_path(str(path))
            if DATA_SHEET not in self._workbook.sheet_names:
                raise ImportRejected(
                    _("La feuille « %(sheet)s » du modèle est introuvable (feuilles : %(found)s).")
                    % {"sheet": DATA_SHEET, "found": ", ".join(self._workbook.sheet_names)[:200]}
                )
            self._sheet = self._workbook.get_sheet_by_name(DATA_SHEET)
        except ImportRejected:
            raise
        except (CalamineError, Exception) as exc:  # calamine raises several unrelated types
            raise ImportRejected(_("Le fichier est endommagé ou n'est pas un classeur .xlsx lisible.")) from exc
        self.sheet = DATA_SHEET
        start = self._sheet.start
        if self._sheet.height == 0 or start is None:
            raise ImportRejected(_("La feuille « %(sheet)s » est vide.") % {"sheet": DATA_SHEET})
        if start != (0, 0):
            raise ImportRejected(_("Les en-têtes du modèle doivent commencer en cellule A1."))
        self.total = self._sheet.height - 1
        if self.total > MAX_ROWS:
            raise ImportRejected(
                _("Le fichier contient %(count)s lignes ; la limite est de %(max)s lignes par import.")
                % {"count": self.total, "max": MAX_ROWS}
            )
        self._merged = self._merged_cells()

    def _merged_cells(self) -> dict[int, set[int]]:
        """Excel row number → 1-based columns covered by a merged range (except its first cell)."""
        merged: dict[int, set[int]] = {}
        for (top, left), (bottom, right) in self._sheet.merged_cell_ranges or []:
            for row in range(top, bottom + 1):
                for col in range(left, right + 1):
                    if (row, col) != (top, left) and row > 0:
                        merged.setdefault(row + 1, set()).add(col + 1)
        return merged

    def rows(self) -> Iterator[SourceRow]:
        """Row dicts of the data rows; blank rows are left out. Raises ImportRejected on the header."""
        iterator = self._sheet.iter_rows()
        header_check(next(iterator, []))
        key_names = [column.key for column in COLUMNS]
        kinds = [column.kind for column in COLUMNS]
        width = len(COLUMNS)
        sheet = self.sheet
        for number, cells in enumerate(iterator, start=2):
            if len(cells) < width:
                cells = list(cells) + [""] * (width - len(cells))
            # Text cells (the bulk of a file) take the short path; numbers and dates are normalised.
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
        self._workbook.close()


# ---------------------------------------------------------------------------------------
# Validation.


class ImportContext:
    """What one uploader may use (reps, entities, companies, sectors) and the import options."""

    def __init__(self, *, user: User, update_existing: bool = False):
        self.user = user
        self.update_existing = update_existing
        self.reps = {username.lower(): pk for pk, username in users_visible_to(user).values_list("pk", "username")}
        self.entities = {}
        for pk, name, code in entities_visible_to(user).values_list("pk", "name", "code"):
            self.entities[fold(name)] = pk
            self.entities[fold(code)] = pk
        self.default_entity_ids = sorted(entity_ids_of(user))
        self.sectors = {fold(name): pk for pk, name in Sector.objects.values_list("pk", "name")}
        self.companies: dict[str, tuple[int, str]] = {}
        for pk, name in companies_visible_to(user).select_related(None).order_by("-pk").values_list("pk", "name"):
            self.companies[fold(name)] = (pk, name)  # same name twice: the oldest wins
        self.choices = {column.key: choice_lookup(column) for column in COLUMNS if column.kind == CHOICE}
        self.new_companies: dict[str, dict] = {}  # folded name → {"name", "type", "entity_ids"}
        self.seen_emails: dict[str, int | str] = {}
        self.seen_names: dict[tuple, int | str] = {}
        self.matched_ids: dict[int, int | str] = {}  # existing contact → the row that matched it
        self.created_ids: set[int] = set()  # contacts this run has written (chunk by chunk)
        self.job_id: int | None = None  # set by import_run when a job records the run
        self.companies_loaded: set[int] = set()
        self.company_contacts: dict[tuple, int] = {}  # (last name, first name, company id) → contact


# A strict subset of what Django's EmailValidator accepts, ten times faster.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z"
)
# Names, companies and coded values repeat a lot in a file: fold each distinct one once.
_fold = functools.lru_cache(maxsize=200_000)(fold)


def _cell_error(row: SourceRow, column: Column | None, value: str, message: str) -> dict:
    error = dict(row.location)
    error.pop("merged", None)
    error.update(column=column.title if column else "", key=column.key if column else "", value=value[:200])
    error["message"] = message
    return error


# What _check_row reads of each column, unpacked once: (column, key, kind, required, max length,
# kept as typed).
_COLUMN_CHECKS = tuple(
    (column, column.key, column.kind, column.required, column.max_length or 0, column.kind in ("text", PHONE, POSTCODE))
    for column in COLUMNS
)


def _check_row(row: SourceRow, context: ImportContext) -> RowPlan:
    """Per-row checks that need no query: required, lengths, formats, coded values."""
    values = row.values
    plan = RowPlan(location=row.location, action=CREATE)
    fields = plan.fields
    errors = plan.errors
    merged = row.location.get("merged")
    if merged:
        for index in merged:
            if index <= len(COLUMNS):
                column = COLUMNS[index - 1]
                errors.append(
                    _cell_error(
                        row, column, "", _("Cellule fusionnée : défusionnez les cellules et remplissez chaque ligne.")
                    )
                )
    for column, key, kind, required, max_length, plain in _COLUMN_CHECKS:
        value = values.get(key, "")
        if value.__class__ is not str:
            value = cell_text(value, kind)
        if not value:
            if required:
                errors.append(_cell_error(row, column, value, _("Valeur obligatoire.")))
            continue
        if max_length and len(value) > max_length:
            errors.append(
                _cell_error(
                    row,
                    column,
                    value,
                    _("Trop long : %(length)d caractères pour %(max)d au plus.")
                    % {"length": len(value), "max": max_length},
                )
            )
            continue
        if plain:
            fields[key] = value
        elif kind == EMAIL:
            email = value.lower()
            try:
                if not _PLAIN_EMAIL.match(email):
                    validate_email(email)  # the full check only for unusual addresses
            except ValidationError:
                errors.append(_cell_error(row, column, value, _("Adresse e-mail invalide.")))
                continue
            fields["email"] = email
        elif kind == CHOICE:
            code = context.choices[column.key].get(_fold(value))
            if code is None:
                errors.append(
                    _cell_error(row, column, value, _("Valeur inconnue : choisissez une valeur de la liste."))
                )
                continue
            fields[column.key] = code
        elif kind == REP:
            rep_id = context.reps.get(value.lower())
            if rep_id is None:
                message = _("Utilisateur inconnu ou hors de vos entités : %(login)s.") % {"login": value}
                errors.append(_cell_error(row, column, value, message))
                continue
            fields["assigned_to_id"] = rep_id
        elif kind == SECTOR:
            sector_id = context.sectors.get(_fold(value))
            if sector_id is None:
                errors.append(_cell_error(row, column, value, _("Secteur d'activité inconnu.")))
                continue
            fields["sector_id"] = sector_id
        elif kind == ENTITIES:
            ids = []
            for part in re.split(r"[,;\n]", value):
                part = part.strip()
                if not part:
                    continue
                entity_id = context.entities.get(_fold(part))
                if entity_id is None:
                    errors.append(
                        _cell_error(
                            row,
                            column,
                            value,
                            _("Entité inconnue ou hors de vos entités : %(entity)s.") % {"entity": part},
                        )
                    )
                    break
                ids.append(entity_id)
            plan.entity_ids = sorted(set(ids))
            plan.entities_given = bool(plan.entity_ids)
        elif kind == COMPANY:
            fields["company"] = value
    if not plan.entity_ids:
        plan.entity_ids = context.default_entity_ids
        if not plan.entity_ids and not any(error["key"] == "entities" for error in errors):
            errors.append(
                _cell_error(row, COLUMN_BY_KEY["entities"], "", _("Aucune entité : indiquez l'entité du contact."))
            )
    if errors:
        plan.action = ERROR
    return plan


def _name_key(fields: dict, company_key: str) -> tuple:
    return (_fold(fields.get("last_name", "")), _fold(fields.get("first_name", "")), company_key)


def _name_variants(name: str) -> set[str]:
    import unicodedata

    plain = "".join(char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char))
    return {variant for text in (name, plain) for variant in (text, text.upper(), text.lower(), text.title())}


def rows_validate(rows: Iterable[SourceRow], *, context: ImportContext, chunk_size: int | None = None):
    """Turn source rows into RowPlans, a chunk at a time (few queries, bounded memory).

    Parsing and the per-row checks (no query) run in a helper thread, a chunk or two ahead:
    while this thread waits for the database (lookups, COPY, foreign-key checks), the next
    chunk is being read. Everything that touches the database stays in the calling thread.
    """
    for chunk in _checked_chunks(rows, context, chunk_size or CHUNK_SIZE):
        yield from _resolve_chunk(chunk, context)


_DONE = object()


def _checked_chunks(rows: Iterable[SourceRow], context: ImportContext, chunk_size: int) -> Iterator[list[RowPlan]]:
    """Chunks of checked and prepared plans, produced by a reader thread (at most two chunks ahead)."""
    chunks: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()
    language = translation.get_language()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                chunks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            with translation.override(language):
                chunk: list[RowPlan] = []
                for row in rows:
                    chunk.append(_check_row(row, context))
                    if len(chunk) >= chunk_size:
                        if not put(_prepare_chunk(chunk, context)):
                            return
                        chunk = []
                if chunk and not put(_prepare_chunk(chunk, context)):
                    return
            put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            put(exc)

    reader = threading.Thread(target=read, name="import-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = chunks.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        reader.join()


def _row_label(location: dict):
    return location.get("row") or location.get("card") or location.get("line") or "?"


def _prepare_chunk(plans: list[RowPlan], context: ImportContext) -> list[RowPlan]:
    """The part of the validation that needs no query (reader thread): companies, duplicates
    inside the file, and the search columns a new contact will get."""
    email_column = COLUMN_BY_KEY["email"]
    last_name_column = COLUMN_BY_KEY["last_name"]
    for plan in plans:
        if plan.action == ERROR:
            continue
        fields = plan.fields
        name = fields.pop("company", "")
        company_type = fields.pop("company_type", "") or CompanyType.PROSPECT
        company_key = _fold(name)
        found = context.companies.get(company_key) if company_key else None
        if company_key:
            if found:
                fields["company_id"] = found[0]
            else:
                plan.company_key = company_key
                context.new_companies.setdefault(
                    company_key, {"name": name, "type": company_type, "entity_ids": plan.entity_ids}
                )
        email = fields.get("email", "")
        name_key = _name_key(fields, company_key)
        where = _row_label(plan.location)
        first_seen = context.seen_emails.get(email) if email else None
        if first_seen is not None:
            plan.errors.append(
                _error_at(
                    plan,
                    email_column,
                    email,
                    _("Doublon dans le fichier : même e-mail qu'en ligne %(row)s."),
                    first_seen,
                )
            )
        elif not email and name_key in context.seen_names:
            plan.errors.append(
                _error_at(
                    plan,
                    last_name_column,
                    fields.get("last_name", ""),
                    _("Doublon dans le fichier : même nom, prénom et société qu'en ligne %(row)s."),
                    context.seen_names[name_key],
                )
            )
        else:
            if email:
                context.seen_emails[email] = where
            context.seen_names.setdefault(name_key, where)
        if plan.errors:
            plan.action = ERROR
            continue
        company_name = found[1] if found else context.new_companies[company_key]["name"] if company_key else ""
        plan.search = (
            search_text_of(
                folder=_fold,
                last_name=fields["last_name"],
                first_name=fields["first_name"],
                email=email,
                company_name=company_name,
                phone=fields.get("phone", ""),
                mobile=fields.get("mobile", ""),
                fax=fields.get("fax", ""),
            ),
            company_sort_of(company_name),
        )
    return plans


def _resolve_chunk(plans: list[RowPlan], context: ImportContext) -> list[RowPlan]:
    """Matches of prepared plans against the contacts the uploader sees (queries: calling thread)."""
    email_column = COLUMN_BY_KEY["email"]
    last_name_column = COLUMN_BY_KEY["last_name"]
    candidates = [plan for plan in plans if plan.action != ERROR]
    if not candidates:
        return plans
    emails = {plan.fields["email"] for plan in candidates if plan.fields.get("email")}
    # Name + company matches: every visible contact of the companies named in the chunk
    # (compared folded in Python, so accents and case never matter), and for free contacts
    # the usual spellings of the last name (an index lookup).
    company_ids = {plan.fields["company_id"] for plan in candidates if plan.fields.get("company_id")}
    free_names = set()
    for plan in candidates:
        if not plan.fields.get("company_id") and not plan.company_key:
            free_names |= _name_variants(plan.fields["last_name"])
    visible = prospects_visible_to(context.user).select_related(None).order_by()
    if context.job_id is not None:  # what this run already wrote is not "existing"
        visible = visible.exclude(import_job_id=context.job_id)
    by_email: dict[str, int] = {}
    by_name = context.company_contacts  # a company's contacts are loaded once per run
    columns = ("pk", "email", "last_name", "first_name", "company_id")
    found_rows = []
    for batch in _batches(sorted(emails), _in_size()):
        found_rows += visible.filter(email__any_of=batch).values_list(*columns)
    for batch in _batches(sorted(company_ids - context.companies_loaded), _in_size()):
        found_rows += visible.filter(company_id__in=batch).values_list(*columns)
        context.companies_loaded.update(batch)
    for batch in _batches(sorted(free_names), _in_size()):
        found_rows += visible.filter(company__isnull=True, last_name__any_of=batch).values_list(*columns)
    created = context.created_ids
    for pk, email, last_name, first_name, company_id in sorted(found_rows):
        if pk in created:
            continue  # written earlier in this run: the file's own duplicates are checked above
        if email:
            by_email.setdefault(email, pk)
        by_name.setdefault((_fold(last_name), _fold(first_name), company_id), pk)
    matched = []
    for plan in candidates:
        fields = plan.fields
        match = by_email.get(fields.get("email") or "\0")
        if match is None and not plan.company_key:
            match = by_name.get((_fold(fields["last_name"]), _fold(fields["first_name"]), fields.get("company_id")))
        if match is not None:
            first_seen = context.matched_ids.setdefault(match, _row_label(plan.location))
            if first_seen != _row_label(plan.location):
                message = _("Ce contact existant correspond déjà à la ligne %(row)s.")
                plan.errors.append(_error_at(plan, email_column, fields.get("email", ""), message, first_seen))
                plan.action = ERROR
                continue
            plan.match_id = match
            plan.action = UPDATE if context.update_existing else SKIP
            if plan.action == UPDATE:
                matched.append(plan)
    if matched:
        changeable = set()
        ids = sorted({plan.match_id for plan in matched})
        allowed = prospects_changeable_by(context.user, "edit_prospect").select_related(None).order_by()
        for batch in _batches(ids, 500):
            changeable |= set(allowed.filter(pk__in=batch).values_list("pk", flat=True))
        for plan in matched:
            if plan.match_id not in changeable:
                plan.action = ERROR
                plan.errors.append(
                    _cell_error(
                        SourceRow(plan.location, {}),
                        email_column if plan.fields.get("email") else last_name_column,
                        plan.fields.get("email") or plan.fields.get("last_name", ""),
                        _("Ce contact existe déjà et vous n'avez pas le droit de le modifier."),
                    )
                )
    return plans


def _error_at(plan: RowPlan, column: Column, value: str, message: str, first_seen) -> dict:
    return _cell_error(SourceRow(plan.location, {}), column, value, message % {"row": first_seen})


def _in_size() -> int:
    """Values per IN (...) list: SQLite caps a statement's parameters."""
    return 5000 if connection.vendor == "postgresql" else 500


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------
# Writing.

CONTACT_FIELDS = (
    "gender",
    "last_name",
    "first_name",
    "department",
    "job_title",
    "email",
    "phone",
    "mobile",
    "fax",
    "address",
    "postcode",
    "city",
    "region",
    "country",
    "assigned_to_id",
    "status",
    "sector_id",
    "origin",
    "origin_comment",
    "description",
    "company_id",
)
DEFAULTS = {"country": "France", "status": ContactStatus.NEW, "origin": Origin.IMPORT}


class _Writer:
    """Bulk writes of one import, in chunks; same side effects as prospect_create."""

    def __init__(self, *, context: ImportContext, job: Job | None):
        self.context = context
        self.job = job
        self.by = context.user
        self.now = timezone.now()
        self.permissions = list(
            Permission.objects.filter(content_type__app_label="prospects", codename__in=ASSIGNEE_OBJECT_RIGHTS)
        )
        self.company_ids: dict[str, int] = {}
        self.counts = {"created": 0, "updated": 0, "skipped": 0, "companies_created": 0}
        self._extra_columns = self._other_columns()
        self._session_tuned = False
        self._pipeline = _CopyPipeline()

    @staticmethod
    def _other_columns() -> dict[str, object]:
        """Concrete columns this writer does not fill (added later to the model): their defaults."""
        known = set(CONTACT_FIELDS) | {
            "id",
            "import_job_id",
            "created_by_id",
            "updated_by_id",
            "created_at",
            "updated_at",
            "search_text",
            "company_sort",
        }
        extra = {}
        for model_field in ProspectContact._meta.concrete_fields:
            if model_field.attname not in known:
                extra[model_field.column] = model_field.get_db_prep_save(model_field.get_default(), connection)
        return extra

    def write(self, plans: list[RowPlan]) -> None:
        creates = [plan for plan in plans if plan.action == CREATE]
        updates = [plan for plan in plans if plan.action == UPDATE]
        self.counts["skipped"] += sum(1 for plan in plans if plan.action == SKIP)
        needed = {plan.company_key for plan in creates + updates if plan.company_key}
        self._create_companies(needed - set(self.company_ids))
        if creates:
            self._create(creates)
        if updates:
            self._update(updates)

    def _create_companies(self, keys: set[str]) -> None:
        if not keys:
            return
        specs = [(key, self.context.new_companies[key]) for key in sorted(keys)]
        companies = Company.objects.bulk_create(
            [Company(name=spec["name"], type=spec["type"]) for _key, spec in specs], batch_size=1000
        )
        through = Company.entities.through
        links = []
        for (key, spec), company in zip(specs, companies, strict=True):
            self.company_ids[key] = company.pk
            links += [through(company_id=company.pk, entity_id=entity_id) for entity_id in spec["entity_ids"]]
        through.objects.bulk_create(links, batch_size=2000, ignore_conflicts=True)
        self.counts["companies_created"] += len(companies)

    def _values(self, plan: RowPlan) -> dict:
        values = dict(DEFAULTS)
        values.update(plan.fields)
        if plan.company_key:
            values["company_id"] = self.company_ids[plan.company_key]
        return values

    def _create(self, plans: list[RowPlan]) -> None:
        if connection.vendor != "postgresql":
            ids = self._create_orm([(plan, self._create_values(plan)) for plan in plans])
            for table, columns, rows in self._link_and_right_rows(plans, ids):
                _insert_rows(table, columns, rows)
        else:
            ids = self._ids(len(plans))
            # The COPY text of this chunk is built in a helper thread; the chunk before it is
            # sent meanwhile, so the server checks one chunk while the next one is formatted.
            self._pipeline.submit(self._copy_payloads, plans, ids)
        self.context.created_ids.update(ids)
        self.counts["created"] += len(plans)

    def finish(self) -> None:
        """Send what the pipeline still holds (call before the transaction commits)."""
        self._pipeline.drain()

    def close(self) -> None:
        self._pipeline.close()

    def _link_and_right_rows(self, plans: list[RowPlan], ids: list[int]) -> list[tuple[str, list[str], list]]:
        links, rights = [], []
        permission_ids = [permission.pk for permission in self.permissions]
        for plan, pk in zip(plans, ids, strict=True):
            links += [(pk, entity_id) for entity_id in plan.entity_ids]
            rep_id = plan.fields.get("assigned_to_id")
            if rep_id:
                rights += [(pk, rep_id, permission_id) for permission_id in permission_ids]
        return [
            (ProspectContact.entities.through._meta.db_table, ["prospectcontact_id", "entity_id"], links),
            (
                ProspectContactUserObjectPermission._meta.db_table,
                ["content_object_id", "user_id", "permission_id"],
                rights,
            ),
        ]

    def _create_values(self, plan: RowPlan) -> dict:
        values = self._values(plan)
        values["search_text"], values["company_sort"] = plan.search  # set by _prepare_chunk
        return values

    def _ids(self, count: int) -> list[int]:
        """Ids of `count` new contacts, taken from the table's sequence (first call: session settings)."""
        table = ProspectContact._meta.db_table
        with connection.cursor() as cursor:
            if not self._session_tuned:
                # The trigram index of the list search costs most of the COPY when its 4 MB
                # pending list is merged again and again; merging every 32 MB halves that.
                # The rest is merged once after commit (gin_indexes_flush).
                cursor.execute("SET LOCAL gin_pending_list_limit = '32MB'")
                # Foreign keys checked at the end of each COPY rather than all at commit: the
                # server checks one chunk while the next one is prepared.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                self._session_tuned = True
                transaction.on_commit(gin_indexes_flush)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _copy_payloads(self, plans: list[RowPlan], ids: list[int]) -> list[tuple[str, list[str], bytes]]:
        """COPY text of one chunk's contacts, entity links and rep rights (pipeline thread, no query)."""
        extra_columns = list(self._extra_columns)
        extra_values = tuple(self._extra_columns.values())
        columns = ["id", *CONTACT_FIELDS, "import_job_id", "created_by_id", "updated_by_id", "created_at"]
        columns += ["updated_at", "search_text", "company_sort", *extra_columns]
        job_id = self.job.pk if self.job else None
        by_id, now = self.by.pk, self.now
        fields = [(name, None if name.endswith("_id") else "") for name in CONTACT_FIELDS]

        def contacts():
            for plan, pk in zip(plans, ids, strict=True):
                values = self._values(plan)
                yield (
                    (pk, *[values.get(name, empty) for name, empty in fields])
                    + (job_id, by_id, by_id, now, now, *plan.search)
                    + extra_values
                )

        payloads = [(ProspectContact._meta.db_table, columns, self._pipeline.copy_text(contacts()))]
        for table, table_columns, rows in self._link_and_right_rows(plans, ids):
            payloads.append((table, table_columns, self._pipeline.copy_text(rows)))
        return payloads

    def _create_orm(self, rows: list[tuple[RowPlan, dict]]) -> list[int]:
        contacts = [
            ProspectContact(import_job=self.job, created_by=self.by, updated_by=self.by, created_at=self.now, **values)
            for _plan, values in rows
        ]
        ProspectContact.objects.bulk_create(contacts, batch_size=500)
        return [contact.pk for contact in contacts]

    def _update(self, plans: list[RowPlan]) -> None:
        by_id = {plan.match_id: plan for plan in plans}
        contacts = list(
            ProspectContact.objects.select_for_update(of=("self",)).filter(pk__in=list(by_id)).select_related("company")
        )
        fields_written = set()
        moved_reps: list[tuple[int, int | None, int | None]] = []
        links = []
        companies = {}
        for contact in contacts:
            plan = by_id[contact.pk]
            previous_rep = contact.assigned_to_id
            for name, value in plan.fields.items():
                setattr(contact, name, value)
                fields_written.add(name)
            if plan.company_key:
                contact.company_id = self.company_ids[plan.company_key]
                fields_written.add("company_id")
            if contact.company_id:
                companies[contact.company_id] = None
            if contact.assigned_to_id != previous_rep:
                moved_reps.append((contact.pk, previous_rep, contact.assigned_to_id))
            contact.updated_by = self.by
            contact.updated_at = self.now
            if plan.entities_given:
                links += [(contact.pk, entity_id) for entity_id in plan.entity_ids]
        # the search columns need the (possibly new) company names
        names = dict(Company.objects.filter(pk__in=list(companies)).values_list("pk", "name"))
        for contact in contacts:
            if contact.company_id and (contact.company is None or contact.company.pk != contact.company_id):
                contact.company = Company(pk=contact.company_id, name=names.get(contact.company_id, ""))
            prospect_search_fields_refresh(contact)
        update_fields = sorted(
            {name.removesuffix("_id") if name.endswith("_id") else name for name in fields_written}
            | {"updated_by", "updated_at", "search_text", "company_sort"}
        )
        ProspectContact.objects.bulk_update(contacts, update_fields, batch_size=500)
        through = ProspectContact.entities.through
        through.objects.bulk_create(
            [through(prospectcontact_id=pk, entity_id=entity_id) for pk, entity_id in links],
            batch_size=2000,
            ignore_conflicts=True,
        )
        for pk, previous, current in moved_reps:
            if previous:
                ProspectContactUserObjectPermission.objects.filter(
                    user_id=previous, content_object_id=pk, permission__in=self.permissions
                ).delete()
            if current:
                ProspectContactUserObjectPermission.objects.bulk_create(
                    [
                        ProspectContactUserObjectPermission(
                            user_id=current, content_object_id=pk, permission=permission
                        )
                        for permission in self.permissions
                    ],
                    ignore_conflicts=True,
                )
        self.counts["updated"] += len(contacts)


def gin_indexes_flush() -> None:
    """Merge the pending lists of the contact table's GIN indexes (best effort, after commit)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list(indexrelid::regclass) FROM pg_index JOIN pg_class c "
                "ON c.oid = indexrelid JOIN pg_am am ON am.oid = c.relam WHERE indrelid = %s::regclass "
                "AND am.amname = 'gin'",
                [ProspectContact._meta.db_table],
            )
    except Exception:  # the next autovacuum does it anyway
        logger.warning("could not flush the GIN pending lists", exc_info=True)


class _CopyPipeline:
    """COPY text built in a helper thread and sent by the calling thread one chunk behind.

    The calling thread keeps the connection: it sends chunk k - 1 and waits for the server
    (rows, indexes, foreign-key checks) while the helper formats chunk k, so the Python
    work of a chunk overlaps the database work of the one before.
    """

    def __init__(self):
        self._executor: ThreadPoolExecutor | None = None
        self._pending: deque[Future] = deque()
        self._cursor = None

    def copy_text(self, rows: Iterable[tuple]) -> bytes:
        """Rows in COPY text format, formatted with the connection's adapters (helper thread)."""
        buffer = io.BytesIO()
        with PgCopy(self._cursor, binary=False, writer=FileWriter(buffer)) as copy:
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def submit(self, build: Callable[..., list[tuple[str, list[str], bytes]]], *args) -> None:
        if self._executor is None:
            self._cursor = connection.connection.cursor()  # formats only: never executes
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-copy")
        self._pending.append(self._executor.submit(build, *args))
        while len(self._pending) > 1:
            self._send(self._pending.popleft().result())

    def drain(self) -> None:
        while self._pending:
            self._send(self._pending.popleft().result())

    def close(self) -> None:
        for future in self._pending:
            future.cancel()
        self._pending.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    @staticmethod
    def _send(payloads: list[tuple[str, list[str], bytes]]) -> None:
        with connection.cursor() as cursor:
            for table, columns, data in payloads:
                if data:
                    quoted = ", ".join(f'"{column}"' for column in columns)
                    with cursor.cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
                        copy.write(data)


def _insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Plain INSERTs, where there is no COPY (SQLite: the embedded default and the tests)."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        for batch in _batches(rows, 2000):
            cursor.executemany(f'INSERT INTO "{table}" ({quoted}) VALUES ({placeholders})', batch)


@transaction.atomic
def import_run(
    *,
    rows: Iterable[SourceRow],
    context: ImportContext,
    job: Job | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Validate and (unless dry_run) write the rows in one transaction; see the module docstring.

    All-or-nothing unless `valid_only`: with any bad row nothing is written and
    ImportHasErrors carries the report. Dry runs return the counts of what would happen.
    """
    counts = {CREATE: 0, UPDATE: 0, SKIP: 0, ERROR: 0}
    errors: list[dict] = []
    context.job_id = job.pk if job is not None and not dry_run else None
    writer = None if dry_run else _Writer(context=context, job=job)
    writing = writer is not None
    chunk: list[RowPlan] = []

    def flush():
        nonlocal chunk
        if writing and chunk:
            writer.write(chunk)
        if progress and chunk:
            progress(len(chunk))
        chunk = []

    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small objects per chunk: full collections would dominate (trap 8)
    try:
        for plan in rows_validate(rows, context=context):
            counts[plan.action] += 1
            if plan.action == ERROR:
                if len(errors) < MAX_STORED_ERRORS:
                    errors.extend(plan.errors[: MAX_STORED_ERRORS - len(errors)])
                if not valid_only:
                    writing = False  # all-or-nothing: no point writing any further
                if progress:
                    progress(1)
                continue
            chunk.append(plan)
            if len(chunk) >= CHUNK_SIZE:
                flush()
        flush()
        if writing:
            writer.finish()
    finally:
        if writer is not None:
            writer.close()
        if gc_was_enabled:
            gc.enable()
    result_counts = {
        "created": counts[CREATE],
        "updated": counts[UPDATE],
        "skipped": counts[SKIP],
        "errors": counts[ERROR],
    }
    if writer is not None:
        result_counts["companies_created"] = writer.counts["companies_created"]
    else:
        result_counts["companies_created"] = len(context.new_companies)
    result = ImportResult(counts=result_counts, errors=errors, error_rows=counts[ERROR])
    if counts[ERROR] and not valid_only and not dry_run:
        transaction.set_rollback(True)
        raise ImportHasErrors(result)
    if writer is not None and job is not None and writer.company_ids:
        # Undo removes these companies too, when nothing uses them any more.
        created = sorted(writer.company_ids.values())
        Job.objects.filter(pk=job.pk).update(options=dict(job.options, created_company_ids=created))
    if not dry_run and (counts[CREATE] or counts[UPDATE]):
        prospects_data_changed()
    return result


# ---------------------------------------------------------------------------------------
# Reading a job's stored upload, the job handler and undo.


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


# A second progress display for the same run (the command's terminal bar), beside the job's.
progress_listener: ContextVar = ContextVar("import_progress_listener", default=None)


def xlsx_import(
    *, path, user: User, update_existing: bool, valid_only: bool, dry_run: bool, job=None, progress=None
) -> tuple[ImportResult, int]:
    """Parse, validate and write one template file. Returns the result and the row total.

    `progress` is a JobProgress-like object (start/advance); `progress_listener` another one.
    """
    source = XlsxSource(path)
    displays = [display for display in (progress, progress_listener.get()) if display is not None]
    try:
        context = ImportContext(user=user, update_existing=update_existing)
        for display in displays:
            display.start(source.total)

        def step(count: int) -> None:
            for display in displays:
                display.advance(count)

        result = import_run(
            rows=source.rows(), context=context, job=job, valid_only=valid_only, dry_run=dry_run, progress=step
        )
        return result, source.total
    finally:
        source.close()


def import_failure_message(result: ImportResult) -> str:
    return ngettext(
        "%(count)d ligne en erreur : aucun contact n'a été importé.",
        "%(count)d lignes en erreur : aucun contact n'a été importé.",
        result.error_rows,
    ) % {"count": result.error_rows}


@job_handler(JobKind.IMPORT_XLSX)
def import_xlsx_job(job: Job, progress: JobProgress) -> JobOutcome:
    """Run a confirmed Excel import inside the runner's transaction (all-or-nothing by default)."""
    if not job.options.get("confirmed"):
        raise JobFailed(_("Cet import n'a pas été confirmé."))
    if not has_right(job.created_by, IMPORT_RIGHT):
        raise JobFailed(_("Vous n'avez plus le droit d'importer des contacts prospects."))
    try:
        with stored_copy(job) as tmp:
            result, _total = xlsx_import(
                path=tmp.name,
                user=job.created_by,
                update_existing=bool(job.options.get("update_existing")),
                valid_only=bool(job.options.get("valid_only")),
                dry_run=False,
                job=job,
                progress=progress,
            )
    except ImportRejected as rejected:
        raise JobFailed(rejected.message) from rejected
    except ImportHasErrors as failed:
        raise JobFailed(
            import_failure_message(failed.result), errors=failed.result.errors, counts=failed.result.counts
        ) from failed
    return result.outcome()


@dataclass
class UndoResult:
    deleted: int = 0
    kept: list[tuple[int, str, str]] = field(default_factory=list)  # (id, contact, reason)
    companies_deleted: int = 0
    companies_kept: list[tuple[int, str, str]] = field(default_factory=list)  # (id, company, reason)


def import_undo_right(job: Job) -> str:
    """The right an undo needs: the one that allowed the import (R7 Excel; R9 or R2 vCard)."""
    if job.kind == JobKind.IMPORT_VCF:
        from prospects.vcard.imports import R9, VIA_RIGHTS

        return VIA_RIGHTS.get(job.options.get("via"), R9)
    return IMPORT_RIGHT


def import_can_undo(job: Job) -> bool:
    return (
        job.kind in IMPORT_KINDS
        and job.status == JobStatus.DONE
        and not job.options.get("undone_at")
        and bool(job.counts.get("created"))
    )


@transaction.atomic
def import_undo(*, job: Job, by: User) -> UndoResult:
    """Delete the contacts the import created and nobody touched since; list the others (kept)."""
    from prospects.services import prospect_delete_blockers, prospects_with_links

    locked = Job.objects.select_for_update().get(pk=job.pk)
    if not import_can_undo(locked):
        raise ValueError("import cannot be undone")
    result = UndoResult()
    created_ids = list(ProspectContact.objects.filter(import_job=locked).order_by("pk").values_list("pk", flat=True))
    deletable = []
    for batch in _batches(created_ids, 900):
        for prospect in prospects_with_links(batch).select_for_update(of=("self",)).order_by("pk"):
            reasons = prospect_delete_blockers(prospect)
            if locked.finished_at and prospect.updated_at > locked.finished_at:
                reasons.insert(0, _("modifié depuis l'import"))
            if reasons:
                result.kept.append((prospect.pk, str(prospect), ", ".join(str(reason) for reason in reasons)))
            else:
                deletable.append(prospect.pk)
    for batch in _batches(deletable, 900):
        ProspectContact.objects.filter(pk__in=batch).delete()
    result.deleted = len(deletable)
    _undo_companies(locked, result)
    options = dict(locked.options)
    options.update(
        undone_at=timezone.now().isoformat(),
        undone_by=by.pk,
        undo_kept=[{"id": pk, "contact": name, "reason": reason} for pk, name, reason in result.kept[:500]],
        undo_kept_count=len(result.kept),
        undo_kept_companies=[
            {"id": pk, "company": name, "reason": reason} for pk, name, reason in result.companies_kept[:500]
        ],
    )
    counts = dict(locked.counts)
    counts["deleted"] = result.deleted
    counts["companies_deleted"] = result.companies_deleted
    Job.objects.filter(pk=locked.pk).update(options=options, counts=counts)
    prospects_data_changed()
    return result


def _undo_companies(job: Job, result: UndoResult) -> None:
    """Delete the companies the import created that nothing uses any more (and unchanged since)."""
    ids = job.options.get("created_company_ids") or []
    for batch in _batches(ids, 900):
        companies = list(Company.objects.filter(pk__in=batch).select_for_update(of=("self",)).order_by("pk"))
        in_use = set(
            ProspectContact.objects.filter(company_id__in=batch).values_list("company_id", flat=True).distinct()
        )
        deletable = []
        for company in companies:
            if job.finished_at and company.updated_at > job.finished_at:
                result.companies_kept.append((company.pk, company.name, _("modifiée depuis l'import")))
            elif company.pk in in_use:
                result.companies_kept.append((company.pk, company.name, _("a encore des contacts")))
            else:
                deletable.append(company)
        # The usual case: nothing else points to them, one delete for the batch; otherwise
        # one by one, to keep only the ones used elsewhere.
        if deletable and _companies_deleted(deletable):
            result.companies_deleted += len(deletable)
            continue
        for company in deletable:
            if _companies_deleted([company]):
                result.companies_deleted += 1
            else:
                result.companies_kept.append((company.pk, company.name, _("utilisée ailleurs")))


def _companies_deleted(companies: list[Company]) -> bool:
    """Delete these companies together, or none of them if something protects one (False)."""
    from django.db.models.deletion import ProtectedError, RestrictedError

    try:
        with transaction.atomic():
            Company.objects.filter(pk__in=[company.pk for company in companies]).delete()
    except (ProtectedError, RestrictedError):
        return False
    return True
