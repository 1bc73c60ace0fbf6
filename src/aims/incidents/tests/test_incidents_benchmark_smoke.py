"""benchmarks/incidents.py keeps working (CI runs it tiny): it writes one JSON object with the named figures, each
beside its floor."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Its own SQLite database whatever DATABASE_URL names: CI runs it in the SQLite pass only (see conftest.py).
pytestmark = pytest.mark.sqlite_benchmark

BENCHMARK = Path(__file__).resolve().parents[4] / "benchmarks" / "incidents.py"


def test_incidents_benchmark_runs_and_writes_its_figures(tmp_path):
    out = tmp_path / "incidents.json"
    env = {k: v for k, v in os.environ.items() if k not in ("AIMS_DATA_DIR", "DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    done = subprocess.run([sys.executable, str(BENCHMARK), "--scale", "0.005", "--repeat", "3", "--json", str(out)],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(out.read_text())
    assert (figures["benchmark"], figures["incidents"], figures["clocks"], figures["systems"]) == (
        "incidents", 100, 300, 25)
    assert figures["goals"] == {"register_p95_ms": 150, "api_p95_ms": 150, "sweep_all_ms": 2000,
                                "affected_p95_ms": 50}
    for who in ("manager", "owner"):
        for scenario in ("register", "api"):
            assert figures[f"{who}_{scenario}_statuses"] == [200]
            assert figures[f"{who}_{scenario}_queries_min"] == figures[f"{who}_{scenario}_queries_max"] > 0
            assert figures[f"{who}_{scenario}_floor_p95_ms"] > 0 and figures[f"{who}_{scenario}_floor_ratio_p95"] > 0
        assert figures[f"{who}_affected_p50_ms"] <= figures[f"{who}_affected_p95_ms"]
        assert figures[f"{who}_affected_floor_p95_ms"] > 0
    # The component is used by every system; the scoped owner sees those of one unit only.
    assert figures["manager_affected_systems"] == 25 > figures["owner_affected_systems"] > 0
    assert figures["running_clocks"] == 60 and figures["sweep_all_clocks"] == 60
    assert figures["sweep_all_floor_rows"] == 60 and figures["sweep_all_floor_ms"] > 0
    samples = figures["sweep_all_samples_ms"]  # three catch-ups, the figure their median
    assert len(samples) == 3 and samples == sorted(samples) and figures["sweep_all_ms"] == samples[1]
    assert figures["sweep_all_max_ms"] == samples[2]
    assert figures["sweep_all_email_jobs"] == 1 and figures["sweep_all_email_ms"] > 0  # one job for the batch
    assert figures["sweep_due_reminded"] >= 1 and figures["sweep_due_floor_p95_ms"] > 0
    assert figures["queries_constant"] is True
