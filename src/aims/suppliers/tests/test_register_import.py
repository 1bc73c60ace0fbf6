"""The supplier register imported from CSV or XLSX (importing.py): the export's columns (labels in either language,
codes in the cells) so an exported file imports again; every row checked with clear problems, then all or nothing,
each supplier created through services.create_supplier (ledgered)."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import Workbook

from aims.core import exports
from aims.core.models import LedgerEvent
from aims.core.testing import person_with_role
from aims.suppliers import services
from aims.suppliers.importing import import_suppliers
from aims.suppliers.models import Supplier
from aims.suppliers.register import export_rows, headers, selection

pytestmark = pytest.mark.django_db

HEADER = ["Legal name", "Country", "Managing unit code", "Internal owner", "Backup owner", "Criticality",
          "AI Act value-chain role", "Clauses in the contract", "Hosting countries", "Prompt retention (days)"]


def as_csv(rows, header=HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def as_xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def good_rows(procurement, backup):
    return [["Lumen Language Models Ltd", "ie", "north", procurement.email, backup.username, "high",
             "gpai_provider", "audit_rights incident_notification", "IE FR", "30"],
            ["DataHarbor", "US", "NORTH", procurement.username, "", "", "Fournisseur d'un système d'IA", "", "", ""]]


def problems(report) -> list[str]:
    return [str(p) for p in report.problems]


def test_a_good_file_is_checked_then_imported_and_ledgered(procurement, backup):
    data = as_csv(good_rows(procurement, backup))
    checked = import_suppliers(actor=procurement, data=data, filename="suppliers.csv", dry_run=True)
    assert checked.ok and (checked.rows, checked.to_create) == (2, 2) and not checked.applied
    assert Supplier.objects.count() == 0  # the dry run writes nothing
    done = import_suppliers(actor=procurement, data=data, filename="suppliers.csv")
    assert done.applied and len(done.created_ids) == 2
    lumen = Supplier.objects.get(legal_name="Lumen Language Models Ltd")
    assert (lumen.country, lumen.unit.code, lumen.owner, lumen.backup) == ("IE", "north", procurement, backup)
    assert lumen.clauses == ["incident_notification", "audit_rights"]  # catalogue order
    assert (lumen.hosting_countries, lumen.prompt_retention_days) == (["IE", "FR"], 30)
    assert (lumen.value_chain_role, lumen.status, lumen.criticality) == ("gpai_provider", "draft", "")  # computed
    harbor = Supplier.objects.get(legal_name="DataHarbor")
    assert harbor.value_chain_role == "system_provider" and harbor.backup is None  # a French label is read
    entries = LedgerEvent.objects.filter(action="suppliers.supplier.create")
    assert entries.count() == 2 and all("suppliers.csv" in e.reason for e in entries)


def test_an_exported_register_imports_again(procurement, backup, ready_supplier, make_supplier, org):
    make_supplier(legal_name="=HYPERLINK(\"http://evil\")", country="FR", backup=None)
    rows = list(export_rows(selection(procurement, {}).suppliers))
    data = exports.xlsx_bytes(headers(), rows)
    Supplier.objects.all().delete()
    report = import_suppliers(actor=procurement, data=data, filename="suppliers.xlsx")
    assert report.ok, problems(report)
    lumen = Supplier.objects.get(legal_name="Lumen Language Models Ltd")
    assert lumen.clauses == ready_supplier.clauses and lumen.backup == backup and lumen.status == "draft"
    assert Supplier.objects.filter(legal_name="=HYPERLINK(\"http://evil\")").exists()  # text kept as text
    csv_data = exports.csv_text(headers(), export_rows(selection(procurement, {}).suppliers)).encode()
    Supplier.objects.all().delete()
    assert import_suppliers(actor=procurement, data=csv_data, filename="suppliers.csv").applied
    assert Supplier.objects.filter(legal_name="=HYPERLINK(\"http://evil\")").exists()  # the apostrophe undone


def test_every_row_problem_is_listed_and_nothing_is_imported(procurement, backup, make_supplier, org):
    make_supplier(legal_name="Already There SA")
    south = person_with_role("system_owner", org["south"])
    rows = [["", "FR", "north", "", "", "", "", "", "", ""],
            ["Good One", "FRA", "north", "", "", "", "", "", "", ""],
            ["Good Two", "FR", "nowhere", "", "", "", "", "", "", ""],
            ["Good Three", "FR", "south", "", "", "", "", "", "", ""],
            ["Good Four", "FR", "north", "nobody@example.com", "", "", "", "", "", ""],
            ["Good Five", "FR", "north", south.email, "", "", "", "", "", ""],
            ["Good Six", "FR", "north", procurement.email, procurement.email, "", "", "", "", ""],
            ["Good Seven", "FR", "north", "", "", "very", "", "", "", ""],
            ["Good Eight", "FR", "north", "", "", "", "robot", "", "", ""],
            ["Good Nine", "FR", "north", "", "", "", "", "audit_rights no_such_clause", "", ""],
            ["Good Ten", "FR", "north", "", "", "", "", "", "France", ""],
            ["Good Eleven", "FR", "north", "", "", "", "", "", "", "-3"],
            ["already there sa", "FR", "north", "", "", "", "", "", "", ""],
            ["Twice Ltd", "FR", "north", "", "", "", "", "", "", ""],
            ["Twice  LTD", "FR", "north", "", "", "", "", "", "", ""],
            ["Fine Ltd", "FR", "north", "", "", "", "", "", "", ""]]
    report = import_suppliers(actor=procurement, data=as_csv(rows), filename="s.csv")
    found = problems(report)
    assert not report.applied and (report.problem_count, report.to_create) == (14, 2), "\n".join(found)
    assert found[0] == "row 2, column Legal name: the legal name is required"
    assert found[1].startswith("row 3, column Country:")
    assert "no active unit with the code “nowhere”" in found[2]
    assert "you may not add suppliers to “South”" in found[3]
    assert "no active person with the e-mail address or username “nobody@example.com”" in found[4]
    assert found[5].startswith("row 7, column Internal owner:") and "may not act on suppliers" in found[5]
    assert "the backup must be someone other than the owner" in found[6]
    assert found[7].startswith("row 9, column Criticality:") and found[8].startswith("row 10, column AI Act")
    assert "unknown clauses: no_such_clause" in found[9] and found[10].startswith("row 12, column Hosting countries")
    assert found[11].startswith("row 13, column Prompt retention")
    assert "already in the register: Already There SA" in found[12]
    assert found[13] == "row 16, column Legal name: the same as row 15 of this file"
    assert Supplier.objects.count() == 1  # all or nothing


def test_a_refusal_while_applying_rolls_back_the_whole_file(procurement, backup, monkeypatch):
    calls = []
    real = services.create_supplier

    def refuse_the_second(**kwargs):
        calls.append(kwargs["legal_name"])
        if len(calls) == 2:
            raise PermissionDenied("no")
        return real(**kwargs)

    monkeypatch.setattr(services, "create_supplier", refuse_the_second)
    report = import_suppliers(actor=procurement, data=as_csv(good_rows(procurement, backup)), filename="s.csv")
    assert not report.applied and report.created_ids == [] and str(report.problems[0]) == "row 3: no"
    assert Supplier.objects.count() == 0 and not LedgerEvent.objects.filter(
        action="suppliers.supplier.create").exists()


def test_hostile_strings_are_data_or_refused(procurement):
    script = "<script>alert(1)</script>"
    rows = [[script, "FR", "north", "", "", "", "", "", "", ""],
            ["@SUM(A1)", "FR", "north", "", "", "", "", "", "", ""],
            ["Bell\x07 Ltd", "FR", "north", "", "", "", "", "", "", ""],
            ["x" * 201, "FR", "north", "", "", "", "", "", "", ""]]
    report = import_suppliers(actor=procurement, data=as_xlsx(rows[:2]), filename="s.xlsx")
    assert report.applied
    assert set(Supplier.objects.values_list("legal_name", flat=True)) == {script, "@SUM(A1)"}
    refused = import_suppliers(actor=procurement, data=as_csv(rows[2:]), filename="s.csv")
    assert problems(refused) == ["row 2, column Legal name: contains control characters",
                                 "row 3, column Legal name: at most 200 characters"]


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "s.csv", "The file is empty."),
    (b"PK\x03\x04broken", "s.xlsx", "The workbook is damaged"),
    (b"legal name\n\xff\xfe", "s.csv", "not UTF-8"),
    (b'{"bomFormat": "CycloneDX"}', "s.json", "CSV file or an .xlsx workbook"),
    (b"Legal name,Colour\nA,red\n", "s.csv", "Unknown column “Colour”"),
    (b"Country\nFR\n", "s.csv", "no “Legal name” column"),
    (b"Legal name,Raison sociale\nA,B\n", "s.csv", "appears twice"),
])
def test_malformed_files_are_refused_with_a_message(procurement, data, name, message):
    report = import_suppliers(actor=procurement, data=data, filename=name)
    assert not report.ok and message in str(report.problems[0]) and Supplier.objects.count() == 0


def test_an_oversize_file_is_refused(procurement, settings, monkeypatch):
    from aims.inventory.exchange import files

    monkeypatch.setattr(files, "MAX_BYTES", 100)
    report = import_suppliers(actor=procurement, data=b"Legal name\n" + b"A\n" * 100, filename="s.csv")
    assert "too large" in str(report.problems[0])


def test_french_headers_are_read(procurement):
    from django.utils import translation

    with translation.override("fr"):
        french = headers()
    assert french[0] != "Legal name"
    report = import_suppliers(actor=procurement, data=as_csv([["Acme", "FR", "north"]], header=french[:1] + [
        french[4], french[6]]), filename="s.csv", dry_run=True)
    assert report.ok, problems(report)


def test_who_may_import(org, procurement):
    reader = person_with_role("contributor", org["north"])  # reads suppliers, may not add them
    with pytest.raises(PermissionDenied):
        import_suppliers(actor=reader, data=as_csv([["Acme", "FR", "north"]], header=HEADER[:3]), filename="s.csv")
    # One unit where the person may add: the unit column may be left out.
    south_owner = person_with_role("system_owner", org["south"])
    report = import_suppliers(actor=south_owner, data=as_csv([["Acme"]], header=["Legal name"]), filename="s.csv")
    assert report.applied and Supplier.objects.get().unit == org["south"]
    manager = person_with_role("aims_manager", home_unit=org["root"])
    report = import_suppliers(actor=manager, data=as_csv([["Other"]], header=["Legal name"]), filename="s.csv")
    assert str(report.problems[0]) == "row 2, column Managing unit code: give the code of the managing unit"


CHECK_QUERIES = 6


def test_the_check_costs_the_same_queries_whatever_the_row_count(procurement, backup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count: int) -> int:
        rows = [[f"Supplier {n}", "FR", "north", procurement.email, backup.email, "", "", "", "", ""]
                for n in range(count)]
        with CaptureQueriesContext(connection) as captured:
            assert import_suppliers(actor=procurement, data=as_csv(rows), filename="s.csv", dry_run=True).ok
        return len(captured)

    queries(1)  # the actor's role scopes, cached on the person for what follows
    # people by e-mail and by username, units, each distinct owner's and backup's scopes, suppliers already registered
    assert queries(2) == queries(60) == CHECK_QUERIES
