"""The import pipeline: parse, validate, write (prospects.imports.checks, .writer, .run), without the web layer."""

import pytest
from django.db import connection
from openpyxl import load_workbook

from crm.choices import CompanyType
from crm.models import Company
from prospects.imports.checks import ImportContext, rows_validate
from prospects.imports.columns import COLUMNS, DATA_SHEET, ERRORS_TITLE, INSTRUCTIONS_SHEET, LISTS_SHEET
from prospects.imports.files import error_file_for, template_write
from prospects.imports.plans import ImportHasErrors, SourceRow
from prospects.imports.run import import_run, xlsx_import
from prospects.imports.xlsx import XlsxSource
from prospects.models import ContactStatus, Origin, ProspectContact
from prospects.rights import R1, has_right
from prospects.tests.imports.import_helpers import TITLES, contact_row, write_xlsx
from tests.factories import CompanyFactory, ProspectFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(groups, paris):
    return UserFactory(username="lise", entities=[paris], groups=[groups["Assistant commercial"]])


def run(path, user, **options):
    options.setdefault("update_existing", False)
    options.setdefault("valid_only", False)
    options.setdefault("dry_run", False)
    result, _total = xlsx_import(path=path, user=user, **options)
    return result


def test_the_template_round_trips(tmp_path, importer, sales_rep, paris):
    SectorFactory(name="Banque")
    path = tmp_path / "modele.xlsx"
    template_write(user=importer, path=str(path))

    workbook = load_workbook(path)
    assert workbook.sheetnames[:2] == [DATA_SHEET, INSTRUCTIONS_SHEET]
    assert workbook[LISTS_SHEET].sheet_state == "hidden"
    data = workbook[DATA_SHEET]
    assert [cell.value for cell in data[1]] == TITLES
    phone_column = next(i for i, c in enumerate(COLUMNS, start=1) if c.key == "phone")
    assert data.cell(row=2, column=phone_column).number_format == "@"
    formulas = {str(v.sqref): v.formula1 for v in data.data_validations.dataValidation}
    assert len(formulas) == 8  # gender, company type, region, rep, status, sector, origin, entities
    lists = workbook[LISTS_SHEET]
    list_values = {col[0].value: [c.value for c in col[1:] if c.value] for col in lists.iter_cols()}
    assert "DIRON Marine" in list_values["Affecté à (identifiant)"]  # as people know the reps
    assert all(str(sqref).endswith("100001") for sqref in formulas)  # every row an import accepts
    instructions = " ".join(str(cell.value) for row in workbook[INSTRUCTIONS_SHEET].iter_rows() for cell in row)
    assert "(« DIRON Marine ») ou par son identifiant" in instructions
    assert list_values["Entités"] == ["Paris"]
    assert "Banque" in list_values["Secteur d'activité"]

    values = {
        "gender": "Mme",
        "last_name": "MARTIN",
        "first_name": "Hélène",
        "company": "Nouvelle Société",
        "email": "H.Martin@Exemple.FR",
        "phone": "01 44 55 66 77",
        "postcode": "01000",
        "region": "Ile-de-France",
        "assigned_to": "marine",
        "status": "En cours",
        "sector": "Banque",
        "entities": "Paris",
    }
    for index, _key in enumerate(TITLES):
        data.cell(row=2, column=index + 1, value=contact_row(**values)[index])
    workbook.save(path)

    result = run(path, importer)

    assert result.counts == {"created": 1, "updated": 0, "skipped": 0, "errors": 0, "companies_created": 1}
    contact = ProspectContact.objects.get()
    assert (contact.last_name, contact.first_name, contact.email) == ("MARTIN", "Hélène", "h.martin@exemple.fr")
    assert (contact.gender, contact.region, contact.status) == ("mme", "idf", ContactStatus.IN_PROGRESS)
    assert (contact.phone, contact.postcode, contact.country, contact.origin) == (
        "01 44 55 66 77",
        "01000",
        "France",
        Origin.IMPORT,
    )
    assert contact.assigned_to == sales_rep and contact.sector.name == "Banque"
    assert list(contact.entities.all()) == [paris]
    assert contact.company.name == "Nouvelle Société" and contact.company.type == CompanyType.PROSPECT
    assert list(contact.company.entities.all()) == [paris]
    assert contact.created_by == importer and contact.search_text.startswith("martin|helene|")


