"""The inventory benchmark runs end to end at a tiny scale and writes the documented figures (timings are not
asserted: speed is measured by running it at full scale, not in tests)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Its own SQLite database whatever DATABASE_URL names: CI runs it in the SQLite pass only (see conftest.py).
pytestmark = pytest.mark.sqlite_benchmark

ROOT = Path(__file__).resolve().parents[4]


def test_benchmark_writes_its_figures(tmp_path):
    out = tmp_path / "inventory.json"
    completed = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "inventory.py"), "--scale", "0.008",
                                "--growth-base", "0.004", "--json", str(out)], cwd=ROOT, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr[-2000:]
    figures = json.loads(out.read_text())
    for key in ("systems", "components", "page_admin_p50_ms", "page_admin_p95_ms", "page_admin_cpu_p95_ms",
                "page_viewer_p95_ms", "page_p95_ms", "api_url", "csv_import_rows", "csv_plan_seconds",
                "csv_import_seconds", "cyclonedx_components", "cyclonedx_import_seconds", "goals", "goals_met",
                "machine", "load_average_before", "growth_base_systems"):
        assert key in figures, key
    assert figures["benchmark"] == "inventory" and figures["cyclonedx_model_card"] is True
    for who in ("page_admin", "page_viewer", "api_admin", "api_viewer"):
        # Each list beside its floor (the same SQL replayed raw) and its growth from the smaller scale.
        assert figures[f"{who}_floor_p95_ms"] > 0 and figures[f"{who}_floor_ratio_p95"] > 0, who
        assert f"{who}_growth_p95" in figures and f"{who}_growth_cpu_p95" in figures, who
        assert figures[f"{who}_queries_min"] > 0 and figures[f"{who}_statuses"] == [200], who
        # Pages that show no row are counted apart (at this tiny scale the viewer's unit holds a system or two).
        assert 0 <= figures[f"{who}_empty_pages"] <= figures[f"{who}_urls"], who
    assert figures["page_admin_empty_pages"] == 0
    assert {"sort_name_p95_ms", "sort_-stage_floor_p95_ms", "sort_owner_growth_p95"} <= set(figures)
    assert "portfolio page" in completed.stdout and "floor" in completed.stdout and "growth" in completed.stdout
