"""Per-row checks and matching against the existing contacts (B1, G4), a chunk at a time.

`rows_validate` turns `SourceRow`s into `RowPlan`s: create / update / skip / error, with
per-cell errors naming location, column, value and a translated message.

Threads: a reader thread parses the source and runs the checks that need no query
(`_check_row`, then `_prepare_chunk`: companies, duplicates inside the file, search
columns), a chunk or two ahead; the calling thread keeps the connection and matches each
chunk against the database (`_resolve_chunk`), then hands it to the writer. On PostgreSQL a
third thread formats the COPY text (`prospects.imports.pipeline`). An exception in a helper
thread is raised in the calling thread and rolls the whole run back.

Matching policy (B1, G4): a row matches a contact the uploader can see with the same
e-mail; failing that, one with the same last name, first name and company (accents and
case ignored). A matched row is updated (filled cells only) or skipped, as chosen.
"""

import functools
import re
import threading
from collections.abc import Iterable, Iterator

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import entities_visible_to, entity_ids_of, users_visible_to
from crm.choices import CompanyType
from crm.models import Sector
from crm.selectors import companies_visible_to
from prospects.contacts import normalise_email, phone_normalise
from prospects.imports.columns import (
    CHOICE,
    COLUMN_BY_KEY,
    COLUMNS,
    COMPANY,
    EMAIL,
    ENTITIES,
    PHONE,
    POSTCODE,
    REP,
    SECTOR,
    Column,
    choice_lookup,
)
from prospects.imports.plans import (
    CHUNK_SIZE,
    CREATE,
    ERROR,
    SKIP,
    UPDATE,
    RowPlan,
    SourceRow,
    batches,
    in_size,
)
from prospects.imports.turns import OPEN, Handoff, Turns
from prospects.imports.xlsx import cell_text
from prospects.rights import R1
from prospects.search import company_sort_of, fold, search_text_of
from prospects.selectors import prospects_changeable_by, prospects_visible_to

MAX_ENTITY_CELLS = 1_000  # distinct "Entités" cells remembered per run


def rep_lookup(users) -> dict[str, int]:
    """Folded login, "LAST First" and "First LAST" → the user's id, for the "Affecté à" column.

    People know the reps by name ("DIRON Marine", as the list and the template's drop-down show
    them) and the admins by login: both are accepted. A login wins over a name; a name two
    users share is left out (the login still works).
    """
    names: dict[str, set[int]] = {}
    logins: dict[str, int] = {}
    for pk, username, last_name, first_name in users:
        logins[fold(username)] = pk
        if last_name or first_name:
            for name in (f"{last_name} {first_name}", f"{first_name} {last_name}"):
                names.setdefault(fold(name), set()).add(pk)
    lookup = {name: next(iter(ids)) for name, ids in names.items() if len(ids) == 1}
    lookup.update(logins)
    return lookup


class ImportContext:
    """What one uploader may use (reps, entities, companies, sectors) and the import options."""

    def __init__(self, *, user: User, update_existing: bool = False):
        self.user = user
        self.update_existing = update_existing
        self.reps = rep_lookup(users_visible_to(user).values_list("pk", "username", "last_name", "first_name"))
        self.entities = {}
        for pk, name, code in entities_visible_to(user).values_list("pk", "name", "code"):
            self.entities[fold(name)] = pk
            self.entities[fold(code)] = pk
        self.default_entity_ids = sorted(entity_ids_of(user))
        self.sectors = {fold(name): pk for pk, name in Sector.objects.values_list("pk", "name")}
        self.companies: dict[str, tuple[int, str]] = {}
        self.companies_load()
        self.choices = {column.key: choice_lookup(column) for column in COLUMNS if column.kind == CHOICE}
        self.new_companies: dict[str, dict] = {}  # folded name → {"name", "type", "entity_ids"}
        self.seen_emails: dict[str, int | str] = {}
        self.seen_names: dict[tuple, int | str] = {}
        self.matched_ids: dict[int, int | str] = {}  # existing contact → the row that matched it
        self.created_ids: set[int] = set()  # contacts this run has written (chunk by chunk)
        self.job_id: int | None = None  # set by import_run when a job records the run
        self.companies_loaded: set[int] = set()
        self.company_contacts: dict[tuple, int] = {}  # (last name, first name, company id) → contact
        self._entity_cells: dict[str, tuple[tuple[int, ...], str | None]] = {}

    def entity_cell(self, value: str) -> tuple[tuple[int, ...], str | None]:
        """The sorted entity ids of an "Entités" cell, and its first unknown entity (ids before it kept).

        A file repeats a handful of such cells: each is read once per run (up to MAX_ENTITY_CELLS
        distinct ones, so a file of all-different cells costs no memory).
        """
        known = self._entity_cells.get(value)
        if known is None:
            ids = []
            unknown = None
            for part in _ENTITY_SEPARATORS.split(value):
                part = part.strip()
                if not part:
                    continue
                entity_id = self.entities.get(_fold(part))
                if entity_id is None:
                    unknown = part
                    break
                ids.append(entity_id)
            known = (tuple(sorted(set(ids))), unknown)
            if len(self._entity_cells) < MAX_ENTITY_CELLS:
                self._entity_cells[value] = known
        return known

    def companies_load(self) -> None:
        """The companies the uploader sees, by folded name (again after the import lock, which
        may have waited for another import that created some)."""
        self.companies = {}
        companies = companies_visible_to(self.user).select_related(None).order_by("-pk")
        for pk, name in companies.values_list("pk", "name"):
            self.companies[fold(name)] = (pk, name)  # same name twice: the oldest wins