def test_numbers_and_dates_typed_in_text_columns_are_normalised(tmp_path, importer):
    import datetime

    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            contact_row(
                phone=144556677, postcode=1000, mobile=612345678.0, job_title=12.0, department=datetime.date(2024, 3, 1)
            )
        ],
    )

    run(path, importer)

    contact = ProspectContact.objects.get()
    assert (contact.phone, contact.postcode, contact.mobile) == ("01 44 55 66 77", "01000", "06 12 34 56 78")
    assert (contact.job_title, contact.department) == ("12", "01/03/2024")


def test_every_bad_cell_is_reported_with_sheet_row_column_value_and_message(tmp_path, importer, outsider):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            contact_row(last_name=None),
            contact_row(last_name="B", email="pas-un-email"),
            contact_row(last_name="C", region="Atlantide", status="Peut-être"),
            contact_row(last_name="D", assigned_to="hugo"),  # a Lyon rep: not usable from Paris
            contact_row(last_name="E", entities="Lyon"),
            contact_row(last_name="F", first_name="x" * 101),
            contact_row(last_name="G", sector="Inconnu"),
        ],
    )

    with pytest.raises(ImportHasErrors) as failure:
        run(path, importer)

    result = failure.value.result
    assert result.counts["errors"] == 7 and result.counts["created"] == 0
    by_row = {(e["row"], e["key"]): e for e in result.errors}
    assert by_row[(2, "last_name")]["message"] == "Valeur obligatoire."
    assert by_row[(3, "email")] | {} == {
        "sheet": DATA_SHEET,
        "row": 3,
        "column": "E-mail",
        "key": "email",
        "value": "pas-un-email",
        "message": "Adresse e-mail invalide.",
    }
    assert {(4, "region"), (4, "status")} <= set(by_row)
    assert "hugo" in by_row[(5, "assigned_to")]["message"]
    assert "Lyon" in by_row[(6, "entities")]["message"]
    assert "101 caractères" in by_row[(7, "first_name")]["message"]
    assert (8, "sector") in by_row
    assert ProspectContact.objects.count() == 0


def test_all_or_nothing_writes_nothing_when_one_row_is_bad(tmp_path, importer):
    rows = [contact_row(last_name=f"N{i}", email=f"n{i}@x.fr") for i in range(30)] + [contact_row(email="bad")]
    path = write_xlsx(tmp_path / "f.xlsx", rows)

    with pytest.raises(ImportHasErrors):
        run(path, importer)

    assert ProspectContact.objects.count() == 0
    assert Company.objects.count() == 0


def test_valid_rows_only_imports_the_good_rows_and_reports_the_bad(tmp_path, importer):
    rows = [contact_row(last_name="BON", email="bon@x.fr"), contact_row(email="bad"), contact_row(last_name="AUSSI")]
    path = write_xlsx(tmp_path / "f.xlsx", rows)

    result = run(path, importer, valid_only=True)

    assert result.counts["created"] == 2 and result.counts["errors"] == 1
    assert [e["row"] for e in result.errors] == [3]
    assert set(ProspectContact.objects.values_list("last_name", flat=True)) == {"BON", "AUSSI"}


def test_a_dry_run_counts_without_writing(tmp_path, importer):
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(company="Neuve"), contact_row(last_name="X")])

    result = run(path, importer, dry_run=True)

    assert result.counts == {"created": 2, "updated": 0, "skipped": 0, "errors": 0, "companies_created": 1}
    assert ProspectContact.objects.count() == 0 and Company.objects.count() == 0


