"""benchmarks/risks.py keeps working (CI runs it tiny): it writes one JSON object with the named figures."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Its own SQLite database whatever DATABASE_URL names: CI runs it in the SQLite pass only (see conftest.py).
pytestmark = pytest.mark.sqlite_benchmark

BENCHMARK = Path(__file__).resolve().parents[4] / "benchmarks" / "risks.py"


def test_risks_benchmark_runs_and_writes_its_figures(tmp_path):
    out = tmp_path / "risks.json"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DATA_DIR", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    done = subprocess.run([sys.executable, str(BENCHMARK), "--scale", "0.002", "--repeat", "3", "--growth-base", "0.001",
                           "--json", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert (figures["benchmark"], figures["risks"], figures["systems"]) == ("risks", 100, 10)
    assert figures["goals"] == {"register_p95_ms": 150, "api_p95_ms": 150, "heatmap_p95_ms": 50}
    for who in ("manager", "owner"):
        for scenario in ("heatmap", "heatmap_system", "register_query"):
            assert figures[f"{who}_{scenario}_p50_ms"] <= figures[f"{who}_{scenario}_p95_ms"]
            assert 0 <= figures[f"{who}_{scenario}_cpu_p50_ms"] <= figures[f"{who}_{scenario}_cpu_p95_ms"]
        assert figures[f"{who}_heatmap_risks"] > figures[f"{who}_heatmap_system_risks"] > 0
        for scenario in ("register", "register_filtered", "register_search", "register_sorted", "api", "api_filtered",
                         "api_sorted"):
            if scenario.split("_")[0] in figures["unavailable"]:
                continue
            assert figures[f"{who}_{scenario}_statuses"] == [200]
            assert figures[f"{who}_{scenario}_queries_min"] == figures[f"{who}_{scenario}_queries_max"] > 0
            # Beside its floor (its SQL replayed raw) and its growth from the smaller scale, empty pages counted.
            assert figures[f"{who}_{scenario}_floor_p95_ms"] > 0 and figures[f"{who}_{scenario}_floor_ratio_p95"] > 0
            assert f"{who}_{scenario}_growth_p95" in figures and f"{who}_{scenario}_growth_cpu_p95" in figures
            assert 0 <= figures[f"{who}_{scenario}_empty_pages"] <= figures[f"{who}_{scenario}_urls"]
    # The scoped owner sees one unit of the organisation, not all of it.
    assert figures["owner_heatmap_risks"] < figures["manager_heatmap_risks"]
    assert figures["queries_constant"] is True
    assert figures["growth_base_risks"] < figures["risks"]
    assert "heatmap" in done.stdout and "floor" in done.stdout and "growth" in done.stdout
