"""Typed job options and counters (prospects.jobs.options) over the stored JSON."""

import dataclasses

import pytest

from prospects.jobs.options import (
    ImportCounts,
    ImportOptions,
    ImportRecord,
    ListExportOptions,
    VCardExportOptions,
    VCardImportOptions,
    job_options,
)
from prospects.models import Job, JobKind


def test_reading_fills_the_defaults_and_ignores_other_keys():
    options = ImportOptions.of({"confirmed": True, "rows": 12, "created_company_ids": [3]})

    assert options == ImportOptions(confirmed=True, rows=12)
    assert ImportOptions.of(None) == ImportOptions()


def test_writing_keeps_the_stored_keys():
    options = VCardExportOptions(ids=[1, 2], as_zip=True, version="4.0")

    assert options.to_options() == {"ids": [1, 2], "zip": True, "version": "4.0"}  # None left out
    assert VCardExportOptions.of(options.to_options()) == options


def test_merging_keeps_what_other_accessors_own():
    stored = {"confirmed": True, "update_existing": True, "created_company_ids": [7]}

    record = dataclasses.replace(ImportRecord.of(stored), undone_at="2026-01-01T00:00:00", undone_by=3)
    merged = record.merged_into(stored)

    assert ImportOptions.of(merged) == ImportOptions(confirmed=True, update_existing=True)
    record = ImportRecord.of(merged)
    assert record.undone and record.created_company_ids == [7] and record.undone_by == 3


def test_a_confirmed_vcard_import_drops_its_preview_lines():
    options = VCardImportOptions(preview=True, via="quick_add", files=["a.vcf"], preview_cards=[{"action": "create"}])

    confirmed = options.confirmed_with(valid_only=True)

    assert (confirmed.confirmed, confirmed.valid_only, confirmed.preview_cards) == (True, True, [])
    assert (confirmed.via, confirmed.files) == ("quick_add", ["a.vcf"])


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        (JobKind.IMPORT_XLSX, ImportOptions),
        (JobKind.IMPORT_VCF, VCardImportOptions),
        (JobKind.EXPORT_XLSX, ListExportOptions),
        (JobKind.EXPORT_VCF, VCardExportOptions),
    ],
)
def test_every_job_kind_has_its_options(kind, cls):
    assert isinstance(job_options(Job(kind=kind, options={})), cls)


def test_counts_read_with_defaults_and_merge_over_the_stored_ones():
    counts = ImportCounts.of(Job(counts={"created": 4, "updated": 2, "errors": 1}))

    assert (counts.created, counts.deleted, counts.importable) == (4, 0, 6)
    assert ImportCounts(created=4, deleted=3).merged_into({"exported": 1})["deleted"] == 3
