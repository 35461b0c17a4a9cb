"""A cell far from the others (issue 14): refused from the streamed cell references before
calamine runs, and calamine itself only ever runs in a child under a memory ceiling."""

import io
import random
import subprocess
import sys
import tracemalloc
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from prospects.imports import xlsx
from prospects.imports.files import error_file_for
from prospects.imports.run import xlsx_import
from prospects.imports.xlsx import ImportRejected, XlsxSource
from prospects.jobs.runner import job_run
from prospects.models import Job, JobKind, JobStatus, ProspectContact
from prospects.tests.imports.import_helpers import TITLES, contact_row, write_xlsx
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SHEET = "xl/worksheets/sheet1.xml"
FAR = "hors du modèle"
INLINE = b' t="inlineStr"><is><t>x</t></is></c>'


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def _rewrite(source, target, change, part=SHEET) -> str:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == part:
                data = change(data)
                assert data != zin.read(item.filename), "the rewrite changed nothing"
            zout.writestr(item, data)
    return str(target)


def _before_end(xml: bytes) -> bytes:
    return b"</sheetData>" + xml


def _add_rows(rows: bytes):
    return lambda data: data.replace(b"</sheetData>", rows + b"</sheetData>")


HOSTILE = {
    "last-column": _add_rows(b'<row r="3"><c r="XFD3"' + INLINE + b"</row>"),
    "last-row": _add_rows(b'<row r="1048576"><c r="A1048576"' + INLINE + b"</row>"),
    "last-cell": _add_rows(b'<row r="1048576"><c r="XFD1048576"' + INLINE + b"</row>"),
    "row-past-the-limit": _add_rows(b'<row r="100002"><c r="A100002"' + INLINE + b"</row>"),
    "column-past-the-template": _add_rows(b'<row r="3"><c r="Y3"' + INLINE + b"</row>"),
    "empty-styled-far-cell": _add_rows(b'<row r="3"><c r="XFD3" s="0"/></row>'),
    "reference-after-other-attributes": _add_rows(b'<row r="3"><c t="inlineStr" r="XFD3"><is><t>x</t></is></c></row>'),
    "fake-reference-in-another-value": _add_rows(b'<row r="3"><c s=\' r="A3"\' r="XFD3"' + INLINE + b"</row>"),
    "duplicate-reference": _add_rows(b'<row r="3"><c r="A3" r="XFD3"' + INLINE + b"</row>"),
    "duplicate-row-reference": _add_rows(b'<row r="3" r="1048576"><c r="A3"' + INLINE + b"</row>"),
    "single-quotes": _add_rows(b"<row r='3'><c r='XFD3'" + INLINE + b"</row>"),
    "namespace-prefix": lambda data: data.replace(b"<worksheet ", b'<worksheet xmlns:x="urn:x" ').replace(
        b"</sheetData>", b'<x:row r="3"><x:c r="XFD3"' + INLINE.replace(b"</c>", b"</x:c>") + b"</x:row></sheetData>"
    ),
    "cell-without-reference": _add_rows(b'<row r="3">' + b'<c t="inlineStr"><is><t>x</t></is></c>' * 30 + b"</row>"),
    "row-without-reference": _add_rows(b'<row><c r="A3"' + INLINE + b"</row>"),
    "character-reference": _add_rows(b'<row r="3"><c r="&#88;FD3"' + INLINE + b"</row>"),
    "merged-range": lambda data: data.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A2:X1048576"/></mergeCells>'
    ),
}


def test_a_sheet_in_utf16_is_refused_before_calamine(tmp_path, no_reader):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()])
    utf16 = _rewrite(
        plain,
        tmp_path / "utf16.xlsx",
        lambda data: HOSTILE["last-cell"](data).decode().replace("utf-8", "utf-16").encode("utf-16"),
    )

    with pytest.raises(ImportRejected, match="UTF-8"):
        XlsxSource(utf16)
    assert not no_reader


@pytest.fixture
def no_reader(monkeypatch):
    """Fail the test if the child reader (the only caller of calamine) is started."""
    started = []

    def popen(*args, **kwargs):
        started.append(args)
        raise AssertionError("calamine's child was started")

    monkeypatch.setattr(xlsx.subprocess, "Popen", popen)
    return started


