"""CSV/XLSX import and export of AI systems: template, dry-run plan, row-and-column errors, all-or-nothing apply,
file checks, and an export of exactly what a portfolio filter shows."""

import io
from datetime import date

import pytest
from openpyxl import Workbook, load_workbook

from aims.core.exports import csv_text
from aims.core.models import LedgerEvent
from aims.inventory.exchange import files, tabular
from aims.inventory.exchange.files import ImportFileError
from aims.inventory.models import AISystem


def _csv(rows, header=None) -> bytes:
    return csv_text(header or list(rows[0].keys()), [list(r.values()) for r in rows]).encode()


def _row(owner, **values):
    row = {"reference_code": "", "name": "Chatbot", "unit_code": "north", "owner_email": owner.email,
           "criticality": "high", "personal_data": "yes", "next_review_date": "2030-01-31", "priority": "4"}
    row.update(values)
    return row


def test_templates_list_every_column(db):
    header = tabular.template_csv().lstrip("\ufeff").splitlines()[0].split(",")
    assert header == tabular.HEADERS
    for needed in ("reference_code", "name", "purpose", "intended_use", "unit_code", "owner_email",
                   "backup_owner_email", "stage", "criticality", "personal_data", "external_exposure", "autonomy",
                   "human_oversight", "deployment_mode", "priority", "next_review_date"):
        assert needed in header
    workbook = load_workbook(io.BytesIO(tabular.template_xlsx()))
    assert [c.value for c in workbook.worksheets[0][1]] == tabular.HEADERS
    instructions = {row[0]: row for row in workbook.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert "internal, customers, public" in instructions["external_exposure"][3]


def test_dry_run_plans_creations_and_updates_without_changing_anything(manager, owner, org, make_system):
    existing = make_system(reference_code="AIS-EXIST", name="Old name")
    data = _csv([_row(owner, name="New one"),
                 _row(owner, reference_code="AIS-EXIST", name="Renamed", criticality="medium", personal_data="no",
                      next_review_date="", priority="3")])
    events = LedgerEvent.objects.count()

    plan = tabular.plan_import(actor=manager, data=data, filename="systems.csv")

    assert plan.ok, [str(p) for p in plan.problems]
    assert plan.summary() == {"to_create": 1, "to_update": 1, "unchanged": 0, "errors": 0}
    assert plan.to_update[0].fields == {"name": "Renamed"}
    assert LedgerEvent.objects.count() == events and AISystem.objects.count() == 1
    existing.refresh_from_db()
    assert existing.name == "Old name"


def test_apply_creates_and_updates_through_the_ledgered_services(manager, owner, org, make_system):
    make_system(reference_code="AIS-EXIST", name="Old name")
    data = _csv([_row(owner, name="New one", reference_code="AIS-NEW", stage="design"),
                 _row(owner, reference_code="AIS-EXIST", name="Renamed")])

    result = tabular.apply_import(actor=manager, data=data, filename="systems.csv")

    assert result.applied, [str(p) for p in result.problems]
    created = AISystem.objects.get(reference_code="AIS-NEW")
    assert (created.name, created.unit, created.owner, created.criticality) == ("New one", org["north"], owner, "high")
    assert created.personal_data and created.priority == 4 and created.next_review_date == date(2030, 1, 31)
    assert created.stage == "design"
    assert AISystem.objects.get(reference_code="AIS-EXIST").name == "Renamed"
    actions = list(LedgerEvent.objects.filter(reason="Imported from systems.csv").values_list("action", flat=True))
    assert sorted(actions) == ["inventory.aisystem.create", "inventory.aisystem.move_stage",
                               "inventory.aisystem.update"]


def test_every_bad_cell_is_reported_by_row_and_column_and_nothing_is_imported(manager, owner):
    data = _csv([
        _row(owner, name="Good"),
        _row(owner, owner_email="nobody@example.com", criticality="extreme"),
        _row(owner, unit_code="atlantis", next_review_date="31/01/2030", priority="9", personal_data="maybe"),
        _row(owner, name=""),
    ])

    result = tabular.apply_import(actor=manager, data=data, filename="systems.csv")

    assert not result.applied and not AISystem.objects.exists()
    located = {(p.row, p.column) for p in result.problems}
    assert located == {(3, "owner_email"), (3, "criticality"), (4, "unit_code"), (4, "next_review_date"),
                       (4, "priority"), (4, "personal_data"), (5, "name")}
    texts = " | ".join(str(p) for p in result.problems)
    assert "row 3, column owner_email: No person has the e-mail address “nobody@example.com”" in texts
    assert "“extreme” is not one of: low, medium, high, critical" in texts


def test_duplicate_references_and_owner_as_backup_are_refused(manager, owner):
    data = _csv([_row(owner, reference_code="AIS-1", backup_owner_email=""),
                 _row(owner, reference_code="AIS-1", backup_owner_email=""),
                 _row(owner, backup_owner_email=owner.email)])
    plan = tabular.plan_import(actor=manager, data=data, filename="s.csv")
    assert {(p.row, p.column) for p in plan.problems} == {(3, "reference_code"), (4, "backup_owner_email")}


def test_permissions_are_checked_per_row(role_user, org, owner, make_system):
    contributor = role_user("contributor", org["north"])
    make_system(reference_code="AIS-SOUTH", unit=org["south"])
    data = _csv([_row(owner, unit_code="south"), _row(owner, reference_code="AIS-SOUTH", unit_code="south",
                                                      name="x")])
    plan = tabular.plan_import(actor=contributor, data=data, filename="s.csv")
    assert {(p.row, p.column) for p in plan.problems} == {(2, "unit_code"), (3, "reference_code")}


def test_new_systems_cannot_skip_the_go_live_gate(manager, owner):
    plan = tabular.plan_import(actor=manager, data=_csv([_row(owner, stage="operation")]), filename="s.csv")
    assert [(p.row, p.column) for p in plan.problems] == [(2, "stage")]


def test_a_refusal_while_applying_rolls_back_every_row(manager, owner, monkeypatch):
    from django.core.exceptions import ValidationError

    from aims.inventory import services

    real = services.create_system

    def refuse_second(**kwargs):
        if kwargs["name"] == "Second":
            raise ValidationError({"purpose": "refused"})
        return real(**kwargs)

    monkeypatch.setattr(services, "create_system", refuse_second)
    result = tabular.apply_import(actor=manager, data=_csv([_row(owner, name="First"), _row(owner, name="Second")]),
                                  filename="s.csv")
    assert not result.applied and [(p.row, p.column) for p in result.problems] == [(3, "purpose")]
    assert not AISystem.objects.exists()


def test_wrong_header_is_explained(manager, owner):
    data = _csv([{"name": "x", "unit": "north", "owner_email": owner.email}])
    plan = tabular.plan_import(actor=manager, data=data, filename="s.csv")
    texts = [str(p) for p in plan.problems]
    assert any("Unknown columns: unit" in t for t in texts)
    assert any("Missing required columns: reference_code, unit_code" in t for t in texts)


def test_file_content_checks(manager):
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        tabular.plan_import(actor=manager, data=b"name,unit_code\nx,y\n", filename="systems.xlsx")
    with pytest.raises(ImportFileError, match="is a zip archive"):
        tabular.plan_import(actor=manager, data=b"PK\x03\x04rest", filename="systems.csv")
    with pytest.raises(ImportFileError, match="damaged"):
        tabular.plan_import(actor=manager, data=b"PK\x03\x04not really a zip", filename="systems.xlsx")
    with pytest.raises(ImportFileError) as caught:
        tabular.plan_import(actor=manager, data="reference_code,name\n,caf\xe9\n".encode("latin-1"),
                            filename="systems.csv")
    assert "not UTF-8" in str(caught.value) and caught.value.problems[0].row == 2
    with pytest.raises(ImportFileError, match="empty"):
        tabular.plan_import(actor=manager, data=b"", filename="systems.csv")


def test_size_and_row_limits(manager, owner, monkeypatch):
    monkeypatch.setattr(files, "MAX_ROWS", 2)
    with pytest.raises(ImportFileError, match="more than 2 rows"):
        tabular.plan_import(actor=manager, data=_csv([_row(owner)] * 3), filename="s.csv")
    monkeypatch.setattr(files, "MAX_BYTES", 100)
    with pytest.raises(ImportFileError, match="too large"):
        tabular.plan_import(actor=manager, data=_csv([_row(owner)] * 2), filename="s.csv")


def test_semicolon_csv_and_xlsx_are_read(manager, owner):
    text = "reference_code;name;unit_code;owner_email\n;Semi;north;%s\n" % owner.email
    assert tabular.plan_import(actor=manager, data=text.encode(), filename="s.csv").summary()["to_create"] == 1
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["reference_code", "name", "unit_code", "owner_email", "next_review_date", "priority"])
    sheet.append([None, "From Excel", "north", owner.email, date(2031, 5, 1), 5])
    output = io.BytesIO()
    workbook.save(output)
    result = tabular.apply_import(actor=manager, data=output.getvalue(), filename="s.xlsx")
    assert result.applied, [str(p) for p in result.problems]
    system = AISystem.objects.get(name="From Excel")
    assert system.next_review_date == date(2031, 5, 1) and system.priority == 5


