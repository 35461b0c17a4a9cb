"""Hostile .xlsx files (RELIABILITY.md): each class is refused cleanly or read safely."""

import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from prospects.imports import xlsx
from prospects.imports.columns import DATA_SHEET
from prospects.imports.plans import ImportHasErrors
from prospects.imports.run import xlsx_import
from prospects.imports.xlsx import ImportRejected, XlsxSource
from prospects.models import ProspectContact
from prospects.tests.imports.import_helpers import TITLES, contact_row, write_xlsx
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
EXTERNAL_ENTITY = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def _rewrite_sheet(source, target, change) -> str:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            zout.writestr(item, data)
    return str(target)


def _rejected(path) -> str:
    with pytest.raises(ImportRejected) as refused:
        XlsxSource(path)
    return refused.value.message


def _header_refusal(path) -> str:
    source = XlsxSource(path)
    with pytest.raises(ImportRejected) as refused:
        list(source.rows())
    return refused.value.message


@pytest.mark.parametrize(
    ("prolog", "entity"),
    [(BILLION_LAUGHS, b"&lol3;"), (EXTERNAL_ENTITY, b"&xxe;")],
    ids=["entity-expansion", "external-entity"],
)
def test_xml_entities_are_refused_before_parsing_and_neither_parser_expands_them(tmp_path, prolog, entity):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()])
    first_title = TITLES[0].encode()
    hostile = _rewrite_sheet(plain, tmp_path / "hostile.xlsx", lambda d: prolog + d.replace(first_title, entity, 1))

    assert "DTD" in _rejected(hostile)
    # Defence in depth: the parsers behind refuse them too, they never expand them.
    with pytest.raises(Exception, match="entity"):
        CalamineWorkbook.from_path(hostile).get_sheet_by_name(DATA_SHEET).to_python()
    with pytest.raises(Exception):  # noqa: B017  openpyxl goes through defusedxml
        openpyxl.load_workbook(hostile)


def test_a_zip_bomb_is_refused_by_its_compression_ratio(tmp_path):
    plain = write_xlsx(tmp_path / "plain.xlsx", [contact_row()])
    padding = b" " * (30 * 1024 * 1024)  # compresses about 1000:1
    bomb = _rewrite_sheet(plain, tmp_path / "bomb.xlsx", lambda d: d.replace(b"<sheetData>", padding + b"<sheetData>"))

    assert "compressé" in _rejected(bomb)


def test_the_uncompressed_size_and_the_upload_size_are_limited(tmp_path, monkeypatch):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row()])
    monkeypatch.setattr(xlsx, "MAX_UNCOMPRESSED_BYTES", 1024)
    assert "décompressé" in _rejected(path)
    monkeypatch.setattr(xlsx, "MAX_UPLOAD_BYTES", 100)
    assert "taille maximale" in _rejected(path)


def test_too_many_rows_are_refused_before_any_row_is_read(tmp_path, monkeypatch, importer):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 5)
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name=f"N{i}") for i in range(6)])

    assert "la limite est de 5 lignes" in _rejected(path)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("contacts.csv", "Nom;Prénom\nDUPONT;Jean\n".encode()),
        ("ancien.xls", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 4000),
        ("vide.xlsx", b""),
        ("image.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
        ("document.xlsx", None),  # a zip that is not a workbook (renamed .docx-like archive)
    ],
)
def test_files_that_are_not_xlsx_are_refused(tmp_path, name, content):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
    else:
        path.write_bytes(content)

    message = _rejected(path)

    assert "vide" in message or "n'est pas un classeur Excel" in message


def test_a_truncated_xlsx_is_refused(tmp_path):
    whole = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name=f"N{i}") for i in range(50)]).read_bytes()
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(whole[: len(whole) // 2])

    assert "n'est pas un classeur Excel" in _rejected(truncated) or "endommagé" in _rejected(truncated)


def test_a_workbook_without_the_data_sheet_is_refused(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row()], sheet="Feuil1")

    assert "« Contacts »" in _rejected(path) and "Feuil1" in _rejected(path)


def test_a_missing_column_is_named(tmp_path):
    path = write_xlsx(tmp_path / "f.xlsx", [], header=TITLES[:-1])

    assert _header_refusal(path) == "Colonne W : la colonne « Entités » manque (le modèle a 23 colonnes)."


def test_a_renamed_column_is_named(tmp_path):
    header = list(TITLES)
    header[7] = "Courriel"
    path = write_xlsx(tmp_path / "f.xlsx", [], header=header)

    assert _header_refusal(path) == "Colonne H : « Courriel » trouvé, « E-mail » attendu."


def test_reordered_columns_are_named(tmp_path):
    header = list(TITLES)
    header[1], header[2] = header[2], header[1]
    path = write_xlsx(tmp_path / "f.xlsx", [], header=header)

    assert _header_refusal(path).startswith("Colonne B : « Prénom * » trouvé, « Nom * » attendu")


def test_a_duplicate_column_is_named(tmp_path):
    header = list(TITLES)
    header[5] = "Fonction"
    path = write_xlsx(tmp_path / "f.xlsx", [], header=header)

    assert _header_refusal(path) == "La colonne « Fonction » apparaît deux fois (colonnes F et G)."


def test_an_extra_column_is_named_and_headers_ignore_case_accents_and_stars(tmp_path):
    header = [title.upper().replace("*", "") for title in TITLES] + ["Commentaire"]
    path = write_xlsx(tmp_path / "f.xlsx", [], header=header)

    assert _header_refusal(path) == "Colonne X : « Commentaire » est en trop (le modèle a 23 colonnes)."


def test_hidden_extra_sheets_are_never_read(tmp_path, importer):
    def add_hidden(workbook, _data):
        hidden = workbook.create_sheet("Contacts cachés")
        hidden.sheet_state = "hidden"
        hidden.append(TITLES)
        hidden.append(contact_row(last_name="CACHE"))

    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name="VISIBLE")], extra=add_hidden)

    xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)

    assert list(ProspectContact.objects.values_list("last_name", flat=True)) == ["VISIBLE"]


def test_formulas_are_never_evaluated_and_formula_like_text_stays_text(tmp_path, importer):
    def add_cells(_workbook, data):
        data["G2"] = '=HYPERLINK("http://evil.example","clic")'  # formula: no cached value
        data["G3"] = "=1+2"
        data["G3"].data_type = "s"  # the same characters typed as text

    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name="A"), contact_row(last_name="B")], extra=add_cells)

    xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)

    titles = dict(ProspectContact.objects.values_list("last_name", "job_title"))
    assert titles == {"A": "", "B": "=1+2"}


def test_merged_cells_are_reported_on_each_covered_row(tmp_path, importer):
    def merge(_workbook, data):
        data.merge_cells("D2:D3")  # "Société" over two contacts

    path = write_xlsx(
        tmp_path / "f.xlsx", [contact_row(last_name="A", company="Acme"), contact_row(last_name="B")], extra=merge
    )

    with pytest.raises(ImportHasErrors) as failure:
        xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)

    (error,) = failure.value.result.errors
    assert (error["row"], error["column"]) == (3, "Société") and "fusionnée" in error["message"]


def test_blank_rows_and_trailing_empty_columns_are_ignored(tmp_path, importer):
    rows = [contact_row(last_name="A"), [None] * len(TITLES), contact_row(last_name="B") + [None, None]]
    path = write_xlsx(tmp_path / "f.xlsx", rows)

    result, total = xlsx_import(path=path, user=importer, update_existing=False, valid_only=False, dry_run=False)

    assert result.counts["created"] == 2
