"""Importing a risk register (CSV, XLSX): every row checked first, all or nothing, through the services."""

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook, load_workbook

from aims.core.models import LedgerEvent
from aims.risks import import_format, importing, services
from aims.risks.import_format import COLUMN_NAMES
from aims.risks.models import Risk

pytestmark = pytest.mark.django_db

HEADER = ("title,category,owner_email,systems,inherent_likelihood,inherent_impact,existing_measures,treatment,"
          "residual_likelihood,residual_impact,next_review_date")


def csv_file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def xlsx_file(header, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@pytest.fixture
def chatbot(make_system):
    return make_system(reference_code="AIS-CHAT")


def test_a_good_csv_creates_scored_ledgered_risks(method, owner, chatbot, org):
    data = csv_file(
        f"Prompt injection,security,{owner.email.upper()},ais-chat,Likely,Major,Input filter,reduce,1,3,2031-01-15",
        f"Biais de scoring,Bias and discrimination,{owner.email},AIS-CHAT,2,Modéré,,,,,",
    )
    report = importing.import_risks(actor=owner, data=data, filename="register.csv")
    assert report.ok and report.applied, [str(p) for p in report.problems]
    assert (report.to_create, report.to_update, report.format) == (2, 0, "csv")
    first = Risk.objects.get(title="Prompt injection")
    assert (first.inherent_likelihood, first.inherent_impact, first.inherent_level) == (3, 3, "high")
    assert (first.residual_level, first.treatment, first.status) == ("medium", "reduce", Risk.Status.TREATED)
    assert first.unit == org["north"] and list(first.systems.all()) == [chatbot]
    assert first.next_review_date.isoformat() == "2031-01-15" and first.existing_measures == "Input filter"
    second = Risk.objects.get(title="Biais de scoring")
    assert (second.category, second.inherent_likelihood, second.inherent_impact) == ("bias_discrimination", 2, 2)
    for risk in (first, second):
        assert LedgerEvent.objects.filter(action="risks.risk.create", object_id=str(risk.pk),
                                          reason__startswith="Imported from").exists()


def test_a_good_xlsx_imports_and_hostile_cells_stay_plain_text(method, owner, chatbot):
    data = xlsx_file(["Title", "Category", "Owner e-mail", "Systems", "Inherent likelihood", "Inherent impact"], [
        ["=cmd|' /C calc'!A0", "privacy", owner.email, "AIS-CHAT", 4, 4.0],
        ["<script>alert(1)</script>", "security", owner.email, None, "Rare", "Minor"],
    ])
    # A blank unit is allowed when a linked system names it; the second row has none, so it names its unit...
    report = importing.import_risks(actor=owner, data=data, filename="register.xlsx")
    assert not report.applied
    assert [str(p) for p in report.problems] == [
        "row 3, column unit_code: give the unit code or a linked system: you may only record risks in your own "
        "organisation units"]
    data = xlsx_file(["title", "category", "owner_email", "systems", "inherent_likelihood", "inherent_impact",
                      "unit_code"], [
        ["=cmd|' /C calc'!A0", "privacy", owner.email, "AIS-CHAT", 4, 4.0, None],
        ["<script>alert(1)</script>", "security", owner.email, None, "Rare", "Minor", "north"],
    ])
    report = importing.import_risks(actor=owner, data=data, filename="register.xlsx")
    assert report.applied and report.format == "xlsx"
    assert Risk.objects.get(title="=cmd|' /C calc'!A0").inherent_level == "critical"
    assert Risk.objects.filter(title="<script>alert(1)</script>", inherent_level="low").exists()


def test_dry_run_reports_and_changes_nothing(method, owner, chatbot):
    events = LedgerEvent.objects.count()
    data = csv_file(f"One,security,{owner.email},AIS-CHAT,1,1,,,,,", f"Two,security,{owner.email},AIS-CHAT,,,,,,,")
    report = importing.import_risks(actor=owner, data=data, filename="r.csv", dry_run=True)
    assert report.ok and not report.applied and (report.rows, report.to_create) == (2, 2)
    assert Risk.objects.count() == 0 and LedgerEvent.objects.count() == events


def test_one_bad_row_among_a_hundred_imports_nothing_and_names_row_and_column(method, owner, chatbot):
    lines = [f"Risk {n},security,{owner.email},AIS-CHAT,2,2,,,,," for n in range(100)]
    lines[55] = "Risk 55,security,nobody@example.com,AIS-CHAT,2,2,,,,,"
    report = importing.import_risks(actor=owner, data=csv_file(*lines), filename="big.csv")
    assert not report.applied and report.problem_count == 1 and report.to_create == 99
    assert str(report.problems[0]) == "row 57, column owner_email: no person with this e-mail"
    assert Risk.objects.count() == 0


@pytest.mark.parametrize("line, expected", [
    ("X,nonsense,{email},AIS-CHAT,2,2,,,,,", "row 2, column category: “nonsense” is not a known risk category"),
    ("X,security,{email},AIS-NONE,2,2,,,,,", "row 2, column systems: no AI system you may see has the reference AIS-NONE"),
    ("X,security,{email},AIS-CHAT,9,2,,,,,", "row 2, column inherent_likelihood: choose a level between 1 and 4"),
    ("X,security,{email},AIS-CHAT,2,,,,,,", "row 2, column inherent_impact: Give both likelihood and impact, or neither"),
    ("X,security,{email},AIS-CHAT,1,1,,,4,4,", "row 2, column residual_likelihood: The residual level cannot be above "
                                               "the inherent level"),
    ("X,security,{email},AIS-CHAT,2,2,,maybe,,,", "row 2, column treatment: “maybe” is not a known treatment decision"),
    ("X,security,{email},AIS-CHAT,2,2,,,,,31/02/2030", "row 2, column next_review_date: “31/02/2030” is not a date "
                                                       "(use YYYY-MM-DD or DD/MM/YYYY)"),
    (",security,{email},AIS-CHAT,2,2,,,,,", "row 2, column title: this value is required"),
])
def test_bad_values_are_named_by_row_and_column(method, owner, chatbot, line, expected):
    report = importing.import_risks(actor=owner, data=csv_file(line.format(email=owner.email)), filename="r.csv")
    assert [str(p) for p in report.problems] == [expected]
    assert Risk.objects.count() == 0


def test_out_of_scope_systems_and_acceptance_by_import_are_refused(method, owner, south_owner, make_system, org):
    make_system(reference_code="AIS-SOUTH", unit=org["south"], owner=south_owner)
    report = importing.import_risks(actor=owner, filename="r.csv", data=csv_file(
        f"X,security,{owner.email},AIS-SOUTH,2,2,,,,,"))
    assert str(report.problems[0]) == "row 2, column systems: no AI system you may see has the reference AIS-SOUTH"
    data = ("title,category,owner_email,unit_code,inherent_likelihood,inherent_impact,treatment,status\n"
            f"X,security,{owner.email},north,3,4,accept,accepted\n").encode()
    report = importing.import_risks(actor=owner, data=data, filename="r.csv")
    assert report.problems[0].column == "status" and "acceptance form" in report.problems[0].message
    assert Risk.objects.count() == 0


def test_exported_register_reimports_as_updates(method, owner, chatbot, make_risk):
    kept = make_risk(systems=[chatbot], title="=SUM(A1)", inherent_likelihood=2, inherent_impact=2)
    changed = make_risk(systems=[chatbot], title="Drift", inherent_likelihood=3, inherent_impact=3)
    exported = import_format.exchange_rows(import_format.exchange_queryset(Risk.objects.order_by("pk")))
    from aims.core import exports

    rows = [list(r) for r in exported]
    rows[1][COLUMN_NAMES.index("residual_likelihood")] = 1
    rows[1][COLUMN_NAMES.index("residual_impact")] = 2
    rows[1][COLUMN_NAMES.index("treatment")] = "reduce"
    data = exports.csv_text(COLUMN_NAMES, rows).encode()
    assert b"'=SUM(A1)" in data  # the export neutralised the formula...
    report = importing.import_risks(actor=owner, data=data, filename="export.csv")
    assert report.applied, [str(p) for p in report.problems]
    assert (report.to_create, report.to_update, report.unchanged) == (0, 1, 1)
    kept.refresh_from_db()
    changed.refresh_from_db()
    assert kept.title == "=SUM(A1)" and kept.version == 1  # ...and the import restored the stored text
    assert (changed.residual_level, changed.status, changed.treatment) == ("low", Risk.Status.TREATED, "reduce")
    assert LedgerEvent.objects.filter(action="risks.risk.assess", object_id=str(changed.pk)).exists()


def test_a_service_refusal_while_applying_rolls_back_the_whole_file(method, owner, chatbot, monkeypatch):
    real = services.decide_treatment
    calls = []

    def refuse_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            from django.core.exceptions import ValidationError
            raise ValidationError({"treatment": "refused for the test"})
        return real(**kwargs)

    monkeypatch.setattr(services, "decide_treatment", refuse_second)
    data = csv_file(*[f"R{n},security,{owner.email},AIS-CHAT,2,2,,reduce,,," for n in range(3)])
    report = importing.import_risks(actor=owner, data=data, filename="r.csv")
    assert not report.applied and [str(p) for p in report.problems] == [
        "row 3, column treatment: refused for the test"]
    assert Risk.objects.count() == 0


@pytest.mark.parametrize("data, filename, message", [
    (b"not a zip at all", "register.xlsx", "This is not an XLSX workbook"),
    (b"PK\x03\x04 truncated", "register.xlsx", "The workbook is damaged"),
    (b"name,colour\nx,red\n", "register.csv", "unknown columns: name, colour; missing required columns: title, "
                                              "category, owner_email"),
    ("title,category,owner_email\nCafé,security,a@example.com\n".encode("cp1252"), "register.csv",
     "Line 2 is not valid UTF-8"),
    ("title,category,owner_email\n".encode("utf-16"), "register.csv", "UTF-16"),
    (b"title,category,owner_email\n\"unclosed,security,a@example.com\n", "register.csv", "malformed"),
    (b"", "register.csv", "The file is empty."),
    (b"title,category,owner_email\n", "register.csv", "no risks"),
    (b"title;category;owner_email\nx;y;z;extra\n", "register.csv", "Row 2 has more cells"),
    (b"whatever", "register.ods", "not supported"),
])
def test_malformed_files_import_nothing_with_a_clear_error(method, owner, data, filename, message):
    report = importing.import_risks(actor=owner, data=data, filename=filename)
    assert not report.applied and report.problem_count == 1
    assert message in str(report.problems[0]) and report.problems[0].row is None
    assert Risk.objects.count() == 0


def test_a_zip_that_is_not_a_workbook_is_refused(method, owner):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    report = importing.import_risks(actor=owner, data=buffer.getvalue(), filename="r.xlsx")
    assert str(report.problems[0]) == "This ZIP file is not an Excel workbook."


def test_oversized_files_and_too_many_rows_are_refused(method, owner, chatbot, monkeypatch, tmp_path):
    big = csv_file() + b"x" * import_format.MAX_BYTES
    report = importing.import_risks(actor=owner, data=big, filename="big.csv")
    assert str(report.problems[0]) == "The file is larger than 10 MB."
    path = tmp_path / "big.csv"
    path.write_bytes(big)
    assert importing.import_file(actor=owner, path=str(path)).problems[0].message == "The file is larger than 10 MB."
    monkeypatch.setattr(import_format, "MAX_ROWS", 3)
    data = csv_file(*[f"R{n},security,{owner.email},AIS-CHAT,,,,,,," for n in range(4)])
    report = importing.import_risks(actor=owner, data=data, filename="r.csv")
    assert "more than 3 risks" in str(report.problems[0]) and Risk.objects.count() == 0


def test_checking_rows_takes_the_same_queries_for_10_or_200_rows(method, owner, chatbot,
                                                                 django_assert_max_num_queries):
    def check(count):
        data = csv_file(*[f"R{n},security,{owner.email},AIS-CHAT,2,2,,,,," for n in range(count)])
        return importing.import_risks(actor=owner, data=data, filename="r.csv", dry_run=True)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        check(10)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert check(200).to_create == 200


def test_template_downloads_carry_the_columns_and_the_methods_labels(method):
    csv_text = import_format.template_bytes("csv").decode("utf-8-sig")
    assert csv_text.splitlines()[0] == ",".join(COLUMN_NAMES)
    workbook = load_workbook(io.BytesIO(import_format.template_bytes("xlsx")), read_only=True)
    assert [c.value for c in next(workbook["Risks"].iter_rows(max_row=1))] == list(COLUMN_NAMES)
    help_text = " ".join(str(c) for row in workbook["Help"].iter_rows(values_only=True) for c in row)
    assert "Almost certain / Quasi certain" in help_text and "owner_email" in help_text


def test_the_command_dry_runs_imports_and_fails_on_problems(method, owner, chatbot, tmp_path, capsys):
    good = tmp_path / "good.csv"
    good.write_bytes(csv_file(f"R1,security,{owner.email},AIS-CHAT,2,2,,,,,"))
    call_command("import", "risks", str(good), "--dry-run")
    assert "dry run, nothing written. 1 rows: 1 to create" in capsys.readouterr().out
    assert Risk.objects.count() == 0
    call_command("import", "risks", str(good))
    assert "imported." in capsys.readouterr().out and Risk.objects.count() == 1
    assert LedgerEvent.objects.filter(action="risks.risk.create", actor_label="cli:import:risks").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_file("R2,security,ghost@example.com,AIS-CHAT,2,2,,,,,"))
    with pytest.raises(SystemExit) as exited:
        call_command("import", "risks", str(bad))
    assert exited.value.code == 1
    assert "row 2, column owner_email: no person with this e-mail" in capsys.readouterr().err
    assert Risk.objects.count() == 1