def test_export_holds_exactly_the_filtered_systems_and_reimports_unchanged(manager, make_system, org):
    make_system(name="=HYPERLINK(\"http://evil\")", criticality="high", reference_code="AIS-A")
    make_system(name="Low one", criticality="low", reference_code="AIS-B")
    make_system(name="South high", criticality="high", unit=org["south"], reference_code="AIS-C")
    selection = tabular.portfolio_selection(manager, {"criticality": "high", "unit": str(org["north"].pk)})

    text = "".join(tabular.export_csv_lines(selection))
    lines = text.lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and "AIS-A" in lines[1]
    assert "'=HYPERLINK" in lines[1]  # defused for spreadsheets

    workbook = load_workbook(io.BytesIO(tabular.export_xlsx(selection)))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1].startswith("=HYPERLINK")  # typed as text: shown as is, never run
    assert workbook.worksheets[0].cell(row=2, column=2).data_type == "s"

    everything = AISystem.objects.restrict(manager, "view")
    plan = tabular.plan_import(actor=manager, data="".join(tabular.export_csv_lines(everything)).encode(),
                               filename="export.csv")
    assert plan.ok and plan.summary() == {"to_create": 0, "to_update": 0, "unchanged": 3, "errors": 0}
    plan = tabular.plan_import(actor=manager, data=tabular.export_xlsx(everything), filename="export.xlsx")
    assert plan.ok and plan.summary()["unchanged"] == 3


def test_links_travel_in_one_cell_and_bad_ones_are_refused(manager, owner, org):
    cell = "Runbook | https://wiki.example.com/runbook\nDashboard | https://grafana.example.com/d/1"
    result = tabular.apply_import(actor=manager, data=_csv([_row(owner, reference_code="AIS-LINKS", links=cell)]),
                                  filename="s.csv")
    assert result.applied, [str(p) for p in result.problems]
    system = AISystem.objects.get(reference_code="AIS-LINKS")
    assert system.links == [{"label": "Runbook", "url": "https://wiki.example.com/runbook"},
                            {"label": "Dashboard", "url": "https://grafana.example.com/d/1"}]
    exported = csv_text(tabular.HEADERS, tabular.export_rows(AISystem.objects.filter(pk=system.pk)))
    assert "Runbook | https://wiki.example.com/runbook" in exported
    plan = tabular.plan_import(actor=manager, filename="s.csv",
                               data=_csv([_row(owner, reference_code="AIS-LINKS", links="Bad | javascript:alert(1)")]))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "links")]
    assert "http and https" in str(plan.problems[0])