@pytest.mark.parametrize("trick", HOSTILE, ids=list(HOSTILE))
def test_a_far_cell_is_refused_before_calamine_runs_with_little_memory(tmp_path, trick, no_reader):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()])
    hostile = _rewrite(plain, tmp_path / "hostile.xlsx", HOSTILE[trick])

    tracemalloc.start()
    try:
        with pytest.raises(ImportRejected) as refused:
            XlsxSource(hostile)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert FAR in refused.value.message or "fusionnées" in refused.value.message
    assert "« Contacts »" in refused.value.message
    assert peak < 20 * 1024 * 1024
    assert not no_reader


def test_every_read_path_refuses_a_far_cell_before_calamine(tmp_path, importer, client, no_reader):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()])
    hostile = _rewrite(plain, tmp_path / "hostile.xlsx", HOSTILE["last-cell"])

    # the upload page (check + preview)
    client.force_login(importer)
    with open(hostile, "rb") as handle:
        response = client.post(reverse("prospects:import_upload"), {"file": handle, "existing": "skip"})
    assert response.status_code == 200 and FAR in response.content.decode()
    assert not Job.objects.exists()
    # the import job
    job = Job(kind=JobKind.IMPORT_XLSX, created_by=importer, options={"confirmed": True}, source_name="h.xlsx")
    with open(hostile, "rb") as handle:
        job.source_file.save("h.xlsx", handle, save=False)
    job.save()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and FAR in job.error_message
    # the error file
    with pytest.raises(ImportRejected, match=FAR):
        error_file_for(source_path=hostile, errors=[{"row": 2, "message": "x"}])
    # the command line
    with pytest.raises(CommandError, match=FAR):
        call_command("import_prospects", hostile, user="lise", stdout=io.StringIO(), stderr=io.StringIO())
    assert not ProspectContact.objects.exists()
    assert not no_reader


def test_a_row_limit_cell_and_the_error_column_are_accepted(tmp_path, importer):
    plain = write_xlsx(
        tmp_path / "plain.xlsx", [contact_row(last_name="A") + ["une erreur corrigée"]], header=TITLES + ["Erreurs"]
    )

    result, total = xlsx_import(path=plain, user=importer, update_existing=False, valid_only=False, dry_run=True)

    assert total == 1 and result.counts["created"] == 1


def test_other_attribute_orders_and_quotes_within_the_limits_are_accepted(tmp_path, importer):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row(last_name="A")])
    unusual = _rewrite(
        plain,
        tmp_path / "unusual.xlsx",
        _add_rows(
            b"<row spans='1:3' r='3'><c t=\"inlineStr\" r='B3'><is><t>B</t></is></c><c\n  r=\"C3\"" + INLINE + b"</row>"
        ),
    )

    result, total = xlsx_import(path=unusual, user=importer, update_existing=False, valid_only=False, dry_run=True)

    assert total == 2 and result.counts["created"] == 2


def test_a_far_cell_in_a_sheet_the_reader_never_loads_is_harmless(tmp_path, importer):
    def extra(workbook, _sheet):
        workbook.create_sheet("Notes").append(["note"])

    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()], extra=extra)
    hostile = _rewrite(plain, tmp_path / "hostile.xlsx", HOSTILE["last-cell"], part="xl/worksheets/sheet2.xml")

    result, _total = xlsx_import(path=hostile, user=importer, update_existing=False, valid_only=False, dry_run=True)

    assert result.counts["created"] == 1


def test_a_lying_dimension_is_read_without_allocating_the_declared_range(tmp_path, importer, settings):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row(last_name="A"), contact_row(last_name="B")])
    lying = _rewrite(
        plain,
        tmp_path / "lying.xlsx",
        lambda data: data.replace(
            data[data.index(b"<dimension") : data.index(b"/>", data.index(b"<dimension")) + 2],
            b'<dimension ref="A1:XFD1048576"/>',
        ),
    )
    # A dense A1:XFD1048576 range would need hundreds of GiB; the child gets 200 MB.
    settings.UPLOAD_READER_MEMORY_BYTES = 200 * 1024 * 1024

    result, total = xlsx_import(path=lying, user=importer, update_existing=False, valid_only=False, dry_run=True)

    assert total == 2 and result.counts["created"] == 2