def test_duplicates_inside_the_file_are_errors(tmp_path, importer):
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            contact_row(last_name="A", email="same@x.fr"),
            contact_row(last_name="B", email="SAME@x.fr"),
            contact_row(last_name="Durand", first_name="Léa", company="Acme"),
            contact_row(last_name="DURAND", first_name="lea", company="ACME"),
        ],
    )

    result = run(path, importer, valid_only=True)

    assert result.counts["created"] == 2 and result.counts["errors"] == 2
    messages = {e["row"]: e["message"] for e in result.errors}
    assert messages[3] == "Doublon dans le fichier : même e-mail qu'en ligne 2."
    assert "ligne 4" in messages[5]


def test_rows_match_visible_contacts_by_email_then_name_and_company(tmp_path, importer, paris, lyon):
    acme = CompanyFactory(name="ACME", entities=[paris])
    by_email = ProspectFactory(last_name="ANCIEN", email="old@x.fr", entities=[paris])
    by_name = ProspectFactory(last_name="LEFÈVRE", first_name="Élodie", email="", company=acme, entities=[paris])
    hidden = ProspectFactory(last_name="CACHE", email="hidden@x.fr", entities=[lyon])  # not visible from Paris
    path = write_xlsx(
        tmp_path / "f.xlsx",
        [
            contact_row(last_name="NOUVEAU", email="OLD@x.fr", job_title="DSI"),
            contact_row(last_name="Lefevre", first_name="elodie", company="acme", job_title="DAF"),
            contact_row(last_name="CACHE", email="hidden@x.fr"),
        ],
    )

    skipped = run(path, importer)
    assert skipped.counts == {"created": 1, "updated": 0, "skipped": 2, "errors": 0, "companies_created": 0}

    ProspectContact.objects.filter(last_name="CACHE", entities=paris).delete()
    updated = run(path, importer, update_existing=True)
    assert updated.counts["updated"] == 2 and updated.counts["created"] == 1  # the hidden one again

    by_email.refresh_from_db()
    by_name.refresh_from_db()
    assert (by_email.last_name, by_email.job_title) == ("NOUVEAU", "DSI")
    assert by_name.job_title == "DAF" and by_name.search_text.startswith("lefevre|elodie|")
    hidden.refresh_from_db()
    assert hidden.last_name == "CACHE" and hidden.email == "hidden@x.fr"
    assert ProspectContact.objects.filter(email="hidden@x.fr").count() == 2


def test_reimporting_the_same_file_creates_no_duplicates(tmp_path, importer):
    rows = [contact_row(last_name=f"N{i}", email=f"n{i}@x.fr", company="Acme") for i in range(20)]
    rows += [contact_row(last_name="SANSMAIL", first_name="Paul")]
    path = write_xlsx(tmp_path / "f.xlsx", rows)

    first = run(path, importer)
    second = run(path, importer)
    third = run(path, importer, update_existing=True)

    assert first.counts["created"] == 21 and first.counts["companies_created"] == 1
    assert second.counts == {"created": 0, "updated": 0, "skipped": 21, "errors": 0, "companies_created": 0}
    assert third.counts["updated"] == 21 and third.counts["created"] == 0
    assert ProspectContact.objects.count() == 21 and Company.objects.count() == 1


def test_updating_a_contact_needs_the_edit_right_on_it(tmp_path, groups, paris):
    # Only R7: may create contacts, may not change existing ones.
    from django.contrib.auth.models import Permission

    loader = UserFactory(username="loader", entities=[paris])
    loader.user_permissions.add(Permission.objects.get(codename="import_prospects"))
    ProspectFactory(last_name="EXISTANT", email="e@x.fr", entities=[paris])
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(email="e@x.fr", job_title="DSI")])

    with pytest.raises(ImportHasErrors) as failure:
        run(path, loader, update_existing=True)

    assert "pas le droit de le modifier" in failure.value.result.errors[0]["message"]


def _guardian_rows() -> int:
    from guardian.models import UserObjectPermission

    from prospects.models import ProspectContactUserObjectPermission

    return ProspectContactUserObjectPermission.objects.count() + UserObjectPermission.objects.count()


