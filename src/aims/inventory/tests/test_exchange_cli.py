"""`aims import inventory FILE` and `aims export inventory --format ... OUT` from the command line."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from aims.core.exports import csv_text
from aims.core.models import LedgerEvent
from aims.inventory.exchange import cyclonedx_export
from aims.inventory.models import AISystem, Component, ModelCard

FIXTURE = Path(__file__).parent / "data" / "cyclonedx_mlbom.json"


@pytest.fixture
def systems_csv(tmp_path, owner, org):
    path = tmp_path / "systems.csv"
    path.write_text(csv_text(["reference_code", "name", "unit_code", "owner_email"],
                             [["AIS-CLI-1", "From the CLI", "north", owner.email]]))
    return path


def _run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dry_run_writes_nothing(systems_csv):
    out, _err = _run("import", "inventory", str(systems_csv), "--dry-run")
    assert "1 to create" in out and "dry run" in out
    assert not AISystem.objects.exists()


def test_import_as_the_operator_is_ledgered_under_the_command(systems_csv):
    out, _err = _run("import", "inventory", str(systems_csv))
    assert "imported" in out
    system = AISystem.objects.get(reference_code="AIS-CLI-1")
    event = LedgerEvent.objects.get(action="inventory.aisystem.create", object_id=str(system.pk))
    assert event.actor_id is None and event.actor_label == "cli:import:inventory"


def test_import_as_a_person_uses_their_permissions(systems_csv, role_user, org):
    viewer = role_user("viewer", org["north"])
    with pytest.raises(SystemExit):
        _run("import", "inventory", str(systems_csv), "--as", viewer.email)
    assert not AISystem.objects.exists()


def test_cyclonedx_import_into_a_system_then_export(make_system, tmp_path):
    system = make_system(reference_code="AIS-BOM")
    _run("import", "inventory", str(FIXTURE), "--system", "AIS-BOM")
    assert Component.objects.count() == 3 and ModelCard.objects.filter(system=system).exists()

    out_file = tmp_path / "bom.json"
    _out, err = _run("export", "inventory", "--format", "cyclonedx", "--system", str(system.pk), str(out_file))
    assert "validated" in err
    assert cyclonedx_export.validate_bom(out_file.read_text()) == []
    assert json.loads(out_file.read_text())["metadata"]["component"]["name"] == system.name


def test_broken_bom_imports_nothing_and_exits_with_the_reason(make_system, tmp_path, capsys):
    make_system(reference_code="AIS-BOM")
    broken = tmp_path / "broken.json"
    broken.write_bytes(FIXTURE.read_bytes()[:500])
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "inventory", str(broken), "--system", "AIS-BOM", stdout=io.StringIO(), stderr=err)
    assert "nothing imported" in err.getvalue() and "malformed" in err.getvalue()
    assert not Component.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_table_export(make_system, tmp_path, fmt):
    make_system(reference_code="AIS-EXP")
    out_file = tmp_path / f"systems.{fmt}"
    _run("export", "inventory", "--format", fmt, str(out_file))
    data = out_file.read_bytes()
    if fmt == "csv":
        assert b"AIS-EXP" in data
    else:
        assert data[:2] == b"PK"


def _bom_with(tmp_path, change) -> Path:
    document = json.loads(FIXTURE.read_text())
    change(document)
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(document))
    return path


def test_without_system_the_bom_finds_its_system_from_metadata_component(make_system, tmp_path):
    system = make_system(name="CV screening assistant")  # the fixture's metadata.component names it
    out, err = _run("import", "inventory", str(FIXTURE))
    assert "imported" in out
    assert "warning: The document describes “CV screening assistant” (metadata.component)" in err
    assert ModelCard.objects.filter(system=system).exists()


def test_a_card_that_cannot_be_placed_is_a_printed_warning_and_strict_exits_non_zero(make_system, tmp_path):
    bom = _bom_with(tmp_path, lambda d: d["metadata"]["component"].update(name="Unknown system"))
    out, err = _run("import", "inventory", str(bom), "--dry-run")
    assert "warning: The model card of “RankNet CV” is not imported" in err and "--system REF" in err
    err_buffer = io.StringIO()
    with pytest.raises(SystemExit) as excinfo:
        call_command("import", "inventory", str(bom), "--strict", stdout=io.StringIO(), stderr=err_buffer)
    assert excinfo.value.code == 2 and "warning: The model card" in err_buffer.getvalue()
    assert not Component.objects.exists()  # --strict: nothing imported


def test_skipped_components_are_printed_as_warnings(make_system, tmp_path):
    make_system(reference_code="AIS-BOM")
    bom = _bom_with(tmp_path, lambda d: d["components"].append(
        {"type": "container", "bom-ref": "img", "name": "scoring-image", "version": "4"}))
    _out, err = _run("import", "inventory", str(bom), "--system", "AIS-BOM")
    assert "warning: $.components[4] (scoring-image): components of type “container” are not inventoried" in err


def test_a_shorter_card_is_shown_field_by_field_on_the_command_line_and_blanks_nothing(make_system, tmp_path):
    system = make_system(reference_code="AIS-CARD")
    _run("import", "inventory", str(FIXTURE), "--system", "AIS-CARD")
    before = ModelCard.objects.get(system=system)
    bom = _bom_with(tmp_path, lambda d: d["components"][0].update(modelCard={"modelParameters": {"task": "scoring"}}))
    out, _err = _run("import", "inventory", str(bom), "--system", "AIS-CARD", "--dry-run")
    assert "model card of 'RankNet CV' in" in out and "1 field(s) to change" in out
    assert "task: ranking -> scoring" in out.lower()
    out, _err = _run("import", "inventory", str(bom), "--system", "AIS-CARD")
    after = ModelCard.objects.get(system=system)
    assert after.task == "scoring" and after.users == before.users and after.use_cases == before.use_cases
    out, _err = _run("import", "inventory", str(bom), "--system", "AIS-CARD", "--dry-run")
    assert "model card of 'RankNet CV' in" in out and "unchanged" in out and "to change" not in out
