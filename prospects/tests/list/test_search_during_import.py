"""The list's search column and its trigram index stay right during an import and after it (PostgreSQL)."""

import logging

import pytest
from django.db import connection
from django.http import QueryDict

from conftest import skip_or_fail
from prospects.imports import run as import_run_module
from prospects.imports import writer as writer_module
from prospects.imports.pipeline import GinMerger
from prospects.imports.plans import ImportHasErrors
from prospects.imports.run import xlsx_import
from prospects.imports.writer import ImportWriter
from prospects.list.selectors import prospect_list_page
from prospects.models import ProspectContact
from prospects.tests.imports.import_helpers import contact_row, write_xlsx
from tests.factories import UserFactory
from tests.helpers import logged

pytestmark = pytest.mark.django_db

ROWS = 120


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def _found(user, query: str) -> set[str]:
    page = prospect_list_page(user, QueryDict(f"q={query}"), sort=None, page=None, per_page=200)
    return {row["last_name"] for row in page.page.rows}


@pytest.mark.parametrize("merge_rows", [40, 1_000_000], ids=["merged-between-chunks", "merged-after-commit"])
def test_an_import_is_searchable_by_folded_name_while_it_runs_and_after(
    tmp_path, monkeypatch, importer, sales_rep, rep_without_rights, outsider, paris, merge_rows, caplog
):
    if connection.vendor != "postgresql":
        skip_or_fail("the COPY import path and the trigram index need PostgreSQL (set DATABASE_URL)")
    monkeypatch.setattr(import_run_module, "CHUNK_SIZE", 40)  # three chunks
    # The pending list merged by the second connection after each chunk, or only after commit.
    monkeypatch.setattr(writer_module, "MERGE_ROWS", merge_rows)
    merges = []
    request = GinMerger.request
    monkeypatch.setattr(GinMerger, "request", lambda self: merges.append(1) or request(self))
    rows = [contact_row(last_name=f"Château{i:03d}", first_name="Hélène", email=f"h{i}@ex.fr") for i in range(ROWS)]
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)
    seen_during: list[set[str]] = []
    write = ImportWriter.write

    def write_then_search(self, plans):
        write(self, plans)
        self.finish()  # the chunks sent so far, inside the import's transaction
        seen_during.append(_found(importer, "chateau helene"))

    monkeypatch.setattr(ImportWriter, "write", write_then_search)
    result, _total = xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)
    assert result.counts["created"] == ROWS
    assert [len(seen) for seen in seen_during] == [40, 80, 120]
    assert len(merges) == (3 if merge_rows == 40 else 0)
    assert "GIN merge failed" not in caplog.text  # the merges ran on the second connection
    assert ProspectContact.objects.filter(search_text__contains="chateau007|helene").count() == 1

    # After the commit: the list finds them through the folded column, accents and case ignored.
    body = logged(sales_rep).get("/prospects/?q=CHATEAU0").content.decode()
    assert "120 éléments" not in body and "100 éléments" in body  # Château000..Château099
    assert "Château042" in logged(sales_rep).get("/prospects/?q=château042 hélène").content.decode()
    assert "Château042" in logged(rep_without_rights).get("/prospects/?q=chateau042").content.decode()
    assert "Château042" not in logged(outsider).get("/prospects/?q=chateau042").content.decode()
    # ... and the trigram index answers the search (the planner may not use a sequential scan).
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM prospects_prospectcontact WHERE search_text LIKE %s", ["%chateau042%"])
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SELECT count(*) FROM prospects_prospectcontact WHERE search_text LIKE %s", ["%chateau042%"])
        assert cursor.fetchone()[0] == 1
    assert "prospect_search_trgm_idx" in plan


def test_a_failed_import_leaves_nothing_to_find_even_once_its_entries_were_merged(tmp_path, monkeypatch, importer):
    if connection.vendor != "postgresql":
        skip_or_fail("the COPY import path and the trigram index need PostgreSQL (set DATABASE_URL)")
    monkeypatch.setattr(import_run_module, "CHUNK_SIZE", 40)
    monkeypatch.setattr(writer_module, "MERGE_ROWS", 40)
    rows = [contact_row(last_name=f"Fantôme{i:03d}", first_name="Anne", email=f"f{i}@ex.fr") for i in range(ROWS)]
    rows.append(contact_row(last_name="", first_name="Sans nom"))  # the last row is bad: all or nothing
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)
    write = ImportWriter.write

    def write_then_wait_for_the_merge(self, plans):
        write(self, plans)
        self.finish()

    monkeypatch.setattr(ImportWriter, "write", write_then_wait_for_the_merge)
    with pytest.raises(ImportHasErrors):
        xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)

    assert not ProspectContact.objects.exists()
    assert _found(importer, "fantome") == set()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the index's (merged or pending) entries answer
        cursor.execute("SELECT count(*) FROM prospects_prospectcontact WHERE search_text LIKE %s", ["%fantome%"])
        assert cursor.fetchone()[0] == 0


def test_an_import_succeeds_when_the_merge_connection_fails(tmp_path, monkeypatch, importer, caplog):
    if connection.vendor != "postgresql":
        skip_or_fail("the COPY import path and the trigram index need PostgreSQL (set DATABASE_URL)")
    from prospects.imports import pipeline

    monkeypatch.setattr(import_run_module, "CHUNK_SIZE", 40)
    monkeypatch.setattr(writer_module, "MERGE_ROWS", 40)
    monkeypatch.setattr(pipeline, "_GIN_CLEAN", "SELECT no_such_function(%s)")
    rows = [contact_row(last_name=f"Château{i:03d}", first_name="Hélène", email=f"h{i}@ex.fr") for i in range(ROWS)]
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)

    result, _total = xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)

    assert result.counts["created"] == ROWS
    assert "the import's GIN merge failed" in caplog.text
    assert len(_found(importer, "chateau helene")) == ROWS


def test_a_merge_that_waits_for_a_lock_gives_up_quietly(tmp_path, monkeypatch, importer, paris, caplog):
    if connection.vendor != "postgresql":
        skip_or_fail("the COPY import path and the trigram index need PostgreSQL (set DATABASE_URL)")
    from prospects.imports import pipeline
    from prospects.imports.run import LOCK_ENTITY

    caplog.set_level(logging.INFO, logger="prospects.imports.pipeline")
    monkeypatch.setattr(import_run_module, "CHUNK_SIZE", 40)
    monkeypatch.setattr(writer_module, "MERGE_ROWS", 80)
    # As if another import's merger held the index: a lock the import itself holds until commit.
    monkeypatch.setattr(pipeline, "_GIN_CLEAN", f"SELECT pg_advisory_xact_lock({LOCK_ENTITY}, {paris.pk}), %s::text")
    rows = [contact_row(last_name=f"Château{i:03d}", first_name="Hélène", email=f"h{i}@ex.fr") for i in range(ROWS)]
    path = write_xlsx(tmp_path / "contacts.xlsx", rows)

    result, _total = xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)

    assert result.counts["created"] == ROWS
    assert "waited for another one" in caplog.text and "GIN merge failed" not in caplog.text