def test_an_import_with_reps_writes_no_guardian_row(tmp_path, importer, sales_rep):
    """The rep's right is the rule assigned_to = user (prospects.rights): no object-permission row per contact."""
    rows = [contact_row(last_name=f"REP{index}", email=f"rep{index}@x.fr", assigned_to="marine") for index in range(3)]
    rows.append(contact_row(last_name="SANS", email="sans@x.fr"))
    path = write_xlsx(tmp_path / "f.xlsx", rows)

    result = run(path, importer)

    assert result.counts["created"] == 4
    assert ProspectContact.objects.filter(assigned_to=sales_rep).count() == 3
    assert _guardian_rows() == 0


def test_an_update_moving_the_rep_writes_no_guardian_row(tmp_path, importer, sales_rep, manager):
    contact = ProspectFactory(last_name="X", first_name="Y", email="xy@x.fr", assigned_to=manager)
    contact.entities.set(manager.entities.all())
    before = _guardian_rows()
    path = write_xlsx(
        tmp_path / "f.xlsx", [contact_row(last_name="X", first_name="Y", email="xy@x.fr", assigned_to="MARINE")]
    )

    result = run(path, importer, update_existing=True)

    assert result.counts["updated"] == 1
    contact.refresh_from_db()
    assert contact.assigned_to == sales_rep
    assert _guardian_rows() == before


def test_the_rep_named_by_an_import_can_edit_the_contact(tmp_path, importer, sales_rep, manager):
    moved = ProspectFactory(last_name="X", first_name="Y", email="xy@x.fr", assigned_to=manager)
    moved.entities.set(manager.entities.all())
    rows = [
        contact_row(last_name="X", first_name="Y", email="xy@x.fr", assigned_to="marine"),
        contact_row(last_name="NEW", email="new@x.fr", assigned_to="marine"),
    ]
    run(write_xlsx(tmp_path / "f.xlsx", rows), importer, update_existing=True)

    created = ProspectContact.objects.get(email="new@x.fr")
    assert has_right(sales_rep, R1, created)
    assert has_right(sales_rep, R1, moved)


def test_the_pipeline_takes_rows_from_any_source(importer):
    rows = [
        SourceRow(
            location={"file": "a.vcf", "card": 1, "line": 1},
            values={"last_name": "CARTE", "first_name": "Une", "email": "c@x.fr"},
        ),
        SourceRow(location={"file": "a.vcf", "card": 2, "line": 9}, values={"last_name": "", "first_name": "Deux"}),
    ]
    context = ImportContext(user=importer)

    plans = list(rows_validate(rows, context=context))
    assert [plan.action for plan in plans] == ["create", "error"]
    assert plans[1].errors[0] | {} == plans[1].errors[0] and plans[1].errors[0]["card"] == 2

    result = import_run(rows=rows, context=ImportContext(user=importer), valid_only=True)
    assert result.counts["created"] == 1 and result.errors[0]["file"] == "a.vcf"


def test_the_error_file_highlights_bad_cells_and_explains_each_row(tmp_path, importer):
    path = write_xlsx(
        tmp_path / "f.xlsx", [contact_row(last_name="OK"), contact_row(email="bad"), contact_row(last_name="=1+2")]
    )
    with pytest.raises(ImportHasErrors) as failure:
        run(path, importer)

    out = error_file_for(source_path=str(path), errors=failure.value.result.errors)

    sheet = load_workbook(out)[DATA_SHEET]
    assert [c.value for c in sheet[1]][-1] == ERRORS_TITLE
    email_index = next(i for i, c in enumerate(COLUMNS) if c.key == "email")
    assert sheet.cell(row=3, column=email_index + 1).fill.fgColor.rgb.endswith("F8C9C4")
    assert sheet.cell(row=2, column=email_index + 1).fill.fgColor.rgb in (None, "00000000")
    assert "E-mail : Adresse e-mail invalide." in sheet.cell(row=3, column=len(COLUMNS) + 1).value
    assert sheet.cell(row=2, column=len(COLUMNS) + 1).value in (None, "")
    # a fixed error file can be uploaded again as it is (its error column is ignored)
    assert XlsxSource(out).total == 3


