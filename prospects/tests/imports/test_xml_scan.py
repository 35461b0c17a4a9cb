"""The DTD check of an uploaded .xlsx reads every XML part to its end, not only its first 64 KB."""

import zipfile

import pytest

from prospects.imports.xlsx import PROLOG_SCAN_BYTES, ImportRejected, XlsxSource
from prospects.tests.imports.import_helpers import contact_row, write_xlsx

pytestmark = pytest.mark.django_db

DTD = b'<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def _with_sheet_prefix(tmp_path, prefix: bytes):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()])
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = prefix + (data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data)
            zout.writestr(item, data)
    return hostile


def _refusal(path) -> str:
    with pytest.raises(ImportRejected) as refused:
        XlsxSource(path)
    return refused.value.message


def test_a_dtd_behind_64_kb_of_comment_is_refused(tmp_path):
    # The comment holds "<a", so the old first-64-KB check saw a root element and no DTD.
    comment = b"<!--" + b"<a " * (PROLOG_SCAN_BYTES // 2) + b"-->"
    path = _with_sheet_prefix(tmp_path, b'<?xml version="1.0"?>' + comment + DTD)
    assert "DTD" in _refusal(path)


@pytest.mark.parametrize("cut", [1, 4, 8])
def test_a_dtd_cut_by_a_chunk_boundary_is_refused(tmp_path, cut):
    start = b'<?xml version="1.0"?><!--<a '
    # "-->" then the DTD, whose first `cut` bytes end one chunk and the rest start the next.
    padding = b"x" * (PROLOG_SCAN_BYTES * 2 - len(start) - 3 - cut)
    path = _with_sheet_prefix(tmp_path, start + padding + b"-->" + DTD)
    assert "DTD" in _refusal(path)


def test_an_entity_declared_deep_in_the_part_is_refused(tmp_path):
    prefix = b'<?xml version="1.0"?><!--<a ' + b" " * (3 * PROLOG_SCAN_BYTES) + b'--><!ENTITY x "y">'
    assert "DTD" in _refusal(_with_sheet_prefix(tmp_path, prefix))


def test_a_large_ordinary_sheet_still_passes_the_check(tmp_path):
    rows = [contact_row(last_name=f"N{i}") for i in range(3000)]
    source = XlsxSource(write_xlsx(tmp_path / "big.xlsx", rows))
    source.close()


def test_a_dtd_deep_in_another_worksheet_is_refused_too(tmp_path):
    # The data sheet's declarations are looked for by its cell scan; any other sheet is read whole here.
    def extra(workbook, _data):
        workbook.create_sheet("Notes").append(["x"])

    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()], extra=extra)
    hostile = tmp_path / "hostile.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(hostile, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * (3 * PROLOG_SCAN_BYTES) + b"-->" + DTD)
            zout.writestr(item, data)
    assert "DTD" in _refusal(hostile)
