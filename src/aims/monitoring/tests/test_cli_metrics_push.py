"""`aims metrics push FILE`: CSV or JSON Lines, checked whole and stored all or nothing, or only checked."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from aims.core.models import LedgerEvent
from aims.monitoring.models import Measurement

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("metrics", "push", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_a_csv_file_is_stored_and_ledgered_as_the_cli(tmp_path, accuracy):
    path = tmp_path / "values.csv"
    path.write_text("system,kpi,at,value\n" + "".join(
        f"{accuracy.system.reference_code},accuracy,2026-03-{day:02d}T06:00:00Z,{90 + day / 10}\n"
        for day in range(1, 8)))
    code, out, _err = run(str(path))
    assert code == 0 and "7 values: 7 new" in out
    assert Measurement.objects.filter(kpi=accuracy).count() == 7
    assert LedgerEvent.objects.get(action="monitoring.measurements.push").actor_label == "cli:metrics"


def test_json_lines_with_a_default_system_and_a_dry_run(tmp_path, accuracy, owner):
    path = tmp_path / "values.jsonl"
    path.write_text("\n".join(json.dumps({"kpi": "accuracy", "at": f"2026-03-0{d}T06:00:00", "value": 88})
                              for d in range(1, 4)))
    code, out, _err = run(str(path), "--system", accuracy.system.reference_code, "--dry-run")
    assert code == 0 and "3 values checked" in out and not Measurement.objects.exists()
    code, out, _err = run(str(path), "--system", accuracy.system.reference_code, "--as", owner.email)
    assert code == 0 and Measurement.objects.count() == 3
    assert LedgerEvent.objects.get(action="monitoring.measurements.push").actor_id == owner.pk


def test_a_file_with_bad_rows_stores_nothing_and_names_them(tmp_path, accuracy):
    path = tmp_path / "values.csv"
    path.write_text(f"kpi_id,at,value\n{accuracy.pk},2026-03-01T06:00:00Z,90\n{accuracy.pk},soon,90\n")
    code, _out, err = run(str(path))
    assert code == 1 and "row 2" in err
    assert not Measurement.objects.exists()


def test_unknown_formats_and_missing_columns_are_clear_errors(tmp_path):
    bad = tmp_path / "values.txt"
    bad.write_text("x")
    with pytest.raises(CommandError, match="csv or .jsonl"):
        run(str(bad))
    csv = tmp_path / "values.csv"
    csv.write_text("kpi,when\naccuracy,today\n")
    with pytest.raises(CommandError, match="missing: at, value"):
        run(str(csv))