def test_an_update_adds_only_the_entities_written_in_the_file(tmp_path, groups, paris, lyon):
    both = UserFactory(username="double", entities=[paris, lyon], groups=[groups["Assistant commercial"]])
    contact = ProspectFactory(last_name="PARISIEN", email="p@x.fr", entities=[paris])
    path = write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name="PARISIEN", email="p@x.fr", job_title="DSI")])

    run(path, both, update_existing=True)
    assert set(contact.entities.values_list("code", flat=True)) == {"paris"}

    path = write_xlsx(tmp_path / "g.xlsx", [contact_row(last_name="PARISIEN", email="p@x.fr", entities="Lyon")])
    run(path, both, update_existing=True)
    assert set(contact.entities.values_list("code", flat=True)) == {"paris", "lyon"}


def _rows(count: int, *, fail_at: int | None = None):
    """Source rows as a parser yields them; raises like a damaged file at `fail_at`."""
    for index in range(count):
        if index == fail_at:
            raise ValueError("damaged file")
        yield SourceRow(
            location={"sheet": DATA_SHEET, "row": index + 2},
            values={"last_name": f"NOM{index}", "first_name": "Anne", "email": f"anne.{index}@exemple.fr"},
        )


def test_a_parser_failing_after_some_chunks_writes_nothing(importer, monkeypatch):
    from prospects.imports import run, writer

    monkeypatch.setattr(run, "CHUNK_SIZE", 10)
    written = []
    write = writer.ImportWriter.write
    monkeypatch.setattr(
        writer.ImportWriter, "write", lambda self, plans: written.append(len(plans)) or write(self, plans)
    )
    with pytest.raises(ValueError, match="damaged file"):
        import_run(rows=_rows(45, fail_at=35), context=ImportContext(user=importer), valid_only=True)
    assert written == [10, 10, 10]  # three chunks were written before the parser failed...
    assert not ProspectContact.objects.exists()  # ...and rolled back with it

    result = import_run(rows=_rows(45), context=ImportContext(user=importer))
    assert result.counts["created"] == 45 and ProspectContact.objects.count() == 45


def test_the_reader_thread_reports_errors_in_the_uploader_language(importer):
    from django.utils import translation

    rows = [SourceRow(location={"sheet": DATA_SHEET, "row": 2}, values={"last_name": "", "first_name": "Anne"})]
    with translation.override("en"):
        plans = list(rows_validate(rows, context=ImportContext(user=importer)))
    assert plans[0].errors[0]["message"] == "Required value."


def test_cells_with_copy_control_characters_are_stored_as_typed(importer):
    """The COPY text is formatted apart from the COPY, in a helper thread: tabs, backslashes and line breaks survive."""
    values = {
        "last_name": "O'NEIL\\BACK",
        "first_name": "Anne\tMarie",
        "address": "1 rue A\nBât. B\r\nCour \\N",
        "description": "\\.\n\\N",
        "email": "anne.oneil@exemple.fr",
    }
    rows = [SourceRow(location={"sheet": DATA_SHEET, "row": 2}, values=dict(values))]
    result = import_run(rows=rows, context=ImportContext(user=importer))
    assert result.counts["created"] == 1, result.errors
    contact = ProspectContact.objects.get()
    assert {key: getattr(contact, key) for key in values} == values


def test_a_failure_while_formatting_a_chunk_writes_nothing(importer, monkeypatch):
    from prospects.imports import run, writer

    if connection.vendor != "postgresql":
        pytest.skip("the COPY pipeline runs on PostgreSQL only")
    monkeypatch.setattr(run, "CHUNK_SIZE", 10)
    calls = []
    build = writer.ImportWriter._copy_payloads

    def failing(self, plans, ids):
        calls.append(len(plans))
        if len(calls) == 3:
            raise RuntimeError("formatting failed")
        return build(self, plans, ids)

    monkeypatch.setattr(writer.ImportWriter, "_copy_payloads", failing)
    with pytest.raises(RuntimeError, match="formatting failed"):
        import_run(rows=_rows(45), context=ImportContext(user=importer))
    assert calls[:3] == [10, 10, 10]  # two chunks had been sent before the third failed...
    assert not ProspectContact.objects.exists()  # ...and were rolled back with it