def test_exports_neutralise_formulas_in_csv_and_xlsx(method, owner, chatbot, make_risk):
    from aims.core import exports

    hostile = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "plain", "bell\x07"]
    make_risk(systems=[chatbot], title=hostile[0])
    rows = list(import_format.iter_exchange_rows(Risk.objects.all())) + [[*hostile, -5]]
    text = exports.csv_text(COLUMN_NAMES, rows)
    for value in hostile[:5]:
        assert f"'{value}" in text
    assert ",-5" in text  # numbers are numbers, not text
    workbook = load_workbook(io.BytesIO(exports.xlsx_bytes(COLUMN_NAMES, rows, title="Risks")))
    cells = [cell for row in workbook["Risks"].iter_rows(min_row=2) for cell in row if cell.value not in (None, "")]
    assert not [c for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    # Typed as text: shown exactly as written, never evaluated, no apostrophe needed.
    assert "=cmd|' /C calc'!A0" in values and "@SUM(A1)" in values and "bell" in values and -5 in values


def test_the_command_can_import_as_a_person_with_their_permissions(method, owner, south_owner, chatbot, tmp_path,
                                                                   capsys):
    path = tmp_path / "r.csv"
    path.write_bytes(csv_file(f"R1,security,{owner.email},AIS-CHAT,2,2,,,,,"))
    with pytest.raises(SystemExit):
        call_command("import", "risks", str(path), "--as", south_owner.email)
    assert "no AI system you may see has the reference AIS-CHAT" in capsys.readouterr().err
    call_command("import", "risks", str(path), "--as", owner.email)
    assert LedgerEvent.objects.filter(action="risks.risk.create", actor=owner).exists()