def test_a_reader_past_its_memory_ceiling_fails_the_import_not_the_process(tmp_path, importer, settings):
    noise = random.Random(14)
    rows = [contact_row(last_name=f"N{i}", city=noise.randbytes(10_000).hex()) for i in range(600)]
    path = write_xlsx(tmp_path / "f.xlsx", rows)
    settings.UPLOAD_READER_MEMORY_BYTES = 30 * 1024 * 1024  # Python starts; 20 MB of text does not fit

    with pytest.raises(ImportRejected, match="plus de mémoire que la limite"):
        xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=True)

    job = Job(kind=JobKind.IMPORT_XLSX, created_by=importer, options={"confirmed": True}, source_name="f.xlsx")
    with open(path, "rb") as handle:
        job.source_file.save("f.xlsx", handle, save=False)
    job.save()
    job_run(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and "plus de mémoire" in job.error_message
    assert not ProspectContact.objects.exists()
    settings.UPLOAD_READER_MEMORY_BYTES = 512 * 1024 * 1024
    result, _total = xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=True)
    assert (
        result.counts["errors"] == 600
    )  # too long a city, but read: the same process reads it once the ceiling allows


def test_without_the_check_calamine_would_abort_its_process_on_a_far_row(tmp_path):
    """What the check and the ceiling guard against: the child dies, the test process lives."""
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()])
    hostile = _rewrite(plain, tmp_path / "hostile.xlsx", HOSTILE["last-row"])

    child = subprocess.run(
        [sys.executable, "-I", str(xlsx._READER_SCRIPT), hostile, "Contacts", str(300 * 1024 * 1024)],
        capture_output=True,
        timeout=60,
    )

    assert child.returncode != 0 and b"done" not in child.stdout


def _previewed_job(user, path) -> Job:
    """A confirmed job made the way the upload page makes it (check + dry run, then confirm)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from prospects.imports.uploads import xlsx_upload_preview
    from prospects.jobs.options import ImportOptions

    with open(path, "rb") as handle:
        upload = SimpleUploadedFile("contacts.xlsx", handle.read())
    job = xlsx_upload_preview(user=user, upload=upload, update_existing=False)
    options = ImportOptions.of(job).confirmed_with(valid_only=False)
    Job.objects.filter(pk=job.pk).update(options=options.merged_into(job.options))
    job.refresh_from_db()
    return job


def test_the_run_of_a_previewed_upload_does_not_scan_the_same_bytes_again(tmp_path, importer, monkeypatch):
    job = _previewed_job(importer, write_xlsx(tmp_path / "plain.xlsx", [contact_row(email="a@exemple.fr")]))
    scans = []
    monkeypatch.setattr(xlsx, "sheet_part_check", lambda *args, **kwargs: scans.append(args))

    assert job_run(job.pk) == JobStatus.DONE
    assert not scans  # the preview checked these very bytes: their SHA-256 says so
    assert ProspectContact.objects.count() == 1


def test_the_run_scans_a_stored_upload_that_is_not_the_previewed_one(tmp_path, importer, request):
    job = _previewed_job(importer, write_xlsx(tmp_path / "plain.xlsx", [contact_row()]))
    plain = write_xlsx(tmp_path / "other.xlsx", [contact_row()])
    hostile = _rewrite(plain, tmp_path / "hostile.xlsx", HOSTILE["last-cell"])
    with open(hostile, "rb") as handle:
        job.source_file.save("h.xlsx", handle)  # the storage now holds other bytes
    no_reader = request.getfixturevalue("no_reader")  # from here on: the preview's reader ran before

    assert job_run(job.pk) == JobStatus.FAILED
    job.refresh_from_db()
    assert FAR in job.error_message
    assert not ProspectContact.objects.exists()
    assert not no_reader