def test_phones_and_emails_are_stored_as_the_form_stores_them(tmp_path, importer):
    from prospects.contacts import phone_normalise

    rows = [
        contact_row(last_name="A", email="Anne.Point@Exemple.FR", phone="0144.55.66.77", mobile="+44 20 7946 0958"),
        contact_row(last_name="B", email="b@x.fr", phone="01-44-55-66-78", fax="12#34"),
    ]
    run(write_xlsx(tmp_path / "f.xlsx", rows), importer)

    first, second = ProspectContact.objects.order_by("last_name")
    assert (first.email, first.phone, first.mobile) == ("anne.point@exemple.fr", "01 44 55 66 77", "+44 20 7946 0958")
    assert second.phone == phone_normalise("01 44 55 66 78").value == "01 44 55 66 78"
    assert second.fax == "12#34"  # not a number phonenumbers can read: kept as typed


def test_companies_created_by_an_import_are_found_by_the_folded_picker(tmp_path, importer):
    from crm.selectors import companies_for_picker

    run(
        write_xlsx(tmp_path / "f.xlsx", [contact_row(last_name="A", email="a@x.fr", company="Société Rhône")]), importer
    )

    company = Company.objects.get(name="Société Rhône")
    assert company.search_name
    assert [found.pk for found in companies_for_picker(importer, "societe rhone")] == [company.pk]


def test_the_rep_is_found_by_display_name_or_login_but_not_outside_the_entities(
    tmp_path, importer, sales_rep, outsider
):
    rows = [
        contact_row(last_name="A", email="a@x.fr", assigned_to="DIRON Marine"),
        contact_row(last_name="B", email="b@x.fr", assigned_to="marine diron"),
        contact_row(last_name="C", email="c@x.fr", assigned_to="Diron"),
        contact_row(last_name="D", email="d@x.fr", assigned_to="RIVET Hugo"),
    ]
    with pytest.raises(ImportHasErrors) as failure:
        run(write_xlsx(tmp_path / "f.xlsx", rows), importer, valid_only=False)
    bad_rows = {error["row"] for error in failure.value.result.errors}
    assert bad_rows == {4, 5}  # "Diron" alone is nobody; Hugo is in Lyon
    run(write_xlsx(tmp_path / "g.xlsx", rows[:2]), importer)
    assert set(ProspectContact.objects.values_list("assigned_to", flat=True)) == {sales_rep.pk}


def test_a_name_two_reps_share_is_refused_while_their_logins_work():
    from prospects.imports.checks import rep_lookup

    lookup = rep_lookup(
        [(1, "mdiron", "Diron", "Marine"), (2, "mdiron2", "DIRON", "Marine"), (3, "hugo", "Rivet", "Hugo")]
    )
    assert "diron marine" not in lookup and lookup["mdiron2"] == 2 and lookup["rivet hugo"] == 3


def test_cells_are_read_stripped_whether_the_row_travels_as_text_or_as_cells(tmp_path):
    rows = [
        contact_row(last_name="  Martin ", first_name="\tPaul\n", city=" Lyon"),  # text only: one joined string
        contact_row(last_name=" Durand ", first_name="Ana", postcode=75001),  # a number: a list of cells
    ]
    source = XlsxSource(write_xlsx(tmp_path / "f.xlsx", rows))
    try:
        read = [row.values for row in source.rows()]
    finally:
        source.close()
    assert [(values["last_name"], values["first_name"]) for values in read] == [
        ("Martin", "Paul"),
        ("Durand", "Ana"),
    ]
    assert read[0]["city"] == "Lyon" and read[1]["postcode"] == "75001" and read[0]["email"] == ""
    assert all(len(values) == len(COLUMNS) for values in read)