# A strict subset of what Django's EmailValidator accepts, ten times faster.
_PLAIN_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}\Z"
)
# Names, companies and coded values repeat a lot in a file: fold each distinct one once.
_fold = functools.lru_cache(maxsize=200_000)(fold)
_ENTITY_SEPARATORS = re.compile(r"[,;\n]")


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
        if kind == PHONE:
            value = phone_normalise(value).value  # as the form stores it; an unreadable number is kept as typed
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
            email = normalise_email(value)
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
            rep_id = context.reps.get(_fold(value))
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
            entity_ids, unknown = context.entity_cell(value)
            if unknown is not None:
                errors.append(
                    _cell_error(
                        row,
                        column,
                        value,
                        _("Entité inconnue ou hors de vos entités : %(entity)s.") % {"entity": unknown},
                    )
                )
            plan.entity_ids = list(entity_ids)
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


def rows_validate(
    rows: Iterable[SourceRow], *, context: ImportContext, chunk_size: int | None = None, turns: Turns = OPEN
):
    """Turn source rows into RowPlans, a chunk at a time (few queries, bounded memory).

    Parsing and the per-row checks (no query) run in a helper thread, a chunk or two ahead:
    while this thread waits for the database (lookups, COPY, foreign-key checks), the next
    chunk is being read (`turns`: only then, see `prospects.imports.turns`). Everything that
    touches the database stays in the calling thread.
    """
    for chunk in _checked_chunks(rows, context, chunk_size or CHUNK_SIZE, turns):
        yield from _resolve_chunk(chunk, context)


_DONE = object()
PAUSE_EVERY = 256  # rows the reader checks between two looks at `turns`


def _checked_chunks(
    rows: Iterable[SourceRow], context: ImportContext, chunk_size: int, turns: Turns
) -> Iterator[list[RowPlan]]:
    """Chunks of checked and prepared plans, produced by a reader thread (at most two chunks ahead)."""
    handoff = Handoff(size=2)
    language = translation.get_language()

    def read() -> None:
        try:
            with translation.override(language):
                chunk: list[RowPlan] = []
                for row in rows:
                    chunk.append(_check_row(row, context))
                    if len(chunk) % PAUSE_EVERY == 0:
                        turns.pause()
                        if handoff.stopped:
                            return
                    if len(chunk) >= chunk_size:
                        if not handoff.put(_prepare_chunk(chunk, context)):
                            return
                        chunk = []
                if chunk and not handoff.put(_prepare_chunk(chunk, context)):
                    return
            handoff.put(_DONE)
        except BaseException as exc:  # handed to the consumer, raised there
            handoff.put(exc)

    reader = threading.Thread(target=read, name="import-reader", daemon=True)
    reader.start()
    try:
        while True:
            with turns.waiting():
                item = handoff.get()
            if item is _DONE:
                return
            yield item
    finally:
        handoff.stop()
        turns.close()  # a paused reader must see the stop
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
            company_sort_of(company_name, folder=_fold),
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
    for batch in batches(sorted(emails), in_size()):
        found_rows += visible.filter(email__any_of=batch).values_list(*columns)
    for batch in batches(sorted(company_ids - context.companies_loaded), in_size()):
        found_rows += visible.filter(company_id__in=batch).values_list(*columns)
        context.companies_loaded.update(batch)
    for batch in batches(sorted(free_names), in_size()):
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
        allowed = prospects_changeable_by(context.user, R1).select_related(None).order_by()
        for batch in batches(ids, 500):
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
